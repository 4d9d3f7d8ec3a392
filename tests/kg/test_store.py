from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from kg.errors import StoreError
from kg.graph import KnowledgeGraph
from kg.model import Concept, Document, Evidence, Mention, Relation, Section
from kg.store import KB_FILE, VERSION, Snapshot, atomic_write, load, node_link, save


def _snapshot(graph: KnowledgeGraph) -> Snapshot:
    doc = Document("n.md", "T", "# T\nResNet引入残差单元", "sha", bundled=True, meta={"format": "markdown"})
    section = Section("n.md#0", "n.md", "T", 1, 1, 2, doc.text, ())
    mention = Mention("resnet", section.id, "n.md", 2, "ResNet")
    return Snapshot(graph, (doc,), (section,), (mention,), tuple(graph.concepts()), "fp")


def test_save_load_round_trip(tmp_path: Path, tiny_graph: KnowledgeGraph) -> None:
    original = _snapshot(tiny_graph)
    save(original, tmp_path)
    loaded = load(tmp_path)
    assert loaded.documents == original.documents
    assert loaded.sections == original.sections
    assert loaded.mentions == original.mentions
    assert loaded.catalogue == original.catalogue
    assert sorted(loaded.graph.relations(), key=lambda r: r.key) == sorted(tiny_graph.relations(), key=lambda r: r.key)
    assert list(tmp_path.iterdir()) == [tmp_path / KB_FILE]


def test_atomic_write_keeps_old_file_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "kb.json"
    atomic_write(target, b"old")

    def explode(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", explode)
    with pytest.raises(OSError):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["kb.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{not json", "corrupt"), (b'{"format": "other"}', "corrupt"), (b"\xff\xfe", "corrupt"),
     (json.dumps({"format": "kgqa-kb", "version": VERSION + 1}).encode(), "version")],
)
def test_bad_files_say_how_to_rebuild(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / KB_FILE).write_bytes(content)
    with pytest.raises(StoreError, match=message) as info:
        load(tmp_path)
    assert "kgqa build --kb" in str(info.value)


def test_missing_kb_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="kgqa build"):
        load(tmp_path / "nowhere")


def test_node_link_export_reads_back_with_networkx(tiny_graph: KnowledgeGraph) -> None:
    data = json.loads(json.dumps(node_link(tiny_graph), ensure_ascii=False))
    graph = nx.node_link_graph(data, edges="edges")
    assert graph.number_of_edges() == 4
    assert data["links"] == data["edges"]
    assert all(e["evidence"] and e["relation"] for e in data["edges"])


@pytest.mark.parametrize(("rule", "confidence"), [("solve-verb", 0.9), ("role-gloss", 0.85), ("introduce-adopt", 0.42)])
def test_rule_and_confidence_and_proposal_sentence_survive_save_and_load(tmp_path: Path, rule: str, confidence: float) -> None:
    graph = KnowledgeGraph.from_parts(
        [Concept("cutmix", "CutMix", "technique", proposed=True, introduced_by="CutMix可以抑制过拟合"),
         Concept("of", "overfitting", "problem")],
        [Relation("cutmix", "solves", "of", (Evidence("n.md", 1, "CutMix可以抑制过拟合"),), rule, confidence)],
    )
    save(Snapshot(graph), tmp_path)
    loaded = load(tmp_path).graph
    [relation] = loaded.relations()
    assert (relation.rule, relation.confidence) == (rule, confidence)
    assert loaded.concept("cutmix").introduced_by == "CutMix可以抑制过拟合"


def test_files_written_before_rules_existed_still_load(tmp_path: Path, tiny_graph: KnowledgeGraph) -> None:
    save(_snapshot(tiny_graph), tmp_path)
    payload = json.loads((tmp_path / KB_FILE).read_text(encoding="utf-8"))
    for edge in payload["graph"]["edges"]:
        edge.pop("rule", None)
        edge.pop("confidence", None)
    for node in payload["graph"]["nodes"]:
        node.pop("introduced_by", None)
    (tmp_path / KB_FILE).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    relations = list(load(tmp_path).graph.relations())
    assert relations and all(r.rule == "" and r.confidence == 1.0 for r in relations)
