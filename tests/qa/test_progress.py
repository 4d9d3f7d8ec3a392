"""Practice progress: FSRS over an append-only review log; JSON round-trips; SQLite keeps users apart and loses nothing."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from qa.progress import LEARN_AHEAD, Progress, ProgressStore, Review, suggest

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
    assert [p.streak(T0 + timedelta(days=d)) for d in (2, 3, 5)] == [3, 3, 0]


BEIJING = timezone(timedelta(hours=8))


def test_streak_days_are_the_users_calendar_days() -> None:
    # 2026-01-01 20:00 and 2026-01-02 02:00 UTC are one UTC day apart but the same Beijing day
    # (Jan 2); a review at 23:30 Beijing on Jan 2 is still Jan 2.
    p = Progress().reviewed(review("s1", 11 / 24), review("s2", 17 / 24), review("s3", 1 + 14.5 / 24))
    assert p.streak(datetime(2026, 1, 2, 23, 45, tzinfo=BEIJING)) == 1
    assert p.streak(datetime(2026, 1, 2, 3, tzinfo=timezone.utc)) == 2  # Jan 1 and Jan 2 in UTC


@pytest.mark.parametrize("tz", [timezone.utc, BEIJING, timezone(timedelta(hours=-5))])
@pytest.mark.parametrize("minute", [0, 30, 58, 59])
def test_a_miss_graded_any_minute_is_due_today(tz: timezone, minute: int) -> None:
    # A question graded "again" comes back a minute later: it is on today's list even a minute
    # before midnight, when the minute is already tomorrow.
    graded = datetime(2026, 3, 1, 23, minute, 30, tzinfo=tz)
    p = Progress().reviewed(Review("s", graded.isoformat(), "again", 5.0))
    assert p.due_today(graded + timedelta(seconds=5)) == ["s"]


def test_a_known_answer_is_not_due_today() -> None:
    p = Progress().reviewed(review("s", 0, "easy"))
    assert p.due_today(T0 + timedelta(minutes=1)) == [] and p.due_today(T0 + timedelta(days=60)) == ["s"]


@pytest.mark.parametrize("grade", ["again", "hard", "good", "easy"])
@pytest.mark.parametrize("hours", [0, 0.2, 14.9, 15, 40, 24 * 30])
def test_due_today_lies_between_due_now_and_due_by_tomorrow(grade: str, hours: float) -> None:
    p = Progress().reviewed(review("s", 0, grade), review("t", 0.5, grade))
    now = T0 + timedelta(hours=hours)
    assert set(p.due(now)) <= set(p.due_today(now)) <= set(p.due(now + timedelta(days=1) + LEARN_AHEAD))


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


@pytest.mark.parametrize("at", ["2026-01-02T03:00:00+08:00", "2026-01-01T19:00:00+00:00", "2026-01-01T14:00:00-05:00"])
def test_an_imported_review_in_any_zone_is_the_same_moment_in_utc(at: str) -> None:
    # FSRS takes UTC only, and the log sorts by the text of ``at``: an import from another zone is
    # normalised, not a crash when its card is scheduled.
    p = Progress.from_json(f'{{"reviews": [{{"section": "s", "at": "{at}", "grade": "again", "score": 5}}]}}')
    assert p.reviews[0].at == "2026-01-01T19:00:00+00:00"
    assert p.cards()["s"].due == datetime(2026, 1, 1, 19, 1, tzinfo=timezone.utc)
