"""How cost grows with the corpus, the note and the sentence (prints, never asserts).

    python bench/growth.py [--sizes 5,50,200,1000] [--lines 1000,...,1000000] [--chars 1000,...,1000000]

With the fast fake embedder of ``bench/qa.py`` (our own code is measured, not a model):

* corpus: synthesised corpora of ``--sizes`` notes made from ours (``bench/qa.py``'s
  synthesiser). Per size: one transaction ingesting them all, reading the snapshot back,
  compiling the read model, ingesting one more note and removing it (three times, the fastest
  counts), and opening the knowledge base in a fresh process (``KnowledgeBase.open``, with its
  peak RSS) twice: compiling the read model (and saving its image), then reading the image
  back; then, after one more ingest, a
  server's open (``stale=True``: the last image, the change compiled in the background);
* note length: one note of ``--lines`` lines (the bundled notes' lines, repeated): sections,
  proposals and extraction;
* sentence length: one sentence of ``--chars`` characters.

Each step prints its time and the process's RSS, then the growth exponent fitted over sizes
(target <= 1.2 each), ingest-one at the largest size against the smallest (target <= 3x), and
the open of the largest knowledge base (target <= 10 s and 1.5 GB).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.linker import Linker  # noqa: E402
from ingest.notes import parse_sections  # noqa: E402
from ingest.pipeline import (  # noqa: E402
    _named,
    _prose,
    _shaped,
    _slotted,
    bundled_catalogue,
    bundled_notes,
    corpus_fingerprint,
    derive,
    ingest_notes,
    open_store,
    read_snapshot,
    remove_note,
)
from ingest.reader import RawNote, note_from_text  # noqa: E402
from ingest.update import apply  # noqa: E402
from kg.errors import KGQAError  # noqa: E402
from kg.storage import Storage  # noqa: E402
from kg.store import Snapshot  # noqa: E402
from qa.readmodel import compile_model  # noqa: E402
from qa.vectors import EmbeddingCache  # noqa: E402


def _bench_qa():  # type: ignore[no-untyped-def]
    """bench/qa.py as a module (its name would clash with the ``qa`` package)."""
    spec = importlib.util.spec_from_file_location("bench_qa", ROOT / "bench" / "qa.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


BENCH_QA = _bench_qa()
FastFakeEmbedder, synthesised = BENCH_QA.FastFakeEmbedder, BENCH_QA.synthesised


def rss_mb() -> float:
    """The resident set size of this process now, in MB."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed(label: str, fn: Callable[[], object], quick: float = 0.0) -> tuple[float, object]:
    """Seconds ``fn`` takes, and its result. A step under ``quick`` seconds runs up to five times
    and the fastest run counts: a few milliseconds measured once are mostly the machine's noise,
    which would tilt a growth exponent fitted from them."""
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    for _ in range(4 if seconds < quick else 0):
        again = time.perf_counter()
        fn()
        seconds = min(seconds, time.perf_counter() - again)
    print(f"  {label:<22} {seconds:9.3f} s   rss {rss_mb():8.1f} MB", flush=True)
    return seconds, result


def exponent(sizes: list[int], seconds: list[float]) -> float:
    """The slope of log(time) over log(size): 1 is linear.

    >>> round(exponent([10, 100, 1000], [1.0, 10.0, 100.0]), 2)
    1.0
    """
    return float(np.polyfit(np.log(sizes), np.log(np.maximum(seconds, 1e-4)), 1)[0])


_OPEN = """
import sys, time
sys.path.insert(0, sys.argv[2])
import importlib.util
spec = importlib.util.spec_from_file_location("bench_qa", sys.argv[2] + "/bench/qa.py")
bq = importlib.util.module_from_spec(spec); spec.loader.exec_module(bq)
from qa.api import KnowledgeBase
started = time.perf_counter()
kb = KnowledgeBase.open(sys.argv[1], embedder=bq.FastFakeEmbedder(), stale=sys.argv[3] == "serve")
opened = time.perf_counter() - started
def peak():  # this process only
    return int(next(line for line in open("/proc/self/status") if line.startswith("VmHWM")).split()[1]) / 1024
ready = peak()
if kb.stale:  # a server answers now; its background refresh then compiles the change (and saves its image)
    started = time.perf_counter()
    assert kb.refresh() and not kb.stale
    kb.wait_saved()
    print("refreshed", time.perf_counter() - started, peak())
kb.wait_saved()  # a compiled model's image is saved in the background, after the open returned
print("saved", time.perf_counter() - started, peak())
print(opened, ready, kb.from_image)
"""


