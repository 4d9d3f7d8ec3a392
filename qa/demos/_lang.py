"""The two languages a demo speaks, and picking a phrase in one of them.

Every demo writes its sentences as ``(English, Chinese)`` pairs side by side, so a missing
translation is visible in the source rather than at run time.

>>> pick("zh", "layer", "层"), pick("en", "layer", "层")
('层', 'layer')
"""
from __future__ import annotations

from typing import Literal

__all__ = ["Lang", "lang_of", "pick"]

Lang = Literal["zh", "en"]


def lang_of(value: object) -> Lang:
    """``"en"`` for English, anything else means Chinese (the default)."""
    return "en" if value == "en" else "zh"


def pick(lang: str, en: str, zh: str) -> str:
    """The phrase in ``lang``."""
    return en if lang == "en" else zh
