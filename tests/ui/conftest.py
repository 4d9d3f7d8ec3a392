"""Fixtures for the app's tests: a tiny hand-built knowledge base and a served app on a free port.

The bundled-corpus knowledge bases (``hash_kb``, ``real_kb``) come from ``tests/conftest.py``.
"""
from __future__ import annotations

import socket
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from kg.graph import KnowledgeGraph
from kg.model import Concept, Evidence, Mention, Relation, Section
from kg.store import Snapshot

EVIL = '<script>alert("x")</script>'


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def evil_kb() -> SimpleNamespace:
    """A two-concept "knowledge base" whose every name, alias, gloss, note and sentence carries markup.

    It has the two attributes the explorer reads (``graph``, ``snapshot``); nothing else.
    """
    bad = Concept("bad", f"Bad{EVIL}", "technique", aliases=(f"alias{EVIL}",), zh=(f"坏{EVIL}",), gloss=f"gloss{EVIL}")
    other = Concept("other", "Other & co", "problem")
    evidence = (Evidence(f"note{EVIL}.md", 3, f"Bad solves Other {EVIL}"),)
    graph = KnowledgeGraph.from_parts([bad, other], [Relation("bad", "solves", "other", evidence)])
    section = Section("s1", f"note{EVIL}.md", f"Title{EVIL}?", 2, 2, 4, f"## Title{EVIL}?\nbody {EVIL}", ("Top",))
    mentions = (Mention("bad", "s1", section.doc, 2, "Bad"),)
    return SimpleNamespace(graph=graph, snapshot=Snapshot(graph, sections=(section,), mentions=mentions))


@pytest.fixture(scope="module")
def served(real_kb) -> Iterator[str]:
    """The app over the bundled corpus with the real default embedder (e5, its bundled vectors and
    fitted refusal), served on a free loopback port; yields its URL."""
    from ui.app import serve

    app = serve(real_kb, port=free_port(), quiet=True)
    try:
        yield app.local_url
    finally:
        app.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium (the browser tests import ``tests.ui.browsing``, which skips without it)."""
    from tests.ui.browsing import launch

    yield from launch()


@pytest.fixture()
def open_page(browser, served: str) -> Iterator[object]:
    """A factory of fresh app pages whose requests are checked to stay on loopback afterwards."""
    from tests.ui.browsing import pages

    yield from pages(browser, served)
