"""Practice scoring against the labelled bands: the confusion table, band accuracy and the zh/en gap.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/practice.py [--kb DIR] [-v]

Cases are ``tests/data/practice/bands.jsonl`` (question section, answer, kind, expected band).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # before bench/, whose qa.py would shadow the package
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from qa import KnowledgeBase  # noqa: E402
from qa.scoring import Scorer, band  # noqa: E402

CASES = ROOT / "tests" / "data" / "practice" / "bands.jsonl"
BANDS = ("good", "partial", "poor")


def run(kb: KnowledgeBase, verbose: bool = False) -> dict[str, object]:
    model = kb.model
    scorer = Scorer.build([q.reference for q in model.bank.questions], model.linker, kb.graph, kb.embed)
    rows = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    confusion: Counter[tuple[str, str]] = Counter()
    totals: dict[tuple[str, str, str], float] = {}
    for row in rows:
        q = model.bank.by_section(row["section"])
        assert q is not None, row["section"]
        total = scorer.score(row["answer"], q.reference, q.title, q.concepts).total
        got = band(total)
        confusion[(row["band"], got)] += 1
        totals[(row["section"], row["kind"], row["lang"])] = total
        if verbose or got != row["band"]:
            print(f"{'  ' if got == row['band'] else '✗ '}{total:5.1f} {row['band']:>7} -> {got:<7} {row['kind']:<8} "
                  f"{q.title[:20]} | {row['answer'][:50]}")
    gaps = [abs(totals[(s, "good", "zh")] - totals[(s, "good", "en")]) for s, k, lang in totals if k == "good" and lang == "zh"]
    soups = [(totals[(s, "soup", lang)], totals[(s, "good", lang)]) for s, k, lang in totals if k == "soup"]
    right = sum(n for (want, got), n in confusion.items() if want == got)
    return {"cases": len(rows), "accuracy": right / len(rows), "confusion": confusion, "max_gap": max(gaps),
            "mean_gap": sum(gaps) / len(gaps), "soup_ratio": max(s / max(g, 1.0) for s, g in soups)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", default=None, help="knowledge-base directory (default: a fresh temporary one)")
    parser.add_argument("-v", action="store_true", help="print every case")
    args = parser.parse_args()
    kb = KnowledgeBase.open(args.kb or tempfile.mkdtemp(prefix="kgqa-bench-"))
    result = run(kb, args.v)
    confusion = result["confusion"]
    print("\nexpected \\ scored " + "".join(f"{b:>9}" for b in BANDS))
    for want in BANDS:
        print(f"{want:>17} " + "".join(f"{confusion[(want, got)]:>9}" for got in BANDS))  # type: ignore[index]
    print(f"\n{result['cases']} cases, band accuracy {result['accuracy']:.1%}; zh/en gap of strong answers: "
          f"max {result['max_gap']:.1f}, mean {result['mean_gap']:.1f}; keyword soup / strong (worst) "
          f"{result['soup_ratio']:.2f}")


if __name__ == "__main__":
    main()
