"""Weight initialisation: activation scale across depth, and the symmetry of zero init.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from qa.demos._claim import Claim
from qa.demos._demo import DemoResult
from qa.demos._lang import pick
from qa.demos._plot import new_figure, plot_lang

__all__ = ["FACTOR", "INITS", "LABELS", "LINEAR", "RUNNERS", "SATURATED", "activation_stats",
           "unit_spread_after_training"]

# Last-layer std / first-layer std: "stable" within 3x of 1, "shrinks" below 1/3, "explodes"
# above 3. tanh "saturates" when 30% of the units sit at |a| > 0.99, "stays linear" below 10%.
FACTOR, SATURATED, LINEAR = 3.0, 0.3, 0.1

Init = Callable[[torch.Tensor, torch.Generator], None]


def _zero(w: torch.Tensor, g: torch.Generator) -> None:
    nn.init.zeros_(w)


def _normal(w: torch.Tensor, g: torch.Generator) -> None:
    nn.init.normal_(w, 0.0, 1.0, generator=g)


def _xavier(w: torch.Tensor, g: torch.Generator) -> None:
    nn.init.xavier_normal_(w, generator=g)  # var = 2 / (fan_in + fan_out)


def _he(w: torch.Tensor, g: torch.Generator) -> None:
    nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g)  # var = 2 / fan_in


INITS: dict[str, Init] = {"zero": _zero, "N(0,1)": _normal, "Xavier": _xavier, "He": _he}
_ACTS = {"tanh": torch.tanh, "relu": torch.relu}


def activation_stats(init: str, activation: str, depth: int,
                     width: int) -> tuple[list[float], list[float]]:
    """Per-layer activation std and saturated fraction (|a| > 0.99) through ``depth`` layers.

    Example: ``activation_stats("He", "relu", 10, 128)[0]`` stays O(1) (0.6-1.2) at every layer.
    """
    gen = torch.Generator().manual_seed(0)
    # float64: with N(0,1) weights ReLU activations reach ~1e31 and their squares would
    # overflow float32 inside std().
    h = torch.randn(64, width, generator=gen, dtype=torch.float64)
    weight = torch.empty(width, width, dtype=torch.float64)
    stds, saturated = [], []
    with torch.no_grad():
        for _ in range(depth):
            INITS[init](weight, gen)
            h = _ACTS[activation](h @ weight.T)
            stds.append(float(h.std()))
            saturated.append(float((h.abs() > 0.99).double().mean()))
    return stds, saturated


def unit_spread_after_training(init: str, steps: int = 10) -> float:
    """Largest difference between two hidden units' incoming weights after SGD steps.

    A 3-layer tanh MLP (biases zeroed too) is trained on random regression data. With zero
    init every hidden unit computes the same thing and receives the same gradient, so the
    spread stays exactly 0: the units never become different.
    """
    gen = torch.Generator().manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
    with torch.no_grad():
        for layer in net:
            if isinstance(layer, nn.Linear):
                INITS[init](layer.weight, gen)
                layer.bias.zero_()
    x, y = torch.randn(32, 4, generator=gen), torch.randn(32, 1, generator=gen)
    for _ in range(steps):
        net.zero_grad()
        (net(x) - y).pow(2).mean().backward()
        with torch.no_grad():  # plain SGD by hand (torch.optim's first use is slow)
            for p in net.parameters():
                if p.grad is not None:
                    p.sub_(0.1 * p.grad)
    hidden = [net.get_parameter(f"{i}.weight").detach() for i in (0, 2)]
    return max(float((w - w[:1]).abs().max()) for w in hidden)


def _weight_init(depth: int, width: int, lang: str = "en") -> DemoResult:
    stats = {(i, a): activation_stats(i, a, depth, width) for i in INITS for a in _ACTS}
    stds = {key: value[0] for key, value in stats.items()}
    fl = plot_lang(lang)
    fig, axes = new_figure(2)
    layers = range(1, depth + 1)
    for ax, act in zip(axes, _ACTS, strict=True):
        for init in INITS:
            if init == "zero":
                continue  # log scale cannot show 0; reported in the legend instead
            ax.semilogy(layers, stds[(init, act)], "o-", ms=3, label=init)
        ax.plot([], [], " ", label=pick(fl, "zero: every activation is 0", "zero：所有激活值为 0"))
        ax.set_xlabel(pick(fl, "layer", "层"))
        ax.set_ylabel(pick(fl, "activation std", "激活值标准差"))
        ax.set_title(pick(fl, f"{act}, width {width}", f"{act}，宽 {width}"), fontsize=9)
        ax.legend(fontsize=7)
    metrics: dict[str, object] = {
        f"{i}_{a}_last_std": stds[(i, a)][-1] for i in INITS for a in _ACTS
    }
    metrics.update({
        "xavier_tanh_stds": stds[("Xavier", "tanh")],
        "he_relu_stds": stds[("He", "relu")],
        "xavier_relu_stds": stds[("Xavier", "relu")],
        "he_relu_change": stds[("He", "relu")][-1] / stds[("He", "relu")][0],
        "xavier_relu_change": stds[("Xavier", "relu")][-1] / stds[("Xavier", "relu")][0],
        "normal_relu_change": stds[("N(0,1)", "relu")][-1] / stds[("N(0,1)", "relu")][0],
        "normal_tanh_saturated": stats[("N(0,1)", "tanh")][1][-1],
        "xavier_tanh_saturated": stats[("Xavier", "tanh")][1][-1],
        "zero_init_unit_spread": unit_spread_after_training("zero"),
        "xavier_init_unit_spread": unit_spread_after_training("Xavier"),
    })
    m = metrics
    he, xr, nr = stds[("He", "relu")], stds[("Xavier", "relu")], stds[("N(0,1)", "relu")]
    summary = pick(
        lang,
        f"Activation std from layer 1 to layer {depth} (width {width}): ReLU + He "
        f"{he[0]:.2f} -> {he[-1]:.2f}, ReLU + Xavier {xr[0]:.2f} -> {xr[-1]:.1e}, ReLU + N(0,1) "
        f"{nr[0]:.1e} -> {nr[-1]:.1e}; tanh + Xavier ends at std "
        f"{stds[('Xavier', 'tanh')][-1]:.2f}. In the last tanh layer {m['normal_tanh_saturated']:.0%} "
        f"of the units sit at |a| > 0.99 with N(0,1) and {m['xavier_tanh_saturated']:.0%} with "
        f"Xavier. After 10 SGD steps, hidden units differ by {m['zero_init_unit_spread']:g} "
        f"with zero init and {m['xavier_init_unit_spread']:.2f} with Xavier.",
        f"第 1 层到第 {depth} 层（宽 {width}）的激活值标准差：ReLU + He {he[0]:.2f} -> {he[-1]:.2f}，"
        f"ReLU + Xavier {xr[0]:.2f} -> {xr[-1]:.1e}，ReLU + N(0,1) {nr[0]:.1e} -> {nr[-1]:.1e}；tanh + "
        f"Xavier 最后为 {stds[('Xavier', 'tanh')][-1]:.2f}。最后一个 tanh 层中 |a| > 0.99 的单元："
        f"N(0,1) 时 {m['normal_tanh_saturated']:.0%}，Xavier 时 {m['xavier_tanh_saturated']:.0%}。"
        f"SGD 训练 10 步后，各隐藏单元之间的差异：全零初始化 {m['zero_init_unit_spread']:g}，Xavier "
        f"{m['xavier_init_unit_spread']:.2f}。",
    )
    return DemoResult(summary, metrics, fig, _claims(metrics, depth, width, lang))


def _claims(m: dict, depth: int, width: int, lang: str) -> tuple[Claim, ...]:
    he, xr, nr = m["he_relu_change"], m["xavier_relu_change"], m["normal_relu_change"]
    claims = [Claim("he_keeps_relu", "shown", pick(
        lang, f"ReLU + He keeps the std within {FACTOR:g}x of its start ({he:.2f}x over "
              f"{depth} layers).",
        f"ReLU + He 使标准差保持在初始值的 {FACTOR:g} 倍以内（{depth} 层后为 {he:.2f} 倍）。"))
        if 1 / FACTOR <= he <= FACTOR else Claim("he_keeps_relu", "not_shown", pick(
            lang, f"ReLU + He ended at {he:.2f}x its first-layer std, outside "
                  f"{1 / FACTOR:.2f}..{FACTOR:g}: He init keeps the "
                  f"variance only on average, and at width {width} each layer's random "
                  f"fluctuation compounds over {depth} layers; try a wider layer.",
            f"ReLU + He 使标准差变为首层的 {he:.2f} 倍，超出 {1 / FACTOR:.2f}..{FACTOR:g}：He 初始化只在平均意义上保持方差，"
            f"宽度 {width} 时每层的随机波动在 {depth} 层中累积；请加大宽度。"))]
    claims.append(Claim("xavier_shrinks_relu", "shown", pick(
        lang, f"ReLU + Xavier shrinks the std {1 / xr:.3g}x (at least {FACTOR:g}x): ReLU halves "
              "the variance at every layer.",
        f"ReLU + Xavier 使标准差缩小 {1 / xr:.3g} 倍（至少 {FACTOR:g} 倍）：ReLU 每层使方差减半。"))
        if xr <= 1 / FACTOR else Claim("xavier_shrinks_relu", "not_shown", pick(
            lang, f"ReLU + Xavier changed the std only {xr:.2f}x over {depth} layers: halving "
                  f"the variance per layer needs about 4 layers to shrink it {FACTOR:g}x.",
            f"{depth} 层中 ReLU + Xavier 只使标准差变为 {xr:.2f} 倍：方差每层减半，约需 4 层才能缩小 "
            f"{FACTOR:g} 倍。")))
    claims.append(Claim("normal_explodes_relu", "shown", pick(
        lang, f"ReLU + N(0,1) explodes: the std grows {nr:.1e}x.",
        f"ReLU + N(0,1) 爆炸：标准差增长 {nr:.1e} 倍。"))
        if nr >= FACTOR else Claim("normal_explodes_relu", "not_shown", pick(
            lang, f"ReLU + N(0,1) changed the std only {nr:.2f}x.",
            f"ReLU + N(0,1) 只使标准差变为 {nr:.2f} 倍。")))
    sat_n, sat_x = m["normal_tanh_saturated"], m["xavier_tanh_saturated"]
    tanh_ok = sat_n >= SATURATED and sat_x <= LINEAR
    claims.append(Claim("tanh_saturation", "shown" if tanh_ok else "not_shown", pick(
        lang, f"tanh + N(0,1) saturates ({sat_n:.0%} of units at |a| > 0.99, so tanh' ~ 0) while "
              f"tanh + Xavier stays in the linear range ({sat_x:.0%})."
        if tanh_ok else f"saturated units: {sat_n:.0%} with N(0,1) (needs at least "
                        f"{SATURATED:.0%}) and {sat_x:.0%} with Xavier (needs at most {LINEAR:.0%}).",
        f"tanh + N(0,1) 饱和（{sat_n:.0%} 的单元 |a| > 0.99，tanh' ~ 0），tanh + Xavier 保持在线性区"
        f"（{sat_x:.0%}）。" if tanh_ok else f"饱和单元比例：N(0,1) 为 {sat_n:.0%}（须至少 {SATURATED:.0%}），"
        f"Xavier 为 {sat_x:.0%}（须至多 {LINEAR:.0%}）。")))
    symmetric = m["zero_init_unit_spread"] == 0 and m["xavier_init_unit_spread"] > 0
    claims.append(Claim("zero_symmetric", "shown" if symmetric else "not_shown", pick(
        lang, "zero init keeps all hidden units identical through training; Xavier does not."
        if symmetric else "zero-initialised units became different.",
        "全零初始化使所有隐藏单元在训练中始终相同；Xavier 则不会。" if symmetric else "全零初始化的单元变得不同了。")))
    return tuple(claims)


RUNNERS = {"weight_init_stats": _weight_init}

LABELS: dict[str, tuple[str, str]] = {
    **{f"{i}_{a}_last_std": (f"last-layer std, {i} + {a}", f"最后一层标准差（{i} + {a}）")
       for i in INITS for a in _ACTS},
    "xavier_tanh_stds": ("std per layer, Xavier + tanh", "逐层标准差（Xavier + tanh）"),
    "he_relu_stds": ("std per layer, He + ReLU", "逐层标准差（He + ReLU）"),
    "xavier_relu_stds": ("std per layer, Xavier + ReLU", "逐层标准差（Xavier + ReLU）"),
    "he_relu_change": ("last / first std, He + ReLU", "末层 / 首层标准差（He + ReLU）"),
    "xavier_relu_change": ("last / first std, Xavier + ReLU", "末层 / 首层标准差（Xavier + ReLU）"),
    "normal_relu_change": ("last / first std, N(0,1) + ReLU", "末层 / 首层标准差（N(0,1) + ReLU）"),
    "normal_tanh_saturated": ("saturated tanh units, N(0,1)", "tanh 饱和单元比例（N(0,1)）"),
    "xavier_tanh_saturated": ("saturated tanh units, Xavier", "tanh 饱和单元比例（Xavier）"),
    "zero_init_unit_spread": ("unit difference after training, zero init", "训练后单元差异（全零）"),
    "xavier_init_unit_spread": ("unit difference after training, Xavier", "训练后单元差异（Xavier）"),
}
