"""The catalogue cards of the normalisation, regularisation, activation, residual,
initialisation, optimiser and recurrent demos (no torch here; see ``_catalogue_vision``).
"""
from __future__ import annotations

from qa.demos._demo import Demo
from qa.demos._param import Param

__all__ = ["FAMILIES"]

_LAYERS = ("number of layers", "层数")
_WIDTH = ("units per layer", "每层单元数")

_NORMALIZATION = (
    Demo(
        id="batchnorm_train_eval",
        title_en="Batch normalisation: train vs eval mode",
        title_zh="批归一化：训练模式与推理模式",
        claim_en="Train mode uses batch statistics (mean 0, std 1); eval mode uses running ones.",
        claim_zh="训练时用当前批次统计量（均值 0、方差 1），推理时用滑动平均统计量。",
        preview_en="The running means approaching the true channel means batch by batch, and "
                   "how noisy batch statistics are for small batches.",
        preview_zh="滑动平均逐批逼近各通道真实均值的曲线，以及小批量下批统计量有多嘈杂。",
        concepts=("batch_normalization", "internal_covariate_shift",
                  "exponential_moving_average"),
        params=(
            Param("channels", "int", 4, 1, 16, help="number of channels", help_zh="通道数"),
            Param("batch_size", "int", 32, 2, 256, help="training batch size",
                  help_zh="训练批大小"),
            Param("momentum", "float", 0.1, 0.01, 1.0, help="running-statistics momentum",
                  help_zh="滑动平均动量"),
            Param("warmup", "int", 50, 1, 200, help="training batches seen",
                  help_zh="训练批次数"),
        ),
        family="normalization",
    ),
    Demo(
        id="spectral_norm_power_iteration",
        title_en="Spectral norm by power iteration",
        title_zh="用幂迭代求谱范数",
        claim_en="Power iteration converges to the largest singular value given by the SVD.",
        claim_zh="幂迭代收敛到 SVD 给出的最大奇异值。",
        preview_en="The relative error of the power-iteration estimate of sigma_max, step by "
                   "step, against the predicted rate.",
        preview_zh="幂迭代估计最大奇异值的相对误差随迭代步数下降的曲线，并与理论速率对比。",
        concepts=("spectral_normalization", "power_iteration"),
        params=(
            Param("rows", "int", 32, 2, 64, help="matrix rows", help_zh="矩阵行数"),
            Param("cols", "int", 16, 2, 64, help="matrix columns", help_zh="矩阵列数"),
            Param("iterations", "int", 20, 1, 100, help="power-iteration steps",
                  help_zh="幂迭代步数"),
        ),
        family="normalization",
    ),
)

_REGULARIZATION = (
    Demo(
        id="dropout_scaling",
        title_en="Inverted dropout keeps the expectation",
        title_zh="反向（inverted）Dropout 保持期望不变",
        claim_en="Kept units are scaled by 1/(1-p), so the mean is unchanged in expectation; "
                 "eval mode is the identity.",
        claim_zh="保留的单元乘以 1/(1-p)，期望不变；推理时 Dropout 不做任何操作。",
        preview_en="Mean output / mean input against the drop probability, with and without "
                   "the 1/(1-p) rescaling.",
        preview_zh="输出均值与输入均值之比随丢弃概率的变化：有无 1/(1-p) 缩放的对比。",
        concepts=("dropout", "overfitting"),
        params=(
            Param("p", "float", 0.5, 0.0, 0.95, help="drop probability", help_zh="丢弃概率"),
            Param("units", "int", 10000, 100, 100000, help="number of units",
                  help_zh="单元数量"),
        ),
        family="regularization",
    ),
    Demo(
        id="label_smoothing",
        title_en="Label smoothing",
        title_zh="标签平滑",
        claim_en="Targets (1-eps)*onehot + eps/K sum to 1 and keep logit gaps bounded.",
        claim_zh="平滑标签 (1-eps)*onehot + eps/K 之和为 1，并使 logit 差距保持有界。",
        preview_en="The logit gap during training with hard and with smoothed targets, and the "
                   "gap smoothing settles at.",
        preview_zh="训练过程中硬标签与平滑标签下 logit 差距的变化，以及平滑标签的最优差距。",
        concepts=("label_smoothing", "overfitting"),
        params=(
            Param("epsilon", "float", 0.1, 0.0, 0.5, help="smoothing eps", help_zh="平滑系数"),
            Param("classes", "int", 5, 2, 20, help="number of classes K", help_zh="类别数 K"),
            Param("steps", "int", 200, 1, 300, help="training steps", help_zh="训练步数"),
        ),
        family="regularization",
    ),
)

