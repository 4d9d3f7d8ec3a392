"""Optimisers: a race on a 2-D loss surface, and exponential moving averages.

The race uses the real ``torch.optim`` classes on one scalar loss of two parameters, so the
trajectories are exactly what those optimisers do, just small enough to draw.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from qa.demos._demo import Demo, DemoResult
from qa.demos._param import Param
from qa.demos._plot import new_figure

__all__ = ["DEMOS", "OPTIMIZERS", "SURFACES", "Run", "Surface", "ema", "race"]


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


SURFACES: dict[str, Surface] = {
    # Curvatures 0.1 and 5: condition number 50, a long shallow valley.
    "valley": Surface(
        loss=lambda x, y: 0.05 * x**2 + 2.5 * y**2,
        grad=lambda x, y: (0.1 * x, 5.0 * y),
        start=(-8.0, 1.5), xlim=(-9.0, 9.0), ylim=(-2.5, 2.5), formula="0.05x^2 + 2.5y^2"),
    # Rosenbrock's banana, scaled by 0.1 so one learning rate suits both surfaces.
    "rosenbrock": Surface(
        loss=lambda x, y: 0.1 * ((1 - x) ** 2 + 10 * (y - x**2) ** 2),
        grad=lambda x, y: (-0.2 * (1 - x) - 4.0 * x * (y - x**2), 2.0 * (y - x**2)),
        start=(-1.5, 2.0), xlim=(-2.0, 2.0), ylim=(-1.0, 3.0),
        formula="0.1[(1-x)^2 + 10(y-x^2)^2]"),
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


def _optimizer_race(surface: str, lr: float, steps: int) -> DemoResult:
    surf = SURFACES[surface]
    runs = race(surf, lr, steps)
    xs = torch.linspace(*surf.xlim, 200)
    ys = torch.linspace(*surf.ylim, 200)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    z = surf.loss(grid_x, grid_y)
    levels = torch.logspace(-3, math.log10(float(z.max())), 15).numpy()
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
    right.set_xlabel("step")
    right.set_ylabel("loss")
    right.set_title(f"lr = {lr:g}, {steps} steps", fontsize=9)
    right.legend(fontsize=7)
    finals = {n: None if run.diverged else run.losses[-1] for n, run in runs.items()}
    ranking = sorted((n for n in runs if not runs[n].diverged), key=lambda n: runs[n].losses[-1])
    metrics = {
        "final_loss": finals,
        "diverged": [n for n, v in finals.items() if v is None],
        "ranking": ranking,
        "start_loss": float(surf.loss(torch.tensor(surf.start[0]), torch.tensor(surf.start[1]))),
    }
    shown = ", ".join(f"{n} {v:.1e}" if v is not None else f"{n} diverged"
                      for n, v in finals.items())
    text = (
        f"From the same start on the {surface} surface with lr={lr:g}, after {steps} steps the "
        f"losses are: {shown}. Plain SGD crawls along the shallow direction; momentum "
        "accumulates velocity along it and Adam/RMSProp rescale each coordinate by its "
        "gradient history, so they get much further."
    )
    return DemoResult(text, metrics, fig)


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


def _ema_smoothing(beta: float, steps: int, noise: float) -> DemoResult:
    true_mean = 10.0
    gen = torch.Generator().manual_seed(0)
    series = (true_mean + noise * torch.randn(steps, generator=gen)).tolist()
    raw, corrected = ema(series, beta)
    window = min(steps, math.ceil(1 / (1 - beta)))  # the EMA's effective memory
    err_raw = sum(abs(v - true_mean) for v in raw[:window]) / window
    err_cor = sum(abs(v - true_mean) for v in corrected[:window]) / window
    fig, (ax,) = new_figure()
    t = range(1, steps + 1)
    ax.plot(t, series, ".", ms=3, color="grey", label="noisy values")
    ax.plot(t, raw, label="EMA (v0 = 0)")
    ax.plot(t, corrected, label="bias-corrected v / (1 - beta^t)")
    ax.axhline(true_mean, color="k", ls=":", lw=0.8, label="true mean")
    ax.axvline(window, color="grey", ls="--", lw=0.8)
    ax.set_xlabel("step t")
    ax.set_ylabel("value")
    ax.set_title(f"beta = {beta:g} (memory about {window} steps)", fontsize=9)
    ax.legend(fontsize=8)
    metrics = {
        "start_error_raw": err_raw,
        "start_error_corrected": err_cor,
        "first_raw": raw[0],
        "first_corrected": corrected[0],
        "first_value": series[0],
        "window": window,
    }
    text = (
        f"An EMA with beta={beta:g} starts at 0, so over its first {window} steps it is off by "
        f"{err_raw:.2f} on average (the first value is {raw[0]:.2f} for a true mean of "
        f"{true_mean:g}). Dividing by 1 - beta^t removes this start-up bias: error "
        f"{err_cor:.2f}. Adam applies the same correction to its moment estimates."
    )
    return DemoResult(text, metrics, fig)


DEMOS: tuple[Demo, ...] = (
    Demo(
        id="optimizer_race",
        title_en="Optimiser race on a 2-D loss surface",
        title_zh="优化器在二维损失曲面上的比赛",
        claim_en="On an ill-conditioned valley, Momentum and Adam get much further than SGD.",
        claim_zh="在病态（狭长）山谷上，Momentum 和 Adam 比普通 SGD 收敛得快得多。",
        concepts=("sgd", "momentum", "adagrad", "rmsprop", "adam"),
        params=(
            Param("surface", "choice", "valley", choices=tuple(SURFACES),
                  help="loss surface", help_zh="损失曲面"),
            Param("lr", "float", 0.1, 0.0001, 1.0, help="learning rate for every optimiser",
                  help_zh="所有优化器共用的学习率"),
            Param("steps", "int", 100, 10, 300, help="optimisation steps", help_zh="迭代步数"),
        ),
        fn=_optimizer_race,
    ),
    Demo(
        id="ema_smoothing",
        title_en="Exponential moving average and bias correction",
        title_zh="指数滑动平均与偏差修正",
        claim_en="An EMA started at 0 is biased low early on; dividing by 1 - beta^t fixes it.",
        claim_zh="从 0 开始的指数滑动平均早期偏小；除以 1 - beta^t 即可修正。",
        concepts=("exponential_moving_average", "adam", "momentum"),
        params=(
            Param("beta", "float", 0.9, 0.5, 0.999, help="decay beta", help_zh="衰减系数 beta"),
            Param("steps", "int", 100, 10, 500, help="length of the series", help_zh="序列长度"),
            Param("noise", "float", 1.0, 0.0, 5.0, help="noise std", help_zh="噪声标准差"),
        ),
        fn=_ema_smoothing,
    ),
)
