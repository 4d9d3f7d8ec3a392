"""Optimisers: a race on a 2-D loss surface, and exponential moving averages.

The race uses the real ``torch.optim`` classes on one scalar loss of two parameters, so the
trajectories are exactly what those optimisers do, just small enough to draw.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from qa.demos._claim import Claim
from qa.demos._demo import DemoResult
from qa.demos._lang import pick
from qa.demos._plot import new_figure, plot_lang

__all__ = ["BEATS", "CORRECTS", "LABELS", "OPTIMIZERS", "RUNNERS", "SURFACES", "Run", "Surface",
           "ema", "race"]

# "Much lower": at least 10x below SGD's final loss. "Fixes the bias": bias correction at
# least halves the EMA's mean error over its first 1/(1-beta) steps.
BEATS, CORRECTS = 10.0, 2.0


@dataclass(frozen=True)
class Surface:
    """A 2-D loss, its gradient in closed form, a start point and the window to draw.

    The closed-form gradient skips autograd in the race loop (a tiny graph per step costs
    more than the arithmetic); the tests check it against autograd.
    """

    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    grad: Callable[[float, float], tuple[float, float]]
    start: tuple[float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    formula: str
    minimum: tuple[float, float]
    # Largest curvature when it is constant (a quadratic): SGD is stable only for lr < 2/c.
    curvature: float | None = None


SURFACES: dict[str, Surface] = {
    # Curvatures 0.1 and 5: condition number 50, a long shallow valley.
    "valley": Surface(
        loss=lambda x, y: 0.05 * x**2 + 2.5 * y**2,
        grad=lambda x, y: (0.1 * x, 5.0 * y),
        start=(-8.0, 1.5), xlim=(-9.0, 9.0), ylim=(-2.5, 2.5), formula="0.05x^2 + 2.5y^2",
        minimum=(0.0, 0.0), curvature=5.0),
    # Rosenbrock's banana, scaled by 0.1 so one learning rate suits both surfaces.
    "rosenbrock": Surface(
        loss=lambda x, y: 0.1 * ((1 - x) ** 2 + 10 * (y - x**2) ** 2),
        grad=lambda x, y: (-0.2 * (1 - x) - 4.0 * x * (y - x**2), 2.0 * (y - x**2)),
        start=(-1.5, 2.0), xlim=(-2.0, 2.0), ylim=(-1.0, 3.0),
        formula="0.1[(1-x)^2 + 10(y-x^2)^2]", minimum=(1.0, 1.0)),
}

OPTIMIZERS: dict[str, Callable[[list[torch.Tensor], float], torch.optim.Optimizer]] = {
    "SGD": lambda p, lr: torch.optim.SGD(p, lr=lr),
    "Momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
    "AdaGrad": lambda p, lr: torch.optim.Adagrad(p, lr=lr),
    "RMSProp": lambda p, lr: torch.optim.RMSprop(p, lr=lr),
    "Adam": lambda p, lr: torch.optim.Adam(p, lr=lr),
}

_DIVERGED = 1e6  # a coordinate this large has left any sensible window: stop the run


@dataclass(frozen=True)
class Run:
    """One optimiser's trajectory, its loss before each step and whether it blew up."""

    path: list[tuple[float, float]]
    losses: list[float]
    diverged: bool


def race(surface: Surface, lr: float, steps: int,
         names: tuple[str, ...] = tuple(OPTIMIZERS)) -> dict[str, Run]:
    """Run the optimisers ``names`` side by side from the surface's start.

    Each optimiser owns its own point and receives the closed-form gradient, then takes a
    real ``torch.optim`` step. An optimiser that diverges stops; the others go on.
    """
    runs = {}
    for name in names:
        point = torch.tensor(surface.start)
        point.grad = torch.zeros(2)
        opt = OPTIMIZERS[name]([point], lr)
        x, y = surface.start
        path, losses, diverged = [surface.start], [], False
        for _ in range(steps):
            losses.append(float(surface.loss(torch.tensor(x), torch.tensor(y))))
            point.grad = torch.tensor(surface.grad(x, y))
            opt.step()
            x, y = (float(v) for v in point)
            if not (math.isfinite(x) and math.isfinite(y)) or max(abs(x), abs(y)) > _DIVERGED:
                diverged = True
                break
            path.append((x, y))
        if not diverged:
            losses.append(float(surface.loss(torch.tensor(x), torch.tensor(y))))
        runs[name] = Run(path, [v for v in losses if math.isfinite(v)], diverged)
    return runs


