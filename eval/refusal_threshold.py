"""Choose the learned refusal opinion's threshold on development data only.

Leave-one-file-out over the development files: for each file, train the refusal model
(actions/scoring/learned.py) on the others and score the file with the rules alone.
Where the rules see no refusal and nothing that gives in, count for each threshold the
refusals the model would add rightly and wrongly (by the graders' ``refusal`` move), and
the verdicts that would turn into a pass rightly (band ≥ 3) and wrongly:

    python -m eval.refusal_threshold --lexicon <(git show 750eaa0:rubric/lexicon.yml)

(the current rules were tuned on these files, so an earlier lexicon shows more of what the
rules miss). Held-out files are never read.
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Optional

from actions.scoring.learned import GIVE_IN, refuses
from actions.scoring.lexicon import load_lexicon
from actions.scoring.scorer import GROUNDS, Scorer
from eval.lofo import FILES, leave_one_file_out, lexicon_option

THRESHOLDS = (0.6, 0.7, 0.8, 0.9)


def count(lexicon_path: Optional[str]):
    rules = Scorer(lexicon=dataclasses.replace(load_lexicon(lexicon_path), learned_threshold=1.1,
                                               give_in_threshold=1.1,
                                               give_in_sentence_threshold=1.1))
    added, passes = {"right": Counter(), "wrong": Counter()}, {"right": Counter(), "wrong": Counter()}
    for model, r, v in leave_one_file_out(rules, refuses):
        if v.moves["refusal"] or GIVE_IN & set(v.red_lines) or "keyword_list" in v.flags:
            continue
        p = model.p(r["reply"])
        would_pass = any(v.moves[g] for g in GROUNDS) and "abusive" not in v.red_lines
        for t in THRESHOLDS:
            if p >= t:
                added["right" if r["moves"]["refusal"] else "wrong"][t] += 1
                if would_pass:
                    passes["right" if r["band"] >= 3 else "wrong"][t] += 1
    return added, passes


def main(argv=None) -> int:
    lexicon = lexicon_option(__doc__, argv)
    added, passes = count(lexicon)
    print(f"development files: {', '.join(FILES)}")
    print(f"{'threshold':>9} {'refusals added right/wrong':>27} {'passes gained right/wrong':>26}")
    for t in THRESHOLDS:
        print(f"{t:>9.2f} {added['right'][t]:>13}/{added['wrong'][t]:<13} {passes['right'][t]:>12}/{passes['wrong'][t]:<13}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
