"""Every `kgqa` command, given bad arguments, fails the way the README promises: one line
``kgqa: error: ...`` on stderr, exit code 2, no traceback. Each case runs the real entry point
in a subprocess, as a user's shell does, against a knowledge base built once for the module.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ui.cli import _parser

Setup = Callable[[Path], list[str]]  # given a scratch directory, writes files and returns the argv
BIN = Path(sys.executable).with_name("kgqa")


def _commands() -> set[str]:
    sub = next(a for a in _parser()._actions if a.dest == "command")
    return set(sub.choices)  # type: ignore[arg-type]


def kgqa(argv: list[str], kb: Path, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run ``kgqa --kb KB ARGV`` as a shell would (the installed script, else ``python -m ui.cli``)."""
    head = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "ui.cli"]
    env = {**os.environ, "KGQA_KB": str(kb), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("KGQA_DEBUG", None)
    return subprocess.run([*head, *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("kgqa: error:")]
    assert len(errors) == 1, result.stderr[-2000:]
    assert not any(line.startswith("usage:") for line in result.stderr.splitlines()), result.stderr
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    message = errors[0]
    for needle in needles:
        assert needle.lower() in message.lower(), message
    return message


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A knowledge base built from the bundled notes by ``kgqa build`` itself."""
    kb = tmp_path_factory.mktemp("kb")
    result = kgqa(["build"], kb, kb, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return kb


def _write(name: str, data: bytes) -> Setup:
    def setup(scratch: Path) -> list[str]:
        (scratch / name).write_bytes(data)
        return ["ingest", name]
    return setup


def _argv(*argv: str) -> Setup:
    return lambda scratch: list(argv)


def _with(name: str, text: str, *argv: str) -> Setup:
    """Write ``name`` in the scratch directory, then run ``argv``."""
    def setup(scratch: Path) -> list[str]:
        (scratch / name).write_text(text, encoding="utf-8")
        return list(argv)
    return setup


# (case id, setup, words the message must contain)
CASES: list[tuple[str, Setup, tuple[str, ...]]] = [
    ("no-command", _argv(), ("required",)),
    ("unknown-command", _argv("bogus"), ("invalid choice",)),
    ("unknown-option", _argv("concept", "BN", "--frobnicate"), ("unrecognized",)),
    # build
    ("build-extra-argument", _argv("build", "notes.md"), ("unrecognized",)),
    # ingest: every kind of file a user can hand us by mistake
    ("ingest-nothing", _argv("ingest"), ("required",)),
    ("ingest-missing", _argv("ingest", "nowhere.md"), ("nowhere.md", "no such file")),
    ("ingest-directory-without-notes", _argv("ingest", "."), ("directory with no notes",)),
    ("ingest-empty", _write("empty.md", b""), ("empty.md", "empty")),
    ("ingest-whitespace", _write("blank.md", b" \n\t\n"), ("whitespace",)),
    ("ingest-binary", _write("photo.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8), ("binary",)),
    ("ingest-late-nul", _write("late.md", "## BN层\n".encode() + "加快收敛。\n".encode() * 2000 + b"\x00tail\n"),
     ("late.md", "NUL")),
    ("ingest-huge", _write("huge.md", b"## a\n" + b"x" * 2_100_000), ("huge.md", "too large")),
    ("ingest-mis-encoded", _write("latin.md", "## Réseau résiduel\n".encode("latin-1") * 50 + bytes(range(0x80, 0xa0))),
     ("latin.md", "decode")),
    ("ingest-unsupported-type", _write("slides.pptx", b"hello"), ("unsupported",)),
    # remove, graph, concept
    ("remove-unknown", _argv("remove", "never-ingested.md"), ("never-ingested.md",)),
    ("graph-export-to-directory", lambda scratch: ["graph", "--export", str(scratch)], ("--export", "directory")),
    ("graph-export-no-parent", _argv("graph", "--export", "no/such/dir/g.json"), ("--export", "does not exist")),
    ("concept-unknown", _argv("concept", "Frobnication"), ("no concept",)),
    # ask
    ("ask-k-zero", _argv("ask", "-k", "0", "BN层的作用?"), ("k=0",)),
    ("ask-k-not-a-number", _argv("ask", "-k", "many", "BN"), ("invalid int",)),
    ("ask-empty-question", _argv("ask", "  ?? "), ("type a question",)),
    ("ask-model-is-a-directory", _argv("ask", "--model", "/etc", "BN层的作用?"), ("/etc",)),
    # eval
    ("eval-missing-file", _argv("eval", "missing.jsonl"), ("missing.jsonl",)),
    ("eval-directory", lambda scratch: ["eval", str(scratch)], ("directory",)),
    ("eval-not-jsonl", _with("q.jsonl", "{not json\n", "eval", "q.jsonl"), ("q.jsonl",)),
    ("eval-file-and-feedback", _argv("eval", "q.jsonl", "--feedback"), ("not both",)),
    ("eval-save-to-directory", lambda scratch: ["eval", "--feedback", "--save", str(scratch)], ("directory",)),
    # demo
    ("demo-no-action", _argv("demo"), ("required",)),
    ("demo-run-without-id", _argv("demo", "run"), ("name the demo",)),
    ("demo-unknown", _argv("demo", "run", "no_such_demo"), ("no_such_demo",)),
    ("demo-bad-param", _argv("demo", "run", "dropout_scaling", "--param", "p"), ("NAME=VALUE",)),
    ("demo-param-out-of-range", _argv("demo", "run", "dropout_scaling", "--param", "p=7"), ("p=",)),
    ("demo-png-to-directory", lambda scratch: ["demo", "run", "dropout_scaling", "--png", str(scratch)], ("--png", "directory")),
    ("demo-png-no-parent", _argv("demo", "run", "dropout_scaling", "--png", "no/such/dir/x.png"), ("does not exist",)),
    # serve: refused before a server starts
    ("serve-port-out-of-range", _argv("serve", "--port", "99999"), ("--port",)),
    ("serve-port-not-a-number", _argv("serve", "--port", "http"), ("--port",)),
    ("serve-auth-without-colon", _argv("serve", "--auth", "admin"), ("USER:PASS",)),
]
if "serve" in _commands() and any("--auth-file" in a.option_strings for a in
                                 next(a for a in _parser()._actions if a.dest == "command").choices["serve"]._actions):
    CASES += [
        ("serve-auth-file-missing", _argv("serve", "--auth-file", "no-such-file"), ("no-such-file",)),
        ("serve-auth-file-bad-line", _with("users", "admin\n", "serve", "--auth-file", "users"), ("users",)),
    ]
if "dump" in _commands():
    CASES += [("dump-to-directory", lambda scratch: ["dump", str(scratch)], ("directory",))]
if "restore" in _commands():
    CASES += [
        ("restore-missing", _argv("restore", "no-backup.json"), ("no-backup.json",)),
        ("restore-not-a-backup", _with("b.json", "[1, 2", "restore", "b.json"), ("b.json",)),
    ]


@pytest.mark.parametrize(("setup", "needles"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_arguments_are_one_line_errors(built: Path, tmp_path: Path, setup: Setup, needles: tuple[str, ...]) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(built, kb)
    argv = setup(tmp_path)
    assert_one_line_error(kgqa(argv, kb, tmp_path), *needles)


@pytest.mark.parametrize("command", [["concept", "BN层"], ["graph", "--stats"], ["ask", "BN层的作用是什么?"],
                                     ["ingest", "note.md"], ["build"]])
def test_a_kb_that_is_a_file_is_one_line(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "note.md").write_text("## BN层\n加快收敛。\n", encoding="utf-8")
    kb = tmp_path / "kb"
    kb.write_text("not a directory")
    assert_one_line_error(kgqa(command, kb, tmp_path), str(kb), "file")


@pytest.mark.parametrize("name", ["kb.json", "kb.sqlite"])
def test_a_store_file_that_is_a_directory_is_one_line(built: Path, tmp_path: Path, name: str) -> None:
    """A careless admin's ``mkdir KB/kb.sqlite`` (or ``KB/kb.json``, the old snapshot that is
    migrated from): a clear error or, for the old snapshot, nothing at all; never a traceback,
    never a silent rebuild that deletes what is in the way."""
    kb = tmp_path / "kb"
    shutil.copytree(built, kb)
    target = kb / name
    if name == "kb.sqlite" and not target.exists():
        pytest.skip("this knowledge base has no kb.sqlite (the SQLite store has not landed)")
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)
    for extra in kb.glob(f"{name}-*"):  # SQLite's -wal and -shm files
        extra.unlink()
    target.mkdir()
    (target / "keep").write_text("x")
    for command in (["concept", "BN层"], ["ingest", str(Path(__file__).parents[1] / "data" / "notes" / "new-speech.md")]):
        result = kgqa(command, kb, tmp_path)
        if name == "kb.json" and result.returncode == 0:  # the SQLite store ignores a stray old name
            assert "Traceback" not in result.stderr
            continue
        assert_one_line_error(result, name)
    assert (target / "keep").exists(), "the directory in the way must not be removed"


def test_escape_sequences_never_reach_the_terminal(built: Path, tmp_path: Path) -> None:
    """A note carrying terminal escapes is ingested without them, and `kgqa ask` prints none."""
    kb = tmp_path / "kb"
    shutil.copytree(built, kb)
    note = tmp_path / "escapes.md"
    note.write_bytes("## 棋盘效应\x1b]0;pwned\x07的成因\n转置卷积的\x1b[2J\x1b[31m棋盘效应\x1b[0m来自步长\x9b6n不能整除卷积核。\n"
                     .encode())
    assert kgqa(["ingest", note.name], kb, tmp_path).returncode == 0
    for mode in ([], ["--plain"], ["--json"]):
        result = kgqa(["ask", *mode, "-k", "20", "转置卷积为什么会有棋盘效应?"], kb, tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "escapes.md" in result.stdout and "棋盘效应来自步长不能整除卷积核" in result.stdout  # cited, cleaned
        assert not any(ch in result.stdout for ch in "\x1b\x07\x9b"), mode


def test_a_port_in_use_names_our_own_option(built: Path, tmp_path: Path) -> None:
    """A second `kgqa serve` (or anything on 7860) used to print Gradio's advice to set
    ``server_port`` in ``launch()``: a user of the command line has ``--port``."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = kgqa(["serve", "--port", str(port)], built, tmp_path)
    message = assert_one_line_error(result, "in use", "--port")
    assert "launch()" not in message
