"""Practice topics as the UI offers them: random, each concept kind, each concept with two or more questions.

The bank itself is :class:`qa.bank.Bank` (compiled into the read model); this module only labels it.
"""
from __future__ import annotations

from qa.bank import RANDOM, Bank
from ui.views.i18n import kind_name, t
from ui.views.markup import display_name

__all__ = ["topics"]


def topics(bank: Bank, lang: str) -> list[tuple[str, str]]:
    """``(label, value)`` choices: random, every kind with questions, every concept with two or more."""
    kinds, per_concept = bank.counts()
    graph = bank.snapshot.graph
    choices = [(t(lang, "random"), RANDOM)]
    choices += [(t(lang, "kind_topic").format(kind=kind_name(lang, k)), f"kind:{k}") for k in sorted(kinds)]
    concepts = sorted((c for c, n in per_concept.items() if n >= 2), key=lambda c: graph.concept(c).name.casefold())
    choices += [(t(lang, "concept_topic").format(name=display_name(graph.concept(c), lang), n=per_concept[c]),
                 f"concept:{c}") for c in concepts]
    return choices
