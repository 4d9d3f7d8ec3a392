"""Shared fixtures: knowledge bases built once per test session in temporary directories."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def hash_kb(tmp_path_factory: pytest.TempPathFactory):
    """The bundled corpus with the deterministic HashEmbedder: fast, no model."""
    from qa import HashEmbedder, KnowledgeBase

    return KnowledgeBase.open(tmp_path_factory.mktemp("hash-kb"), embedder=HashEmbedder())


@pytest.fixture(scope="session")
def refusing_kb(hash_kb):
    """The same knowledge base with a refusal model that refuses every question (the hash
    embedder has no fitted refusal model, so it never refuses on its own)."""
    from qa import KnowledgeBase, Settings
    from qa.linear import LinearModel
    from qa.refusal import RefusalModel
    from qa.retrieve import QUESTION_FEATURES

    n = len(QUESTION_FEATURES)
    never = RefusalModel(LinearModel(QUESTION_FEATURES, (0.0,) * n, (1.0,) * n, (0.0,) * n, -50.0))
    return KnowledgeBase.open(hash_kb.path, embedder=hash_kb.embedder, settings=Settings(refusal=never))


@pytest.fixture(scope="session")
def real_kb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("real-kb")


@pytest.fixture(scope="session")
def real_kb(real_kb_dir: Path):
    """The bundled corpus with the real default model and FAISS index (slow: embeds everything once)."""
    from qa import KnowledgeBase

    return KnowledgeBase.open(real_kb_dir)
