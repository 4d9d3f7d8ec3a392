"""Fidelity checks for the cleaned study notes in ``corpus/notes/``.

Each note ``NN-slug.md`` is a cleaned copy of the raw web capture
``../shared/seeds/0NN_<hash>.txt``. Cleaning may only *remove* web chrome, *add*
Markdown structure (a ``#``/``##``/``###`` prefix on lines that already exist, list
markers ``- ``, dropped leading indentation, blank lines) and *repair maths the capture
wrote twice*, inside a line, by the rules of :func:`ingest.clean.repair_maths`. These tests
compare the two line by line after taking the added Markdown off again and applying those
repair rules to the seed, so any invented, altered, re-wrapped, re-ordered or silently
dropped sentence fails. Seed lines may only be dropped when they match one of the explicit
chrome rules below, listed per seed.
"""
from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ingest.clean import REPAIR_RULES, repair_maths, repairs

REPO = Path(__file__).resolve().parents[2]
NOTES_DIR = REPO / "corpus" / "notes"
README = REPO / "corpus" / "README.md"
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SEEDS_DIR = SHARED / "seeds"
DEV_QUESTIONS = SHARED / "eval" / "dev_questions.jsonl"

NOTE_NAME = re.compile(r"(\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*\.md")
NOTES = sorted(NOTES_DIR.glob("*.md"))
EXPECTED_NOTES = 5

# Seeds captured from cnblogs, whose headings carry a trailing "#" permalink anchor.
CNBLOGS = frozenset({"002", "003"})
# Seeds whose page title is repeated on the next line as the post-title banner.
TITLE_REPEATED = frozenset({"002"})

needs_seeds = pytest.mark.skipif(
    not SEEDS_DIR.is_dir(),
    reason=f"seed captures not found at {SEEDS_DIR}; the fidelity checks only run in a repository checkout",
)


@dataclass(frozen=True)
class Chrome:
    """One kind of web chrome: ``pattern`` must match a whole seed line (surrounding whitespace stripped)."""

    why: str
    pattern: str

    def matches(self, line: str) -> bool:
        return re.fullmatch(self.pattern, line.strip()) is not None


def exact(why: str, text: str) -> Chrome:
    return Chrome(why, re.escape(text))


CHROME: dict[str, tuple[Chrome, ...]] = {
    "000": (),
    "001": (
        exact("GitHub navigation", "Skip to content"),
        exact("GitHub navigation", "Latest commit"),
        exact("GitHub navigation", "History"),
        exact("GitHub file view controls", "File metadata and controls"),
        Chrome("GitHub file-size banner", r"\d+ lines \(\d+ loc\) · \d+(?:\.\d+)? [KM]?B"),
        exact("broken image placeholder", "image"),
    ),
    "002": (
        Chrome("author/source/licence footer, recorded in corpus/README.md", r"(?:作者|出处|版权):.+"),
        Chrome("cnblogs ad", r"【推荐】.+"),
        Chrome("cnblogs news/related-post list item", r"· .+"),
    ),
    "003": (
        exact("image alt text left where a figure was", "GoogLeNet_"),
        exact("image alt text left where a figure was", "DenseNet"),
        Chrome("Typora image file name left where a figure was", r"image-\d{17}"),
        Chrome("broken image path", r"\./src/[\w.-]+\.png"),
        Chrome("cnblogs post footer (author recorded in corpus/README.md)", r"posted @ .+"),
        exact("cnblogs related-posts header", "相关博文:"),
        exact("cnblogs most-read header", "阅读排行:"),
        Chrome("cnblogs related/most-read list item", r"· .+"),
        exact("cnblogs share widget", "点击右上角即可分享"),
        exact("cnblogs share widget", "微信分享提示"),
        exact("cnblogs theme switcher", "主题色彩"),
    ),
    "004": (
        exact("broken image placeholder", "alt"),
        Chrome("nowcoder topic hashtags", r"(?:#[^#\s]+#)+"),
        Chrome("nowcoder column card shown under the post", r"三年面试五年模拟之独孤九剑秘籍专注于分享.+关注本专栏.+"),
        exact("comment section header", "全部评论"),
        exact("reader comment", "优缺点清晰"),
        exact("reader comment", "收藏学习了"),
        exact("comment action bar", "点赞 回复 分享"),
        Chrome("comment timestamp and location", r"发布于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} \S+"),
        exact("recommended-posts header", "相关推荐"),
        Chrome("recommended-post timestamp", r"\d{2}-\d{2} \d{2}:\d{2}"),
        exact("recommended-post author", "河南大学 Java"),
        exact("recommended-post author", "门头沟学院 Java"),
        exact("recommended-post text", "宇宙厂 测开 n*15"),
        exact("recommended-post text", "丘丘给个offer:有后选后"),
        exact("recommended-post text", "跨考小白:定时任务启动"),
        Chrome("recommended-post text", r"粗心的雪碧不放弃:纯学历问题,.+"),
        exact("recommended-post action bar", "点赞 评论 收藏"),
        exact("share button", "分享"),
        exact("comment button", "评论"),
        exact("like counter", "23"),
        exact("collect counter", "147"),
        exact("site footer", "牛客网"),
        exact("site footer", "牛客企业服务"),
    ),
}

