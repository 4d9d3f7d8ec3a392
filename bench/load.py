"""Load test: the app in a server process of its own on a free loopback port; one user, then
rounds of many concurrent gradio_client sessions, with the server's memory measured between them.

Usage (from the repository root)::

    python bench/load.py                  # HashEmbedder knowledge base in a temporary directory
    python bench/load.py --real           # the real embedding model (first index build takes ~1 min)
    python bench/load.py --users 100 --questions 5 --rounds 3 --cap 300 --kb /tmp/kgqa-kb

It prints errors (there must be none), p50/p95 round-trip times of ``/ask`` for the single-user
baseline and for each concurrent round (and their ratio to the baseline), and the server's RSS
before and after every round. It exits 1 if any request failed, a round hit its time cap, or the
server's RSS grew by more than :data:`RSS_GROWTH` from the end of the first round to the end of
the last (the first round pays for one-off allocations: imports, thread pools, arenas). Traffic
stays on 127.0.0.1 and every loop is bounded in count and time.
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RSS_GROWTH = 0.05

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

    try:
        client = Client(url, verbose=False, httpx_kwargs={"timeout": max(1.0, deadline - time.monotonic())})
    except Exception as exc:  # a refused connection is a result to report, not a crash
        return [], [f"connect: {type(exc).__name__}: {exc}"], False
    try:
        return _ask_all(client, questions, deadline)
    finally:
        client.close()  # the user leaves: the server forgets the session (ui.app.forget_sessions)


def _ask_all(client, questions: list[str], deadline: float) -> tuple[list[float], list[str], bool]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    errors: list[str] = []
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


def rss_mb(pid: int) -> float:
    """Resident set size of process ``pid`` in MB (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _open_kb(args: argparse.Namespace):
    from qa import HashEmbedder, KnowledgeBase

    return KnowledgeBase.open(Path(args.kb), embedder=None if args.real else HashEmbedder())


def _serve_child(args: argparse.Namespace) -> int:
    """The server process: open the knowledge base, serve on ``--port``, say so, wait for stdin to close."""
    from ui.app import serve

    app = serve(_open_kb(args), port=args.port, quiet=True, session_grace=args.session_grace)
    print(f"READY {app.local_url}", flush=True)
    try:
        sys.stdin.read()  # the parent closes our stdin (or dies) when the run is over
    finally:
        app.close()
    return 0


def _start_server(args: argparse.Namespace) -> tuple[subprocess.Popen[str], str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = [sys.executable, str(Path(__file__).resolve()), "--serve", "--port", str(port), "--kb", args.kb,
            "--session-grace", str(args.session_grace),
            *(["--real"] if args.real else [])]
    child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout is not None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        line = child.stdout.readline()
        if line.startswith("READY "):
            return child, line.split()[1]
        if not line and child.poll() is not None:
            break
    child.kill()
    raise SystemExit("the server process did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", action="store_true", help="use the real embedding model instead of HashEmbedder")
    parser.add_argument("--kb", help="knowledge-base directory (default: a new temporary one)")
    parser.add_argument("--users", type=int, default=100, help="concurrent sessions per round (default 100)")
    parser.add_argument("--questions", type=int, default=5, help="questions per session (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="concurrent rounds (default 3)")
    parser.add_argument("--cap", type=float, default=300.0, help="time cap of each concurrent round in seconds")
    parser.add_argument("--settle", type=float, default=50.0,
                        help="pause after each round before measuring RSS: the clients have left and the server "
                             "forgets their sessions (heartbeat ~15 s + 30 s grace)")
    parser.add_argument("--session-grace", type=float, default=30.0,
                        help="seconds the server keeps a closed session (inf: keep them, as Gradio alone does)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the server process
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    if args.serve:
        return _serve_child(args)
    if not (1 <= args.users <= 200 and 1 <= args.questions <= 20 and 1 <= args.rounds <= 10 and 0 < args.cap <= 900):
        parser.error("keep --users in 1..200, --questions in 1..20, --rounds in 1..10 and --cap in (0, 900]")
    args.kb = args.kb or tempfile.mkdtemp(prefix="kgqa-load-")
    print(f"knowledge base: {args.kb} ({'real model' if args.real else 'HashEmbedder'})", flush=True)
    from ui.app import CONCURRENCY

    server, url = _start_server(args)
    failed = False
    try:
        print(f"serving on {url} in process {server.pid} (concurrency limit {CONCURRENCY})", flush=True)
        load(url, 1, 1, args.cap)  # warm-up: first-request imports and caches
        baseline = load(url, 1, args.questions, args.cap)
        print(report("baseline 1 user", baseline), flush=True)
        failed = bool(baseline.errors or baseline.capped)
        base_p50, base_p95 = percentile(baseline.latencies, 0.5), percentile(baseline.latencies, 0.95)
        after: list[float] = []
        for round_no in range(1, args.rounds + 1):
            before = rss_mb(server.pid)
            crowd = load(url, args.users, args.questions, args.cap)
            peak = rss_mb(server.pid)
            time.sleep(args.settle)
            after.append(rss_mb(server.pid))
            print(report(f"round {round_no}: {args.users} users x {args.questions}", crowd), flush=True)
            print(f"    p50 {percentile(crowd.latencies, 0.5) / base_p50:5.1f}x  p95 "
                  f"{percentile(crowd.latencies, 0.95) / base_p95:5.1f}x the single user's   server RSS "
                  f"{before:7.1f} MB before, {peak:7.1f} MB at the end, {after[-1]:7.1f} MB {args.settle:.0f} s later",
                  flush=True)
            failed |= bool(crowd.errors or crowd.capped)
        growth = (after[-1] - after[0]) / after[0] if len(after) > 1 else 0.0
        print(f"server RSS after round 1 {after[0]:.1f} MB, after round {len(after)} {after[-1]:.1f} MB: "
              f"{growth:+.1%} (limit +{RSS_GROWTH:.0%})", flush=True)
        failed |= growth > RSS_GROWTH
    finally:
        if server.stdin:
            server.stdin.close()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    print("FAILED" if failed else "OK: no errors, memory flat", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
