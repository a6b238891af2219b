"""How often two human graders agree, beside how often the scorer agrees with each.

    python -m eval.agreement --split heldout9 --second eval/scoring/heldout9.second.jsonl

The second file holds another grader's labels for the same replies (same ids), made
blind to the first grader's. Prints, for each pair (first grader, second grader,
scorer): pass/fail agreement, Cohen's kappa on pass/fail, exact band agreement, and
Spearman between bands (scores for the scorer). A scorer that agrees with each grader
about as well as the graders agree with each other is at the level of human grading.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Dict, List, Sequence

from actions.scoring.scorer import Scorer
from scipy.stats import spearmanr

from eval.bench_scoring import load

ROOT = Path(__file__).resolve().parents[1]


def kappa(a: Sequence[bool], b: Sequence[bool]) -> float:
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def compare(name: str, a: List[Dict], b: List[Dict], b_value: str = "band") -> str:
    pa, pb = [r["passed"] for r in a], [r["passed"] for r in b]
    agree = sum(x == y for x, y in zip(pa, pb)) / len(a)
    bands = sum(x["band"] == y["band"] for x, y in zip(a, b)) / len(a)
    rho = spearmanr([r["band"] for r in a], [r[b_value] for r in b]).correlation
    return f"{name:<28} {agree:>9.3f} {kappa(pa, pb):>7.3f} {bands:>12.3f} {rho:>9.3f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="heldout9")
    parser.add_argument("--second", default=str(ROOT / "eval" / "scoring" / "heldout9.second.jsonl"))
    args = parser.parse_args(argv)
    first = load(args.split)
    second_by_id = {r["id"]: r for r in (json.loads(l) for l in Path(args.second).read_text(encoding="utf-8").splitlines() if l.strip())}
    first = [r for r in first if r["id"] in second_by_id]
    second = [second_by_id[r["id"]] for r in first]
    scorer = Scorer()
    machine = []
    for r in first:
        t = scorer.score(r["kind"], r["reply"], r.get("counterpart", ""), r.get("stage"), bool(r.get("conflict_of_interest")))
        machine.append({"passed": t.passed, "band": t.band, "score": t.score})
    print(f"{len(first)} replies of {args.split}, graded twice; scorer rubric {scorer.version}")
    print(f"{'pair':<28} {'pass/fail':>9} {'kappa':>7} {'band exact':>12} {'Spearman':>9}")
    print(compare("first grader vs second", first, second))
    print(compare("scorer vs first grader", first, machine, "score"))
    print(compare("scorer vs second grader", second, machine, "score"))
    both = [i for i in range(len(first)) if first[i]["passed"] == second[i]["passed"]]
    agree = sum(machine[i]["passed"] == first[i]["passed"] for i in both) / len(both)
    print(f"where the graders agree on pass/fail ({len(both)} replies), the scorer agrees with them: {agree:.3f}")
    gave_in = [i for i in both if first[i]["band"] <= 1 and second[i]["band"] <= 1]
    passed = sum(machine[i]["passed"] for i in gave_in)
    print(f"replies both graders put in bands 0-1 ({len(gave_in)}): the scorer passes {passed}")
    low_first = [i for i in range(len(first)) if first[i]["band"] <= 1]
    print(f"replies the first grader puts in bands 0-1 ({len(low_first)}): the second grader passes "
          f"{sum(second[i]['passed'] for i in low_first)}, the scorer passes {sum(machine[i]['passed'] for i in low_first)}, "
          f"both pass {sum(second[i]['passed'] and machine[i]['passed'] for i in low_first)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
