"""Question-answering speed against baselines measured in the same run (prints, never asserts).

    python bench/qa.py [--kb DIR] [--questions FILE] [--repeats N]

* warm ``ask`` vs embedding the question alone with the same model (target: <= 3x);
* cold start: ``kgqa ask`` in a fresh process on a built knowledge base vs
  ``python -c "import sentence_transformers"`` (target: <= 2x);
* peak resident memory of a process that answers one question (target: < 1 GB).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from qa.api import KnowledgeBase  # noqa: E402
from qa.evaluate import load_questions  # noqa: E402

DEFAULT_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"


def _median_ms(fn, items, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        for item in items:
            started = time.perf_counter()
            fn(item)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _wall(cmd: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        times.append(time.perf_counter() - started)
    return statistics.median(times)


_PEAK = """
import resource, sys
from qa.api import KnowledgeBase
kb = KnowledgeBase.open(sys.argv[1])
kb.ask("BN层的作用是什么?")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=Path("/tmp/kgqa-bench-kb"))
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS if DEFAULT_QUESTIONS.exists()
                        else ROOT / "tests/data/eval/robustness.jsonl")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    kb = KnowledgeBase.open(args.kb)
    questions = [q.question for q in load_questions(args.questions)]
    kb.ask(questions[0])  # load model, tokenizer and jieba outside the timings
    embed_ms = _median_ms(lambda q: kb._embedder.encode([q]), questions, args.repeats)
    ask_ms = _median_ms(kb.ask, questions, args.repeats)
    print(f"warm ask        p50 {ask_ms:7.1f} ms   embed-only p50 {embed_ms:7.1f} ms   ratio {ask_ms / embed_ms:5.2f}x (target <= 3x)")
    python = sys.executable
    import_s = _wall([python, "-c", "import sentence_transformers"], args.repeats)
    cold_s = _wall([python, "-m", "ui.cli", "ask", "BN层的作用是什么?", "--kb", str(args.kb)], args.repeats)
    print(f"cold start      kgqa ask {cold_s:6.2f} s   import sentence_transformers {import_s:6.2f} s   ratio {cold_s / import_s:5.2f}x (target <= 2x)")
    peak = subprocess.run([python, "-c", _PEAK, str(args.kb)], check=True, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.strip().splitlines()[-1]
    print(f"peak memory     one ask {int(peak) / 1024:7.1f} MB (target < 1024 MB)")


if __name__ == "__main__":
    main()
