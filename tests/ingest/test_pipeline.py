"""The whole path on the bundled corpus: golden relations, verbatim evidence, ingest and remove."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ingest.pipeline import build, build_kb, bundled_catalogue, bundled_notes, ingest_files, remove_doc, with_notes, without_note
from ingest.reader import note_from_text, read_note
from ingest.relations import MAX_SENTENCE
from kg.errors import InputError, NotFoundError
from kg.model import Concept
from kg.sqlite import DB_FILE
from kg.storage import open_storage
from kg.store import Snapshot
from kg.text import compact

DATA = Path(__file__).resolve().parents[1] / "data" / "notes"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "eval"


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    notes = bundled_notes()
    return build(notes, bundled_catalogue(), bundled=[n.id for n in notes])


def _ids(snapshot: Snapshot, names: list[str]) -> set[str]:
    keys = {compact(n) for n in names}
    return {c.id for c in snapshot.graph.concepts() if keys & {compact(a) for a in (c.name, *c.aliases)}}


def _has(snapshot: Snapshot, sources: list[str], relations: list[str], targets: list[str]) -> bool:
    s, t = _ids(snapshot, sources), _ids(snapshot, targets)
    return any(r.source in s and r.target in t and r.relation in relations and r.evidence for r in snapshot.graph.relations())


def _golden() -> list[dict]:
    path = SHARED / "golden_relations.jsonl"
    if not path.exists():
        pytest.skip("../shared/eval is not beside this checkout")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_golden_relation_is_in_the_graph(snapshot: Snapshot) -> None:
    missing = [g for g in _golden() if not _has(snapshot, g["source"], g["relation"], g["target"])]
    assert missing == []


def test_every_evidence_sentence_is_verbatim_on_its_cited_line(snapshot: Snapshot) -> None:
    lines = {d.id: d.text.split("\n") for d in snapshot.documents}
    count = 0
    for relation in snapshot.graph.relations():
        assert relation.evidence
        for ev in relation.evidence:
            assert ev.text in lines[ev.doc][ev.line - 1]
            count += 1
    assert count > 150


def test_sections_and_mentions_point_at_their_text(snapshot: Snapshot) -> None:
    lines = {d.id: d.text.split("\n") for d in snapshot.documents}
    for section in snapshot.sections:
        assert section.text == "\n".join(lines[section.doc][section.start_line - 1 : section.end_line])
    for mention in snapshot.mentions:
        assert mention.surface in lines[mention.doc][mention.line - 1]


def test_graph_has_every_kind_and_relation_type(snapshot: Snapshot) -> None:
    stats = snapshot.graph.stats()
    assert stats["concepts"] + stats["terms"] >= 200
    isolated = [c for c in snapshot.graph.nx if snapshot.graph.nx.degree(c) == 0]
    assert len(isolated) < 0.4 * stats["concepts"]  # a graph node is something the notes relate
    assert set(stats["by_kind"]) == {"architecture", "layer", "technique", "problem", "role", "concept"}
    assert {"introduces", "solves", "causes", "has_role", "part_of", "contrasts_with"} <= set(stats["by_relation"])


UNSEEN = [
    (["SENet"], ["introduces"], ["Squeeze-and-Excitation Block", "挤压激励模块"]),
    (["EfficientNet"], ["introduces"], ["复合缩放"]),
    (["EfficientNet"], ["introduces"], ["深度可分离卷积"]),
    (["Swish"], ["solves"], ["梯度消失"]),
    (["Layer Normalization"], ["solves"], ["small-batch instability", "小batch"]),
    (["RetinaNet"], ["introduces"], ["Focal Loss"]),
    (["FPN"], ["has_role"], ["多尺度特征融合", "multi-scale feature fusion"]),
    (["FPN"], ["solves"], ["small object detection", "小目标检测"]),
    (["Leaky ReLU"], ["solves"], ["Dying ReLU"]),
    (["空洞卷积"], ["causes"], ["网格效应"]),
]


# Key relations of the three notes written for issue 9 (point clouds, speech front-ends,
# detection heads): topics the bundled notes never cover, in the bundled notes' style.
NEW = [
    (["PointNet"], ["introduces"], ["T-Net", "对齐模块"]),
    (["最大池化", "max pooling"], ["solves"], ["无序性"]),
    (["Shared MLP", "多层感知机"], ["part_of"], ["PointNet"]),
    (["PointNet"], ["causes"], ["局部特征缺失"]),
    (["PointNet++"], ["improves_on"], ["PointNet"]),
    (["PointNet++"], ["introduces"], ["Set Abstraction", "集合抽象层"]),
    (["PointNet++", "Set Abstraction"], ["solves"], ["局部特征缺失"]),
    (["Multi-Scale Grouping", "多尺度分组策略"], ["solves"], ["点云密度不均匀"]),
    (["VoxelNet"], ["contrasts_with"], ["PointNet"]),
    (["Hamming Window", "汉明窗"], ["solves"], ["频谱泄漏"]),
    (["MFCC"], ["contrasts_with"], ["FBank"]),
    (["DCT", "离散余弦变换"], ["part_of"], ["MFCC"]),
    (["预加重", "Pre-emphasis"], ["part_of"], ["MFCC"]),
    (["SpecAugment"], ["solves"], ["过拟合"]),
    (["CMVN"], ["solves"], ["信道不匹配"]),
    (["FCOS"], ["introduces"], ["Center-ness", "中心度分支"]),
    (["FPN"], ["solves"], ["歧义性"]),
    (["Soft-NMS"], ["improves_on"], ["NMS"]),
    (["Soft-NMS"], ["solves"], ["漏检现象"]),
    (["GIoU Loss"], ["contrasts_with"], ["IoU Loss"]),
    (["GIoU Loss"], ["solves"], ["梯度消失"]),
]
NEW_CONCEPTS = [
    ("PointNet++", "architecture"), ("T-Net", "layer"), ("Set Abstraction", "layer"), ("无序性", "problem"),
    ("局部特征缺失", "problem"), ("点云密度不均匀", "problem"), ("Multi-Scale Grouping", "technique"),
    ("频谱泄漏", "problem"), ("信道不匹配", "problem"), ("CMVN", "technique"), ("SpecAugment", "technique"),
    ("FCOS", "architecture"), ("Center-ness", "layer"), ("Soft-NMS", "technique"), ("漏检现象", "problem"),
    ("歧义性", "problem"),
]


@pytest.fixture(scope="module")
def grown(snapshot: Snapshot) -> Snapshot:
    return with_notes(snapshot, [read_note(p) for p in sorted(DATA.iterdir())])


@pytest.mark.parametrize(("sources", "relations", "targets"), UNSEEN, ids=lambda v: str(v[0]))
def test_unseen_notes_bring_their_concepts_and_relations(grown: Snapshot, sources, relations, targets) -> None:
    assert _has(grown, sources, relations, targets)


@pytest.mark.parametrize(("sources", "relations", "targets"), NEW, ids=lambda v: str(v[0]))
def test_new_notes_yield_their_key_relations(grown: Snapshot, sources, relations, targets) -> None:
    assert _has(grown, sources, relations, targets)


@pytest.mark.parametrize(("name", "kind"), NEW_CONCEPTS)
def test_new_terms_become_proposed_concepts_of_their_slot_kind(grown: Snapshot, name: str, kind: str) -> None:
    concept = grown.graph.find(name)
    assert concept is not None and concept.proposed and concept.kind == kind
    # The sentence that brought the term in is in one of the notes, verbatim.
    assert any(concept.introduced_by in d.text for d in grown.documents)


def test_new_notes_edges_are_not_misattributed(grown: Snapshot) -> None:
    wrong = [(["IoU Loss"], ["solves"], ["梯度消失"]), (["PointNet"], ["solves"], ["局部特征缺失"]),
             (["Normalization"], ["solves"], ["信道不匹配"])]
    assert [w for w in wrong if _has(grown, *w)] == []


def test_unseen_terms_become_proposed_concepts(grown: Snapshot) -> None:
    proposed = {c.name for c in grown.graph.concepts() if c.proposed}
    assert {"SENet", "EfficientNet", "RetinaNet", "FPN", "Swish"} <= proposed
    assert all(grown.graph.concept(c).kind == "architecture" for c in _ids(grown, ["EfficientNet"]))


def test_ingest_is_idempotent_and_remove_restores(snapshot: Snapshot, grown: Snapshot) -> None:
    again = with_notes(grown, [read_note(p) for p in sorted(DATA.iterdir())])
    assert again.graph.stats() == grown.graph.stats()
    assert len(again.documents) == len(snapshot.documents) + len(list(DATA.iterdir()))
    shrunk = grown
    for path in sorted(DATA.iterdir()):
        shrunk = without_note(shrunk, path.name)
    assert sorted(r.key for r in shrunk.graph.relations()) == sorted(r.key for r in snapshot.graph.relations())
    assert shrunk.sections == snapshot.sections
    assert {c.id for c in shrunk.graph.concepts()} == {c.id for c in snapshot.graph.concepts()}


def test_removing_a_bundled_note_drops_only_what_it_alone_supported(snapshot: Snapshot) -> None:
    doc = "04-dl-fundamentals-interview-collection.md"
    smaller = without_note(snapshot, doc)
    assert all(ev.doc != doc for r in smaller.graph.relations() for ev in r.evidence)
    kept = {r.key for r in snapshot.graph.relations() if any(ev.doc != doc for ev in r.evidence)}
    assert kept == {r.key for r in smaller.graph.relations()}


def test_remove_unknown_note_lists_the_notes(snapshot: Snapshot) -> None:
    with pytest.raises(NotFoundError, match="00-cnn-interview-basics.md"):
        without_note(snapshot, "nope.md")


def test_bad_file_leaves_the_knowledge_base_untouched(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    build_kb(kb)
    store = open_storage(kb)
    before = store.generation()
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(InputError, match="bad.md"):
        ingest_files(kb, [DATA / "unseen-lightweight.md", bad])
    assert store.generation() == before
    assert ingest_files(kb, [DATA / "unseen-lightweight.md"]).document("unseen-lightweight.md") is not None
    assert remove_doc(kb, str(DATA / "unseen-lightweight.md")).document("unseen-lightweight.md") is None
    assert store.generation() == before + 2
    assert {p.name for p in kb.iterdir()} <= {DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm"}


TINY = [Concept("resnet", "ResNet", "architecture", aliases=("ResNet",)),
        Concept("residual_connection", "residual connection", "technique", aliases=("残差单元",)),
        Concept("vanishing_gradient", "vanishing gradient", "problem", aliases=("梯度消失",))]


@pytest.mark.parametrize("shape", ["one long line", "many sections"])
def test_work_grows_linearly_with_the_note(shape: str) -> None:
    # 8000 sentences take 2-5 s here; the quadratic code before issue 12 (span assignment
    # per sentence, section parsing, evidence merging) took 18-28 s on this machine, and more as n grows.
    sentence = "ResNet引入残差单元,缓解梯度消失问题。"
    body = sentence * 8000 if shape == "one long line" else "\n".join(f"## Q{i}\n{sentence}" for i in range(8000))
    start = time.perf_counter()
    grown = build([note_from_text("n.md", "# T\n" + body)], TINY)
    assert time.perf_counter() - start < 12
    [edge] = [r for r in grown.graph.relations() if r.key == ("residual_connection", "solves", "vanishing_gradient")]
    assert len(edge.evidence) == (1 if shape == "one long line" else 8000)


def test_a_sentence_over_the_limit_is_refused_with_the_limit_named() -> None:
    with pytest.raises(InputError, match=f"longer than the {MAX_SENTENCE}"):
        build([note_from_text("n.md", "# T\n" + "残差单元缓解梯度消失" * 1000)], bundled_catalogue())


def test_code_blocks_are_never_evidence() -> None:
    note = "# GoogLeNet\n\n代码示例:\n\n    # 包含3x3卷积+BN+relu\n    def block():\n        return nn.ReLU()\n\n引入Inception模块。\n"
    snap = build([note_from_text("n.md", note)], bundled_catalogue())
    assert {ev.line for r in snap.graph.relations() for ev in r.evidence} == {9}
    assert not any(m.line in (5, 6, 7) for m in snap.mentions)
