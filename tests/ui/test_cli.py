"""The `kgqa` command line as a user runs it (in-process, on a temporary knowledge base)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from qa.api import default_kb_dir as default_kb
from ui.cli import main

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "notes"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kb")
    assert main(["build", "--kb", str(path)]) == 0
    return path


def test_default_kb_follows_environment(tmp_path: Path) -> None:
    assert default_kb({"KGQA_KB": str(tmp_path)}) == tmp_path
    assert default_kb({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "kgqa" / "kb"


@pytest.mark.parametrize("command", [["remove", "absent.md"], ["dump", "{tmp}/backup.json"]])
def test_storage_commands_start_without_the_read_model(tmp_path: Path, command: list[str]) -> None:
    """Ingest and remove run as parallel processes (12 at a time in the concurrency test):
    each starting numpy, jieba and the read model would only slow them down."""
    args = [a.format(tmp=tmp_path) for a in command] + ["--kb", str(tmp_path / "kb")]
    probe = f"import sys; from ui.cli import main; main({args!r}); print(sorted({{'numpy', 'jieba', 'qa'}} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr


def test_graph_stats(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--kb", str(kb), "--stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["concepts"] + stats["terms"] >= 200 and stats["by_relation"]["solves"] > 10


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


def test_a_folder_of_notes_is_ingested_whole_and_clashing_names_write_nothing(
        kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "my-notes"
    (folder / "week2").mkdir(parents=True)
    (folder / "detection.txt").write_text((DATA / "unseen-detection.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "week2" / "speech.md").write_text((DATA / "new-speech.md").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "week2" / "photo.jpg").write_bytes(b"\xff\xd8")
    assert main(["ingest", str(folder), "--kb", str(kb)]) == 0
    assert "ingested 2 file(s)" in capsys.readouterr().out
    (folder / "week3").mkdir()
    (folder / "week3" / "speech.md").write_text("## 另一篇\n同名的笔记。\n", encoding="utf-8")
    assert main(["ingest", str(folder), "--kb", str(kb)]) == 2
    assert "two files are called speech.md" in capsys.readouterr().err
    for name in ("detection.txt", "speech.md"):
        assert main(["remove", name, "--kb", str(kb)]) == 0


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


@pytest.mark.parametrize("question", ["1x1卷积有什么用?", "What does dropout do?"])
def test_ask_renders_markdown_without_escapes(kb: Path, question: str, capsys: pytest.CaptureFixture[str]) -> None:
    from qa import KnowledgeBase

    assert main(["ask", question, "--kb", str(kb)]) == 0
    out = capsys.readouterr().out
    notes = " ".join(s.text for s in KnowledgeBase.open(kb).ask(question).sources)
    leaked = {m for m in re.findall(r"\\[-()*_\[\]#+!|~>`{}]", out) if m not in notes}  # the notes' own TeX stays
    assert not leaked, f"Markdown escapes leaked into the terminal: {leaked}"
    assert "**" not in out and re.search(r"\[1\] \S+\.md:\d+", out)


def test_ask_prints_the_notes_maths_as_tex(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from qa import KnowledgeBase

    question = "Adam的m0初始化为0会怎样, 为什么要偏差修正?"
    spans = {s for src in KnowledgeBase.open(kb).ask(question).sources for s in re.findall(r"\\\(.{1,12}?\\\)", src.text)}
    assert spans, "the cited passages should hold maths"
    assert main(["ask", question, "--kb", str(kb), "-k", "5"]) == 0
    out = capsys.readouterr().out
    assert any(span in out for span in spans), f"none of {sorted(spans)[:5]} printed as TeX"


@pytest.mark.parametrize(("question", "heading"), [("BN层的作用是什么?", "简答"), ("What does dropout do?", "In short")])
def test_ask_plain_is_plain_text(kb: Path, question: str, heading: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", question, "--plain", "--kb", str(kb)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(heading) and "**" not in out and "`" not in out and "\\-" not in out


def test_unknown_concept_suggests_close_names(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["concept", "Batch Normalisationn", "--kb", str(kb)]) == 2
    err = capsys.readouterr().err.strip()
    assert "did you mean: Batch Normalization" in err and "\n" not in err


def test_eval_feedback_turns_votes_into_questions(kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from qa import KnowledgeBase
    from qa.feedback import FILE, from_vote, record

    qa_kb = KnowledgeBase.open(kb)
    answer = qa_kb.ask("BN层的作用是什么?")
    citations = [s.citation for s in answer.sources]
    record(kb, from_vote(qa_kb.model, answer.question, citations, True))
    record(kb, from_vote(qa_kb.model, "1x1卷积有什么用?", citations, False, citations[-1]))
    saved = tmp_path / "fb.jsonl"
    try:
        assert main(["eval", "--feedback", "--save", str(saved), "--json", "--kb", str(kb)]) == 0
        results = json.loads(capsys.readouterr().out)
        assert results["hybrid"]["all"]["answerable"] == 2
        assert results["hybrid"]["all"]["hit@1"] >= 0.5  # the up-voted answer's first source is its evidence
        lines = [json.loads(line) for line in saved.read_text(encoding="utf-8").splitlines()]
        assert [q["question"] for q in lines] == ["BN层的作用是什么?", "1x1卷积有什么用?"]
        assert all(q["answerable"] and q["evidence"][0]["evidence"] for q in lines)
    finally:
        (kb / FILE).unlink()


def test_eval_needs_a_file_or_feedback(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--feedback", "--kb", str(kb)]) == 2
    assert "no votes with evidence" in capsys.readouterr().err
    assert main(["eval", "--kb", str(kb)]) == 2
