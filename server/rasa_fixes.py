"""Fixes to stock Rasa 3.6 that the trainer applies before the Rasa server starts.

``python -m server.rasa_server run …`` applies them and then runs Rasa's own CLI, so
every ``rasa run`` option works unchanged.

1. **Action responses are validated against a schema that is checked once.**
   Rasa 3.6 validates every action server response with ``jsonschema.validate``,
   which first re-validates the (constant) response schema against the JSON Schema
   meta-schema. With jsonschema 4.17 that meta-check costs ~20 ms of CPU per custom
   action call — under load it was 38 % of the Rasa process's time (``make bench``
   profiled with py-spy). The fix checks the schema once, keeps the validator and
   validates each response exactly as before: same schema, same validator class,
   same best-matching ``ValidationError`` with Rasa's message appended.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

_applied = False


@lru_cache(maxsize=None)
def _response_validator():
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def apply() -> None:
    """Install the fixes (idempotent)."""
    global _applied
    if _applied:
        return
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result
    _applied = True
