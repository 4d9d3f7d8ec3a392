"""Load the concept catalogue (``corpus/concepts.yaml``) into :class:`Concept` records.

The catalogue names things; it never states relations. Each entry's ``name``, ``zh`` and
``aliases`` are merged into ``Concept.aliases`` (name first), the list the linker matches.

>>> parse_catalogue("version: 1\\nconcepts:\\n- {id: bn, kind: technique, name: BN, zh: [批归一化], gloss: g}")[0].aliases
('BN', '批归一化')
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kg.errors import InputError
from kg.model import KINDS, Concept

__all__ = ["parse_catalogue", "load_catalogue"]


def _entry(raw: Any, where: str) -> Concept:
    if not isinstance(raw, dict) or not {"id", "kind", "name"} <= raw.keys():
        raise InputError(f"{where}: each concept needs id, kind and name")
    if raw["kind"] not in KINDS:
        raise InputError(f"{where}: kind {raw['kind']!r} of {raw['id']!r} is not one of {', '.join(KINDS)}")
    zh = tuple(str(z) for z in raw.get("zh") or ())
    names = [str(raw["name"]), *zh, *(str(a) for a in raw.get("aliases") or ())]
    aliases = tuple(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    return Concept(
        id=str(raw["id"]),
        name=str(raw["name"]),
        kind=str(raw["kind"]),
        aliases=aliases,
        zh=zh,
        gloss=str(raw.get("gloss") or ""),
        category=raw.get("category"),
    )


def parse_catalogue(text: str, where: str = "concepts.yaml") -> list[Concept]:
    """Concepts from catalogue YAML text; raises :class:`InputError` on a malformed entry."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{where}: not valid YAML ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("concepts"), list):
        raise InputError(f"{where}: expected a mapping with a 'concepts' list")
    concepts = [_entry(raw, where) for raw in data["concepts"]]
    ids = [c.id for c in concepts]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InputError(f"{where}: duplicate concept ids {duplicates}")
    return concepts


def load_catalogue(path: Path) -> list[Concept]:
    return parse_catalogue(Path(path).read_text(encoding="utf-8"), where=str(path))
