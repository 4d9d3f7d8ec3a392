"""The catalogue cards of the convolution-arithmetic, pooling and upsampling demos.

A card is everything known before a run: titles, the claim it tests, the preview line,
concepts, the parameter schema and its cross-parameter checks. No torch here: the registry
imports these cards, and only running a demo imports its family module.
"""
from __future__ import annotations

from collections.abc import Mapping

from kg.errors import ParameterError
from qa.demos._demo import Demo
from qa.demos._param import Param, ParamValue

__all__ = ["FAMILIES", "divisors"]


def divisors(n: int) -> list[int]:
    """Positive divisors of ``n`` in increasing order.

    Example: ``divisors(12) == [1, 2, 3, 4, 6, 12]``.
    """
    return [d for d in range(1, n + 1) if n % d == 0]


def _check_fits(values: Mapping[str, ParamValue]) -> None:
    size, k, p, d = (int(values[n]) for n in ("in_size", "kernel", "padding", "dilation"))
    span = d * (k - 1) + 1
    if span > size + 2 * p:
        raise ParameterError(
            f"kernel={k} with dilation={d} spans {span} pixels but the padded input is only "
            f"{size + 2 * p} (in_size + 2*padding): use a smaller kernel/dilation or a larger "
            "in_size/padding"
        )


def _check_odd_kernel(values: Mapping[str, ParamValue]) -> None:
    # Odd kernels with padding K//2 keep the spatial size, so output shapes are comparable.
    if int(values["kernel"]) % 2 == 0:
        raise ParameterError(f"kernel={values['kernel']} must be odd: choose 1, 3, 5 or 7")


def _check_groups(values: Mapping[str, ParamValue]) -> None:
    c, g = int(values["channels"]), int(values["groups"])
    _check_odd_kernel(values)
    if c % g:
        options = ", ".join(map(str, divisors(c)))
        raise ParameterError(f"groups={g} must divide channels={c}: choose one of {options}")


def _check_divides(values: Mapping[str, ParamValue]) -> None:
    size, k = int(values["size"]), int(values["kernel"])
    if size % k:
        options = ", ".join(str(n) for n in range(k, 17, k))
        raise ParameterError(f"size={size} must be a multiple of kernel={k}: choose {options}")


_KERNEL = ("kernel size K", "卷积核大小 K")
_SIDE = ("input height = width", "输入边长")
_ODD = Param("kernel", "int", 5, 1, 7, help="odd kernel size K", help_zh="奇数卷积核大小 K")

_CONV = (
    Demo(
        id="conv_output_size",
        title_en="Convolution output size",
        title_zh="卷积输出尺寸",
        claim_en="out = floor((in + 2p - d(k-1) - 1)/s) + 1 matches nn.Conv2d for every setting.",
        claim_zh="输出尺寸 = floor((in + 2p - d(k-1) - 1)/s) + 1，与 nn.Conv2d 的结果一致。",
        preview_en="A step plot of output size against input size for your k, s, p, d, "
                   "with nn.Conv2d's measured sizes on top.",
        preview_zh="按你设定的 k、s、p、d 画出输出尺寸随输入尺寸变化的阶梯图，并叠加 nn.Conv2d 的实测值。",
        concepts=("convolution", "padding", "stride", "dilated_convolution", "downsampling"),
        params=(
            Param("in_size", "int", 32, 1, 64, help=_SIDE[0], help_zh=_SIDE[1]),
            Param("kernel", "int", 3, 1, 11, help=_KERNEL[0], help_zh=_KERNEL[1]),
            Param("stride", "int", 1, 1, 4, help="stride s", help_zh="步长 s"),
            Param("padding", "int", 1, 0, 5, help="zero padding p per side", help_zh="每侧补零 p"),
            Param("dilation", "int", 1, 1, 4, help="dilation d", help_zh="空洞率 d"),
        ),
        family="conv",
        check=_check_fits,
    ),
    Demo(
        id="conv_params_flops",
        title_en="Convolution parameters and multiply-adds",
        title_zh="卷积的参数量与计算量",
        claim_en="Params = C1*K*K*C (+C bias); multiply-adds = W1*H1*C1*K*K*C.",
        claim_zh="参数量 = C1*K*K*C（+C 偏置），乘加次数 = W1*H1*C1*K*K*C。",
        preview_en="Parameters and multiply-adds for kernel sizes 1 to 7, by formula and "
                   "counted on real nn.Conv2d layers.",
        preview_zh="卷积核 1 到 7 的参数量与乘加次数：公式计算值与真实 nn.Conv2d 的计数对比。",
        concepts=("convolution", "parameter_count", "flops"),
        params=(
            Param("in_channels", "int", 64, 1, 256, help="input channels C1",
                  help_zh="输入通道 C1"),
            Param("out_channels", "int", 128, 1, 256, help="output channels C",
                  help_zh="输出通道 C"),
            Param("kernel", "int", 3, 1, 7, help=_KERNEL[0], help_zh=_KERNEL[1]),
            Param("in_size", "int", 32, 1, 64, help=_SIDE[0], help_zh=_SIDE[1]),
            Param("stride", "int", 1, 1, 4, help="stride", help_zh="步长"),
            Param("bias", "bool", True, help="add a bias per output channel",
                  help_zh="每个输出通道加偏置"),
        ),
        family="conv",
    ),
)

