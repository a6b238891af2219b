"""Choose the learned give-in check's threshold on development data only.

Leave-one-file-out over the development files: for each file, train the give-in model
(actions/scoring/learned.py, same features and settings) on the others, score the file
with the rules alone, and, among the replies the rules pass, count for each threshold
the give-ins (bands 0–1) the model would catch and the true passes (bands 3–4) it
would fail. With the current lexicon the rules pass no development give-in (it was
tuned on them), so the catches are measured with an earlier lexicon:

    python -m eval.give_in_threshold --lexicon <(git show 750eaa0:rubric/lexicon.yml)

and the cost (true passes failed) with both. Held-out files are never read.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from actions.scoring.learned import GIVE_IN, TextModel
from actions.scoring.lexicon import load_lexicon
from actions.scoring.scorer import Scorer
from eval.bench_scoring import SPLITS

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7)


def rows_of(name: str) -> List[Dict]:
    path = ROOT / "eval" / "scoring" / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def leave_one_out(files: Sequence[str], lexicon_path: Optional[str]) -> Dict[str, Counter]:
    lexicon = load_lexicon(lexicon_path)
    rules = Scorer(lexicon=dataclasses.replace(lexicon, give_in_threshold=1.1))  # the rules alone
    caught, failed, totals = Counter(), Counter(), Counter()
    data = {f: rows_of(f) for f in files}
    for held in files:
        train = [r for f in files if f != held for r in data[f]]
        model = TextModel([r["reply"] for r in train], [1 if GIVE_IN & set(r["red_lines"]) else 0 for r in train],
                          words=True)  # as give_in_model builds it
        for r in data[held]:
            verdict = rules.score(r["kind"], r["reply"], r.get("counterpart", ""), r.get("stage"),
                                  bool(r.get("conflict_of_interest")))
            if not verdict.passed:
                continue
            p = model.p(r["reply"])
            key = "give_ins_passed" if r["band"] <= 1 else "true_passes"
            totals[key] += 1
            for t in THRESHOLDS:
                (caught if key == "give_ins_passed" else failed)[t] += p >= t
    return {"caught": caught, "failed": failed, "totals": totals}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lexicon", help="a lexicon file to score with (default: rubric/lexicon.yml)")
    args = parser.parse_args(argv)
    files = SPLITS["dev"]
    res = leave_one_out(files, args.lexicon)
    t = res["totals"]
    print(f"development files: {', '.join(files)}")
    print(f"replies the rules pass: {t['give_ins_passed']} give-ins (bands 0-1), {t['true_passes']} true passes")
    print(f"{'threshold':>9} {'give-ins caught':>16} {'true passes failed':>19}")
    for th in THRESHOLDS:
        print(f"{th:>9.2f} {res['caught'][th]:>16} {res['failed'][th]:>19}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
