"""The Notes tab: counts per note, upload and remove through the knowledge base, locked unless allowed."""
from __future__ import annotations

import shutil
from pathlib import Path

import gradio as gr
import pytest

from qa import KnowledgeBase
from ui.views.i18n import LANGS
from ui.views.notes import FILE_TYPES, build, headers, remove, rows, upload

DATA = Path(__file__).resolve().parents[1] / "data" / "notes"


@pytest.fixture()
def kb(hash_kb: KnowledgeBase, tmp_path: Path) -> KnowledgeBase:
    """A private copy of the bundled knowledge base: these tests write to it."""
    shutil.copytree(hash_kb.path, tmp_path / "kb")
    return KnowledgeBase.open(tmp_path / "kb", embedder=hash_kb.embedder)


def test_rows_count_each_notes_sections_concepts_and_relations(hash_kb: KnowledgeBase) -> None:
    snapshot = hash_kb.snapshot
    table = rows(snapshot)
    assert [r[0] for r in table] == [d.id for d in snapshot.documents]
    assert sum(r[1] for r in table) == len(snapshot.sections)
    for doc, sections, concepts, relations in table:
        assert sections > 0 and concepts > 0 and relations > 0
        assert concepts == len({m.concept for m in snapshot.mentions if m.doc == doc})


@pytest.mark.parametrize("lang", LANGS)
def test_headers_are_in_the_ui_language(lang: str) -> None:
    assert headers(lang)[1] == ("段落" if lang == "zh" else "Sections")


def test_upload_then_remove_round_trips(kb: KnowledgeBase) -> None:
    before = rows(kb.snapshot)
    table, pick, status = upload(kb, [str(DATA / "unseen-detection.txt")], "en", lambda *a, **k: None)
    assert "unseen-detection.txt" in status and "unseen-detection.txt" in pick.constructor_args["choices"]
    added = [r for r in table.constructor_args["value"] if r[0] == "unseen-detection.txt"]
    assert added and added[0][1] > 0
    assert any(s.doc == "unseen-detection.txt" for s in kb.ask("What is RetinaNet?").sources)
    table, _, status = remove(kb, "unseen-detection.txt", "zh", lambda *a, **k: None)
    assert "已删除" in status and table.constructor_args["value"] == before
    assert all(s.doc != "unseen-detection.txt" for s in kb.ask("What is RetinaNet?").sources)


@pytest.mark.parametrize(("content", "message"), [(b"", "empty"), (b"\x00\x01\x02" * 100, "binary")])
def test_a_bad_file_is_a_friendly_error_and_nothing_changes(kb: KnowledgeBase, tmp_path: Path, content: bytes,
                                                            message: str) -> None:
    bad = tmp_path / "bad.md"
    bad.write_bytes(content)
    before = rows(kb.snapshot)
    with pytest.raises(gr.Error, match=message):
        upload(kb, [str(DATA / "new-speech.md"), str(bad)], "en", lambda *a, **k: None)
    assert rows(kb.snapshot) == before


@pytest.mark.parametrize(("files", "doc", "message"), [(None, None, "Choose a file"), ([], "", "Pick a note")])
def test_nothing_chosen_is_a_friendly_error(kb: KnowledgeBase, files, doc, message: str) -> None:
    with pytest.raises(gr.Error, match=message):
        (upload(kb, files, "en", lambda *a, **k: None) if files is None else remove(kb, doc, "en", lambda *a, **k: None))


@pytest.mark.parametrize("allowed", [True, False])
def test_controls_are_locked_unless_allowed(hash_kb: KnowledgeBase, allowed: bool) -> None:
    with gr.Blocks():
        lang = gr.Radio(["zh", "en"], value="zh")
        view = build(hash_kb, lang, allowed)
    assert all(c.interactive is allowed for c in (view.files, view.add, view.pick, view.drop))
    assert view.files.file_types == FILE_TYPES
    assert ("--allow-ingest" in view.intro.value) is not allowed
