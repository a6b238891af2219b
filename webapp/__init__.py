"""The trainer's web front end: the officers' practice page (and, later, other blueprints).

Start it with ``python -m webapp --port 8000 --rasa-port 5005``; ``tools/stack.py``
does that for ``make run`` and the end-to-end tests.
"""
