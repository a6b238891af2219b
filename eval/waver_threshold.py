"""A third learned opinion: does the reply commit at all? Chosen on development data only.

The give-in check (actions/scoring/learned.py) learns the red lines; a reply that neither gives in
nor refuses — "这事确实难办，我也不知道怎么办才好" — is band 1 with no red line, and there it counts
as "not giving in". This measures a model of the same form trained on that band instead: wavering
(band 1, no red line) against replies that take a stand (bands 2–4; band 0 left out), on the replies
the rules would pass and the give-in check (trained in the same fold, shipped thresholds) lets
through. Eight folds by file. Printed per threshold: bands 0–1 it catches / true passes (bands 3–4)
it fails; and, beside it, the same model trained against bands 3–4 only.

    .venv/bin/python -m eval.waver_threshold      # about six minutes on two cores

Held-out files are never read.
"""
from __future__ import annotations

import dataclasses
from collections import Counter

from actions.scoring.learned import TextModel, gives_in, wavers
from actions.scoring.lexicon import load_lexicon
from actions.scoring.scorer import Scorer
from eval.lofo import folds, rules_pass_line, rules_verdict, threshold_row, whole_and_sentence

FOLDS = 8
THRESHOLDS = (0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
AGAINST = {"bands 2-4 (shipped)": 2, "bands 3-4": 3}


def main() -> int:
    shipped = load_lexicon()
    rules = Scorer(lexicon=dataclasses.replace(shipped, give_in_threshold=1.1, give_in_sentence_threshold=1.1,
                                               waver_threshold=1.1))
    caught = {k: Counter() for k in AGAINST}
    failed = {k: Counter() for k in AGAINST}
    totals, through = Counter(), Counter()
    for train, held in folds(FOLDS):
        give = TextModel([r["reply"] for r in train], [1 if gives_in(r) else 0 for r in train], words=True)
        models = {}
        for name, lowest in AGAINST.items():
            rows = [r for r in train if wavers(r) or r["band"] >= lowest]
            models[name] = TextModel([r["reply"] for r in rows], [1 if wavers(r) else 0 for r in rows], words=True)
        for r in held:
            if r["band"] == 2 or not rules_verdict(rules, r).passed:
                continue
            key = "bands 0-1" if r["band"] <= 1 else "true passes"
            totals[key] += 1
            whole, best = whole_and_sentence(give, r["reply"], shipped)
            if whole >= shipped.give_in_threshold or best >= shipped.give_in_sentence_threshold:
                continue
            through[key] += 1
            for name, model in models.items():
                p = model.p(r["reply"])
                for t in THRESHOLDS:
                    (caught if key == "bands 0-1" else failed)[name][t] += p >= t
    print(rules_pass_line(FOLDS, totals))
    print(f"after the give-in check (shipped thresholds, same folds): {through['bands 0-1']} in bands 0-1 "
          f"and {through['true passes']} true passes still pass")
    print("of these, caught / failed by the waver model at each threshold")
    for name in AGAINST:
        print(threshold_row("against " + name, caught[name], failed[name], THRESHOLDS, width=28))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
