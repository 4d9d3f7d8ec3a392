"""The benchmarks' measuring functions still run against today's code (their numbers are not checked:
benchmarks print figures, tests never time anything)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _bench(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_per_ask_bench_answers_over_a_compiled_model_without_a_store() -> None:
    built, beyond, passages = _bench("qa").per_ask_ms(5, ["BN层的作用是什么?", "What does 1x1 convolution do?"])
    assert built > 0 and passages > 100 and beyond == beyond  # a number, not NaN


def test_a_quick_growth_step_counts_its_fastest_of_five_runs() -> None:
    calls: list[int] = []

    def step() -> int:
        calls.append(1)
        return len(calls)

    seconds, result = _bench("growth").timed("step", step, quick=60.0)
    assert len(calls) == 5 and result == 1 and seconds >= 0  # the first run's result, the fastest run's time
