"""Regularisers that change training but not inference: dropout and label smoothing.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from qa.demos._demo import Demo, DemoResult
from qa.demos._param import Param
from qa.demos._plot import new_figure

__all__ = ["DEMOS", "optimal_smoothed_gap", "smooth_targets"]


def _dropout(p: float, units: int) -> DemoResult:
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(units, generator=gen) + 0.5  # positive, so "kept" means "nonzero"
    y = F.dropout(x, p, training=True)
    kept = y != 0
    scale = y[kept] / x[kept]
    eval_identity = bool(torch.equal(nn.Dropout(p).eval()(x), x))
    grid = [i / 10 for i in range(10)]
    inverted = [float(F.dropout(x, q, training=True).mean() / x.mean()) for q in grid]
    # "Vanilla" dropout only zeroes units; expected activity then falls to (1 - p).
    plain = [float((F.dropout(x, q, training=True) * (1 - q)).mean() / x.mean()) for q in grid]
    fig, (ax,) = new_figure()
    ax.plot(grid, inverted, "o-", label="inverted dropout (x mask / (1-p))")
    ax.plot(grid, plain, "s--", label="mask only (no rescaling)")
    ax.plot(grid, [1.0] * len(grid), "k:", lw=0.8, label="eval mode (identity)")
    ax.axvline(p, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("drop probability p")
    ax.set_ylabel("mean output / mean input")
    ax.set_title(f"{units:,} units", fontsize=9)
    ax.legend(fontsize=8)
    metrics = {
        "kept_fraction": float(kept.float().mean()),
        "expected_kept_fraction": 1 - p,
        "kept_scale_min": float(scale.min()) if kept.any() else 0.0,
        "kept_scale_max": float(scale.max()) if kept.any() else 0.0,
        "expected_scale": 1 / (1 - p),
        "mean_ratio": float(y.mean() / x.mean()),
        "eval_is_identity": eval_identity,
    }
    text = (
        f"Inverted dropout with p={p:g} kept {metrics['kept_fraction']:.3f} of {units:,} units "
        f"(expected {1 - p:.3f}) and multiplied each kept unit by 1/(1-p) = {1 / (1 - p):.4g}, "
        f"so the mean output / mean input is {metrics['mean_ratio']:.3f}, about 1: the "
        "expectation is unchanged and eval mode can be the identity "
        f"({eval_identity})."
    )
    return DemoResult(text, metrics, fig)


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


def _label_smoothing(epsilon: float, classes: int, steps: int) -> DemoResult:
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
    fig, (ax,) = new_figure()
    ax.plot(range(1, steps + 1), hard, label="hard targets")
    ax.plot(range(1, steps + 1), soft, label=f"label smoothing eps={epsilon:g}")
    if math.isfinite(best):
        ax.axhline(best, color="k", ls="--", lw=0.8, label=f"smoothed optimum {best:.2f}")
    ax.set_xlabel("training step")
    ax.set_ylabel("top logit - mean of others")
    ax.set_title(f"linear model, {classes} classes", fontsize=9)
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
        "accuracy_hard": acc_hard,
        "accuracy_smooth": acc_soft,
    }
    text = (
        f"Smoothed targets put 1-eps+eps/K = {1 - epsilon + epsilon / classes:.3f} on the true "
        f"class and eps/K = {epsilon / classes:.3f} on the others (rows sum to 1); their cross-"
        f"entropy {manual:.5f} equals F.cross_entropy(label_smoothing={epsilon:g}) = "
        f"{builtin:.5f}. After {steps} steps the logit gap is {hard[-1]:.2f} with hard targets "
        f"(still growing) vs {soft[-1]:.2f} with smoothing (which settles near its optimum "
        f"{best:.2f}); accuracy "
        f"{acc_hard:.2f} vs {acc_soft:.2f}."
    )
    return DemoResult(text, metrics, fig)


DEMOS: tuple[Demo, ...] = (
    Demo(
        id="dropout_scaling",
        title_en="Inverted dropout keeps the expectation",
        title_zh="反向（inverted）Dropout 保持期望不变",
        claim_en="Kept units are scaled by 1/(1-p), so the mean is unchanged; eval is identity.",
        claim_zh="保留的单元乘以 1/(1-p)，期望不变；推理时 Dropout 不做任何操作。",
        concepts=("dropout", "overfitting"),
        params=(
            Param("p", "float", 0.5, 0.0, 0.95, help="drop probability", help_zh="丢弃概率"),
            Param("units", "int", 10000, 100, 100000, help="number of units",
                  help_zh="单元数量"),
        ),
        fn=_dropout,
    ),
    Demo(
        id="label_smoothing",
        title_en="Label smoothing",
        title_zh="标签平滑",
        claim_en="Targets (1-eps)*onehot + eps/K sum to 1 and keep logit gaps bounded.",
        claim_zh="平滑标签 (1-eps)*onehot + eps/K 之和为 1，并使 logit 差距保持有界。",
        concepts=("label_smoothing", "overfitting"),
        params=(
            Param("epsilon", "float", 0.1, 0.0, 0.5, help="smoothing eps", help_zh="平滑系数"),
            Param("classes", "int", 5, 2, 20, help="number of classes K", help_zh="类别数 K"),
            Param("steps", "int", 200, 1, 300, help="training steps", help_zh="训练步数"),
        ),
        fn=_label_smoothing,
    ),
)
