"""Regenerate the bundled corpus's vectors (``corpus/vectors/<model>.npz``), so a first start embeds nothing.

    python bench/vectors.py [--model multilingual-e5-small]      # `make vectors`

It compiles the read model of the bundled corpus in a temporary knowledge base, reusing
every vector the bundled file already has, and writes back exactly the vectors that model
uses, with those of the naive chunks that ``kgqa eval``'s anchors search.
``tests/qa/test_vectors.py`` checks that the file's keys match the current texts.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.embed import DEFAULT_MODEL, embedder_for  # noqa: E402
from qa.evaluate import naive_chunks  # noqa: E402
from qa.vectors import bundled_vectors_path  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args()
    from qa.api import KnowledgeBase

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as kb_dir:
        kb = KnowledgeBase.open(kb_dir, embedder=embedder_for(args.model), progress=print)
        path = bundled_vectors_path(kb.embedder.model_id)
        chunks = naive_chunks([d.text for d in kb.snapshot.documents])  # the eval anchors' units
        count = kb.export_vectors(path, chunks)
    print(f"wrote {count} vectors to {path} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
