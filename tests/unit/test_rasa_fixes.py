"""server/rasa_fixes.py validates action responses exactly as stock Rasa does."""
from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from server import rasa_fixes

GOOD = [
    {"events": [{"event": "slot", "name": "stage", "value": 1}], "responses": [{"text": "您好"}]},
    {"events": [], "responses": []},
    {},
]
BAD = [
    {"events": "not a list"},
    {"events": [{"no_event_key": 1}]},
    {"responses": ["not an object"]},
    {"events": [{"event": "slot", "name": 5}]},
]


def _stock(result):
    jsonschema.validate(result, RemoteAction.action_response_format_spec())


@pytest.mark.parametrize("result", GOOD)
def test_valid_responses_pass_as_before(result):
    _stock(result)
    assert rasa_fixes._validate_action_result(None, result) is True


@pytest.mark.parametrize("result", BAD)
def test_invalid_responses_fail_with_the_same_error_as_before(result):
    with pytest.raises(jsonschema.ValidationError) as stock:
        _stock(result)
    with pytest.raises(jsonschema.ValidationError) as fixed:
        rasa_fixes._validate_action_result(None, result)
    assert fixed.value.message.startswith(stock.value.message)
    assert "Failed to validate Action server response" in fixed.value.message
    assert list(fixed.value.path) == list(stock.value.path)


def test_apply_installs_the_fix_on_remote_actions():
    rasa_fixes.apply()
    assert RemoteAction._validate_action_result is rasa_fixes._validate_action_result