def _optimizer_race(surface: str, lr: float, steps: int, lang: str = "en") -> DemoResult:
    surf = SURFACES[surface]
    runs = race(surf, lr, steps)
    xs = torch.linspace(*surf.xlim, 200)
    ys = torch.linspace(*surf.ylim, 200)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    z = surf.loss(grid_x, grid_y)
    levels = torch.logspace(-3, math.log10(float(z.max())), 15).numpy()
    fl = plot_lang(lang)
    fig, (left, right) = new_figure(2)
    left.contour(xs.numpy(), ys.numpy(), z.numpy(), levels=levels, colors="grey",
                 linewidths=0.5)
    for name, run in runs.items():
        px, py = zip(*run.path, strict=True)
        (line,) = left.plot(px, py, "-", lw=1.2, label=name)
        right.semilogy(range(len(run.losses)), [max(v, 1e-12) for v in run.losses],
                       color=line.get_color(), label=name)
    left.plot(*surf.start, "k*", ms=10)
    left.set_xlim(*surf.xlim)
    left.set_ylim(*surf.ylim)
    left.set_xlabel("x")
    left.set_ylabel("y")
    left.set_title(f"{surface}: {surf.formula}", fontsize=8)
    left.legend(fontsize=7)
    right.set_xlabel(pick(fl, "step", "步数"))
    right.set_ylabel(pick(fl, "loss", "损失"))
    right.set_title(pick(fl, f"lr = {lr:g}, {steps} steps", f"lr = {lr:g}，{steps} 步"), fontsize=9)
    right.legend(fontsize=7)
    finals = {n: None if run.diverged else run.losses[-1] for n, run in runs.items()}
    ranking = sorted((n for n in runs if not runs[n].diverged), key=lambda n: runs[n].losses[-1])
    metrics = {
        "final_loss": finals,
        "diverged": [n for n, v in finals.items() if v is None],
        "ranking": ranking,
        "start_loss": float(surf.loss(torch.tensor(surf.start[0]), torch.tensor(surf.start[1]))),
    }
    word = pick(lang, "diverged", "发散")
    shown = ", ".join(f"{n} {v:.1e}" if v is not None else f"{n} {word}" for n, v in finals.items())
    summary = pick(
        lang,
        f"From the same start on the {surface} surface (start loss {metrics['start_loss']:.2f}) "
        f"with lr={lr:g}, after {steps} steps the losses are: {shown}.",
        f"在 {surface} 曲面上从同一起点出发（初始损失 {metrics['start_loss']:.2f}），lr={lr:g}，{steps} "
        f"步后的损失：{shown}。",
    )
    return DemoResult(summary, metrics, fig, (_race_claim(finals, surf, lr, steps, lang),))


