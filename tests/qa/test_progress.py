"""Practice progress: FSRS over an append-only review log; JSON round-trips; SQLite keeps users apart and loses nothing."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest

from qa.progress import Progress, ProgressStore, Review, suggest

T0 = datetime(2026, 1, 1, 9, tzinfo=timezone.utc)


def review(section: str, days: float, grade: str = "good", score: float = 70.0, concepts=("bn",)) -> Review:
    return Review(section, (T0 + timedelta(days=days)).isoformat(), grade, score, tuple(concepts))  # type: ignore[arg-type]


@pytest.mark.parametrize("score, grade", [(0, "again"), (19.9, "again"), (20, "hard"), (50, "good"), (80, "easy")])
def test_grade_suggested_from_score(score: float, grade: str) -> None:
    assert suggest(score) == grade


def test_better_grades_push_the_next_review_later() -> None:
    due = {g: Progress().reviewed(review("s", 0, g)).cards()["s"].due for g in ("again", "hard", "good", "easy")}
    assert due["again"] <= due["hard"] <= due["good"] < due["easy"]
    p = Progress().reviewed(review("s", 0, "easy"))
    assert p.due(T0) == [] and p.due(T0 + timedelta(days=60)) == ["s"]


def test_merge_is_idempotent_and_order_free() -> None:
    a, b = review("s1", 0), review("s2", 1)
    assert Progress().reviewed(a, b) == Progress().reviewed(b).reviewed(a, a)


def test_weak_topics_use_each_questions_last_score_and_streak_counts_days() -> None:
    p = Progress().reviewed(review("s1", 0, score=10, concepts=("bn",)), review("s1", 1, score=90, concepts=("bn",)),
                            review("s2", 2, score=30, concepts=("pool",)))
    assert p.weak_topics() == [("pool", 30.0), ("bn", 90.0)]
    assert p.streak(date(2026, 1, 3)) == 3 and p.streak(date(2026, 1, 4)) == 3 and p.streak(date(2026, 1, 6)) == 0


def test_json_round_trip() -> None:
    p = Progress().reviewed(review("s1", 0), review("s2", 1, "again", 5, ()))
    assert Progress.from_json(p.to_json()) == p


@pytest.mark.parametrize("text, message", [
    ("{", "not JSON"), ("[]", "reviews"), ('{"reviews": [1]}', "object"),
    ('{"reviews": [{"section": "s"}]}', "needs section"),
    ('{"reviews": [{"section": "s", "at": "2026-01-01", "grade": "meh", "score": 1}]}', "unknown grade"),
])
def test_bad_imports_say_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Progress.from_json(text)


def test_store_keeps_users_apart_and_two_writers_lose_nothing(tmp_path) -> None:
    store = ProgressStore(tmp_path / "progress.sqlite")

    def tab(name: str) -> None:  # each "tab" opens its own connection, like a separate request
        for i in range(25):
            ProgressStore(store.path).add("alice", [review(f"{name}{i}", i / 100)])

    threads = [threading.Thread(target=tab, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.add("bob", [review("x", 0)])
    assert len(store.load("alice").reviews) == 50
    assert [r.section for r in store.load("bob").reviews] == ["x"]
    assert store.load("carol") == Progress()
