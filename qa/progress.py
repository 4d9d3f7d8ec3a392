"""Practice progress: a log of self-graded reviews, scheduled by FSRS, kept per browser or per user.

The state is the log itself: every review is one :class:`Review`, and each question's FSRS
card is the replay of its reviews through :class:`fsrs.Scheduler` (fuzzing off, so a replay
is deterministic). An append-only log merges without conflicts, which is what makes two
tabs writing at once safe: :class:`ProgressStore` only ever INSERTs rows (SQLite, WAL mode),
and an import is a union of logs.

>>> p = Progress().reviewed(Review("s1", "2026-01-01T09:00:00+00:00", "good", 72.0, ("bn",)))
>>> p.due(datetime(2026, 1, 9, tzinfo=timezone.utc)), p.streak(datetime(2026, 1, 1, 20, tzinfo=timezone.utc))
(['s1'], 1)
"""
from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Literal, get_args

from fsrs import Card, Rating, Scheduler

__all__ = ["Grade", "Review", "Progress", "ProgressStore", "suggest"]

Grade = Literal["again", "hard", "good", "easy"]
GRADES: tuple[Grade, ...] = get_args(Grade)
_RATING = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
_SCHEDULER = Scheduler(enable_fuzzing=False)
# Anki's learn-ahead limit: a card due within this much of now counts as due now. Without it a
# question graded "again" a minute before midnight (due one minute later) is due "tomorrow", and
# the list of reviews due today stays empty just when the user wants to go over the misses.
LEARN_AHEAD = timedelta(minutes=20)


def suggest(score: float) -> Grade:
    """The self-grade a score suggests: again < 20 ≤ hard < 50 ≤ good < 80 ≤ easy.

    >>> [suggest(s) for s in (0, 35, 60, 95)]
    ['again', 'hard', 'good', 'easy']
    """
    return "again" if score < 20 else "hard" if score < 50 else "good" if score < 80 else "easy"


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC (a naive one is taken as this machine's local time): FSRS requires UTC,
    and logs sort and merge by the ISO text of ``at``, which only orders moments in one zone."""
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class Review:
    """One self-graded answer: question ``section`` at ``at`` (ISO 8601, UTC), its score and concepts."""

    section: str
    at: str
    grade: Grade
    score: float
    concepts: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: object) -> Review:
        """A review from JSON data; ValueError naming what is wrong."""
        if not isinstance(raw, dict):
            raise ValueError("each review must be an object")
        try:
            review = cls(str(raw["section"]), _utc(datetime.fromisoformat(str(raw["at"]))).isoformat(), raw["grade"],
                         float(raw["score"]), tuple(str(c) for c in raw.get("concepts", ())))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"a review needs section, at, grade and score ({exc})") from None
        if review.grade not in GRADES:
            raise ValueError(f"unknown grade {review.grade!r}: use one of {', '.join(GRADES)}")
        return review


@dataclass(frozen=True)
class Progress:
    """Every review so far, oldest first, without duplicates."""

    reviews: tuple[Review, ...] = field(default_factory=tuple)

    def reviewed(self, *new: Review) -> Progress:
        """The union of this log and ``new`` (idempotent: a review already logged is not added twice)."""
        merged = {(r.section, r.at): r for r in (*self.reviews, *new)}
        return Progress(tuple(sorted(merged.values(), key=lambda r: (r.at, r.section))))

    def cards(self) -> dict[str, Card]:
        """Each reviewed question's FSRS card: the replay of its reviews."""
        cards: dict[str, Card] = {}
        for r in self.reviews:
            at = _utc(datetime.fromisoformat(r.at))
            card = cards.get(r.section) or Card(card_id=1, due=at)
            cards[r.section], _ = _SCHEDULER.review_card(card, _RATING[r.grade], at)
        return cards

    def due(self, now: datetime) -> list[str]:
        """Questions whose review is due by ``now``, most overdue first."""
        cards = self.cards()
        return sorted((s for s, c in cards.items() if c.due <= now), key=lambda s: cards[s].due)

    def due_today(self, now: datetime) -> list[str]:
        """Questions due before the end of ``now``'s day (in ``now``'s time zone), or within
        :data:`LEARN_AHEAD` of ``now`` if that is later; most overdue first.

        >>> p = Progress().reviewed(Review("s1", "2026-01-01T23:59:30+00:00", "again", 5.0))
        >>> p.due_today(datetime(2026, 1, 1, 23, 59, 40, tzinfo=timezone.utc))  # due 00:00:30
        ['s1']
        """
        end_of_day = datetime.combine(now.date(), time.max, tzinfo=now.tzinfo)
        return self.due(max(end_of_day, now + LEARN_AHEAD))

    def weak_topics(self, limit: int = 5) -> list[tuple[str, float]]:
        """Concepts whose questions score lowest: ``(concept, mean of each question's last score)``."""
        last = {r.section: r for r in self.reviews}
        per: dict[str, list[float]] = defaultdict(list)
        for r in last.values():
            for c in r.concepts:
                per[c].append(r.score)
        return sorted(((c, sum(v) / len(v)) for c, v in per.items()), key=lambda cv: (cv[1], cv[0]))[:limit]

    def streak(self, now: datetime) -> int:
        """Consecutive days with a review, ending today (or yesterday, so the day is not lost yet);
        days are calendar days in ``now``'s time zone, so a review at 07:00 in Beijing counts for
        that day, not for the UTC day before."""
        days = {datetime.fromisoformat(r.at).astimezone(now.tzinfo).date() for r in self.reviews}
        today = now.date()
        day = today if today in days else today - timedelta(days=1)
        n = 0
        while day in days:
            n, day = n + 1, day - timedelta(days=1)
        return n

    def to_json(self) -> str:
        return json.dumps({"version": 1, "reviews": [asdict(r) for r in self.reviews]}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Progress:
        """Progress from :meth:`to_json` output; ValueError with a one-line reason for anything else."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc.msg} at line {exc.lineno}") from None
        if not isinstance(data, dict) or not isinstance(data.get("reviews"), list):
            raise ValueError('progress JSON must be an object with a "reviews" list')
        return cls().reviewed(*(Review.parse(r) for r in data["reviews"]))


class ProgressStore:
    """Per-user review logs in one SQLite file (WAL: readers never block the one writer).

    Appends only, each in its own transaction, so two tabs saving at once both land.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS reviews (user TEXT NOT NULL, section TEXT NOT NULL, at TEXT NOT NULL,"
                       " grade TEXT NOT NULL, score REAL NOT NULL, concepts TEXT NOT NULL,"
                       " PRIMARY KEY (user, section, at))")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def add(self, user: str, reviews: Iterable[Review]) -> None:
        rows = [(user, r.section, r.at, r.grade, r.score, json.dumps(list(r.concepts))) for r in reviews]
        with self._connect() as db:
            db.executemany("INSERT OR IGNORE INTO reviews VALUES (?, ?, ?, ?, ?, ?)", rows)

    def load(self, user: str) -> Progress:
        with self._connect() as db:
            rows = db.execute("SELECT section, at, grade, score, concepts FROM reviews WHERE user = ?", (user,))
            return Progress().reviewed(*(Review(s, at, g, sc, tuple(json.loads(c))) for s, at, g, sc, c in rows))

