"""Every docstring example in kg/, ingest/, qa/ and ui/ runs and prints what it shows, so an
example cannot drift from the code it documents (examples marked ``+SKIP`` need a model or a
knowledge base on disk)."""
from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(info.name for package in ("kg", "ingest", "qa", "ui")
                 for info in pkgutil.walk_packages([str(ROOT / package)], f"{package}."))


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_hold(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} fail (printed above)"
