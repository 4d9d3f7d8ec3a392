"""The records an answer is made of: :class:`Answer`, :class:`Source`, :class:`ConceptRef`, :class:`Fact`, :class:`Outline`.

They are frozen and JSON-able (``to_dict``), because the CLI prints them, the app renders
them and the acceptance checks read them.

>>> Source("n.md", 3, 4, "BN层的作用", 0.5).citation
'n.md:3-4'
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Source", "ConceptRef", "Fact", "Outline", "Answer"]


@dataclass(frozen=True)
class Source:
    """A cited passage: ``text`` is lines ``start_line..end_line`` of note ``doc``, verbatim."""

    doc: str
    start_line: int
    end_line: int
    text: str
    score: float
    heading: str = ""
    ranks: dict[str, int] = field(default_factory=dict, compare=False)          # signal -> 1-based rank
    why: tuple[tuple[str, float, float], ...] = field(default=(), compare=False)  # (feature, value, contribution)
    closeness: dict[str, float] = field(default_factory=dict, compare=False)     # statement -> cosine to the question

    @property
    def citation(self) -> str:
        lines = str(self.start_line) if self.start_line == self.end_line else f"{self.start_line}-{self.end_line}"
        return f"{self.doc}:{lines}"


@dataclass(frozen=True)
class ConceptRef:
    """A concept the answer is about."""

    id: str
    name: str
    kind: str
    zh: str = ""


@dataclass(frozen=True)
class Fact:
    """A graph relation used in the answer, with its evidence sentences ``{doc, line, text}``."""

    source: str
    relation: str
    target: str
    source_name: str
    target_name: str
    evidence: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Outline:
    """The subsection headings of the notes' section that the answer's best passages belong to,
    for a question asking for a list: ``items`` in note order, the first of ``total``."""

    heading: str
    items: tuple[str, ...]
    total: int


@dataclass(frozen=True)
class Answer:
    """A composed answer, or a refusal that names the nearest topics the notes do cover."""

    question: str
    refused: bool
    markdown: str
    sources: tuple[Source, ...] = ()
    concepts: tuple[ConceptRef, ...] = ()
    relations: tuple[Fact, ...] = ()
    followups: tuple[str, ...] = ()
    demos: tuple[str, ...] = ()
    intent: str = "definition"
    lang: str = "zh"
    nearest: tuple[str, ...] = ()
    unmentioned: tuple[str, ...] = ()  # names in the question that the notes never write
    outline: Outline | None = None     # the whole list the notes give, for a question asking for one
    unexplained: tuple[str, ...] = ()  # concept ids asked about (either side of a comparison) no cited passage explains
    read_as: tuple[tuple[str, str], ...] = ()  # (written, meant): names the question misspelt, as they were read
    confidence: str = "answered"   # "answered", "low" (shown as a possible match) or "refused"
    probability: float = 1.0       # P(answerable) from the refusal model
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for source, original in zip(data["sources"], self.sources):
            source["citation"] = original.citation
        return data
