"""Time every demonstration (run, CPU and PNG-render cost, flagging anything over 1 s), then run
each over its edge settings and count its claims' verdicts.

Usage (from the repository root)::

    python bench/demos.py               # defaults, 5 runs each, then the edge grid
    python bench/demos.py --extremes    # also time every numeric parameter at its maximum
    python bench/demos.py --repeats 10 --dpi 150 --no-grid

The first run of a demo in a process can pay one-off costs (lazy imports inside torch, e.g.
``torch.optim`` imports ``torch._dynamo`` on its first step); it is shown separately as
"first" and excluded from the medians.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.errors import ParameterError
from qa.demos import Demo, DemoResult, list_demos
from qa.demos._claim import STATES
from qa.demos._grid import corner, edge_settings

LIMIT_S = 1.0


@dataclass(frozen=True)
class Timing:
    """Timings of one demo setting, in seconds."""

    demo_id: str
    setting: str
    first_wall: float
    wall: float
    cpu: float
    png: float

    @property
    def slow(self) -> bool:
        """The demo itself (median of warm runs) exceeds the budget."""
        return max(self.wall, self.cpu) > LIMIT_S

    def flags(self) -> str:
        """Everything over the limit: the run, the one-off first run, the PNG render."""
        marks = [("RUN", self.slow), ("FIRST(one-off)", self.first_wall > LIMIT_S),
                 ("PNG", self.png > LIMIT_S)]
        return " ".join(f"{name}>{LIMIT_S:g}s" for name, over in marks if over)


def _timed(fn: Callable[[], DemoResult]) -> tuple[DemoResult, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def heaviest(demo: Demo) -> dict[str, object]:
    """Every numeric parameter at its maximum; bools/choices at their defaults."""
    return {p.name: p.max for p in demo.params if p.kind in ("int", "float") and p.max is not None}


def bench(demo: Demo, params: Mapping[str, object], repeats: int, dpi: int,
          setting: str) -> Timing:
    """Run ``demo`` once to warm up, then ``repeats`` times; medians exclude the first run."""
    result, first, _ = _timed(lambda: demo.run(**params))
    walls, cpus, pngs = [], [], []
    for _ in range(repeats):
        result, wall, cpu = _timed(lambda: demo.run(**params))
        start = time.perf_counter()
        result.png_bytes(dpi=dpi)
        pngs.append(time.perf_counter() - start)
        walls.append(wall)
        cpus.append(cpu)
    return Timing(demo.id, setting, first, statistics.median(walls), statistics.median(cpus),
                  statistics.median(pngs))


def grid(demo: Demo) -> tuple[int, int, Counter[str], float]:
    """Run ``demo`` over its edge settings and both corners, alternating zh and en.

    Returns (settings run, invalid combinations skipped, claim states, slowest run in s).
    """
    settings = [params for _, params in edge_settings(demo)]
    settings += [corner(demo, "min"), corner(demo, "max")]
    states: Counter[str] = Counter()
    run = skipped = 0
    slowest = 0.0
    for i, params in enumerate(settings):
        try:
            result, wall, _ = _timed(partial(demo.run, "zh" if i % 2 else "en", **params))
        except ParameterError:
            skipped += 1
            continue
        run += 1
        slowest = max(slowest, wall)
        states.update(c.state for c in result.claims)
    return run, skipped, states, slowest


def report_grid() -> None:
    header = f"{'demo':32} {'settings':>8} {'skipped':>7} " + " ".join(f"{s:>9}" for s in STATES) + \
        f" {'slowest s':>9}"
    print("\n" + header)
    print("-" * len(header))
    total, total_states, settings = 0, Counter[str](), 0
    for demo in list_demos():
        run, skipped, states, slowest = grid(demo)
        settings += run
        total += 1
        total_states.update(states)
        print(f"{demo.id:32} {run:8} {skipped:7} " + " ".join(f"{states[s]:9}" for s in STATES) +
              f" {slowest:9.3f}")
    counts = ", ".join(f"{total_states[s]} {s}" for s in STATES)
    print(f"\n{total} demos x {settings} settings run (defaults, each parameter at its edges, both "
          f"corners): claims {counts}.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per demo")
    parser.add_argument("--dpi", type=int, default=100, help="PNG resolution")
    parser.add_argument("--extremes", action="store_true",
                        help="also time every numeric parameter at its maximum")
    parser.add_argument("--no-grid", action="store_true",
                        help="skip running every demo over its edge settings")
    args = parser.parse_args(argv)
    rows: list[Timing] = []
    for demo in list_demos():
        rows.append(bench(demo, {}, args.repeats, args.dpi, "defaults"))
        if args.extremes:
            try:
                rows.append(bench(demo, heaviest(demo), args.repeats, args.dpi, "max params"))
            except ParameterError as err:  # some maxima are not a valid combination
                print(f"# {demo.id}: max params skipped ({err})")
    header = f"{'demo':32} {'setting':10} {'first s':>8} {'wall s':>8} {'cpu s':>8} {'png s':>8}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r.demo_id:32} {r.setting:10} {r.first_wall:8.3f} {r.wall:8.3f} {r.cpu:8.3f} "
              f"{r.png:8.3f}  {r.flags()}".rstrip())
    slow = [r for r in rows if r.slow]
    print(f"\n{len(rows)} settings, {len(slow)} with a median run over {LIMIT_S:g} s "
          "(wall or CPU); PNG and first-run flags are informational.")
    if not args.no_grid:
        report_grid()
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
