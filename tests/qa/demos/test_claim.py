"""_claim and _lang: three states, each rendered with its own label in either language."""
from __future__ import annotations

import pytest

from qa.demos._claim import STATES, Claim, state_label
from qa.demos._lang import lang_of, pick


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_claim_renders_its_own_state_only(state: str, lang: str) -> None:
    text = Claim("c", state, "句子" if lang == "zh" else "sentence").render(lang)
    assert text.startswith(state_label(state, lang)) and text.endswith("句子" if lang == "zh" else "sentence")
    others = [state_label(s, lang) for s in STATES if s != state]
    assert not any(label in text for label in others)


def test_labels_differ_by_state_and_language() -> None:
    labels = {state_label(s, lang) for s in STATES for lang in ("zh", "en")}
    assert len(labels) == 2 * len(STATES)


def test_unknown_state_is_a_bug() -> None:
    with pytest.raises(ValueError, match="unknown state"):
        Claim("c", "maybe", "text")  # type: ignore[arg-type]


def test_to_dict() -> None:
    assert Claim("c", "shown", "t").to_dict() == {"id": "c", "state": "shown", "text": "t"}


@pytest.mark.parametrize("value, lang", [("en", "en"), ("zh", "zh"), ("fr", "zh"), (None, "zh")])
def test_anything_but_english_means_chinese(value: object, lang: str) -> None:
    assert lang_of(value) == lang
    assert pick(lang_of(value), "en", "zh") == lang
