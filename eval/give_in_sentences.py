"""Would the learned give-in check catch more if it also read each sentence? Development data only.

A long, sound refusal can dilute one sentence that gives in ("……依法处理。说实话，所长那边已经松了口").
Leave-one-file-out over the development files: for each file, train the give-in model
(actions/scoring/learned.py, same features) on the others; among the replies of two or more
sentences that the rules pass and the whole-reply check (0.55) does not doubt, count for each
threshold on the most give-in-like sentence the replies in bands 0–1 it would catch and the true
passes (bands 3–4) it would fail. As with eval.give_in_threshold, the catches are measured with
an earlier lexicon (the current rules were tuned on these files):

    python -m eval.give_in_sentences --lexicon <(git show 750eaa0:rubric/lexicon.yml)

The check ships at 0.9 (rubric/lexicon.yml, README "How scoring works"). Held-out files are never read.
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Optional

from actions.scoring.learned import gives_in
from actions.scoring.lexicon import load_lexicon
from actions.scoring.scorer import Scorer, judged_sentences
from actions.trainer.textnorm import normalize
from eval.lofo import FILES, leave_one_file_out, lexicon_option

THRESHOLDS = (0.7, 0.8, 0.85, 0.9, 0.95)
def sentences(text: str, concessive):
    """The sentences the scorer reads one by one (scorer.judged_sentences over the normalised reply)."""
    return [m.group(0) for m in judged_sentences(normalize(text), concessive)]


def count(lexicon_path: Optional[str]):
    whole = load_lexicon().give_in_threshold  # the whole-reply check as shipped, whatever the rules
    rules = Scorer(lexicon=dataclasses.replace(load_lexicon(lexicon_path), give_in_threshold=1.1,
                                               give_in_sentence_threshold=1.1))  # the rules alone
    caught, failed, totals = Counter(), Counter(), Counter()
    for model, r, verdict in leave_one_file_out(rules, gives_in, words=True):  # as give_in_model builds it
        if not verdict.passed or r["band"] == 2 or model.p(r["reply"]) >= whole:
            continue
        parts = sentences(r["reply"], rules.lex.concessive)
        if not parts:
            continue
        key = "give_ins" if r["band"] <= 1 else "true_passes"
        totals[key] += 1
        p = max(model.p_many(parts))
        for t in THRESHOLDS:
            (caught if key == "give_ins" else failed)[t] += p >= t
    return caught, failed, totals


def main(argv=None) -> int:
    lexicon = lexicon_option(__doc__, argv)
    caught, failed, totals = count(lexicon)
    print(f"development files: {len(FILES)}")
    print(f"multi-sentence replies the rules and the whole-reply check pass: "
          f"{totals['give_ins']} in bands 0-1, {totals['true_passes']} true passes")
    print(f"{'threshold':>9} {'bands 0-1 caught':>17} {'true passes failed':>19}")
    for t in THRESHOLDS:
        print(f"{t:>9.2f} {caught[t]:>17} {failed[t]:>19}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