_ACTIVATION = (
    Demo(
        id="activation_gradients",
        title_en="Activation derivatives and vanishing gradients",
        title_zh="激活函数导数与梯度消失",
        claim_en="Sigmoid's derivative is at most 0.25, so deep sigmoid nets' gradients vanish; "
                 "ReLU's do not.",
        claim_zh="sigmoid 的导数最大为 0.25，深层 sigmoid 网络的梯度因此消失；ReLU 不会。",
        preview_en="The derivatives of sigmoid, tanh, ReLU and LeakyReLU, and each layer's "
                   "gradient in a deep MLP with each of them.",
        preview_zh="sigmoid、tanh、ReLU、LeakyReLU 的导数曲线，以及用它们的深层 MLP 每层的梯度大小。",
        concepts=("sigmoid", "tanh", "relu", "leaky_relu", "vanishing_gradient"),
        params=(
            Param("depth", "int", 20, 2, 40, help=_LAYERS[0], help_zh=_LAYERS[1]),
            Param("width", "int", 32, 8, 128, help=_WIDTH[0], help_zh=_WIDTH[1]),
            Param("negative_slope", "float", 0.01, 0.001, 0.5, help="LeakyReLU slope for x < 0",
                  help_zh="LeakyReLU 负半轴斜率"),
        ),
        family="activation",
    ),
)

_RESIDUAL = (
    Demo(
        id="residual_gradient_flow",
        title_en="Gradient flow with residual connections",
        title_zh="残差连接中的梯度流动",
        claim_en="Identity shortcuts keep per-layer gradients near constant; a plain stack decays.",
        claim_zh="恒等捷径使各层梯度大致不变；普通堆叠网络的梯度向输入端衰减。",
        preview_en="Each layer's gradient relative to the last layer's, for the same layers "
                   "with and without identity shortcuts.",
        preview_zh="同一组层在有无恒等捷径时，各层梯度相对最后一层梯度的大小。",
        concepts=("residual_connection", "resnet", "vanishing_gradient"),
        params=(
            Param("depth", "int", 30, 2, 60, help=_LAYERS[0], help_zh=_LAYERS[1]),
            Param("width", "int", 32, 8, 128, help=_WIDTH[0], help_zh=_WIDTH[1]),
            Param("activation", "choice", "tanh", choices=("tanh", "relu"),
                  help="activation inside each layer", help_zh="每层的激活函数"),
        ),
        family="residual",
    ),
)

_INITIALIZATION = (
    Demo(
        id="weight_init_stats",
        title_en="Weight initialisation and activation scale",
        title_zh="权重初始化与激活值尺度",
        claim_en="Xavier keeps tanh and He keeps ReLU activations stable; zero init is symmetric.",
        claim_zh="Xavier 初始化使 tanh、He 初始化使 ReLU 的激活值保持稳定；全零初始化导致对称性。",
        preview_en="The activation spread layer by layer for zero, N(0,1), Xavier and He "
                   "initialisation, with tanh and with ReLU.",
        preview_zh="全零、N(0,1)、Xavier、He 四种初始化下，tanh 与 ReLU 网络逐层激活值标准差的变化。",
        concepts=("weight_initialization", "xavier_initialization", "he_initialization",
                  "vanishing_gradient", "exploding_gradient", "tanh", "relu"),
        params=(
            Param("depth", "int", 10, 2, 30, help=_LAYERS[0], help_zh=_LAYERS[1]),
            Param("width", "int", 128, 16, 128, help=_WIDTH[0], help_zh=_WIDTH[1]),
        ),
        family="initialization",
    ),
)

