"""_grid: the edge settings reach every bound of every parameter, one parameter at a time."""
from __future__ import annotations

import pytest

from qa.demos import DEMOS
from qa.demos._grid import corner, edge_settings


@pytest.mark.parametrize("demo_id", list(DEMOS))
def test_every_bound_and_choice_is_visited_alone(demo_id: str) -> None:
    demo = DEMOS[demo_id]
    settings = [params for _, params in edge_settings(demo)]
    assert settings[0] == {} and all(len(s) == 1 for s in settings[1:])
    seen = {(name, value) for s in settings for name, value in s.items()}
    for p in demo.params:
        wanted = {p.min, p.max} if p.kind in ("int", "float") else set(p.choices) if p.kind == "choice" \
            else {True, False}
        wanted.discard(p.default)
        assert {(p.name, v) for v in wanted} <= seen


@pytest.mark.parametrize("end", ["min", "max"])
def test_corners_set_every_numeric_parameter(end: str) -> None:
    demo = DEMOS["conv_output_size"]
    values = corner(demo, end)
    assert values == {p.name: p.min if end == "min" else p.max for p in demo.params}
