"""Load test: the app on a free loopback port, one user, then many concurrent gradio_client sessions.

Usage (from the repository root)::

    python bench/load.py                  # HashEmbedder knowledge base in a temporary directory
    python bench/load.py --real           # the real embedding model (first index build takes ~1 min)
    python bench/load.py --users 20 --questions 5 --cap 120 --kb /tmp/kgqa-kb

It prints errors (there must be none) and p50/p95 round-trip times of ``/ask`` for the
single-user baseline and for the concurrent run, and exits 1 if any request failed or the
run hit its time cap. Traffic stays on 127.0.0.1 and every loop is bounded in count and time.
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUESTIONS = (
    "BN层的作用是什么?",
    "What does 1x1 convolution do?",
    "ResNet为什么能训练更深的网络?",
    "转置卷积为什么会有棋盘效应?",
    "Dropout为什么能防止过拟合?",
    "Why do we use pooling layers?",
    "LSTM和GRU有什么区别?",
    "What is the receptive field?",
    "怎么做红烧肉?",  # a refusal is a valid answer too
    "空洞卷积的作用?",
)


@dataclass(frozen=True)
class Run:
    """Round-trip times (s) of the requests that succeeded, the errors, and the wall time."""

    latencies: tuple[float, ...]
    errors: tuple[str, ...]
    wall: float
    capped: bool


def percentile(values: list[float] | tuple[float, ...], share: float) -> float:
    """Nearest-rank percentile, e.g. ``percentile([1, 2, 3, 4], 0.5) == 2``."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))]


def _session(url: str, questions: list[str], deadline: float) -> tuple[list[float], list[str], bool]:
    """One user: a client of its own, asking ``questions`` one after another until the deadline."""
    from gradio_client import Client

    latencies: list[float] = []
    errors: list[str] = []
    try:
        client = Client(url, verbose=False)
    except Exception as exc:  # a refused connection is a result to report, not a crash
        return latencies, [f"connect: {exc}"], False
    for question in questions:
        left = deadline - time.monotonic()
        if left <= 0:
            return latencies, errors, True
        started = time.monotonic()
        try:
            history, _ = client.submit(question, [], "zh", api_name="/ask").result(timeout=left)
            if history[0]["content"][0]["text"].replace("\\", "") != question:
                raise RuntimeError("the answer belongs to another question")
            latencies.append(time.monotonic() - started)
        except Exception as exc:  # noqa: BLE001 - every failure is counted and shown
            errors.append(f"{question!r}: {type(exc).__name__}: {exc}")
    return latencies, errors, False


def load(url: str, users: int, per_user: int, cap: float) -> Run:
    """``users`` concurrent sessions of ``per_user`` questions each, all stopped after ``cap`` seconds."""
    started = time.monotonic()
    deadline = started + cap
    plans = [[QUESTIONS[(u + i) % len(QUESTIONS)] for i in range(per_user)] for u in range(users)]
    with ThreadPoolExecutor(max_workers=users) as pool:
        done = list(pool.map(lambda plan: _session(url, plan, deadline), plans))
    return Run(tuple(t for lat, _, _ in done for t in lat), tuple(e for _, errs, _ in done for e in errs),
               time.monotonic() - started, any(capped for _, _, capped in done))


def report(name: str, run: Run) -> str:
    lat = run.latencies
    line = (f"{name:<24} requests {len(lat) + len(run.errors):>4}  errors {len(run.errors):>2}  "
            f"p50 {percentile(lat, 0.5) * 1000:7.0f} ms  p95 {percentile(lat, 0.95) * 1000:7.0f} ms  "
            f"mean {statistics.fmean(lat) * 1000 if lat else float('nan'):7.0f} ms  wall {run.wall:6.1f} s")
    if run.capped:
        line += "  (hit the time cap)"
    return "\n".join([line, *(f"    ! {e}" for e in run.errors[:10])])


def _open_kb(args: argparse.Namespace):
    from qa import HashEmbedder, KnowledgeBase

    path = Path(args.kb) if args.kb else Path(tempfile.mkdtemp(prefix="kgqa-load-"))
    print(f"knowledge base: {path} ({'real model' if args.real else 'HashEmbedder'})", flush=True)
    return KnowledgeBase.open(path, embedder=None if args.real else HashEmbedder())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", action="store_true", help="use the real embedding model instead of HashEmbedder")
    parser.add_argument("--kb", help="knowledge-base directory (default: a new temporary one)")
    parser.add_argument("--users", type=int, default=20, help="concurrent sessions (default 20)")
    parser.add_argument("--questions", type=int, default=5, help="questions per session (default 5)")
    parser.add_argument("--cap", type=float, default=120.0, help="time cap of the concurrent run in seconds")
    args = parser.parse_args(argv)
    if not (1 <= args.users <= 64 and 1 <= args.questions <= 20 and 0 < args.cap <= 600):
        parser.error("keep --users in 1..64, --questions in 1..20 and --cap in (0, 600]")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

    import socket

    from ui.app import CONCURRENCY, serve

    kb = _open_kb(args)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = serve(kb, port=port, quiet=True)
    try:
        print(f"serving on {app.local_url} (concurrency limit {CONCURRENCY})", flush=True)
        load(app.local_url, 1, 1, args.cap)  # warm-up: first-request imports and caches
        baseline = load(app.local_url, 1, args.questions, args.cap)
        print(report("baseline 1 user", baseline), flush=True)
        crowd = load(app.local_url, args.users, args.questions, args.cap)
        print(report(f"{args.users} users x {args.questions}", crowd), flush=True)
    finally:
        app.close()
    failed = baseline.errors or crowd.errors or baseline.capped or crowd.capped
    print("FAILED" if failed else "OK: no errors", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
