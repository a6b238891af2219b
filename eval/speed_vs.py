"""Scoring speed of this tree beside an earlier commit, measured side by side in one run.

Shared machines are noisy, so one figure means little; this alternates the two versions, each in
its own process pinned to one core, and prints the median of five passes for each round:

    .venv/bin/python -m eval.speed_vs e96ecd8            # three rounds on dev75–dev80
    .venv/bin/python -m eval.speed_vs e96ecd8 --sets dev79 dev80 --rounds 5

The earlier commit is checked out in a temporary git worktree (removed afterwards); both score the
same development replies of this tree. Held-out files are not read.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_CHILD = """
import json, os, sys
root, files = sys.argv[1], sys.argv[2:]
sys.path.insert(0, root); os.chdir(root)
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
from actions.scoring.scorer import Scorer
from eval.bench_scoring import throughput
rows = [json.loads(line) for f in files for line in open(f, encoding="utf-8") if line.strip()]
scorer = Scorer()
print(throughput(rows, lambda r: scorer.score(r["kind"], r["reply"], r.get("counterpart", ""), r.get("stage"))))
"""


def rate(root: Path, files) -> float:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(root), *map(str, files)], check=True,
                         capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ref", help="the earlier commit to compare with")
    parser.add_argument("--sets", nargs="+", default=[f"dev{n}" for n in range(75, 81)])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    files = [REPO / "eval" / "scoring" / f"{name}.jsonl" for name in args.sets]
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "ref"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "-q", "--detach", str(old), args.ref], check=True)
        try:
            rates = {args.ref: [], "this tree": []}
            for _ in range(args.rounds):
                rates[args.ref].append(rate(old, files))
                rates["this tree"].append(rate(REPO, files))
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(old)], check=True)
    n = sum(1 for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip())
    print(f"replies per second, one core, median of five passes, {n} replies of {', '.join(args.sets)}:")
    for name, values in rates.items():
        print(f"  {name:>10}: " + " / ".join(f"{v:.0f}" for v in values) + f"  (median {statistics.median(values):.0f})")
    ratio = statistics.median(rates["this tree"]) / statistics.median(rates[args.ref])
    print(f"  ratio this tree / {args.ref}: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