def _race_claim(finals: dict[str, float | None], surf: Surface, lr: float, steps: int,
                lang: str) -> Claim:
    """Do Momentum and Adam end at least BEATS x below SGD? Three states, with the reason."""
    key = ("SGD", "Momentum", "Adam")
    blown = [n for n in key if finals[n] is None]
    if blown:
        bound = "" if surf.curvature is None else pick(
            lang, f" (curvature {surf.curvature:g}: SGD is stable only for lr < "
                  f"{2 / surf.curvature:g})",
            f"（曲率 {surf.curvature:g}：SGD 仅在 lr < {2 / surf.curvature:g} 时稳定）")
        return Claim("momentum_adam_beat_sgd", "unstable", pick(
            lang, f"{', '.join(blown)} diverged at lr={lr:g}: the step is too large for the "
                  f"steepest direction{bound}, so there is no race to compare.",
            f"lr={lr:g} 时 {'、'.join(blown)} 发散：步长对最陡的方向来说太大{bound}，无从比较。"))
    sgd, mom, adam = (float(finals[n] or 0.0) for n in key)
    losers = [n for n, v in (("Momentum", mom), ("Adam", adam)) if v * BEATS > sgd]
    if not losers:
        return Claim("momentum_adam_beat_sgd", "shown", pick(
            lang, f"Momentum ({mom:.1e}) and Adam ({adam:.1e}) end at least {BEATS:g}x below "
                  f"SGD ({sgd:.1e}): momentum builds up speed along the shallow direction and "
                  "Adam rescales each coordinate by its gradient history.",
            f"Momentum（{mom:.1e}）和 Adam（{adam:.1e}）的最终损失比 SGD（{sgd:.1e}）低至少 {BEATS:g} 倍："
            "动量沿平缓方向不断加速，Adam 按各坐标的梯度历史缩放步长。"))
    distance = math.dist(surf.start, surf.minimum)
    if "Adam" in losers and lr * steps < distance:
        why = pick(lang, f"Adam moves about lr per step, so {steps} steps at lr={lr:g} cover "
                         f"at most {lr * steps:.2g}, less than the {distance:.2g} to the minimum",
                   f"Adam 每步约移动 lr，{steps} 步 lr={lr:g} 最多移动 {lr * steps:.2g}，小于到最小值的距离 "
                   f"{distance:.2g}")
    elif sgd < 1e-8:
        why = pick(lang, f"SGD itself reached {sgd:.1e}: at these settings the surface is easy "
                         "for plain SGD too",
                   f"SGD 自己已降到 {sgd:.1e}：此设置下普通 SGD 也能轻松收敛")
    else:
        why = pick(lang, "at this learning rate the advantage does not reach "
                         f"{BEATS:g}x within {steps} steps",
                   f"在这个学习率下，{steps} 步内优势达不到 {BEATS:g} 倍")
    values = ", ".join(f"{n} {finals[n]:.1e}" for n in losers)
    return Claim("momentum_adam_beat_sgd", "not_shown", pick(
        lang, f"{values} vs SGD {sgd:.1e}, not {BEATS:g}x lower: {why}.",
        f"{values}，SGD 为 {sgd:.1e}，没有低 {BEATS:g} 倍：{why}。"))


def ema(values: list[float], beta: float) -> tuple[list[float], list[float]]:
    """Raw and bias-corrected exponential moving averages, starting from ``v0 = 0``.

    ``v_t = beta v_{t-1} + (1 - beta) x_t``; corrected ``v_t / (1 - beta^t)`` as in Adam.
    Example: ``ema([10.0], 0.9) == ([1.0], [10.0])``: the raw EMA starts 10x too low.
    """
    raw, corrected, v = [], [], 0.0
    for t, x in enumerate(values, start=1):
        v = beta * v + (1 - beta) * x
        raw.append(v)
        corrected.append(v / (1 - beta**t))
    return raw, corrected


