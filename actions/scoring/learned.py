"""Learned second opinions on the officer's stance, trained on the graded replies.

The rules (rubric/lexicon.yml) recognise refusals by their wording; officers find new
wordings faster than anyone writes rules. This model reads the whole reply: a logistic
regression over character 1–3-grams of the normalised text, trained on the graded
development replies listed in rubric/lexicon.yml (``learned.examples``), predicting
whether the reply refuses (the ``refusal`` move). It is deterministic (fixed data,
liblinear solver) and trains in about a second on first use, never at import.

The scorer uses it in one direction only (scorer.py): when the rules find no refusal
and nothing that gives in, a confident "refuses" (≥ ``learned.threshold``) adds the
refusal, flagged ``learned_refusal`` and sent to human review. It never passes a reply
by itself: a pass still needs a ground the rules found, and it never overrules a red line.

A second model of the same form predicts whether the reply gives in (any of the red lines
accept, half-accept, promise, defer, leak). It can only make a verdict stricter: when the
rules would pass a reply and this model reads it as giving in (≥ ``learned.give_in_threshold``),
the reply is graded band 1 (ambiguous: it may leave the door open), flagged
``learned_give_in`` with the clause that reads most like giving in, and sent to review.
Officers find new ways to give in faster than rules are written; a give-in that passes
teaches the wrong lesson, so here a rare false alarm (a person reviews it) is the cheaper error.
A long, sound refusal can dilute the one sentence that gives in ("……依法处理。说实话，所长那边
已经松了口"), so the same model also reads each sentence of a reply of two or more sentences,
against a stricter threshold (``learned.give_in_sentence_threshold``, eval/give_in_sentences.py).

A third model of the same form learns the replies that neither give in nor refuse (band 1 with no
red line: "这事确实难办，我也不知道怎么办才好"), against replies that take a stand (bands 2–4). The
give-in model counts those as "not giving in", so it cannot doubt them. When a reply the rules pass
gets past the give-in check and this model reads it as wavering (≥ ``learned.waver_threshold``,
eval/waver_threshold.py), it is likewise graded band 1, flagged ``learned_waver`` with the clause
that reads most like it, and sent to review.
"""
from __future__ import annotations

import functools
import json
import threading
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from actions.trainer.textnorm import normalize

REPO_ROOT = Path(__file__).resolve().parents[2]
_lock = threading.Lock()


GIVE_IN = frozenset({"accept", "half_accept", "promise", "defer", "leak"})


def _words(text: str) -> List[str]:
    """The scorer's own segmentation (spaCy blank zh with jieba), for word n-gram features."""
    return list(_segmented(text))


@functools.lru_cache(maxsize=1024)
def _segmented(text: str) -> Tuple[str, ...]:
    # The give-in and waver checks read the same reply: segment it once.
    from actions.scoring.analysis import _nlp

    return tuple(t.text for t in _nlp().make_doc(text) if not t.is_space)


class TextModel:
    """Logistic regression over character 1–3-grams of the normalised text (and, with
    ``words``, word 1–2-grams from the scorer's segmentation as well)."""

    def __init__(self, texts: Sequence[str], labels: Sequence[int], words: bool = False):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        # The two vectorizers side by side, the same matrix sklearn's FeatureUnion builds, without its
        # joblib dispatch on every call (README, "Taking no stand": eval.speed_vs).
        self.vectorizers = [TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)]
        if words:
            self.vectorizers.append(TfidfVectorizer(
                tokenizer=_words, token_pattern=None, lowercase=False, ngram_range=(1, 2), min_df=2, sublinear_tf=True))
        normalized = [normalize(t) for t in texts]
        features = _side_by_side([v.fit_transform(normalized) for v in self.vectorizers])
        self.model = LogisticRegression(C=4.0, solver="liblinear", class_weight="balanced", random_state=0)
        self.model.fit(features, list(labels))

    def p(self, text: str) -> float:
        return self.p_many([text])[0]

    def p_many(self, texts: Sequence[str]) -> List[float]:
        normalized = [normalize(t) for t in texts]
        features = _side_by_side([v.transform(normalized) for v in self.vectorizers])
        return [float(row[1]) for row in self.model.predict_proba(features)]


def _side_by_side(blocks):
    from scipy import sparse

    return blocks[0] if len(blocks) == 1 else sparse.hstack(blocks).tocsr()


def load_examples(paths: Sequence[str], label: Callable[[dict], bool],
                  keep: Callable[[dict], bool] = lambda row: True) -> Tuple[List[str], List[int]]:
    texts, labels = [], []
    for rel in paths:
        path = REPO_ROOT / rel
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if not keep(row):
                    continue
                texts.append(row["reply"])
                labels.append(1 if label(row) else 0)
    return texts, labels


def refuses(row: dict) -> bool:
    return bool(row["moves"]["refusal"])


def gives_in(row: dict) -> bool:
    return bool(GIVE_IN & set(row["red_lines"]))


def wavers(row: dict) -> bool:
    """Band 1 with no red line: neither gives in nor refuses ("这事确实难办，我再想想怎么跟你说")."""
    return row["band"] == 1 and not gives_in(row)


@functools.lru_cache(maxsize=2)
def refusal_model(paths: Tuple[str, ...]) -> Optional[TextModel]:
    if not paths:
        return None
    with _lock:
        return TextModel(*load_examples(paths, refuses))


@functools.lru_cache(maxsize=2)
def give_in_model(paths: Tuple[str, ...]) -> Optional[TextModel]:
    if not paths:
        return None
    with _lock:
        # Word n-grams help here (leave-one-file-out, eval/give_in_threshold.py): at 0.55 they
        # catch 10 of 15 passed give-ins where characters alone catch 7.
        return TextModel(*load_examples(paths, gives_in), words=True)


@functools.lru_cache(maxsize=2)
def waver_model(paths: Tuple[str, ...]) -> Optional[TextModel]:
    if not paths:
        return None
    with _lock:
        # Against replies that take a stand (bands 2–4), band 0 left out: eval/waver_threshold.py.
        return TextModel(*load_examples(paths, wavers, keep=lambda row: wavers(row) or row["band"] >= 2), words=True)
