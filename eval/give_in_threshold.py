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

import dataclasses
from collections import Counter
from typing import Dict, Optional

from actions.scoring.learned import gives_in
from actions.scoring.lexicon import load_lexicon
from actions.scoring.scorer import Scorer
from eval.lofo import FILES, leave_one_file_out, lexicon_option

THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7)


def count(lexicon_path: Optional[str]) -> Dict[str, Counter]:
    rules = Scorer(lexicon=dataclasses.replace(load_lexicon(lexicon_path), give_in_threshold=1.1,
                                               give_in_sentence_threshold=1.1))  # the rules alone
    caught, failed, totals = Counter(), Counter(), Counter()
    for model, r, verdict in leave_one_file_out(rules, gives_in, words=True):  # as give_in_model builds it
        if not verdict.passed:
            continue
        p = model.p(r["reply"])
        key = "give_ins_passed" if r["band"] <= 1 else "true_passes"
        totals[key] += 1
        for t in THRESHOLDS:
            (caught if key == "give_ins_passed" else failed)[t] += p >= t
    return {"caught": caught, "failed": failed, "totals": totals}


def main(argv=None) -> int:
    lexicon = lexicon_option(__doc__, argv)
    res = count(lexicon)
    t = res["totals"]
    print(f"development files: {', '.join(FILES)}")
    print(f"replies the rules pass: {t['give_ins_passed']} give-ins (bands 0-1), {t['true_passes']} true passes")
    print(f"{'threshold':>9} {'give-ins caught':>16} {'true passes failed':>19}")
    for th in THRESHOLDS:
        print(f"{th:>9.2f} {res['caught'][th]:>16} {res['failed'][th]:>19}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
