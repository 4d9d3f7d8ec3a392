"""Question-answering speed, each figure beside a baseline measured in the same run (prints, never asserts).

    python bench/qa.py [--kb DIR] [--questions FILE] [--repeats N] [--notes 1000]

* index build: compiling the read model of the bundled corpus with e5, from the bundled
  vectors and from nothing (every text embedded);
* warm ``ask`` p50 vs encoding the question alone with the same embedder (target <= 2.5x), over 30
  Chinese and 30 English questions and per language;
* cold ``kgqa ask`` in a fresh process on a built knowledge base (target <= 3 s), beside
  ``python -c "import numpy, faiss, jieba"``, and the number of modules it loads;
* per-ask time beyond encoding on a synthesised corpus of ``--notes`` notes made from ours,
  with a fake embedder to isolate our own code (target <= 30 ms at 1,000 notes), beside
  the same on the 5 bundled notes;
* peak resident memory of a process that answers one question.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from ingest.pipeline import build, bundled_catalogue, bundled_notes  # noqa: E402
from ingest.reader import note_from_text  # noqa: E402
from qa.answerer import Answerer  # noqa: E402
from qa.api import KnowledgeBase, clean_question  # noqa: E402
from qa.embed import E5Embedder  # noqa: E402
from qa.evaluate import load_questions  # noqa: E402
from qa.ranker import Ranker  # noqa: E402
from qa.readmodel import compile_model  # noqa: E402
from qa.refusal import RefusalModel  # noqa: E402
from qa.retrieve import FEATURES, QUESTION_FEATURES  # noqa: E402
from qa.vectors import EmbeddingCache  # noqa: E402

DEFAULT_QUESTIONS = ROOT / "tests/data/eval/heldout.jsonl"


class FastFakeEmbedder:
    """Pseudo-random unit vectors seeded by each text's CRC: no model, near-zero cost."""

    model_id, dim = "fake-64", 64

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.stack([np.random.default_rng(zlib.crc32(t.encode())).standard_normal(64) for t in texts]) if texts \
            else np.zeros((0, 64))
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32) if len(texts) else out.astype(np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        return self._encode(texts)


def _median_ms(fn: Callable[[str], object], items: Sequence[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        for item in items:
            started = time.perf_counter()
            fn(item)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _paired_ms(base: Callable[[str], object], fn: Callable[[str], object], items: Sequence[str],
               repeats: int) -> tuple[float, float]:
    """Median ms of ``base`` and of ``fn``, timed alternately on each item so both see the same load."""
    a, b = [], []
    for _ in range(repeats):
        for item in items:
            for fun, out in ((base, a), (fn, b)):
                started = time.perf_counter()
                fun(item)
                out.append((time.perf_counter() - started) * 1000)
    return statistics.median(a), statistics.median(b)


def _wall(cmd: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def synthesised(count: int) -> list:
    """``count`` notes made from the bundled ones, each with its own name and numbered headings."""
    notes = bundled_notes()
    out = []
    for i in range(count):
        base = notes[i % len(notes)]
        text = "\n".join(f"{line} ({i})" if line.startswith("#") else line for line in base.text.split("\n"))
        out.append(note_from_text(f"synth-{i:04d}.md", text))
    return out


def per_ask_ms(notes: int, questions: Sequence[str]) -> tuple[float, float, int]:
    """(build s, p50 ask ms beyond encoding, passages) on a synthesised corpus with the fake embedder."""
    started = time.perf_counter()
    snapshot = build(synthesised(notes) if notes != 5 else bundled_notes(), bundled_catalogue())
    embedder = FastFakeEmbedder()
    model = compile_model(snapshot, embedder, EmbeddingCache(embedder.model_id))
    built = time.perf_counter() - started
    answerer = Answerer(embedder, Ranker.load(FEATURES), RefusalModel.load(QUESTION_FEATURES, embedder.model_id))
    answerer.ask(model, questions[0])  # first-use costs (the tokenizer's caches) are not per ask
    encode, ask = _paired_ms(lambda q: embedder.encode_queries([q]),
                             lambda q: answerer.ask(model, clean_question(q)), questions, 1)
    return built, ask - encode, len(model.passages)


_PEAK = """
import resource, sys
from qa.api import KnowledgeBase
kb = KnowledgeBase.open(sys.argv[1])
kb.ask("BN层的作用是什么?")
print(len(sys.modules), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=Path(tempfile.gettempdir()) / "kgqa-bench-kb")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--cold-build", action="store_true", help="also time an index build that embeds every text")
    args = parser.parse_args()
    loaded = load_questions(args.questions)
    # 30 of each language: an English ask also encodes the question's Chinese gist.
    by_lang = {lang: [q.question for q in loaded if q.lang == lang][:30] for lang in ("zh", "en")}
    questions = by_lang["zh"] + by_lang["en"]

    started = time.perf_counter()
    kb = KnowledgeBase.open(args.kb)
    print(f"index build     open+compile with bundled vectors {time.perf_counter() - started:6.2f} s "
          f"({len(kb.model.passages)} passages, {len(kb.model.units)} sentences, {len(kb.model.headings)} headings)")
    if args.cold_build:
        started = time.perf_counter()
        compile_model(kb.snapshot, E5Embedder(), EmbeddingCache(kb.embedder.model_id))
        print(f"index build     embedding every text with e5 {time.perf_counter() - started:6.1f} s")

    kb.ask(questions[0])  # model, tokenizer and demos registry loaded outside the timings
    for label, items in (("all", questions), *by_lang.items()):
        embed_ms, ask_ms = _paired_ms(lambda q: kb.embedder.encode_queries([q]), kb.ask, items, args.repeats)
        print(f"warm ask {label:<6} p50 {ask_ms:7.1f} ms   encode-only p50 {embed_ms:7.1f} ms   "
              f"ratio {ask_ms / embed_ms:5.2f}x (target <= 2.5x)")

    python = sys.executable
    import_s = _wall([python, "-c", "import numpy, faiss, jieba"], args.repeats)
    cold_s = _wall([python, "-m", "ui.cli", "ask", "BN层的作用是什么?", "--kb", str(args.kb)], args.repeats)
    modules, peak = subprocess.run([python, "-c", _PEAK, str(args.kb)], check=True, capture_output=True, text=True,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.split()[-2:]
    print(f"cold ask        kgqa ask {cold_s:6.2f} s (target <= 3 s)   import numpy+faiss+jieba {import_s:6.2f} s   "
          f"{modules} modules loaded")
    print(f"peak memory     one ask {int(peak) / 1024:7.1f} MB")

    small_build, small_ms, small_n = per_ask_ms(5, questions)
    big_build, big_ms, big_n = per_ask_ms(args.notes, questions)
    print(f"corpus growth   ask beyond encoding p50: 5 notes ({small_n} passages) {small_ms:6.1f} ms   "
          f"{args.notes} notes ({big_n} passages) {big_ms:6.1f} ms (target <= 30 ms)   "
          f"build+compile {small_build:5.1f} s / {big_build:5.1f} s (fake embedder)")


if __name__ == "__main__":
    main()