def _ema_smoothing(beta: float, steps: int, noise: float, lang: str = "en") -> DemoResult:
    true_mean = 10.0
    gen = torch.Generator().manual_seed(0)
    series = (true_mean + noise * torch.randn(steps, generator=gen)).tolist()
    raw, corrected = ema(series, beta)
    window = min(steps, math.ceil(1 / (1 - beta)))  # the EMA's effective memory
    err_raw = sum(abs(v - true_mean) for v in raw[:window]) / window
    err_cor = sum(abs(v - true_mean) for v in corrected[:window]) / window
    # The raw EMA's start-up bias alone is true_mean * beta^t; its noise has std
    # noise * sqrt((1 - beta) / (1 + beta)) once it has warmed up.
    bias = sum(true_mean * beta**t for t in range(1, window + 1)) / window
    ema_noise = noise * math.sqrt((1 - beta) / (1 + beta))
    fl = plot_lang(lang)
    fig, (ax,) = new_figure()
    t = range(1, steps + 1)
    ax.plot(t, series, ".", ms=3, color="grey", label=pick(fl, "noisy values", "带噪声的值"))
    ax.plot(t, raw, label=pick(fl, "EMA (v0 = 0)", "滑动平均（v0 = 0）"))
    ax.plot(t, corrected, label=pick(fl, "bias-corrected v / (1 - beta^t)", "偏差修正 v / (1 - beta^t)"))
    ax.axhline(true_mean, color="k", ls=":", lw=0.8, label=pick(fl, "true mean", "真实均值"))
    ax.axvline(window, color="grey", ls="--", lw=0.8)
    ax.set_xlabel(pick(fl, "step t", "步数 t"))
    ax.set_ylabel(pick(fl, "value", "值"))
    ax.set_title(pick(fl, f"beta = {beta:g} (memory about {window} steps)",
                      f"beta = {beta:g}（记忆约 {window} 步）"), fontsize=9)
    ax.legend(fontsize=8)
    metrics = {
        "start_error_raw": err_raw,
        "start_error_corrected": err_cor,
        "start_bias": bias,
        "ema_noise": ema_noise,
        "first_raw": raw[0],
        "first_corrected": corrected[0],
        "first_value": series[0],
        "window": window,
    }
    summary = pick(
        lang,
        f"An EMA with beta={beta:g} starts at 0: over its first {window} steps it is off by "
        f"{err_raw:.2f} on average (its first value is {raw[0]:.2f} for a true mean of "
        f"{true_mean:g}). Divided by 1 - beta^t it is off by {err_cor:.2f}.",
        f"beta={beta:g} 的指数滑动平均从 0 开始：前 {window} 步平均偏离 {err_raw:.2f}（真实均值 "
        f"{true_mean:g}，第一个值只有 {raw[0]:.2f}）。除以 1 - beta^t 后平均偏离 {err_cor:.2f}。",
    )
    if err_cor * CORRECTS <= err_raw:
        cut = pick(lang, f"to {err_cor:.1e}", f"到 {err_cor:.1e}") if err_cor < 1e-9 * err_raw \
            else pick(lang, f"{err_raw / err_cor:.3g}x", f"{err_raw / err_cor:.3g} 倍")
        claim = Claim("correction_fixes_bias", "shown", pick(
            lang, f"bias correction cuts the start-up error {cut} (at least {CORRECTS:g}x); Adam "
                  "corrects its moment estimates the same way.",
            f"偏差修正使起步误差减小{cut}（至少 {CORRECTS:g} 倍）；Adam 用同样的方法修正其矩估计。"))
    else:
        claim = Claim("correction_fixes_bias", "not_shown", pick(
            lang, f"with the correction the error is {err_cor:.2f}, against {err_raw:.2f} without: the "
                  f"start-up bias ({bias:.2f} on average over {window} steps) is not large "
                  f"next to the noise (about {ema_noise:.2f} in the EMA, more in its first steps).",
            f"修正后误差为 {err_cor:.2f}，不修正为 {err_raw:.2f}：起步偏差（{window} 步平均 {bias:.2f}）相对噪声"
            f"（滑动平均中约 {ema_noise:.2f}，前几步更大）并不大。"))
    return DemoResult(summary, metrics, fig, (claim,))


RUNNERS = {"optimizer_race": _optimizer_race, "ema_smoothing": _ema_smoothing}

LABELS: dict[str, tuple[str, str]] = {
    "final_loss": ("final loss", "最终损失"),
    "diverged": ("diverged", "发散的优化器"),
    "ranking": ("ranking, lowest loss first", "排名（损失从低到高）"),
    "start_loss": ("start loss", "初始损失"),
    "start_error_raw": ("start-up error, raw EMA", "起步误差（原始）"),
    "start_error_corrected": ("start-up error, corrected", "起步误差（修正后）"),
    "start_bias": ("start-up bias of the raw EMA", "原始滑动平均的起步偏差"),
    "ema_noise": ("noise left in the EMA", "滑动平均中的残余噪声"),
    "first_raw": ("first raw EMA value", "原始滑动平均的第一个值"),
    "first_corrected": ("first corrected value", "修正后的第一个值"),
    "first_value": ("first value of the series", "序列的第一个值"),
    "window": ("memory in steps, 1/(1-beta)", "记忆步数 1/(1-beta)"),
}
