"""Question answering over the knowledge graph: hybrid retrieval, grounded answers, demos.

>>> from qa import KnowledgeBase   # doctest: +SKIP
>>> KnowledgeBase.open().ask("BN层的作用是什么?").refused  # doctest: +SKIP
False
"""
from __future__ import annotations

from qa.answer import Answer, ConceptRef, Fact, Source
from qa.answerer import Answerer
from qa.api import KnowledgeBase, Settings, clean_question, default_kb_dir
from qa.embed import DEFAULT_MODEL, MINILM, E5Embedder, Embedder, HashEmbedder, SentenceTransformerEmbedder, embedder_for
from qa.ranker import Ranker
from qa.readmodel import ReadModel, compile_model
from qa.refusal import RefusalModel
from qa.retrieve import RetrievalConfig

__all__ = [
    "DEFAULT_MODEL",
    "MINILM",
    "Answer",
    "Answerer",
    "ConceptRef",
    "E5Embedder",
    "Embedder",
    "Fact",
    "HashEmbedder",
    "KnowledgeBase",
    "Ranker",
    "ReadModel",
    "RefusalModel",
    "RetrievalConfig",
    "SentenceTransformerEmbedder",
    "Settings",
    "Source",
    "clean_question",
    "compile_model",
    "default_kb_dir",
    "embedder_for",
]
