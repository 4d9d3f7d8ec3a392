"""Regularisers that change training but not inference: dropout and label smoothing.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from qa.demos._claim import Claim
from qa.demos._demo import DemoResult
from qa.demos._lang import pick
from qa.demos._plot import new_figure, plot_lang

__all__ = ["LABELS", "MASKS", "MEAN_TOLERANCE", "MIN_STEPS", "RUNNERS", "SETTLED",
           "optimal_smoothed_gap", "smooth_targets"]

# "About 1": a mean ratio within 0.05 of 1. The expectation is estimated over MASKS masks.
MEAN_TOLERANCE, MASKS = 0.05, 100
# The smoothed gap "has settled" when it moved by at most 2% over the second half of
# training; fewer than MIN_STEPS steps are too few to tell.
SETTLED, MIN_STEPS = 0.02, 20


def _dropout(p: float, units: int, lang: str = "en") -> DemoResult:
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(units, generator=gen) + 0.5  # positive, so "kept" means "nonzero"
    y = F.dropout(x, p, training=True)
    kept = y != 0
    scale = y[kept] / x[kept]
    eval_identity = bool(torch.equal(nn.Dropout(p).eval()(x), x))
    # The expectation over masks, estimated by averaging MASKS independent masks.
    average = float(torch.stack([F.dropout(x, p, training=True).mean()
                                 for _ in range(MASKS)]).mean() / x.mean())
    # One mask's mean ratio scatters by sqrt(p / ((1-p) n)) * rms(x) / mean(x).
    spread = (p / (1 - p) / units) ** 0.5 * float(x.pow(2).mean().sqrt() / x.mean())
    grid = [i / 10 for i in range(10)]
    inverted = [float(F.dropout(x, q, training=True).mean() / x.mean()) for q in grid]
    # "Vanilla" dropout only zeroes units; expected activity then falls to (1 - p).
    plain = [float((F.dropout(x, q, training=True) * (1 - q)).mean() / x.mean()) for q in grid]
    fl = plot_lang(lang)
    fig, (ax,) = new_figure()
    ax.plot(grid, inverted, "o-", label=pick(fl, "inverted dropout (x mask / (1-p))",
                                             "反向 Dropout（x 掩码 / (1-p)）"))
    ax.plot(grid, plain, "s--", label=pick(fl, "mask only (no rescaling)", "只乘掩码（不缩放）"))
    ax.plot(grid, [1.0] * len(grid), "k:", lw=0.8,
            label=pick(fl, "eval mode (identity)", "推理模式（恒等）"))
    ax.axvline(p, color="grey", lw=0.8, ls=":")
    ax.set_xlabel(pick(fl, "drop probability p", "丢弃概率 p"))
    ax.set_ylabel(pick(fl, "mean output / mean input", "输出均值 / 输入均值"))
    ax.set_title(pick(fl, f"{units:,} units, one mask per p", f"{units:,} 个单元，每个 p 一个掩码"),
                 fontsize=9)
    ax.legend(fontsize=8)
    metrics = {
        "kept_fraction": float(kept.float().mean()),
        "expected_kept_fraction": 1 - p,
        "kept_scale_min": float(scale.min()) if kept.any() else 0.0,
        "kept_scale_max": float(scale.max()) if kept.any() else 0.0,
        "expected_scale": 1 / (1 - p),
        "mean_ratio": float(y.mean() / x.mean()),
        "mean_ratio_spread": spread,
        "mean_ratio_over_masks": average,
        "eval_is_identity": eval_identity,
    }
    m = metrics
    low, high = f"{m['kept_scale_min']:.4g}", f"{m['kept_scale_max']:.4g}"
    scales = low if low == high else f"{low}..{high}"
    summary = pick(
        lang,
        f"Inverted dropout with p={p:g} kept {m['kept_fraction']:.3f} of {units:,} units "
        f"(expected {1 - p:.3f}) and multiplied the kept ones by {scales} (1/(1-p) = "
        f"{1 / (1 - p):.4g}). Mean output / mean input: {m['mean_ratio']:.3f} for this mask (one "
        f"mask scatters by about ±{spread:.3f}), "
        f"{average:.3f} averaged over {MASKS} masks. Eval mode returns the input unchanged: "
        f"{'yes' if eval_identity else 'no'}.",
        f"p={p:g} 的反向 Dropout 在 {units:,} 个单元中保留了 {m['kept_fraction']:.3f}（期望 {1 - p:.3f}），"
        f"保留的单元乘以 {scales}（1/(1-p) = {1 / (1 - p):.4g}）。"
        f"输出均值 / 输入均值：这个掩码为 {m['mean_ratio']:.3f}（单个掩码的波动约 ±{spread:.3f}），"
        f"{MASKS} 个掩码平均为 {average:.3f}。推理模式原样返回输入：{'是' if eval_identity else '否'}。",
    )
    return DemoResult(summary, metrics, fig, _dropout_claims(metrics, p, units, lang))


def _dropout_claims(m: dict, p: float, units: int, lang: str) -> tuple[Claim, ...]:
    exact = m["kept_fraction"] > 0 and all(
        abs(m[k] * (1 - p) - 1) <= 1e-5 for k in ("kept_scale_min", "kept_scale_max"))
    claims = [Claim("kept_scaled", "shown", pick(
        lang, "every kept unit is multiplied by exactly 1/(1-p).",
        "每个保留的单元都恰好乘以 1/(1-p)。")) if exact else Claim("kept_scaled", "not_shown", pick(
            lang, "no unit was kept, so there is no scale to see." if m["kept_fraction"] == 0
            else "the kept units are not scaled by 1/(1-p).",
            "没有单元被保留，看不到缩放。" if m["kept_fraction"] == 0 else "保留单元的缩放不是 1/(1-p)。"))]
    deviation = abs(m["mean_ratio_over_masks"] - 1)
    if deviation <= MEAN_TOLERANCE:
        claims.append(Claim("mean_kept", "shown", pick(
            lang, f"averaged over {MASKS} masks the mean ratio is "
                  f"{m['mean_ratio_over_masks']:.3f}, within {MEAN_TOLERANCE:g} of 1: the "
                  "expectation is unchanged.",
            f"{MASKS} 个掩码平均后均值之比为 {m['mean_ratio_over_masks']:.3f}，与 1 相差不到 "
            f"{MEAN_TOLERANCE:g}：期望不变。")))
    else:
        claims.append(Claim("mean_kept", "not_shown", pick(
            lang, f"even averaged over {MASKS} masks the ratio is "
                  f"{m['mean_ratio_over_masks']:.3f}, more than {MEAN_TOLERANCE:g} from 1: with "
                  f"{units:,} units and p={p:g} each mask scatters by ±{m['mean_ratio_spread']:.2f}; "
                  "use more units.",
            f"即使平均 {MASKS} 个掩码，比值仍为 {m['mean_ratio_over_masks']:.3f}，与 1 相差超过 "
            f"{MEAN_TOLERANCE:g}：{units:,} 个单元、p={p:g} 时单个掩码波动 ±{m['mean_ratio_spread']:.2f}；"
            "请增加单元数。")))
    claims.append(Claim("eval_identity", "shown" if m["eval_is_identity"] else "not_shown", pick(
        lang, "in eval mode dropout is the identity." if m["eval_is_identity"]
        else "in eval mode dropout changed its input.",
        "推理模式下 Dropout 是恒等映射。" if m["eval_is_identity"] else "推理模式下 Dropout 改变了输入。")))
    return tuple(claims)


def smooth_targets(labels: torch.Tensor, classes: int, epsilon: float) -> torch.Tensor:
    """Label-smoothed targets ``(1 - eps) * onehot + eps / K``.

    Example: ``smooth_targets(tensor([0]), 4, 0.2)`` -> ``[[0.85, 0.05, 0.05, 0.05]]``.
    """
    return (1 - epsilon) * F.one_hot(labels, classes).float() + epsilon / classes


def optimal_smoothed_gap(classes: int, epsilon: float) -> float:
    """Logit gap (true minus each other class) that minimises smoothed cross-entropy.

    Softmax must equal the target, so the gap is ``log((1 - eps + eps/K) / (eps/K))``.
    Example: ``optimal_smoothed_gap(5, 0.1)`` is about 3.83; with ``eps = 0`` it is infinite.
    """
    return math.inf if epsilon == 0 else math.log((1 - epsilon + epsilon / classes)
                                                  / (epsilon / classes))


def _gap(logits: torch.Tensor) -> float:
    """Mean over samples of top logit minus the mean of the other logits."""
    top = logits.max(dim=1).values
    rest = (logits.sum(dim=1) - top) / (logits.shape[1] - 1)
    return float((top - rest).mean())


def _train(x: torch.Tensor, y: torch.Tensor, classes: int, epsilon: float,
           steps: int) -> tuple[list[float], float]:
    """Full-batch gradient descent on a linear model; the logit gap after each step."""
    torch.manual_seed(1)  # the same initial weights for hard and smoothed targets
    model = nn.Linear(x.shape[1], classes)
    gaps = []
    for step in range(steps + 1):
        logits = model(x)
        if step:  # logits of this pass are the result of the previous step
            gaps.append(_gap(logits.detach()))
        if step == steps:
            break
        model.zero_grad()
        F.cross_entropy(logits, y, label_smoothing=epsilon).backward()
        # Plain gradient descent by hand: torch.optim's first step imports torch._dynamo
        # (about 2 s once per process), too slow for a demo that needs nothing fancy.
        with torch.no_grad():
            for p in model.parameters():
                if p.grad is not None:
                    p.sub_(0.3 * p.grad)
    accuracy = float((logits.argmax(dim=1) == y).float().mean())
    return gaps, accuracy


def _label_smoothing(epsilon: float, classes: int, steps: int, lang: str = "en") -> DemoResult:
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(64, classes, generator=gen)
    labels = torch.randint(classes, (64,), generator=gen)
    targets = smooth_targets(labels, classes, epsilon)
    manual = float(-(targets * F.log_softmax(logits, dim=1)).sum(dim=1).mean())
    builtin = float(F.cross_entropy(logits, labels, label_smoothing=epsilon))
    # Separable toy data: one Gaussian cluster per class in 8 dimensions.
    centres = 3 * torch.randn(classes, 8, generator=gen)
    y = torch.arange(classes).repeat_interleave(20)
    x = centres[y] + 0.5 * torch.randn(len(y), 8, generator=gen)
    hard, acc_hard = _train(x, y, classes, 0.0, steps)
    soft, acc_soft = _train(x, y, classes, epsilon, steps)
    best = optimal_smoothed_gap(classes, epsilon)
    fl = plot_lang(lang)
    fig, (ax,) = new_figure()
    ax.plot(range(1, steps + 1), hard, label=pick(fl, "hard targets", "硬标签"))
    ax.plot(range(1, steps + 1), soft, label=pick(fl, f"label smoothing eps={epsilon:g}",
                                                  f"标签平滑 eps={epsilon:g}"))
    if math.isfinite(best):
        ax.axhline(best, color="k", ls="--", lw=0.8,
                   label=pick(fl, f"smoothed optimum {best:.2f}", f"平滑标签的最优值 {best:.2f}"))
    ax.set_xlabel(pick(fl, "training step", "训练步数"))
    ax.set_ylabel(pick(fl, "top logit - mean of others", "最大 logit - 其余 logit 均值"))
    ax.set_title(pick(fl, f"linear model, {classes} classes", f"线性模型，{classes} 类"), fontsize=9)
    ax.legend(fontsize=8)
    metrics = {
        "target_sum_max_dev": float((targets.sum(dim=1) - 1).abs().max()),
        "target_true": float(targets[0, labels[0]]),
        "target_other": epsilon / classes,
        "ce_manual": manual,
        "ce_torch": builtin,
        "gap_hard": hard[-1],
        "gap_smooth": soft[-1],
        "gap_optimum": best if math.isfinite(best) else None,
        "gap_smooth_change": abs(soft[-1] - soft[steps // 2]) / abs(soft[-1]) if soft[-1] else 0.0,
        "gap_hard_change": abs(hard[-1] - hard[steps // 2]) / abs(hard[-1]) if hard[-1] else 0.0,
        "accuracy_hard": acc_hard,
        "accuracy_smooth": acc_soft,
    }
    optimum = pick(lang, f"its optimum {best:.2f}", f"其最优值 {best:.2f}") if math.isfinite(best) \
        else pick(lang, "no finite optimum (eps = 0)", "没有有限最优值（eps = 0）")
    summary = pick(
        lang,
        f"Smoothed targets put 1-eps+eps/K = {1 - epsilon + epsilon / classes:.3f} on the true "
        f"class and eps/K = {epsilon / classes:.3f} on each other class; their cross-entropy "
        f"{manual:.5f} vs F.cross_entropy(label_smoothing={epsilon:g}) = {builtin:.5f}. After "
        f"{steps} steps the logit gap is {hard[-1]:.2f} with hard targets and {soft[-1]:.2f} "
        f"with smoothing ({optimum}); accuracy {acc_hard:.2f} vs {acc_soft:.2f}.",
        f"平滑标签在真实类别上为 1-eps+eps/K = {1 - epsilon + epsilon / classes:.3f}，其余每类为 eps/K = "
        f"{epsilon / classes:.3f}；其交叉熵 {manual:.5f}，F.cross_entropy(label_smoothing={epsilon:g}) = "
        f"{builtin:.5f}。{steps} 步后硬标签的 logit 差距为 {hard[-1]:.2f}，平滑标签为 {soft[-1]:.2f}"
        f"（{optimum}）；准确率 {acc_hard:.2f} 对 {acc_soft:.2f}。",
    )
    return DemoResult(summary, metrics, fig, _smoothing_claims(metrics, epsilon, steps, lang))


def _smoothing_claims(m: dict, epsilon: float, steps: int, lang: str) -> tuple[Claim, ...]:
    exact = m["target_sum_max_dev"] <= 1e-6 and abs(m["ce_manual"] - m["ce_torch"]) <= 1e-5
    claims = [Claim("targets_sum_to_one", "shown" if exact else "not_shown", pick(
        lang, "the smoothed targets sum to 1 and their cross-entropy equals torch's."
        if exact else "the targets or the cross-entropy do not match torch.",
        "平滑标签之和为 1，其交叉熵与 torch 一致。" if exact else "平滑标签或交叉熵与 torch 不一致。"))]
    gap, hard = m["gap_smooth"], m["gap_hard"]
    if m["gap_optimum"] is None:
        claims.append(Claim("gap_bounded", "not_shown", pick(
            lang, "eps = 0 is no smoothing: the targets are one-hot, like the hard ones.",
            "eps = 0 即不做平滑：标签就是 one-hot 硬标签。")))
    elif steps < MIN_STEPS:
        claims.append(Claim("gap_bounded", "not_shown", pick(
            lang, f"{steps} step(s) are too few to see where the gap settles; try at least "
                  f"{MIN_STEPS}.",
            f"{steps} 步太少，看不出差距稳定在哪里；请至少训练 {MIN_STEPS} 步。")))
    elif m["gap_smooth_change"] <= SETTLED and gap < hard:
        claims.append(Claim("gap_bounded", "shown", pick(
            lang, f"the smoothed gap settled at {gap:.2f} (it moved {m['gap_smooth_change']:.1%} "
                  f"over the second half of training), below the hard-target gap {hard:.2f}, "
                  f"which moved {m['gap_hard_change']:.1%}.",
            f"平滑标签的差距稳定在 {gap:.2f}（后半程只变化 {m['gap_smooth_change']:.1%}），低于硬标签的 "
            f"{hard:.2f}（后半程变化 {m['gap_hard_change']:.1%}）。")))
    else:
        claims.append(Claim("gap_bounded", "not_shown", pick(
            lang, f"the smoothed gap {gap:.2f} still moved {m['gap_smooth_change']:.1%} over the "
                  f"second half of training (more than {SETTLED:.0%}), so it has not settled; hard "
                  f"targets: {hard:.2f}.",
            f"平滑标签的差距 {gap:.2f} 在后半程仍变化了 {m['gap_smooth_change']:.1%}（超过 {SETTLED:.0%}）；"
            f"尚未稳定；硬标签：{hard:.2f}。")))
    return tuple(claims)


RUNNERS = {"dropout_scaling": _dropout, "label_smoothing": _label_smoothing}

LABELS: dict[str, tuple[str, str]] = {
    "kept_fraction": ("share of units kept", "保留单元比例"),
    "expected_kept_fraction": ("expected share kept, 1-p", "期望保留比例 1-p"),
    "kept_scale_min": ("smallest scale of a kept unit", "保留单元的最小缩放"),
    "kept_scale_max": ("largest scale of a kept unit", "保留单元的最大缩放"),
    "expected_scale": ("expected scale, 1/(1-p)", "期望缩放 1/(1-p)"),
    "mean_ratio": ("mean output / mean input, this mask", "输出均值 / 输入均值（本掩码）"),
    "mean_ratio_spread": ("scatter of one mask's ratio", "单个掩码比值的波动"),
    "mean_ratio_over_masks": ("mean ratio over masks", "多掩码平均的均值之比"),
    "eval_is_identity": ("eval mode is the identity", "推理模式为恒等映射"),
    "target_sum_max_dev": ("largest deviation of a target sum from 1", "标签之和与 1 的最大偏差"),
    "target_true": ("target on the true class", "真实类别的标签值"),
    "target_other": ("target on another class", "其他类别的标签值"),
    "ce_manual": ("cross-entropy by hand", "手算交叉熵"),
    "ce_torch": ("cross-entropy by torch", "torch 交叉熵"),
    "gap_hard": ("logit gap, hard targets", "硬标签的 logit 差距"),
    "gap_smooth": ("logit gap, smoothed", "平滑标签的 logit 差距"),
    "gap_optimum": ("optimal smoothed gap", "平滑标签的最优差距"),
    "gap_smooth_change": ("change of the smoothed gap, second half", "平滑差距后半程变化"),
    "gap_hard_change": ("change of the hard gap, second half", "硬标签差距后半程变化"),
    "accuracy_hard": ("accuracy, hard targets", "硬标签准确率"),
    "accuracy_smooth": ("accuracy, smoothed", "平滑标签准确率"),
}
