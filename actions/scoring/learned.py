"""A learned second opinion on the officer's stance, trained on the graded replies.

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
"""
from __future__ import annotations

import functools
import json
import threading
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from actions.trainer.textnorm import normalize

REPO_ROOT = Path(__file__).resolve().parents[2]
_lock = threading.Lock()


class RefusalModel:
    def __init__(self, texts: Sequence[str], labels: Sequence[int]):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
        features = self.vectorizer.fit_transform([normalize(t) for t in texts])
        self.model = LogisticRegression(C=4.0, solver="liblinear", class_weight="balanced", random_state=0)
        self.model.fit(features, list(labels))

    def p_refusal(self, text: str) -> float:
        features = self.vectorizer.transform([normalize(text)])
        return float(self.model.predict_proba(features)[0][1])


def load_examples(paths: Sequence[str]) -> Tuple[List[str], List[int]]:
    texts, labels = [], []
    for rel in paths:
        path = REPO_ROOT / rel
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts.append(row["reply"])
                labels.append(1 if row["moves"]["refusal"] else 0)
    return texts, labels


@functools.lru_cache(maxsize=2)
def refusal_model(paths: Tuple[str, ...]) -> Optional[RefusalModel]:
    if not paths:
        return None
    with _lock:
        texts, labels = load_examples(paths)
        return RefusalModel(texts, labels)
