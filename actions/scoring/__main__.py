"""``python -m actions.scoring``: score JSON Lines from stdin (see actions/scoring/batch.py)."""
import sys

from actions.scoring.batch import run
from actions.scoring.scorer import default_scorer

if __name__ == "__main__":
    sys.stdin.reconfigure(encoding="utf-8")
    sys.stdout.reconfigure(encoding="utf-8")
    run(sys.stdin, sys.stdout, default_scorer())
