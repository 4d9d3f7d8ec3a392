"""What a run says about its demo's claim, in one of three states, in the run's language.

A demo's general claim ("inverted dropout keeps the mean") is a hypothesis; a run at given
parameters either shows it, does not show it (and says why), or blows up numerically. Each
:class:`Claim` carries that state and one sentence computed from the run's own numbers, so a
result can never state what its numbers contradict.

Example::

    >>> c = Claim("mean", "not_shown", "the mean ratio is 0.66, not within 0.05 of 1")
    >>> c.render("en")
    '✗ Not shown at these settings: the mean ratio is 0.66, not within 0.05 of 1'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from qa.demos._lang import pick

__all__ = ["STATES", "Claim", "ClaimState", "state_label"]

ClaimState = Literal["shown", "not_shown", "unstable"]
STATES: tuple[ClaimState, ...] = ("shown", "not_shown", "unstable")

# state -> (mark, English label, Chinese label); the mark lets a reader scan a list of claims.
_LABELS: dict[ClaimState, tuple[str, str, str]] = {
    "shown": ("✓", "Shown", "已验证"),
    "not_shown": ("✗", "Not shown at these settings", "此设置下未显示"),
    "unstable": ("⚠", "Diverged / numerically unstable", "发散 / 数值不稳定"),
}


def state_label(state: ClaimState, lang: str) -> str:
    """The state's mark and words, e.g. ``"✓ Shown"`` or ``"✗ 此设置下未显示"``."""
    mark, en, zh = _LABELS[state]
    return f"{mark} {pick(lang, en, zh)}"


@dataclass(frozen=True)
class Claim:
    """One outcome of a run: an id (stable across languages), its state and its sentence."""

    id: str
    state: ClaimState
    text: str

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"claim {self.id}: unknown state {self.state!r}")

    def render(self, lang: str) -> str:
        """The state label, a colon and the sentence."""
        colon = ": " if lang == "en" else "："
        return f"{state_label(self.state, lang)}{colon}{self.text}"

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "state": self.state, "text": self.text}

