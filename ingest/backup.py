"""Backups of a knowledge base as one JSON file: ``kgqa dump FILE`` and ``kgqa restore FILE``.

A dump holds what cannot be re-derived: every note with its namespace, the catalogue and the
bundled corpus fingerprint. Restoring replaces every note in one transaction and re-derives
sections, mentions and relations, so a dump stays valid across extraction changes.

>>> import tempfile, pathlib                                     # doctest: +SKIP
>>> dump_kb("kb", pathlib.Path("backup.json")); restore_kb("kb2", pathlib.Path("backup.json"))  # doctest: +SKIP
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from ingest.pipeline import Progress, _note, apply, open_kb, open_store
from kg.errors import InputError
from kg.model import Concept, Document
from kg.storage import NAMESPACES, Namespace, Storage
from kg.store import atomic_write

__all__ = ["DUMP_FORMAT", "DUMP_VERSION", "dump_kb", "restore_kb"]

DUMP_FORMAT = "kgqa-dump"
DUMP_VERSION = 1


def dump_kb(location: str | Path | Storage, path: Path) -> int:
    """Write every note of the knowledge base at ``location`` to ``path`` (atomically); returns how many."""
    store = location if isinstance(location, Storage) else open_store(location)
    open_kb(store)  # built first if new, so a dump is never empty by accident
    state = store.read()
    payload = {
        "format": DUMP_FORMAT,
        "version": DUMP_VERSION,
        "fingerprint": state.fingerprint,
        "catalogue": [c.to_dict() for c in state.catalogue],
        "notes": [{"namespace": n.namespace, **n.document.to_dict()} for n in state.notes],
    }
    atomic_write(Path(path), json.dumps(payload, ensure_ascii=False, indent=0).encode("utf-8"))
    return len(state.notes)


def _parse(path: Path) -> dict[str, Any]:
    try:
        payload = json.loads(Path(path).read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; give a file written by `kgqa dump`") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path} is not a kgqa dump ({exc})") from None
    if not isinstance(payload, dict) or payload.get("format") != DUMP_FORMAT:
        raise InputError(f"{path} is not a kgqa dump (written by `kgqa dump FILE`)")
    if payload.get("version") != DUMP_VERSION:
        raise InputError(f"{path} is a dump of version {payload.get('version')}; this kgqa reads {DUMP_VERSION}")
    return payload


def restore_kb(location: str | Path | Storage, path: Path, progress: Progress | None = None) -> int:
    """Replace every note at ``location`` with those of the dump at ``path``; returns how many."""
    payload = _parse(path)
    try:
        catalogue = [Concept.from_dict(c) for c in payload["catalogue"]]
        notes = []
        for item in payload["notes"]:
            namespace = item.pop("namespace")
            if namespace not in NAMESPACES:
                raise ValueError(f"namespace {namespace!r}")
            notes.append((_note(Document.from_dict(item)), cast(Namespace, namespace)))
        fingerprint = str(payload["fingerprint"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{path} is a damaged kgqa dump (bad field {exc})") from None
    store = location if isinstance(location, Storage) else open_store(location)
    with store.write() as writer:
        apply(writer, notes, [h.id for h in writer.heads()], catalogue=catalogue, fingerprint=fingerprint,
              everything=True, progress=progress)
    return len(notes)
