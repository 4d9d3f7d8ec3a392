"""Package boundaries: imports point one way and each package's public names are pinned."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# ui -> qa -> ingest -> kg, qa -> kg; nothing imports ui, kg imports none of the others.
# corpus is data: ingest reads its notes and catalogue, qa its bundled vectors.
ALLOWED = {
    "kg": set(),
    "ingest": {"kg", "corpus"},
    "qa": {"kg", "ingest", "corpus"},
    "ui": {"kg", "ingest", "qa"},
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & (set(ALLOWED) | {"corpus"})


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_one_way(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        wrong = _imports(path) - ALLOWED[package] - {package}
        assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"


PUBLIC = {
    "ingest": ["Linker", "RawNote", "Span", "build", "build_kb", "ingest_files", "load_catalogue", "open_kb",
               "parse_catalogue", "parse_sections", "read_note", "remove_doc", "with_notes", "without_note"],
    "kg": ["KINDS", "RELATIONS", "Concept", "Document", "Evidence", "InputError", "KGQAError", "KnowledgeGraph",
           "Mention", "NotFoundError", "ParameterError", "Relation", "Section", "Snapshot", "StoreError", "atomic_write",
           "by_kind", "introduced_by", "load", "neighbourhood", "node_link", "paths", "save", "solvers_of", "sources",
           "targets"],
    "qa": ["DEFAULT_MODEL", "MINILM", "Answer", "Answerer", "ConceptRef", "E5Embedder", "Embedder", "Fact", "HashEmbedder",
           "KnowledgeBase", "Ranker", "ReadModel", "RefusalModel", "RetrievalConfig", "SentenceTransformerEmbedder",
           "Settings", "Source", "clean_question", "compile_model", "default_kb_dir", "embedder_for"],
}


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_public_names_are_pinned(package: str) -> None:
    module = importlib.import_module(package)
    assert sorted(module.__all__) == sorted(PUBLIC[package])
    assert all(hasattr(module, name) for name in module.__all__)
