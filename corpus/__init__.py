"""The bundled study notes and concept catalogue, shipped as package data.

>>> (ROOT / "concepts.yaml").name
'concepts.yaml'
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["ROOT", "NOTES", "CATALOGUE", "LEXICON"]

ROOT = Path(__file__).resolve().parent
NOTES = ROOT / "notes"
CATALOGUE = ROOT / "concepts.yaml"
LEXICON = ROOT / "lexicon.tsv"
