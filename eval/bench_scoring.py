"""``make bench-scoring``: the scorer against human grades, beside a keyword baseline.

Prints, for the chosen split (held-out by default): pass/fail accuracy, the false-pass
rate on bands 0–1, Spearman's rho between score and band, precision/recall/F1 per
move, and replies per second on one core once loaded — for the scorer and for the
naive keyword-count baseline, measured in the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List

from scipy.stats import spearmanr

from actions.scoring.lexicon import MOVES, RED_LINES, load_lexicon
from actions.scoring.scorer import Scorer
from eval import baseline

HERE = Path(__file__).resolve().parent / "scoring"
TARGETS = {"accuracy": 0.97, "false_pass": 0.0, "spearman": 0.90, "f1": 0.90, "rps": 200}


# The held-out figure is these seven splits together (1,640 replies, seven graders, their errors
# never read); one split of 240 is too small to settle a 0.97 target. heldout, heldout2 and heldout8
# were each run blind first (README lists those runs), then their errors were read: they are
# development data now. Any other split name is one file of eval/scoring/ ("dev5", "heldout9");
# "dev1" and "heldout1" name the files dev.jsonl and heldout.jsonl, whose own names are taken above.
SPLITS = {"heldout": ["heldout3", "heldout4", "heldout5", "heldout6", "heldout7", "heldout9", "heldout10"],
          # development data is what the learned models train on (rubric/lexicon.yml, learned.examples)
          "dev": [Path(p).stem for p in load_lexicon().learned_examples],
          "dev1": ["dev"], "heldout1": ["heldout"]}


def split_names() -> List[str]:
    """Every name --split accepts: the groups above and each labelled file (not the second gradings)."""
    files = {p.stem for p in HERE.glob("*.jsonl") if "." not in p.stem} - set(SPLITS)
    return sorted(set(SPLITS) | files)


def read_set(name: str) -> List[Dict]:
    """One labelled file of eval/scoring/ by name ("dev5", "heldout9")."""
    path = HERE / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load(split: str) -> List[Dict]:
    return [row for name in SPLITS.get(split, [split]) for row in read_set(name)]


def evaluate(rows: List[Dict], score_fn: Callable[[Dict], Dict]) -> Dict:
    preds = [score_fn(r) for r in rows]
    n = len(rows)
    acc = sum(p["passed"] == r["passed"] for p, r in zip(preds, rows)) / n
    low = [(p, r) for p, r in zip(preds, rows) if r["band"] <= 1]
    false_passes = sum(p["passed"] for p, _ in low)
    false_pass = false_passes / len(low) if low else 0.0
    rho = spearmanr([p["score"] for p in preds], [r["band"] for r in rows]).correlation
    per_move = {}
    for m in MOVES:
        tp = sum(p["moves"][m] and r["moves"][m] for p, r in zip(preds, rows))
        fp = sum(p["moves"][m] and not r["moves"][m] for p, r in zip(preds, rows))
        fn = sum(not p["moves"][m] and r["moves"][m] for p, r in zip(preds, rows))
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_move[m] = {"precision": prec, "recall": rec, "f1": f1, "support": tp + fn}
    per_red_line = {}
    for red in RED_LINES:
        tp = sum(red in p["red_lines"] and red in r["red_lines"] for p, r in zip(preds, rows))
        fp = sum(red in p["red_lines"] and red not in r["red_lines"] for p, r in zip(preds, rows))
        fn = sum(red not in p["red_lines"] and red in r["red_lines"] for p, r in zip(preds, rows))
        per_red_line[red] = {"precision": tp / (tp + fp) if tp + fp else 1.0,
                             "recall": tp / (tp + fn) if tp + fn else 1.0, "support": tp + fn}
    errors = [
        {"id": r["id"], "band": r["band"], "reply": r["reply"], "pred_score": p["score"], "pred_passed": p["passed"],
         "moves_diff": {m: p["moves"][m] for m in MOVES if p["moves"][m] != r["moves"][m]},
         "red_lines": p.get("red_lines"), "gold_red_lines": r["red_lines"]}
        for p, r in zip(preds, rows)
        if p["passed"] != r["passed"] or any(p["moves"][m] != r["moves"][m] for m in MOVES)
    ]
    return {"n": n, "accuracy": acc, "false_pass": false_pass, "false_passes": false_passes, "low": len(low),
            "spearman": rho, "moves": per_move,
            "red_lines": per_red_line, "errors": errors}


def throughput(rows: List[Dict], score_fn: Callable[[Dict], Dict], rounds: int = 5) -> float:
    """Median replies/second over `rounds` passes, after one warm-up pass."""
    for r in rows:
        score_fn(r)
    rates = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for r in rows:
            score_fn(r)
        rates.append(len(rows) / (time.perf_counter() - t0))
    return statistics.median(rates)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="heldout", choices=split_names())
    parser.add_argument("--errors", action="store_true", help="list every disagreement with the human grade")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    rows = load(args.split)
    scorer = Scorer()

    def ours(r):
        return scorer.score(r["kind"], r["reply"], r.get("counterpart", ""), r.get("stage"),
                            bool(r.get("conflict_of_interest"))).contract()

    def naive(r):
        return baseline.score(r["kind"], r["reply"])

    results = {"scorer": evaluate(rows, ours), "keyword baseline": evaluate(rows, naive)}
    rates = {"scorer": throughput(rows, ours), "keyword baseline": throughput(rows, naive)}

    print(f"split: {args.split} ({len(rows)} graded replies), rubric {scorer.version}")
    print(f"{'metric':<28}{'scorer':>12}{'keyword baseline':>18}{'target':>10}")
    def row(label, key, fmt, target):
        a, b = results["scorer"][key], results["keyword baseline"][key]
        print(f"{label:<28}{fmt.format(a):>12}{fmt.format(b):>18}{target:>10}")
    row("pass/fail accuracy", "accuracy", "{:.3f}", "≥ 0.97")
    row("false-pass rate, bands 0-1", "false_pass", "{:.3f}", "0")
    a, b = results["scorer"], results["keyword baseline"]
    print(f"{'   false passes / bands 0-1':<28}{a['false_passes']:>6} of {a['low']:<4}{b['false_passes']:>12} of {b['low']:<4}")
    row("Spearman(score, band)", "spearman", "{:.3f}", "≥ 0.90")
    for m in MOVES:
        a, b = results["scorer"]["moves"][m], results["keyword baseline"]["moves"][m]
        label = f"F1 {m} (n={a['support']})"
        print(f"{label:<28}{a['f1']:>12.3f}{b['f1']:>18.3f}{'≥ 0.90':>10}")
        print(f"{'   precision / recall':<28}{a['precision']:>6.2f}/{a['recall']:<5.2f}{b['precision']:>12.2f}/{b['recall']:<5.2f}")
    reds = results["scorer"]["red_lines"]
    print("red lines, scorer precision/recall (n): " + "; ".join(
        f"{k} {v['precision']:.2f}/{v['recall']:.2f} ({v['support']})" for k, v in reds.items()))
    print(f"{'replies/second (1 core)':<28}{rates['scorer']:>12.0f}{rates['keyword baseline']:>18.0f}{'≥ 200':>10}")
    s = results["scorer"]
    met = (s["accuracy"] >= TARGETS["accuracy"] and s["false_pass"] <= TARGETS["false_pass"]
           and s["spearman"] >= TARGETS["spearman"] and all(v["f1"] >= TARGETS["f1"] for v in s["moves"].values())
           and rates["scorer"] >= TARGETS["rps"])
    print(f"targets met: {'yes' if met else 'no'}; disagreements with the human grade: {len(s['errors'])}")
    if args.errors:
        for e in s["errors"]:
            print(json.dumps(e, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
