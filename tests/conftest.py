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


# -- PostgreSQL: a real local server for the `postgresql` backend (skipped, saying why, where impossible) --

def _pg_bin(name: str) -> str | None:
    """``initdb``/``pg_ctl`` on PATH, else from Debian's /usr/lib/postgresql/<version>/bin."""
    import glob
    import shutil

    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]), reverse=True)
    return versions[0] if versions else None


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server on a Unix socket in a temporary directory (no TCP port), run as
    the ``postgres`` user when we are root. Yields ``(socket_dir, user)``; stopped at the end."""
    import shutil
    import subprocess
    import tempfile

    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("PostgreSQL tests need psycopg 3: pip install 'psycopg[binary]' (make setup does)")
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL tests need initdb and pg_ctl: apt-get install postgresql (.ci/run does)")
    as_user: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        import pwd

        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run the server as")
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip("running as root without runuser(1) to start PostgreSQL as `postgres`")
        as_user = [runuser, "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="kgqa-pg-", dir="/tmp"))  # short: socket paths are limited to ~100 bytes
    if as_user:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data, log = base / "data", base / "server.log"
    user = "kgqa"

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*as_user, *argv], capture_output=True, text=True, timeout=120, cwd=base)

    started = False
    try:
        init = run(initdb, "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
        if init.returncode:
            pytest.skip(f"initdb failed, so the PostgreSQL tests cannot run: {init.stderr.strip()[-300:]}")
        options = f"-k {base} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        start = run(pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start")
        if start.returncode:
            tail = log.read_text(errors="replace")[-300:] if log.exists() else start.stderr[-300:]
            pytest.skip(f"the PostgreSQL server did not start: {tail.strip()}")
        started = True
        yield base, user
    finally:
        if started:
            run(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture()
def pg_url(pg_server, request: pytest.FixtureRequest) -> str:
    """A URL of a new, empty database on :func:`pg_server`, dropped after the test."""
    import re

    import psycopg

    socket_dir, user = pg_server
    name = "kb_" + re.sub(r"\W", "_", request.node.name.lower())[:40] + f"_{os.getpid()}_{id(request) % 10_000}"
    admin = f"postgresql:///postgres?host={socket_dir}&user={user}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql:///{name}?host={socket_dir}&user={user}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
