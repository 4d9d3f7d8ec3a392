"""Feedback on answers: votes appended to ``feedback.jsonl`` in the knowledge-base directory, and
turned into evaluation questions with evidence (``kgqa eval --feedback``).

A vote names the question, the passages the answer cited and, optionally, the passage that
should have come first. Each vote is one JSON line written with a single ``write`` on a file
opened for appending, so concurrent writers never interleave and a crash never tears an
earlier line. Up-votes confirm the first cited passage; down-votes that name a better passage
make it the expected one; a bare down-vote says only "not this" and becomes no question.

>>> v = Feedback("BN的作用?", "down", ("a.md:1-3", "b.md:2"), expected="b.md:2", evidence="BN加快收敛")
>>> [(q.question, q.evidence) for q in to_questions([v])]
[('BN的作用?', ('BN加快收敛',))]
"""
from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from kg.errors import InputError, StoreError
from qa.answer import Source
from qa.evaluate import COUNTED_CHARS, Question

__all__ = ["FILE", "Vote", "Feedback", "snippet", "from_vote", "record", "load", "to_questions"]

FILE = "feedback.jsonl"
SNIPPET_CHARS = 40
Vote = Literal["up", "down"]
_LOCK = threading.Lock()  # one process's writers take turns; O_APPEND keeps other processes' lines whole


@dataclass(frozen=True)
class Feedback:
    """One vote on one answer; ``evidence`` is a verbatim snippet of the passage that should rank first."""

    question: str
    vote: Vote
    sources: tuple[str, ...] = ()
    expected: str = ""
    evidence: str = ""
    lang: str = "zh"
    time: float = 0.0

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Feedback:
        if raw.get("vote") not in ("up", "down") or not isinstance(raw.get("question"), str):
            raise ValueError("needs a question and a vote of 'up' or 'down'")
        return cls(raw["question"], raw["vote"], tuple(raw.get("sources") or ()), str(raw.get("expected") or ""),
                   str(raw.get("evidence") or ""), str(raw.get("lang") or "zh"), float(raw.get("time") or 0.0))


def snippet(text: str, width: int = SNIPPET_CHARS) -> str:
    """A verbatim piece of a passage that the evaluation finds in its first characters: the start of
    its first line that is not a heading.

    >>> snippet("## BN的作用?\\n- 加快网络的训练与收敛的速度")
    '- 加快网络的训练与收敛的速度'
    """
    offset = 0
    for line in text.split("\n"):
        if line.strip() and not line.lstrip().startswith("#") and offset + width <= COUNTED_CHARS:
            return line.strip()[:width]
        offset += len(line) + 1
    return text.strip()[:width]


def _passages(model: Any) -> dict[str, str]:
    """Citation -> text of every passage of a read model."""
    return {Source(p.doc, p.start_line, p.end_line, "", 0.0).citation: p.text for p in model.passages}


def from_vote(model: Any, question: str, sources: Sequence[str], liked: bool, expected: str = "",
              lang: str = "zh") -> Feedback:
    """A vote as a record, with the evidence snippet read from ``model``'s passages."""
    if not question:
        raise InputError("this message is not an answer to a question: vote on an answer")
    if expected and expected not in sources:
        raise InputError(f"{expected!r} is not one of this answer's sources: pick one of {', '.join(sources)}")
    target = expected or (sources[0] if liked and sources else "")
    text = _passages(model).get(target, "") if target else ""
    return Feedback(question, "up" if liked else "down", tuple(sources), expected, snippet(text) if text else "",
                    lang, round(time.time(), 3))


def record(kb_dir: str | Path, feedback: Feedback) -> Path:
    """Append ``feedback`` to ``kb_dir/feedback.jsonl`` as one line; returns the file."""
    path = Path(kb_dir) / FILE
    line = (json.dumps(asdict(feedback), ensure_ascii=False) + "\n").encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _LOCK:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
    except OSError as exc:
        raise StoreError(f"cannot write feedback to {path}: {exc}") from None
    return path


def load(kb_dir: str | Path) -> list[Feedback]:
    """Every vote in ``kb_dir/feedback.jsonl``, oldest first (none when there is no file yet).
    A line that is not a vote is an InputError naming its number."""
    path = Path(kb_dir) / FILE
    if not path.exists():
        return []
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(Feedback.from_dict(json.loads(line)))
        except (ValueError, TypeError, AttributeError) as exc:
            raise InputError(f"{path}:{number}: not a feedback record ({exc})") from None
    return out


def to_questions(votes: Iterable[Feedback]) -> list[Question]:
    """Evaluation questions from votes that carry evidence; a later vote on a question replaces an earlier one."""
    latest: dict[str, Feedback] = {}
    for vote in votes:
        latest[vote.question] = vote
    return [Question(f"fb{number:03d}", v.question, v.lang, True, (v.evidence,), "feedback")
            for number, v in enumerate((v for v in latest.values() if v.evidence), 1)]
