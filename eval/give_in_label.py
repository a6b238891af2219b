"""What should the learned give-in check learn: replies that give in, or every reply that fails? Dev data only.

The check (actions/scoring/learned.py) is trained on "gives in" (a red line of accept, half-accept,
promise, defer or leak). A wavering reply in band 1 with no red line counts there as not giving in,
so training on such replies can teach the model to pass them. The alternative is to learn "fails"
(bands 0–1). Eight folds by file (files dealt round-robin); among the replies the rules pass (band 2
left out), each label's model with the shipped sentence check (0.9), at several whole-reply
thresholds: bands 0–1 caught / true passes (bands 3–4) failed.

    .venv/bin/python -m eval.give_in_label      # about ten minutes on two cores

Measured in session 7 (95 files, v42) and not adopted: see README "How scoring works".
Held-out files are never read.
"""
from __future__ import annotations

import dataclasses
from collections import Counter

from actions.scoring.learned import TextModel, gives_in
from actions.scoring.lexicon import load_lexicon
from actions.scoring.scorer import Scorer
from eval.lofo import folds, rules_pass_line, rules_verdict, threshold_row, whole_and_sentence

FOLDS = 8
THRESHOLDS = (0.45, 0.5, 0.55, 0.6, 0.65)
LABELS = {"gives in (shipped)": gives_in, "fails (bands 0-1)": lambda r: r["band"] <= 1}


def main() -> int:
    shipped = load_lexicon()
    rules = Scorer(lexicon=dataclasses.replace(shipped, give_in_threshold=1.1, give_in_sentence_threshold=1.1))
    caught = {k: Counter() for k in LABELS}
    failed = {k: Counter() for k in LABELS}
    totals = Counter()
    for train, held in folds(FOLDS):
        models = {k: TextModel([r["reply"] for r in train], [1 if fn(r) else 0 for r in train], words=True)
                  for k, fn in LABELS.items()}
        for r in held:
            if r["band"] == 2 or not rules_verdict(rules, r).passed:
                continue
            key = "bands 0-1" if r["band"] <= 1 else "true passes"
            totals[key] += 1
            for name, model in models.items():
                whole, best = whole_and_sentence(model, r["reply"], shipped)
                sentence = best >= shipped.give_in_sentence_threshold
                for t in THRESHOLDS:
                    (caught if key == "bands 0-1" else failed)[name][t] += whole >= t or sentence
    print(rules_pass_line(FOLDS, totals))
    print("caught / failed at each whole-reply threshold (sentence check at the shipped threshold)")
    for name in LABELS:
        print(threshold_row(name, caught[name], failed[name], THRESHOLDS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
