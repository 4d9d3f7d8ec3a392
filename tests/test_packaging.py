"""A non-editable install carries the corpus: the knowledge base builds outside the checkout."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_wheel_install_builds_the_bundled_knowledge_base(tmp_path: Path) -> None:
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT)],
                   check=True, capture_output=True)
    [wheel] = wheels.glob("kgqa-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    script = (
        "import corpus, sys; from ui.cli import main;"
        "assert str(corpus.ROOT).startswith(sys.argv[1]), corpus.ROOT;"
        "sys.exit(main(['build', '--kb', sys.argv[2]]))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", script, str(target), str(tmp_path / "kb")], cwd=tmp_path,
                            env={**env, "PYTHONPATH": str(target)}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "built" in result.stdout and "5 notes" in result.stdout