_OPTIM = (
    Demo(
        id="optimizer_race",
        title_en="Optimiser race on a 2-D loss surface",
        title_zh="优化器在二维损失曲面上的比赛",
        claim_en="On an ill-conditioned surface, Momentum and Adam reach a much lower loss "
                 "than plain SGD at the same learning rate.",
        claim_zh="在病态（狭长）曲面上，同样的学习率下 Momentum 和 Adam 比普通 SGD 的损失低得多。",
        preview_en="The paths of SGD, Momentum, AdaGrad, RMSProp and Adam from one start on a "
                   "contour plot, and their losses step by step.",
        preview_zh="SGD、Momentum、AdaGrad、RMSProp、Adam 从同一起点出发在等高线图上的轨迹，以及逐步的损失曲线。",
        concepts=("sgd", "momentum", "adagrad", "rmsprop", "adam"),
        params=(
            Param("surface", "choice", "valley", choices=("valley", "rosenbrock"),
                  help="loss surface", help_zh="损失曲面"),
            Param("lr", "float", 0.1, 0.0001, 1.0, help="learning rate for every optimiser",
                  help_zh="所有优化器共用的学习率"),
            # 300: at 100 steps Adam ends only 9.6x below SGD on the valley at lr 0.1.
            Param("steps", "int", 300, 10, 300, help="optimisation steps", help_zh="迭代步数"),
        ),
        family="optim",
    ),
    Demo(
        id="ema_smoothing",
        title_en="Exponential moving average and bias correction",
        title_zh="指数滑动平均与偏差修正",
        claim_en="An EMA started at 0 is biased low early on; dividing by 1 - beta^t fixes it.",
        claim_zh="从 0 开始的指数滑动平均早期偏小；除以 1 - beta^t 即可修正。",
        preview_en="A noisy series around 10, its raw EMA starting from 0, and the "
                   "bias-corrected EMA.",
        preview_zh="围绕 10 波动的噪声序列、从 0 开始的原始指数滑动平均，以及偏差修正后的曲线。",
        concepts=("exponential_moving_average", "adam", "momentum"),
        params=(
            Param("beta", "float", 0.9, 0.5, 0.999, help="decay beta", help_zh="衰减系数 beta"),
            Param("steps", "int", 100, 10, 500, help="length of the series", help_zh="序列长度"),
            Param("noise", "float", 1.0, 0.0, 5.0, help="noise std", help_zh="噪声标准差"),
        ),
        family="optim",
    ),
)

_RECURRENT = (
    Demo(
        id="lstm_vs_rnn_gradients",
        title_en="Gradients through time: LSTM/GRU vs plain RNN",
        title_zh="随时间反向传播：LSTM/GRU 与普通 RNN 的梯度",
        claim_en="With a keep-gate bias, the gradient to early time steps survives in an LSTM "
                 "and a GRU; in a tanh RNN it vanishes.",
        claim_zh="门控偏置倾向保留状态时，LSTM 和 GRU 中对早期时间步的梯度得以保留；tanh RNN 中则会消失。",
        preview_en="How strongly the last hidden state depends on each input step, for a tanh "
                   "RNN, an LSTM and a GRU.",
        preview_zh="最后一个隐藏状态对每个时间步输入的梯度大小：tanh RNN、LSTM、GRU 三条曲线。",
        concepts=("lstm", "gru", "rnn", "vanishing_gradient"),
        params=(
            Param("seq_len", "int", 50, 5, 100, help="sequence length", help_zh="序列长度"),
            Param("hidden", "int", 32, 4, 64, help="hidden units", help_zh="隐藏单元数"),
            # 3, not the common 1: at 1 an LSTM forgets 50 steps too (sigmoid(1)^49 ~ 2e-7).
            Param("keep_bias", "float", 3.0, 0.0, 5.0,
                  help="initial bias of the LSTM forget / GRU update gate",
                  help_zh="LSTM 遗忘门 / GRU 更新门的初始偏置"),
        ),
        family="recurrent",
    ),
)

FAMILIES: dict[str, tuple[Demo, ...]] = {
    "normalization": _NORMALIZATION,
    "regularization": _REGULARIZATION,
    "activation": _ACTIVATION,
    "residual": _RESIDUAL,
    "initialization": _INITIALIZATION,
    "optim": _OPTIM,
    "recurrent": _RECURRENT,
}
