"""Validate the scenario library: ``python -m actions.trainer.validate [DIR]``.

Exit 0 and a one-line summary per scenario when every file is valid; otherwise
print each error (file: field: problem) and exit 1.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

from actions.trainer.scenarios import scenario_dir, validate_dir


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    directory = Path(argv[0]) if argv else scenario_dir()
    scenarios, errors = validate_dir(directory)
    for s in scenarios:
        print(f"ok  {s.id}.yml  v{s.version}  {s.kind_label}  {s.title}  ({len(s.stages)} stages)")
    for err in errors:
        print(f"ERROR {err}", file=sys.stderr)
    print(f"{len(scenarios)} valid, {len(errors)} with errors", file=sys.stderr if errors else sys.stdout)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
