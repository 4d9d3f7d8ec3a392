"""Normalisation layers: batch norm in train vs eval mode, and spectral norm's power iteration.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from qa.demos._claim import Claim
from qa.demos._demo import DemoResult
from qa.demos._lang import pick
from qa.demos._plot import new_figure, plot_lang

__all__ = ["LABELS", "MEAN_TOLERANCE", "RUNNERS", "RUNNING_TOLERANCE", "STD_TOLERANCE",
           "SVD_TOLERANCE", "power_iteration"]

# Train-mode outputs count as "mean 0, std 1" within these (float32 and eps = 1e-5).
MEAN_TOLERANCE, STD_TOLERANCE = 1e-3, 0.05
# The running mean has "caught up" when every channel is within 10% of its true mean.
RUNNING_TOLERANCE = 0.1
# Power iteration has "converged" at a relative error of 1e-3 (and spectral norm gives 1 +- 1e-2).
SVD_TOLERANCE = 1e-3


def _channel_data(channels: int, batch: int, generator: torch.Generator) -> torch.Tensor:
    """A batch whose channel c has mean 2c+1 and std 0.5(c+1): far from zero-mean, unit-std."""
    c = torch.arange(channels, dtype=torch.float32)
    return torch.randn(batch, channels, generator=generator) * (0.5 * (c + 1)) + (2 * c + 1)


def _batchnorm(channels: int, batch_size: int, momentum: float, warmup: int,
               lang: str = "en") -> DemoResult:
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
    fl = plot_lang(lang)
    fig, (left, right) = new_figure(2)
    steps = range(1, warmup + 1)
    runs = torch.stack(history)
    for c in range(min(channels, 4)):
        line, = left.plot(steps, runs[:, c].numpy(), label=pick(fl, f"channel {c}", f"通道 {c}"))
        left.axhline(2 * c + 1, color=line.get_color(), ls=":", lw=0.8)
    left.set_xlabel(pick(fl, "training batch", "训练批次"))
    left.set_ylabel(pick(fl, "running mean (dotted: true mean)", "滑动平均（虚线：真实均值）"))
    left.set_title(pick(fl, f"momentum {momentum:g}, batch {batch_size}",
                        f"动量 {momentum:g}，批大小 {batch_size}"), fontsize=9)
    left.legend(fontsize=7)
    right.loglog(sizes, noise, "o-", label=pick(fl, "measured", "实测"))
    right.loglog(sizes, [0.5 / b**0.5 for b in sizes], "k--", lw=0.8, label="0.5 / sqrt(B)")
    right.set_xlabel(pick(fl, "batch size B", "批大小 B"))
    right.set_ylabel(pick(fl, "std of the batch mean", "批均值的标准差"))
    right.set_title(pick(fl, "noise of batch statistics", "批统计量的噪声"), fontsize=9)
    right.legend(fontsize=8)
    true_mean = 2 * torch.arange(channels, dtype=torch.float32) + 1
    running_error = float(((running_mean - true_mean).abs() / true_mean).max())
    covered = 1 - (1 - momentum) ** warmup
    metrics = {
        "train_mean_abs_max": float(train_mean.abs().max()),
        "train_std_min": float(train_std.min()),
        "train_std_max": float(train_std.max()),
        "eval_formula_max_err": float((y_eval - formula).abs().max()),
        "eval_vs_train_max_diff": float((y_eval - y_same).abs().max()),
        "running_mean": [float(v) for v in running_mean],
        "running_mean_rel_error": running_error,
        "start_bias_left": 1 - covered,
        "batch_mean_std_2": noise[0],
        "batch_mean_std_64": noise[sizes.index(64)],
    }
    m = metrics
    summary = pick(
        lang,
        f"Train mode, last batch: per-channel output |mean| <= {m['train_mean_abs_max']:.1e}, "
        f"std {m['train_std_min']:.3f}..{m['train_std_max']:.3f}. Eval mode matches "
        f"(x - running mean) / sqrt(running var + eps) to {m['eval_formula_max_err']:.1e} and "
        f"differs from train mode on the same batch by up to {m['eval_vs_train_max_diff']:.3f}. "
        f"After {warmup} batches the running means are off by up to {running_error:.1%}. "
        f"Batch means scatter with std {noise[0]:.3f} at B=2 and {m['batch_mean_std_64']:.3f} "
        "at B=64.",
        f"训练模式（最后一批）：各通道输出 |均值| <= {m['train_mean_abs_max']:.1e}，标准差 "
        f"{m['train_std_min']:.3f}..{m['train_std_max']:.3f}。推理模式与 (x - 滑动均值) / sqrt(滑动方差 "
        f"+ eps) 相差 {m['eval_formula_max_err']:.1e}，与同一批的训练模式输出最多相差 "
        f"{m['eval_vs_train_max_diff']:.3f}。{warmup} 批之后滑动均值最多偏离 {running_error:.1%}。"
        f"批均值的标准差：B=2 时 {noise[0]:.3f}，B=64 时 {m['batch_mean_std_64']:.3f}。",
    )
    return DemoResult(summary, metrics, fig, _batchnorm_claims(metrics, batch_size, momentum,
                                                               warmup, lang))


def _batchnorm_claims(m: dict, batch_size: int, momentum: float, warmup: int,
                      lang: str) -> tuple[Claim, ...]:
    normalised = (m["train_mean_abs_max"] <= MEAN_TOLERANCE
                  and 1 - STD_TOLERANCE <= m["train_std_min"] <= m["train_std_max"]
                  <= 1 + STD_TOLERANCE)
    claims = [Claim("train_normalises", "shown", pick(
        lang, f"train-mode outputs have mean 0 (within {MEAN_TOLERANCE:g}) and std 1 (within "
              f"{STD_TOLERANCE:g}) per channel.",
        f"训练模式下各通道输出均值为 0（误差 {MEAN_TOLERANCE:g} 内）、标准差为 1（误差 {STD_TOLERANCE:g} 内）。"))
        if normalised else Claim("train_normalises", "not_shown", pick(
            lang, f"a channel's std is {m['train_std_min']:.3f}, outside 1 ± {STD_TOLERANCE:g}: "
                  f"with {batch_size} samples its batch variance is comparable to eps = 1e-5.",
            f"某通道标准差为 {m['train_std_min']:.3f}，超出 1 ± {STD_TOLERANCE:g}：只有 {batch_size} "
            "个样本时它的批方差与 eps = 1e-5 相当。"))]
    claims.append(Claim("eval_uses_running", "shown", pick(
        lang, "eval mode normalises with the running statistics, not the batch's.",
        "推理模式用滑动平均统计量归一化，而不是当前批次的统计量。"))
        if m["eval_formula_max_err"] <= 1e-4 else Claim("eval_uses_running", "not_shown", pick(
            lang, "eval-mode outputs do not match the running-statistics formula.",
            "推理模式输出与滑动统计量公式不符。")))
    if m["running_mean_rel_error"] <= RUNNING_TOLERANCE:
        claims.append(Claim("running_caught_up", "shown", pick(
            lang, f"the running means are within {RUNNING_TOLERANCE:.0%} of the true means.",
            f"滑动均值与真实均值相差不到 {RUNNING_TOLERANCE:.0%}。")))
    elif m["start_bias_left"] > RUNNING_TOLERANCE:
        claims.append(Claim("running_caught_up", "not_shown", pick(
            lang, f"after {warmup} batches at momentum {momentum:g} the running mean still holds "
                  f"(1 - momentum)^{warmup} = {m['start_bias_left']:.0%} of its start value 0, "
                  "so eval mode uses stale statistics; train longer or raise the momentum.",
            f"动量 {momentum:g} 训练 {warmup} 批后，滑动均值仍保留初始值 0 的 (1 - 动量)^{warmup} = "
            f"{m['start_bias_left']:.0%}，推理模式用的是过时的统计量；请增加批次数或调大动量。")))
    else:
        claims.append(Claim("running_caught_up", "not_shown", pick(
            lang, f"the running means are off by {m['running_mean_rel_error']:.0%}: at momentum "
                  f"{momentum:g} they average only a few batches of {batch_size}, and those "
                  "batch means are noisy.",
            f"滑动均值偏离 {m['running_mean_rel_error']:.0%}：动量 {momentum:g} 时只平均了少数几个大小为 "
            f"{batch_size} 的批次，而这些批均值本身噪声很大。")))
    return tuple(claims)


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


def _spectral(rows: int, cols: int, iterations: int, lang: str = "en") -> DemoResult:
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
    fl = plot_lang(lang)
    fig, (ax,) = new_figure()
    ax.semilogy(range(1, iterations + 1), [max(e, 1e-17) for e in errors], "o-", ms=3,
                label=pick(fl, "power iteration", "幂迭代"))
    ax.semilogy(range(1, iterations + 1), [0.8 ** (4 * k) for k in range(1, iterations + 1)],
                "k--", lw=0.8, label="(sigma2/sigma1)^(4k)")
    ax.set_xlabel(pick(fl, "iteration k", "迭代步数 k"))
    ax.set_ylabel(pick(fl, "relative error of sigma_max", "sigma_max 的相对误差"))
    ax.set_title(f"{rows}x{cols}, sigma_max = {sigma:.4f}", fontsize=9)
    ax.legend(fontsize=8)
    # Steps needed for SVD_TOLERANCE at the predicted rate 0.8^(4k).
    needed = math.ceil(math.log(SVD_TOLERANCE) / (4 * math.log(0.8)))
    summary = pick(
        lang,
        f"Power iteration on a {rows}x{cols} matrix (singular values 5 * 0.8^i) estimates "
        f"sigma_max = {estimates[-1]:.6f} after {iterations} steps; the SVD says {sigma:.6f} "
        f"(relative error {errors[-1]:.1e}). Each step applies W^T W, so theory predicts the "
        f"error to shrink like 0.8^(4k) (dashed line). After spectral norm the weight's largest "
        f"singular value is {normalised:.4f}.",
        f"对 {rows}x{cols} 矩阵（奇异值 5 * 0.8^i）做 {iterations} 步幂迭代，估计 sigma_max = "
        f"{estimates[-1]:.6f}；SVD 给出 {sigma:.6f}（相对误差 {errors[-1]:.1e}）。每步相当于乘一次 "
        f"W^T W，理论上误差按 0.8^(4k) 缩小（虚线）。谱归一化后权重的最大奇异值为 {normalised:.4f}。",
    )
    claims = [Claim("converges", "shown", pick(
        lang, f"the estimate is within {SVD_TOLERANCE:g} (relative) of the SVD.",
        f"估计值与 SVD 的相对误差在 {SVD_TOLERANCE:g} 以内。"))
        if errors[-1] <= SVD_TOLERANCE else Claim("converges", "not_shown", pick(
            lang, f"after {iterations} step(s) the error is still {errors[-1]:.1e}; at the rate "
                  f"0.8^(4k) reaching {SVD_TOLERANCE:g} takes about {needed} steps.",
            f"{iterations} 步后误差仍为 {errors[-1]:.1e}；按 0.8^(4k) 的速率，达到 {SVD_TOLERANCE:g} "
            f"约需 {needed} 步。"))]
    unit = abs(normalised - 1) <= 10 * SVD_TOLERANCE
    claims.append(Claim("normalised_to_one", "shown" if unit else "not_shown", pick(
        lang, f"spectral norm brings the largest singular value to 1 (within {10 * SVD_TOLERANCE:g})."
        if unit else f"after spectral norm the largest singular value is {normalised:.4f}, not 1.",
        f"谱归一化使最大奇异值为 1（误差 {10 * SVD_TOLERANCE:g} 内）。"
        if unit else f"谱归一化后最大奇异值为 {normalised:.4f}，不是 1。")))
    metrics = {
        "sigma_svd": sigma,
        "sigma_power": estimates[-1],
        "rel_error": errors[-1],
        "errors": errors,
        "normalised_sigma": normalised,
    }
    return DemoResult(summary, metrics, fig, tuple(claims))


RUNNERS = {"batchnorm_train_eval": _batchnorm, "spectral_norm_power_iteration": _spectral}

LABELS: dict[str, tuple[str, str]] = {
    "train_mean_abs_max": ("largest |mean|, train mode", "训练模式最大 |均值|"),
    "train_std_min": ("smallest std, train mode", "训练模式最小标准差"),
    "train_std_max": ("largest std, train mode", "训练模式最大标准差"),
    "eval_formula_max_err": ("eval mode vs formula", "推理模式与公式的差"),
    "eval_vs_train_max_diff": ("eval vs train on one batch", "同一批推理与训练的差"),
    "running_mean": ("running means", "滑动均值"),
    "running_mean_rel_error": ("running mean error", "滑动均值相对误差"),
    "start_bias_left": ("share of the start value left", "初始值残留比例"),
    "batch_mean_std_2": ("batch-mean std at B=2", "B=2 时批均值标准差"),
    "batch_mean_std_64": ("batch-mean std at B=64", "B=64 时批均值标准差"),
    "sigma_svd": ("largest singular value (SVD)", "最大奇异值（SVD）"),
    "sigma_power": ("power-iteration estimate", "幂迭代估计值"),
    "rel_error": ("relative error", "相对误差"),
    "errors": ("error per step", "每步误差"),
    "normalised_sigma": ("largest singular value after spectral norm", "谱归一化后最大奇异值"),
}
