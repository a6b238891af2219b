"""Would a give-in model trained on sentences read one sentence too many better? Development data only.

The shipped sentence check (actions/scoring/learned.py) applies the whole-reply give-in model to each
sentence. This measures an alternative trained on sentences, multiple-instance style: every sentence
of a passing or band-2 reply is a negative; a give-in reply is a bag that holds at least one positive —
first all its sentences, then (twice) only those the model rates highest. Grouped by file into K folds
(files dealt round-robin), it counts, among the replies the rules pass and the whole-reply check (0.55)
does not doubt, the replies in bands 0–1 each check catches and the true passes (bands 3–4) it fails:

    python -m eval.give_in_mil            # about ten minutes on two cores

Measured in session 7 (88 files, v39 rules) and not adopted: see README "How scoring works".
Held-out files are never read.
"""
from __future__ import annotations

import argparse
import dataclasses
from collections import Counter
from typing import Dict, List

from actions.scoring.learned import TextModel, gives_in
from actions.scoring.lexicon import load_lexicon
from actions.scoring.scorer import _SENTENCE, Scorer, judged_sentences
from actions.trainer.textnorm import normalize
from eval.lofo import FILES, folds, rules_verdict

THRESHOLDS = (0.7, 0.8, 0.85, 0.9, 0.95)


def all_sentences(text: str) -> List[str]:
    norm = normalize(text)
    return [m.group(0) for m in _SENTENCE.finditer(norm) if m.group(0).strip(" 。!?;.")] or [norm]


def sentence_model(train: List[Dict], rounds: int = 2) -> TextModel:
    negatives, bags = [], []
    for r in train:
        if gives_in(r):
            bags.append(all_sentences(r["reply"]))
        elif r["band"] >= 2:
            negatives += all_sentences(r["reply"])
    positives = [s for bag in bags for s in bag]
    for k in range(rounds + 1):
        model = TextModel(positives + negatives, [1] * len(positives) + [0] * len(negatives), words=True)
        if k == rounds:
            return model
        positives = []
        for bag in bags:
            ps = model.p_many(bag)
            positives += [s for s, p in zip(bag, ps) if p >= max(ps) or p >= 0.5]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=8)
    k = parser.parse_args(argv).folds
    shipped = load_lexicon()
    rules = Scorer(lexicon=dataclasses.replace(shipped, give_in_threshold=1.1, give_in_sentence_threshold=1.1))
    caught, failed, totals = Counter(), Counter(), Counter()
    for train, held in folds(k):
        whole = TextModel([r["reply"] for r in train], [1 if gives_in(r) else 0 for r in train], words=True)
        per_sentence = sentence_model(train)
        for r in held:
            if r["band"] == 2 or not rules_verdict(rules, r).passed or whole.p(r["reply"]) >= shipped.give_in_threshold:
                continue
            key = "give_ins" if r["band"] <= 1 else "true_passes"
            tally = caught if key == "give_ins" else failed
            totals[key] += 1
            judged = [m.group(0) for m in judged_sentences(normalize(r["reply"]), shipped.concessive)]
            now = bool(judged) and max(whole.p_many(judged)) >= shipped.give_in_sentence_threshold
            tally["shipped"] += now
            p = max(per_sentence.p_many(all_sentences(r["reply"])))
            for t in THRESHOLDS:
                tally[t] += p >= t
                tally[("or", t)] += now or p >= t
    print(f"development files: {len(FILES)} in {k} folds; replies the rules and the whole-reply check pass: "
          f"{totals['give_ins']} in bands 0-1, {totals['true_passes']} true passes")
    print(f"shipped sentence check (0.9): caught {caught['shipped']}, failed {failed['shipped']}")
    print(f"{'threshold':>9} {'sentence model: caught':>23} {'failed':>7} {'with the shipped check: caught':>31} {'failed':>7}")
    for t in THRESHOLDS:
        print(f"{t:>9.2f} {caught[t]:>23} {failed[t]:>7} {caught[('or', t)]:>31} {failed[('or', t)]:>7}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
