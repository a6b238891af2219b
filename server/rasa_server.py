"""Run Rasa's CLI with the trainer's fixes applied (see server/rasa_fixes.py).

Usage is exactly ``rasa``'s: ``python -m server.rasa_server run --model … --endpoints …``.
"""
import sys

from server import rasa_fixes


def main() -> None:
    rasa_fixes.apply()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
