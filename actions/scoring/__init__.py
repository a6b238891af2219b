"""Scoring officer replies against the guideline responses (issue #3).

``default_scorer().score(kind, reply, counterpart, stage)`` is the single code path
used by the live bot's actions and by the batch command ``python -m actions.scoring``.
"""
from actions.scoring.scorer import PASS_SCORE, Scorer, TurnScore, default_scorer

__all__ = ["PASS_SCORE", "Scorer", "TurnScore", "default_scorer"]
