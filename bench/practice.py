"""Practice scoring against the labelled bands: confusion tables, band accuracy (tuned vs held-out),
the zh/en gap of strong answers, the keyword-soup ratio, and the demo grid the truth test checks.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/practice.py [--kb DIR] [-v]

Cases (question section, answer, kind, lang, expected band) are in ``tests/data/practice/``:
``bands.jsonl`` is the set the scorer's rules were tuned on; ``bands_heldout.jsonl`` (11 other
questions) was written before the last round of changes and is never used to tune them.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # before bench/, whose qa.py would shadow the package
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from qa import KnowledgeBase  # noqa: E402
from qa.scoring import Scorer, band  # noqa: E402

DATA = ROOT / "tests" / "data" / "practice"
SPLITS = {"tuned": DATA / "bands.jsonl", "held-out": DATA / "bands_heldout.jsonl"}
BANDS = ("good", "partial", "poor")
Key = tuple[str, str, str]  # (section, kind, lang)


@dataclass(frozen=True)
class Split:
    """One labelled set scored: its confusion table and every case's total."""

    name: str
    confusion: Counter[tuple[str, str]]
    totals: dict[Key, list[float]]
    coverage: dict[Key, list[float]]  # 100 × mean credit over *all* claims: not capped by ``need``

    @property
    def cases(self) -> int:
        return sum(self.confusion.values())

    @property
    def accuracy(self) -> float:
        return sum(n for (want, got), n in self.confusion.items() if want == got) / max(1, self.cases)


def score_split(kb: KnowledgeBase, scorer: Scorer, name: str, path: Path, verbose: bool = False) -> Split:
    bank = kb.model.bank
    confusion: Counter[tuple[str, str]] = Counter()
    totals: dict[Key, list[float]] = {}
    coverage: dict[Key, list[float]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        q = bank.by_section(row["section"])
        assert q is not None, row["section"]
        score = scorer.score(row["answer"], q.reference, q.title, q.concepts)
        total, got = score.total, band(score.total)
        confusion[(row["band"], got)] += 1
        key = (row["section"], row["kind"], row["lang"])
        totals.setdefault(key, []).append(total)
        coverage.setdefault(key, []).append(100 * sum(p.credit for p in score.points) / max(1, len(score.points)))
        if verbose or got != row["band"]:
            print(f"{'  ' if got == row['band'] else '✗ '}{name:>8} {total:5.1f} {row['band']:>7} -> {got:<7} "
                  f"{row['kind']:<8} {row['lang']} {q.title[:18]} | {row['answer'][:48]}")
    return Split(name, confusion, totals, coverage)


def gaps(totals: dict[Key, list[float]]) -> list[float]:
    """|strong zh - strong en| for every question that has both."""
    return [abs(v[0] - totals[(s, "good", "en")][0]) for (s, k, lang), v in totals.items()
            if (k, lang) == ("good", "zh") and (s, "good", "en") in totals]


def soup_ratios(totals: dict[Key, list[float]]) -> list[float]:
    """Keyword soup / strong answer of the same question and language."""
    return [v[0] / max(totals[(s, "good", lang)][0], 1.0) for (s, k, lang), v in totals.items()
            if k == "soup" and (s, "good", lang) in totals]


def demo_grid() -> tuple[int, int, int]:
    """(demos, grid settings, corner settings) that ``tests/qa/demos/test_truth.py`` checks."""
    from tests.qa.demos.test_truth import CORNERS, GRID

    return len({d for d, _, _ in GRID}), len(GRID), len(CORNERS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", default=None, help="knowledge-base directory (default: a fresh temporary one)")
    parser.add_argument("-v", action="store_true", help="print every case")
    args = parser.parse_args()
    kb = KnowledgeBase.open(args.kb or tempfile.mkdtemp(prefix="kgqa-bench-"))
    model = kb.model
    scorer = Scorer.build([q.reference for q in model.bank.questions], model.linker, kb.graph, kb.embed)
    splits = [score_split(kb, scorer, name, path, args.v) for name, path in SPLITS.items()]
    for split in splits:
        print(f"\n{split.name}: expected \\ scored " + "".join(f"{b:>9}" for b in BANDS))
        for want in BANDS:
            print(f"{want:>17}          " + "".join(f"{split.confusion[(want, got)]:>9}" for got in BANDS))
    every = {k: v for s in splits for k, v in s.totals.items()}
    gap, soup = gaps(every), soup_ratios(every)
    spread = gaps({k: v for s in splits for k, v in s.coverage.items()})
    generic = [t for (s, k, lang), v in every.items() if k == "generic" for t in v]
    demos, grid, corners = demo_grid()
    print()
    for split in splits:
        print(f"band accuracy ({split.name}): {split.accuracy:.1%} of {split.cases} cases")
    print(f"zh/en gap of strong answers: max {max(gap):.1f}, mean {sum(gap) / len(gap):.1f} over {len(gap)} questions")
    print(f"  (strong answers reach the {scorer.rules.need}-claim cap; their coverage of *all* claims differs by "
          f"max {max(spread):.1f}, mean {sum(spread) / len(spread):.1f} points zh vs en)")
    print(f"keyword soup / strong answer: worst {max(soup):.2f} over {len(soup)} soups; "
          f"generic answers: highest {max(generic):.1f} of {len(generic)}")
    print(f"demo grid (tests/qa/demos/test_truth.py): {demos} demos x settings = {grid} runs, "
          f"+ {corners} all-min/all-max corners (slow)")


if __name__ == "__main__":
    main()