def open_in_process(kb: Path) -> tuple[tuple[float, float, float, float], tuple[float, float, float, float]]:
    """(seconds until it answers, peak RSS MB by then, seconds until its image is saved, peak RSS MB
    by then) of ``KnowledgeBase.open`` in a fresh process, twice: the first compiles the read model
    (its vectors cached by an earlier open) and saves its image in the background, the second reads
    the image back. The peak is VmHWM: ``ru_maxrss`` would report this bench's own peak, inherited
    across fork."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = [sys.executable, "-c", _OPEN, str(kb), str(ROOT), "open"]
    subprocess.run(run, check=True, capture_output=True, env=env)  # embeds and saves the vectors once
    for image in (kb / "index").glob("model-*.pickle"):
        image.unlink()
    out = [subprocess.run(run, check=True, capture_output=True, text=True, env=env).stdout.split() for _ in range(2)]
    assert [o[-1] for o in out] == ["False", "True"], out  # compiled, then read back
    first, second = ((float(o[-3]), float(o[-2]), float(o[-5]), float(o[-4])) for o in out)
    return first, second


def serve_after_change(kb: Path, store: Storage, extra: RawNote) -> tuple[float, float, float, float]:
    """(seconds to open, peak RSS MB, seconds of the background compile, peak RSS MB after it) of a
    server's open (``stale=True``) in a fresh process right after ``kgqa ingest`` added ``extra``:
    it answers from the last saved model while the change compiles (both models are then in memory)."""
    ingest_notes(store, [extra])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", _OPEN, str(kb), str(ROOT), "serve"], check=True, capture_output=True,
                         text=True, env=env).stdout.split()
    assert out[-1] == "True" and out[0] == "refreshed", out  # read the older image, then compiled the change
    return float(out[-3]), float(out[-2]), float(out[1]), float(out[2])


def _corpus_steps(size: int, steps: dict[str, list[float]]) -> None:
    """Every corpus step at one size, appended to ``steps``."""
    catalogue, fingerprint = bundled_catalogue(), corpus_fingerprint()  # as if built: no bundled refresh timed
    embedder = FastFakeEmbedder()
    kb = Path(tempfile.mkdtemp(prefix=f"kgqa-growth-{size}-"))
    store = open_store(kb)
    notes = synthesised(size + 1)
    extra = RawNote("extra-note.md", notes[-1].text, "markdown")

    def ingest_all() -> None:
        with store.write() as writer:
            apply(writer, [(n, "user") for n in notes[:size]], [], catalogue=catalogue, fingerprint=fingerprint)

    def record(label: str, fn: Callable[[], object]) -> object:
        seconds, result = timed(label, fn)
        steps.setdefault(label, []).append(seconds)
        return result

    record("ingest all", ingest_all)
    snapshot = cast(Snapshot, record("read snapshot", lambda: read_snapshot(store)))
    record("compile read model", lambda: compile_model(snapshot, embedder, EmbeddingCache(embedder.model_id)))
    # A fraction of a second timed once is mostly the machine's noise (4.2x one run, 2.0x timed
    # again), so the note goes in and out three times and the fastest of each counts.
    rounds = [(timed("ingest one note", lambda: ingest_notes(store, [extra]))[0],
               timed("remove one note", lambda: remove_note(store, extra.id))[0]) for _ in range(3)]
    for label, seconds in zip(("ingest one note", "remove one note"), map(min, zip(*rounds))):
        steps.setdefault(label, []).append(seconds)
    for how, (seconds, peak, saved, saved_peak) in zip(("compiling", "from image"), open_in_process(kb)):
        label = f"open, {how}"
        print(f"  {label:<22} {seconds:9.3f} s   peak rss {peak:8.1f} MB"
              + (f"   (its image saved in the background after {saved:.1f} s, peak rss {saved_peak:.0f} MB)"
                 if how == "compiling" else ""), flush=True)
        steps.setdefault(label, []).append(seconds)
        steps.setdefault(f"{label} peak MB", []).append(max(peak, saved_peak))
    seconds, peak, compiled, after = serve_after_change(kb, store, extra)
    print(f"  {'serve after an ingest':<22} {seconds:9.3f} s   peak rss {peak:8.1f} MB   (then compiled in the "
          f"background in {compiled:.1f} s, peak rss {after:.0f} MB)", flush=True)
    steps.setdefault("serve after an ingest", []).append(seconds)
    steps.setdefault("serve after an ingest peak MB", []).append(peak)


def corpus_series(sizes: list[int]) -> dict[str, list[float]]:
    steps: dict[str, list[float]] = {}
    for size in sizes:
        print(f"corpus of {size} notes", flush=True)
        _corpus_steps(size, steps)
    return steps


def _note_steps(note: RawNote) -> dict[str, float]:
    """Time each extraction step of one note against the bundled catalogue."""
    catalogue = bundled_catalogue()
    out = {}
    seconds, sections = timed("sections", lambda: parse_sections(note.id, note.text, note.format), quick=0.5)
    out["sections"] = seconds
    prose = _prose(note.text)
    seconds, shaped = timed("propose (shape)", lambda: _shaped(prose, Linker(catalogue)), quick=0.5)
    out["propose (shape)"] = seconds
    named, kinds = _named(catalogue, [shaped])  # type: ignore[list-item]
    seconds, slotted = timed("propose (slot)", lambda: _slotted(prose, named, kinds), quick=0.5)
    out["propose (slot)"] = seconds
    concepts = {c.id: c for c in [*catalogue, *shaped, *slotted]}  # type: ignore[misc]
    linker = Linker(concepts.values())
    seconds, _ = timed("link + extract", lambda: derive(note, linker, concepts), quick=0.5)
    out["link + extract"] = seconds
    return out


def note_series(label: str, sizes: list[int], make: Callable[[int], RawNote]) -> dict[str, list[float]]:
    steps: dict[str, list[float]] = {}
    done = []
    for size in sizes:
        print(f"{label} {size:,}", flush=True)
        try:
            measured = _note_steps(make(size))
        except KGQAError as exc:  # a stated limit is an answer too
            print(f"  refused: {exc}")
            break
        done.append(size)
        for step, seconds in measured.items():
            steps.setdefault(step, []).append(seconds)
    steps["_sizes"] = done  # type: ignore[assignment]
    return steps


def long_note(lines: int) -> RawNote:
    source = [line for n in bundled_notes() for line in n.text.split("\n")]
    return note_from_text("long.md", "\n".join(source[i % len(source)] for i in range(lines)))


def long_sentence(chars: int) -> RawNote:
    unit = "残差连接缓解了梯度消失问题并且BN层加快收敛"
    return note_from_text("sentence.md", "## 一句很长的话\n" + (unit * (chars // len(unit) + 1))[:chars] + "。\n")


def report(title: str, sizes: list[int], steps: dict[str, list[float]]) -> None:
    print(f"\n{title}: growth exponent per step (target <= 1.2)")
    for step, values in steps.items():
        if step.startswith("_") or step.endswith("MB") or len(values) < 2:
            continue
        e = exponent(sizes[:len(values)], values)
        cells = "  ".join(f"{v:8.3f}" for v in values)
        print(f"  {step:<22} {cells}   exponent {e:5.2f} {'ok' if e <= 1.2 else 'OVER'}")


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_ints, default=[5, 50, 200, 1000])
    parser.add_argument("--lines", type=_ints, default=[1000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--chars", type=_ints, default=[500, 1000, 2000, 4000, 10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    lines = note_series("note of lines:", args.lines, long_note)
    chars = note_series("sentence of chars:", args.chars, long_sentence)
    corpus = corpus_series(args.sizes) if args.sizes else {}
    report("note length (lines)", lines.pop("_sizes"), lines)  # type: ignore[arg-type]
    report("sentence length (chars)", chars.pop("_sizes"), chars)  # type: ignore[arg-type]
    if corpus:
        report("corpus (notes)", args.sizes, corpus)
        one = corpus["ingest one note"]
        print(f"\ningest one note: {args.sizes[-1]} notes {one[-1]:.3f} s vs {args.sizes[0]} notes {one[0]:.3f} s: "
              f"{one[-1] / one[0]:.2f}x (target <= 3x)")
        for label in ("open, compiling", "open, from image", "serve after an ingest"):
            print(f"{label} ({args.sizes[-1]} notes): {corpus[label][-1]:.1f} s (target <= 10 s), peak "
                  f"{corpus[f'{label} peak MB'][-1]:.0f} MB (target <= 1,536 MB)")
    print(f"peak rss of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