_HEADING = re.compile(r"^#+\s+")
_LIST_MARKER = re.compile(r"^[-•](?:\s+|$)")


def strip_markup(line: str) -> str:
    """Take off what cleaning may add: indentation, a heading prefix, a list marker."""
    text = line.strip()
    text = _HEADING.sub("", text, count=1)
    return _LIST_MARKER.sub("", text, count=1)


def seed_key_raw(line: str, seed_id: str) -> str:
    """A seed line compared the way note lines are, minus a cnblogs heading anchor."""
    text = strip_markup(line)
    return text[:-1] if seed_id in CNBLOGS and text.endswith("#") else text


def seed_key(line: str, seed_id: str) -> str:
    """A seed line as it must appear in the note: :func:`seed_key_raw` with its maths repaired."""
    return repair_maths(seed_key_raw(line, seed_id))


def fold(text: str) -> str:
    """NFKC with every run of whitespace collapsed to one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def seed_id_of(note: Path) -> str:
    match = NOTE_NAME.fullmatch(note.name)
    assert match, f"{note.name}: note names must look like NN-short-english-slug.md"
    return f"{int(match.group(1)):03d}"


def seed_of(note: Path) -> Path:
    found = sorted(SEEDS_DIR.glob(f"{seed_id_of(note)}_*.txt"))
    assert len(found) == 1, f"{note.name}: expected exactly one seed {seed_id_of(note)}_*.txt, found {found}"
    return found[0]


def chrome_reason(seed_id: str, index: int, lines: list[str]) -> str | None:
    """Why seed line ``index`` (0-based) is chrome, or None when it is note text."""
    line = lines[index]
    if seed_id in TITLE_REPEATED and index == 1 and line.strip() == lines[0].strip():
        return "page title repeated as the post-title banner"
    for rule in CHROME.get(seed_id, ()):
        if rule.matches(line):
            return rule.why
    return None


def note_lines(note: Path) -> Iterator[tuple[int, str]]:
    """(1-based line number, compared text) for every non-empty note line."""
    for number, line in enumerate(read_lines(note), 1):
        key = strip_markup(line)
        if key:
            yield number, key


def kept_seed_lines(seed: Path) -> Iterator[tuple[int, str]]:
    """(1-based line number, compared text) for every non-empty seed line that is not chrome."""
    seed_id = seed.name[:3]
    lines = read_lines(seed)
    for index, line in enumerate(lines):
        key = seed_key(line, seed_id)
        if key and chrome_reason(seed_id, index, lines) is None:
            yield index + 1, key


def note_id(note: Path) -> str:
    return note.stem


# --------------------------------------------------------------------------- structure


def test_note_inventory() -> None:
    assert len(NOTES) == EXPECTED_NOTES, [n.name for n in NOTES]
    numbers = [seed_id_of(note) for note in NOTES]
    assert len(set(numbers)) == len(numbers), f"two notes share a number: {numbers}"
    if SEEDS_DIR.is_dir():
        seeds = sorted(p.name[:3] for p in SEEDS_DIR.glob("*.txt"))
        assert sorted(numbers) == seeds, "every seed needs exactly one note"


@pytest.mark.parametrize("note", NOTES, ids=note_id)
def test_note_structure(note: Path) -> None:
    lines = read_lines(note)
    assert lines[0].startswith("# ") and lines[0][2:].strip(), f"{note.name}: must start with '# <title>'"
    assert note.read_text(encoding="utf-8").endswith("\n"), f"{note.name}: missing final newline"
    titles = [n for n, line in enumerate(lines, 1) if line.startswith("# ")]
    assert titles == [1], f"{note.name}: exactly one '# ' title, on line 1; found on lines {titles}"
    sections = [line for line in lines if line.startswith("## ")]
    assert len(sections) >= 5, f"{note.name}: only {len(sections)} '## ' sections"
    for number, line in enumerate(lines, 1):
        where = f"{note.name}:{number}: {line!r}"
        assert not re.match(r"#{4,}\s", line), f"{where}: only #, ## and ### headings are used"
        if line.startswith("#"):
            assert re.match(r"#{1,3} \S", line), f"{where}: malformed heading"
            assert not line.rstrip().endswith("#"), f"{where}: leftover cnblogs heading anchor"
        assert line == line.rstrip(), f"{where}: trailing whitespace"
        assert line.strip() not in {"-", "•", "=", "--", "---"}, f"{where}: empty list marker or setext underline"


# --------------------------------------------------------------------------- fidelity


@needs_seeds
@pytest.mark.parametrize("note", NOTES, ids=note_id)
def test_note_lines_come_from_seed(note: Path) -> None:
    """Property 1: nothing was invented or altered."""
    seed = seed_of(note)
    seed_id = seed.name[:3]
    allowed = {seed_key(line, seed_id) for line in read_lines(seed)}
    invented = [f"{note.name}:{n}: {text!r}" for n, text in note_lines(note) if text not in allowed]
    assert not invented, "note lines that are not lines of the seed:\n" + "\n".join(invented)


@needs_seeds
@pytest.mark.parametrize("note", NOTES, ids=note_id)
def test_seed_lines_kept_or_chrome(note: Path) -> None:
    """Property 2: every seed line is in the note unless an explicit chrome rule removes it."""
    seed = seed_of(note)
    present = {text for _, text in note_lines(note)}
    dropped = [f"{seed.name}:{n}: {text!r}" for n, text in kept_seed_lines(seed) if text not in present]
    assert not dropped, "seed lines missing from the note and matching no chrome rule:\n" + "\n".join(dropped)


@needs_seeds
@pytest.mark.parametrize("note", NOTES, ids=note_id)
def test_note_is_the_seed_minus_chrome_in_order(note: Path) -> None:
    """Stricter than 1 and 2: same lines, same number of times, same order (no re-ordering or duplication)."""
    seed = seed_of(note)
    expected = [text for _, text in kept_seed_lines(seed)]
    actual = [text for _, text in note_lines(note)]
    if actual != expected:
        diff = difflib.unified_diff(expected, actual, f"{seed.name} minus chrome", note.name, lineterm="", n=1)
        pytest.fail("note differs from its seed:\n" + "\n".join(list(diff)[:60]))


@needs_seeds
@pytest.mark.parametrize("seed_id", sorted(CHROME))
def test_chrome_rules_match_something(seed_id: str) -> None:
    """Every chrome rule is needed: a rule matching nothing is dead weight or a typo."""
    seeds = sorted(SEEDS_DIR.glob(f"{seed_id}_*.txt"))
    assert len(seeds) == 1, seeds
    lines = read_lines(seeds[0])
    dead = [rule for rule in CHROME[seed_id] if not any(rule.matches(line) for line in lines)]
    assert not dead, f"{seeds[0].name}: rules matching no line: {dead}"


# Repairs per rule over all seeds: a change in the rules that changes a note shows up here first.
REPAIR_COUNTS = {"doubled": 128, "bare": 4, "letters": 22}


@needs_seeds
def test_maths_repairs_are_the_counted_ones() -> None:
    """Every repair rule is used, and they repair exactly the counted formulas (listed in corpus/README.md)."""
    counts = dict.fromkeys(REPAIR_RULES, 0)
    for seed in sorted(SEEDS_DIR.glob("*.txt")):
        for line in read_lines(seed):
            for repair in repairs(seed_key_raw(line, seed.name[:3])):
                counts[repair.rule] += 1
    assert counts == REPAIR_COUNTS


@pytest.mark.parametrize("note", NOTES, ids=note_id)
def test_notes_keep_no_maths_captured_twice(note: Path) -> None:
    """The repairs are done: repairing a cleaned note changes nothing, and every line keeps its number."""
    lines = read_lines(note)
    assert [repair_maths(strip_markup(line)) == strip_markup(line) for line in lines] == [True] * len(lines)


def test_readme_lists_the_repair_rules() -> None:
    text = README.read_text(encoding="utf-8")
    for rule in REPAIR_RULES:
        assert f"`{rule}`" in text, f"corpus/README.md does not list the maths repair rule {rule!r}"
    for rule, count in REPAIR_COUNTS.items():
        assert f"`{rule}` ({count} repairs)" in text, f"corpus/README.md does not count the {rule!r} repairs"


# --------------------------------------------------------------------------- evidence and README


def _evidence() -> list[Any]:
    """One pytest param per (question, evidence) pair of the dev set."""
    if not DEV_QUESTIONS.is_file():
        return [pytest.param("", "", "", marks=pytest.mark.skip(reason=f"{DEV_QUESTIONS} not found"))]
    params: list[Any] = []
    for raw in DEV_QUESTIONS.read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        question = json.loads(raw)
        for item in question.get("evidence", []):
            params.append(
                pytest.param(question["id"], item["file"], item["evidence"], id=f"{question['id']}-{item['file'][:3]}")
            )
    return params


@pytest.mark.parametrize(("qid", "seed_file", "snippet"), _evidence())
def test_evidence_occurs_in_note(qid: str, seed_file: str, snippet: str) -> None:
    """Property 4: every dev-set evidence snippet is findable in the note cleaned from its seed."""
    number = seed_file[:3]
    notes = [note for note in NOTES if seed_id_of(note) == number]
    assert len(notes) == 1, f"{qid}: no note for seed {seed_file}"
    assert fold(snippet) in fold(notes[0].read_text(encoding="utf-8")), f"{qid}: {snippet!r} not in {notes[0].name}"


def test_readme_records_every_note() -> None:
    text = README.read_text(encoding="utf-8")
    for note in NOTES:
        assert note.name in text, f"corpus/README.md does not mention {note.name}"
        if SEEDS_DIR.is_dir():
            assert seed_of(note).name in text, f"corpus/README.md does not name the seed of {note.name}"