_EFFICIENT = (
    Demo(
        id="one_by_one_bottleneck",
        title_en="1x1 convolution bottleneck",
        title_zh="1x1 卷积瓶颈层",
        claim_en="A 1x1 conv that squeezes the channels before a KxK conv cuts weights and "
                 "multiply-adds, with the same output shape.",
        claim_zh="在 KxK 卷积前用 1x1 卷积压缩通道，可减少参数量和乘加次数，输出形状不变。",
        preview_en="Bars of weights and multiply-adds: one KxK conv against a 1x1 squeeze "
                   "followed by the KxK conv.",
        preview_zh="柱状图对比参数量与乘加次数：直接 KxK 卷积 vs 先 1x1 压缩再 KxK 卷积。",
        concepts=("conv_1x1", "bottleneck", "dimension_reduction", "parameter_count", "flops"),
        params=(
            Param("in_channels", "int", 128, 1, 256, help="input channels", help_zh="输入通道数"),
            Param("out_channels", "int", 256, 1, 256, help="output channels",
                  help_zh="输出通道数"),
            Param("bottleneck", "int", 32, 1, 256, help="channels after the 1x1 conv",
                  help_zh="1x1 卷积后的通道数"),
            _ODD,
            Param("in_size", "int", 100, 1, 128, help=_SIDE[0], help_zh=_SIDE[1]),
        ),
        family="efficient_conv",
        check=_check_odd_kernel,
    ),
    Demo(
        id="depthwise_separable",
        title_en="Depthwise separable convolution",
        title_zh="深度可分离卷积",
        claim_en="Depthwise + 1x1 costs 1/C_out + 1/K^2 of a standard conv, same output shape.",
        claim_zh="逐通道卷积 + 1x1 卷积的代价为标准卷积的 1/C_out + 1/K^2，输出形状相同。",
        preview_en="The separable / standard cost ratio against output channels: the formula "
                   "1/C_out + 1/K^2 and the measured ratio.",
        preview_zh="可分离卷积与标准卷积的代价比随输出通道数的变化：公式 1/C_out + 1/K^2 与实测值。",
        concepts=("depthwise_separable_convolution", "depthwise_convolution", "mobilenet",
                  "conv_1x1", "parameter_count", "flops"),
        params=(
            Param("in_channels", "int", 32, 1, 256, help="input channels", help_zh="输入通道数"),
            Param("out_channels", "int", 64, 1, 256, help="output channels",
                  help_zh="输出通道数"),
            Param("kernel", "int", 3, 1, 7, help="odd kernel size K", help_zh="奇数卷积核大小 K"),
            Param("in_size", "int", 32, 1, 64, help=_SIDE[0], help_zh=_SIDE[1]),
        ),
        family="efficient_conv",
        check=_check_odd_kernel,
    ),
    Demo(
        id="group_conv",
        title_en="Group convolution",
        title_zh="分组卷积",
        claim_en="G groups cut parameters to 1/G; with G = channels it is a depthwise conv.",
        claim_zh="分 G 组后参数量变为 1/G；G 等于通道数时就是逐通道（depthwise）卷积。",
        preview_en="Parameters against the number of groups G on a log scale, and a check that "
                   "a grouped conv equals G separate convs.",
        preview_zh="参数量随分组数 G 的变化（对数坐标），并验证分组卷积等于 G 个独立卷积。",
        concepts=("group_convolution", "depthwise_convolution", "parameter_count"),
        params=(
            Param("channels", "int", 64, 1, 256, help="input = output channels C",
                  help_zh="输入 = 输出通道数 C"),
            Param("groups", "int", 4, 1, 256, help="groups G (must divide C)",
                  help_zh="分组数 G（须整除 C）"),
            Param("kernel", "int", 3, 1, 7, help="odd kernel size K", help_zh="奇数卷积核大小 K"),
        ),
        family="efficient_conv",
        check=_check_groups,
    ),
)

