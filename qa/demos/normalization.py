"""Normalisation layers: batch norm in train vs eval mode, and spectral norm's power iteration.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from qa.demos._demo import Demo, DemoResult
from qa.demos._param import Param
from qa.demos._plot import new_figure

__all__ = ["DEMOS", "power_iteration"]


def _channel_data(channels: int, batch: int, generator: torch.Generator) -> torch.Tensor:
    """A batch whose channel c has mean 2c+1 and std 0.5(c+1): far from zero-mean, unit-std."""
    c = torch.arange(channels, dtype=torch.float32)
    return torch.randn(batch, channels, generator=generator) * (0.5 * (c + 1)) + (2 * c + 1)


def _batchnorm(channels: int, batch_size: int, momentum: float, warmup: int) -> DemoResult:
    gen = torch.Generator().manual_seed(0)
    bn = nn.BatchNorm1d(channels, momentum=momentum)
    running_mean, running_var = bn.running_mean, bn.running_var
    assert running_mean is not None and running_var is not None  # track_running_stats=True
    history = []
    for _ in range(warmup):
        y_train = bn(_channel_data(channels, batch_size, gen))
        history.append(running_mean.clone())
    train_mean = y_train.detach().mean(dim=0)
    train_std = y_train.detach().std(dim=0, unbiased=False)
    x = _channel_data(channels, batch_size, gen)
    bn.eval()
    with torch.no_grad():
        y_eval = bn(x)
        formula = (x - running_mean) / torch.sqrt(running_var + bn.eps) * bn.weight + bn.bias
        # Train-mode output of the same batch, without touching the running statistics.
        y_same = F.batch_norm(x, None, None, bn.weight, bn.bias, training=True, eps=bn.eps)
    sizes = [2, 4, 8, 16, 32, 64, 128]
    # Channel 0 has std 0.5; the std of a batch mean should be 0.5 / sqrt(B).
    noise = [float(_channel_data(1, 200 * b, gen).reshape(200, b).mean(dim=1).std())
             for b in sizes]
    fig, (left, right) = new_figure(2)
    steps = range(1, warmup + 1)
    runs = torch.stack(history)
    for c in range(min(channels, 4)):
        line, = left.plot(steps, runs[:, c].numpy(), label=f"channel {c}")
        left.axhline(2 * c + 1, color=line.get_color(), ls=":", lw=0.8)
    left.set_xlabel("training batch")
    left.set_ylabel("running mean (dotted: true mean)")
    left.set_title(f"momentum {momentum:g}, batch {batch_size}", fontsize=9)
    left.legend(fontsize=7)
    right.loglog(sizes, noise, "o-", label="measured")
    right.loglog(sizes, [0.5 / b**0.5 for b in sizes], "k--", lw=0.8, label="0.5 / sqrt(B)")
    right.set_xlabel("batch size B")
    right.set_ylabel("std of the batch mean")
    right.set_title("noise of batch statistics", fontsize=9)
    right.legend(fontsize=8)
    metrics = {
        "train_mean_abs_max": float(train_mean.abs().max()),
        "train_std_min": float(train_std.min()),
        "train_std_max": float(train_std.max()),
        "eval_formula_max_err": float((y_eval - formula).abs().max()),
        "eval_vs_train_max_diff": float((y_eval - y_same).abs().max()),
        "running_mean": [float(v) for v in running_mean],
        "batch_mean_std_2": noise[0],
        "batch_mean_std_64": noise[sizes.index(64)],
    }
    text = (
        f"Training mode normalises with the batch's own statistics: per-channel output mean "
        f"|mu| <= {metrics['train_mean_abs_max']:.1e}, std {metrics['train_std_min']:.3f}.."
        f"{metrics['train_std_max']:.3f}. Eval mode uses the running averages instead (matches "
        f"the formula to {metrics['eval_formula_max_err']:.1e}) and differs from train mode on "
        f"the same batch by up to {metrics['eval_vs_train_max_diff']:.3f}. Batch means are "
        f"noisy for tiny batches: std {noise[0]:.3f} at B=2 vs {metrics['batch_mean_std_64']:.3f} "
        "at B=64."
    )
    return DemoResult(text, metrics, fig)


def power_iteration(w: torch.Tensor, steps: int, generator: torch.Generator) -> list[float]:
    """Estimates of the largest singular value of ``w`` after each power-iteration step.

    ``v <- W^T u / |.|``, ``u <- W v / |.|``, ``sigma = u^T W v``, as in spectral norm.
    Example: for ``diag(3, 1)`` the estimates approach 3.
    """
    u = F.normalize(torch.randn(w.shape[0], generator=generator, dtype=w.dtype), dim=0)
    estimates = []
    for _ in range(steps):
        v = F.normalize(w.T @ u, dim=0)
        u = F.normalize(w @ v, dim=0)
        estimates.append(float(u @ w @ v))
    return estimates


def _decaying_matrix(rows: int, cols: int, generator: torch.Generator) -> torch.Tensor:
    """Random float64 matrix with singular values 5 * 0.8^i (a decaying spectrum, like
    trained weights); float64 so the convergence plot is not cut off at float32 precision."""
    q1, _ = torch.linalg.qr(torch.randn(rows, rows, generator=generator, dtype=torch.float64))
    q2, _ = torch.linalg.qr(torch.randn(cols, cols, generator=generator, dtype=torch.float64))
    k = min(rows, cols)
    spectrum = 5 * 0.8 ** torch.arange(k, dtype=torch.float64)
    return q1[:, :k] @ torch.diag(spectrum) @ q2[:, :k].T


def _spectral(rows: int, cols: int, iterations: int) -> DemoResult:
    gen = torch.Generator().manual_seed(0)
    w = _decaying_matrix(rows, cols, gen)
    sigma = float(torch.linalg.svdvals(w)[0])
    estimates = power_iteration(w, iterations, gen)
    errors = [abs(e - sigma) / sigma for e in estimates]
    layer = nn.Linear(cols, rows, bias=False)
    with torch.no_grad():
        layer.weight.copy_(w.float())
    spectral_norm(layer, n_power_iterations=1)
    layer(torch.zeros(1, cols))  # one training-mode forward refreshes the estimate
    normalised = float(torch.linalg.svdvals(layer.weight.detach())[0])
    fig, (ax,) = new_figure()
    ax.semilogy(range(1, iterations + 1), [max(e, 1e-17) for e in errors], "o-", ms=3,
                label="power iteration")
    ax.semilogy(range(1, iterations + 1), [0.8 ** (4 * k) for k in range(1, iterations + 1)],
                "k--", lw=0.8, label="(sigma2/sigma1)^(4k)")
    ax.set_xlabel("iteration k")
    ax.set_ylabel("relative error of sigma_max")
    ax.set_title(f"{rows}x{cols} matrix, sigma_max = {sigma:.4f}", fontsize=9)
    ax.legend(fontsize=8)
    text = (
        f"Power iteration on a {rows}x{cols} matrix reaches sigma_max = {estimates[-1]:.6f} "
        f"after {iterations} steps; the SVD says {sigma:.6f} (relative error {errors[-1]:.1e}). "
        f"Each step applies W^T W, so the vectors converge like (sigma2/sigma1)^(2k) and the "
        f"sigma estimate, being quadratic in them, like 0.8^(4k). Spectral norm divides the "
        f"weight by this estimate: the normalised weight's largest singular value is "
        f"{normalised:.4f}."
    )
    metrics = {
        "sigma_svd": sigma,
        "sigma_power": estimates[-1],
        "rel_error": errors[-1],
        "errors": errors,
        "normalised_sigma": normalised,
    }
    return DemoResult(text, metrics, fig)


DEMOS: tuple[Demo, ...] = (
    Demo(
        id="batchnorm_train_eval",
        title_en="Batch normalisation: train vs eval mode",
        title_zh="批归一化：训练模式与推理模式",
        claim_en="Train mode uses batch statistics (mean 0, std 1); eval mode uses running ones.",
        claim_zh="训练时用当前批次统计量（均值 0、方差 1），推理时用滑动平均统计量。",
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
        fn=_batchnorm,
    ),
    Demo(
        id="spectral_norm_power_iteration",
        title_en="Spectral norm by power iteration",
        title_zh="用幂迭代求谱范数",
        claim_en="Power iteration converges to the largest singular value given by the SVD.",
        claim_zh="幂迭代收敛到 SVD 给出的最大奇异值。",
        concepts=("spectral_normalization", "power_iteration"),
        params=(
            Param("rows", "int", 32, 2, 64, help="matrix rows", help_zh="矩阵行数"),
            Param("cols", "int", 16, 2, 64, help="matrix columns", help_zh="矩阵列数"),
            Param("iterations", "int", 20, 1, 100, help="power-iteration steps",
                  help_zh="幂迭代步数"),
        ),
        fn=_spectral,
    ),
)
