"""Typed records of the knowledge base: concepts, relations, evidence, sections, documents.

They are frozen dataclasses so that they can be shared between threads (the app serves
several users at once) and hashed. Conversion to and from plain JSON-able dicts lives here
too, next to the fields it must keep in step with.

>>> Evidence("00-cnn.md", 12, "ResNet引入残差单元").to_dict()
{'doc': '00-cnn.md', 'line': 12, 'text': 'ResNet引入残差单元'}
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

__all__ = [
    "KINDS",
    "RELATIONS",
    "Kind",
    "RelationType",
    "Concept",
    "Term",
    "Evidence",
    "Relation",
    "Section",
    "Mention",
    "Document",
]

Kind = Literal["architecture", "layer", "technique", "problem", "role", "concept"]
RelationType = Literal[
    "introduces", "solves", "causes", "has_role", "part_of", "variant_of", "improves_on", "contrasts_with"
]
KINDS: tuple[str, ...] = get_args(Kind)
RELATIONS: tuple[str, ...] = get_args(RelationType)


@dataclass(frozen=True, slots=True)
class Concept:
    """A node of the graph: one notion, with every name it goes by.

    ``aliases`` holds every surface form the linker matches, the canonical ``name`` and the
    Chinese names included, so a lookup by any of them is one set membership test.
    """

    id: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    zh: tuple[str, ...] = ()
    gloss: str = ""
    category: str | None = None
    proposed: bool = False
    introduced_by: str = ""  # for a proposed concept: the sentence that brought it in

    @property
    def display_zh(self) -> str:
        """The Chinese display name, falling back to the English one."""
        return self.zh[0] if self.zh else self.name

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["aliases"], data["zh"] = list(self.aliases), list(self.zh)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Concept:
        return cls(
            id=data["id"],
            name=data["name"],
            kind=data["kind"],
            aliases=tuple(data.get("aliases", ())),
            zh=tuple(data.get("zh", ())),
            gloss=data.get("gloss", ""),
            category=data.get("category"),
            proposed=bool(data.get("proposed", False)),
            introduced_by=data.get("introduced_by", ""),
        )


@dataclass(frozen=True, slots=True)
class Term:
    """A concept the notes name but relate to nothing: linking vocabulary, not a graph node.

    The linker, the tokenizer and concept lookup still know it by every name; ``mentioned``
    holds the (doc, line) pairs where the notes name it, so a lookup can point there:
    ``Term(Concept("grad", "Gradient", "concept", zh=("梯度",)), (("00-cnn.md", 12),))``.
    """

    concept: Concept
    mentioned: tuple[tuple[str, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**self.concept.to_dict(), "mentioned": [list(pair) for pair in self.mentioned]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Term:
        found = tuple((str(doc), int(line)) for doc, line in data.get("mentioned", ()))
        return cls(Concept.from_dict({k: v for k, v in data.items() if k != "mentioned"}), found)


@dataclass(frozen=True, order=True, slots=True)
class Evidence:
    """The sentence a fact was read from: ``text`` occurs verbatim on ``line`` (1-based) of ``doc``."""

    doc: str
    line: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"doc": self.doc, "line": self.line, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        return cls(doc=data["doc"], line=int(data["line"]), text=data["text"])


@dataclass(frozen=True, slots=True)
class Relation:
    """A typed edge ``source -relation-> target`` with the sentences that support it.

    ``rule`` names the extraction pattern that produced the edge and ``confidence`` (0..1)
    says how much that pattern is trusted, so a reader can judge an edge and a developer
    can trace it: ``Relation("relu", "solves", "vg", rule="solve-verb", confidence=0.9)``.
    Both have defaults so that records written before they existed still load.
    """

    source: str
    relation: str
    target: str
    evidence: tuple[Evidence, ...] = ()
    rule: str = ""
    confidence: float = 1.0

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.relation, self.target)


@dataclass(frozen=True, slots=True)
class Section:
    """A heading and its body: lines ``start_line..end_line`` (1-based, inclusive) of ``doc``.

    ``text`` is those lines verbatim; ``path`` holds the titles of the enclosing headings,
    outermost first, which gives short headings like "V2" their context.
    """

    id: str
    doc: str
    title: str
    level: int
    start_line: int
    end_line: int
    text: str
    path: tuple[str, ...] = ()

    @property
    def body(self) -> str:
        """The text without its heading line."""
        return self.text.split("\n", 1)[1] if "\n" in self.text else ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = list(self.path)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Section:
        return cls(**{**data, "path": tuple(data.get("path", ()))})


@dataclass(frozen=True, slots=True)
class Mention:
    """A concept named in a section: ``surface`` found at ``line`` of ``doc``."""

    concept: str
    section: str
    doc: str
    line: int
    surface: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mention:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Document:
    """A note as stored in the knowledge base: the normalised text that citations point into."""

    id: str
    title: str
    text: str
    sha256: str
    source: str = ""
    bundled: bool = False
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return cls(**data)