_RECEPTIVE = (
    Demo(
        id="stacked_3x3_receptive_field",
        title_en="Stacked 3x3 convolutions vs one large kernel",
        title_zh="堆叠 3x3 卷积与大卷积核的感受野",
        claim_en="n stacked 3x3 convs see (2n+1)x(2n+1) pixels like one big kernel, with fewer "
                 "weights.",
        claim_zh="n 个 3x3 卷积堆叠的感受野为 (2n+1)x(2n+1)，与一个大卷积核相同但参数更少。",
        preview_en="Two heat maps of which input pixels reach one output pixel: n stacked 3x3 "
                   "convs and one (2n+1)x(2n+1) conv.",
        preview_zh="两张热图显示哪些输入像素影响同一个输出像素：n 个堆叠的 3x3 卷积 vs 一个 (2n+1)x(2n+1) 卷积。",
        concepts=("receptive_field", "effective_receptive_field", "convolution_factorization",
                  "vgg", "parameter_count"),
        params=(
            Param("n", "int", 2, 1, 6, help="number of stacked 3x3 convs", help_zh="堆叠层数 n"),
            Param("channels", "int", 64, 1, 256, help="channels C for the parameter count",
                  help_zh="计算参数量用的通道数 C"),
        ),
        family="receptive_field",
    ),
    Demo(
        id="receptive_field_growth",
        title_en="Receptive field growth with depth",
        title_zh="感受野随深度的增长",
        claim_en="RF grows linearly in plain stacks and exponentially with stride or dilation.",
        claim_zh="普通堆叠的感受野线性增长；加步长或空洞卷积则指数增长。",
        preview_en="Receptive field against depth for plain, strided and dilated 3x3 stacks, "
                   "measured by back-propagation.",
        preview_zh="用反向传播实测普通、带步长、空洞三种 3x3 卷积堆叠的感受野随深度的增长曲线。",
        concepts=("receptive_field", "enlarge_receptive_field", "dilated_convolution", "stride",
                  "downsampling"),
        params=(Param("depth", "int", 6, 1, 8, help="number of layers", help_zh="层数"),),
        family="receptive_field",
    ),
    Demo(
        id="dilated_conv_gridding",
        title_en="Gridding in stacked dilated convolutions",
        title_zh="堆叠空洞卷积的网格效应",
        claim_en="Stacked convs with one dilation rate read only a sparse grid of their window.",
        claim_zh="相同空洞率的卷积堆叠只读取感受野内稀疏的网格点。",
        preview_en="Two maps of the input pixels one output reads: one dilation rate repeated, "
                   "and mixed rates 1, 2, 3.",
        preview_zh="两张图显示一个输出像素读取了哪些输入像素：重复同一空洞率 vs 混合空洞率 1、2、3。",
        concepts=("dilated_convolution", "receptive_field", "enlarge_receptive_field"),
        params=(
            Param("layers", "int", 2, 1, 4, help="number of stacked 3x3 convs",
                  help_zh="堆叠层数"),
            Param("dilation", "int", 2, 2, 4, help="dilation rate of every layer",
                  help_zh="每层的空洞率"),
        ),
        family="receptive_field",
    ),
)

