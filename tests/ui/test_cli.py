"""The `kgqa` command line as a user runs it (in-process, on a temporary knowledge base)."""
from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from qa.api import default_kb_dir as default_kb
from ui.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "notes"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kb")
    assert main(["build", "--kb", str(path)]) == 0
    return path


def test_default_kb_follows_environment(tmp_path: Path) -> None:
    assert default_kb({"KGQA_KB": str(tmp_path)}) == tmp_path
    assert default_kb({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "kgqa" / "kb"


def test_graph_stats(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--kb", str(kb), "--stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["concepts"] >= 200 and stats["by_relation"]["solves"] > 10


def test_export_is_node_link_json_with_the_attributes(kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "g.json"
    assert main(["graph", "--kb", str(kb), "--export", str(out)]) == 0
    graph = nx.node_link_graph(json.loads(out.read_text(encoding="utf-8")), edges="edges")
    assert graph.is_directed() and graph.is_multigraph()
    _, data = next(iter(graph.nodes(data=True)))
    assert {"name", "kind", "aliases", "gloss"} <= data.keys()
    assert all(d["relation"] and d["evidence"] for _, _, d in graph.edges(data=True))


@pytest.mark.parametrize("name", ["BN层", "batchnorm", "批归一化"])
def test_concept_by_any_alias(kb: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["concept", name, "--kb", str(kb)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Batch Normalization [technique]")
    assert "-solves->" in out and "[0" in out


def test_unknown_concept_is_a_one_line_error(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["concept", "Batch Normalisationn", "--kb", str(kb)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kgqa: error: no concept called") and "\n" not in err


def test_ingest_and_remove_round_trip(kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(DATA / "unseen-detection.txt"), "--kb", str(kb)]) == 0
    assert main(["concept", "RetinaNet", "--kb", str(kb)]) == 0
    assert "-introduces-> Focal Loss" in capsys.readouterr().out
    assert main(["remove", "unseen-detection.txt", "--kb", str(kb)]) == 0
    assert main(["concept", "RetinaNet", "--kb", str(kb)]) == 2


def test_bad_file_is_named_in_a_one_line_error(kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.md"
    empty.write_text("")
    assert main(["ingest", str(empty), "--kb", str(kb)]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == "kgqa: error: empty.md: the file is empty; give a note with some text"


def test_corrupt_kb_says_how_to_rebuild(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "kb.json").write_text("{oops")
    assert main(["graph", "--kb", str(tmp_path), "--stats"]) == 2
    assert "kgqa build --kb" in capsys.readouterr().err
