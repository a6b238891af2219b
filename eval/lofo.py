"""Leave-one-file-out over the development files, for choosing the learned models' thresholds.

For each development file, a model of the same form as actions/scoring/learned.py is trained
on the other files, and each row of the held file is returned with the model and the verdict
of the given rules. Held-out files are never read.
"""
from __future__ import annotations

import argparse
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from collections import Counter

from actions.scoring.learned import TextModel
from actions.scoring.lexicon import Lexicon
from actions.scoring.scorer import Scorer, TurnScore, judged_sentences
from actions.trainer.textnorm import normalize
from eval.bench_scoring import SPLITS, read_set

FILES = SPLITS["dev"]


def folds(k: Optional[int] = None) -> Iterator[Tuple[List[Dict], List[Dict]]]:
    """(training rows, held rows) for each development file held out in turn — or, given ``k``, for
    each of k groups of files (dealt round-robin), when training per fold is too slow for one per file."""
    data = {f: read_set(f) for f in FILES}
    groups = [[f] for f in FILES] if k is None else [FILES[i::k] for i in range(k)]
    for held in groups:
        yield [r for f in FILES if f not in held for r in data[f]], [r for f in held for r in data[f]]


def rules_verdict(rules: Scorer, r: Dict) -> TurnScore:
    return rules.score(r["kind"], r["reply"], r.get("counterpart", ""), r.get("stage"),
                       bool(r.get("conflict_of_interest")))


def whole_and_sentence(model: TextModel, reply: str, lex: Lexicon) -> Tuple[float, float]:
    """A give-in model's p for the whole reply and for its likeliest sentence, as the scorer reads them."""
    judged = [m.group(0) for m in judged_sentences(normalize(reply), lex.concessive)]
    whole, *each = model.p_many([reply] + judged)
    return whole, max(each, default=0.0)


def rules_pass_line(folds_k: int, totals: Counter) -> str:
    return (f"development files: {len(FILES)} in {folds_k} folds; replies the rules pass: "
            f"{totals['bands 0-1']} in bands 0-1, {totals['true passes']} true passes")


def threshold_row(name: str, caught: Counter, failed: Counter, thresholds: Sequence[float], width: int = 20) -> str:
    """"<name>: 0.5: 899/661  0.55: …" — bands 0-1 caught / true passes failed at each threshold."""
    return f"{name:>{width}}: " + "  ".join(f"{t}: {caught[t]}/{failed[t]}" for t in thresholds)


def leave_one_file_out(rules: Scorer, label: Callable[[Dict], bool],
                       words: bool = False) -> Iterator[Tuple[TextModel, Dict, TurnScore]]:
    for train, held in folds():
        model = TextModel([r["reply"] for r in train], [1 if label(r) else 0 for r in train], words=words)
        for r in held:
            yield model, r, rules_verdict(rules, r)


def lexicon_option(doc: str, argv: Optional[Sequence[str]] = None) -> Optional[str]:
    """The command line every leave-one-file-out script takes: the lexicon to score with."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lexicon", help="a lexicon file to score with (default: rubric/lexicon.yml)")
    return parser.parse_args(argv).lexicon