_POOLING = (
    Demo(
        id="pooling_backward",
        title_en="Backward pass of max and mean pooling",
        title_zh="最大池化与平均池化的反向传播",
        claim_en="Max pooling routes each gradient to the argmax; mean pooling splits it evenly.",
        claim_zh="最大池化把梯度只传给最大值位置；平均池化把梯度平均分给窗口内所有位置。",
        preview_en="A random input and the gradients that flow back to it through max and "
                   "mean pooling, window by window.",
        preview_zh="一个随机输入，以及经最大池化和平均池化反传回来的梯度，逐窗口显示。",
        concepts=("pooling", "max_pooling", "average_pooling", "downsampling"),
        params=(
            Param("size", "int", 4, 2, 16, help=_SIDE[0], help_zh=_SIDE[1]),
            Param("kernel", "int", 2, 2, 4, help="window = stride", help_zh="窗口大小 = 步长"),
        ),
        family="pooling",
        check=_check_divides,
    ),
    Demo(
        id="gap_vs_fc_params",
        title_en="Global average pooling head vs fully connected head",
        title_zh="全局平均池化与全连接分类头",
        claim_en="A GAP head needs about H*W times fewer parameters than flatten + FC.",
        claim_zh="全局平均池化分类头的参数量约为展平 + 全连接的 1/(H*W)。",
        preview_en="Two bars on a log scale: parameters of a flatten + FC head and of a "
                   "global-average-pooling head.",
        preview_zh="对数坐标的两根柱子：展平 + 全连接分类头与全局平均池化分类头的参数量。",
        concepts=("global_average_pooling", "fully_connected_layer", "parameter_count",
                  "average_pooling", "overfitting"),
        params=(
            Param("channels", "int", 512, 1, 512, help="feature channels C",
                  help_zh="特征通道数 C"),
            Param("spatial", "int", 7, 1, 7, help="feature map height = width",
                  help_zh="特征图边长"),
            Param("classes", "int", 1000, 2, 1000, help="number of classes", help_zh="类别数"),
        ),
        family="pooling",
    ),
)

_UPSAMPLING = (
    Demo(
        id="transposed_conv_checkerboard",
        title_en="Transposed convolution and checkerboard artifacts",
        title_zh="转置卷积与棋盘格伪影",
        claim_en="A transposed conv whose kernel is not divisible by its stride overlaps "
                 "unevenly (checkerboard); a divisible kernel or resize + conv is even.",
        claim_zh="核大小不能被步长整除的转置卷积重叠不均匀（棋盘格）；可整除的核或先插值再卷积则均匀。",
        preview_en="Three maps of how often each output pixel is written: your transposed conv, "
                   "one with kernel 2*stride, and resize + conv.",
        preview_zh="三张图显示每个输出像素被写入的次数：你设定的转置卷积、核为 2*步长的转置卷积、先插值再卷积。",
        concepts=("transposed_convolution", "checkerboard_artifacts", "upsampling"),
        params=(
            Param("kernel", "int", 3, 1, 7, help="transposed conv kernel size",
                  help_zh="转置卷积核大小"),
            Param("stride", "int", 2, 1, 4, help="upsampling stride", help_zh="上采样步长"),
            # size >= 8 keeps at least one full stride period inside the border for k <= 7.
            Param("size", "int", 8, 8, 32, help=_SIDE[0], help_zh=_SIDE[1]),
        ),
        family="upsampling",
    ),
)

FAMILIES: dict[str, tuple[Demo, ...]] = {
    "conv": _CONV,
    "efficient_conv": _EFFICIENT,
    "receptive_field": _RECEPTIVE,
    "pooling": _POOLING,
    "upsampling": _UPSAMPLING,
}
