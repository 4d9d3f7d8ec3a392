"""A running KnowledgeBase notices commits by another object or process and answers from them."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa import HashEmbedder, KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
NOTE = ("## 量子退火调度器的作用是什么?\n"
        "量子退火调度器通过逐步降低横向场强度来寻找能量最低的构型,它解决了组合优化中的局部极小问题。\n")
QUESTION = "量子退火调度器的作用是什么?"


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shared-kb")
    KnowledgeBase.open(path, embedder=HashEmbedder())
    return path


def _cited(kb: KnowledgeBase, doc: str) -> bool:
    return any(s.doc == doc for s in kb.ask(QUESTION).sources)


def _until(check, seconds: float = 10.0) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, f"not seen within {seconds} s"
        time.sleep(0.2)
    return time.monotonic() - started


def test_a_second_knowledge_base_object_sees_an_ingest_and_a_remove(kb_dir: Path, tmp_path: Path) -> None:
    reader = KnowledgeBase.open(kb_dir, embedder=HashEmbedder())
    writer = KnowledgeBase.open(kb_dir, embedder=HashEmbedder())
    note = tmp_path / "quantum-a.md"
    note.write_text(NOTE, encoding="utf-8")
    assert not _cited(reader, note.name)
    model = reader.model
    writer.ingest([note])
    assert _until(lambda: _cited(reader, note.name)) < 5
    assert reader.model is not model  # swapped whole, not patched
    writer.remove(note.name)
    _until(lambda: not _cited(reader, note.name))


def test_a_running_knowledge_base_sees_a_cli_ingest_within_seconds(kb_dir: Path, tmp_path: Path) -> None:
    reader = KnowledgeBase.open(kb_dir, embedder=HashEmbedder())
    note = tmp_path / "quantum-b.md"
    note.write_text(NOTE, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ui.cli", "ingest", str(note), "--kb", str(kb_dir)], check=True,
                   capture_output=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert _until(lambda: _cited(reader, note.name)) < 5


def test_an_unchanged_store_is_not_recompiled(kb_dir: Path) -> None:
    kb = KnowledgeBase.open(kb_dir, embedder=HashEmbedder())
    model = kb.model
    time.sleep(1.1)
    kb.ask(QUESTION)
    assert kb.model is model and kb.refresh() is False
