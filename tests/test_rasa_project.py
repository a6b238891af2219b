"""The Rasa project itself: data validation, the held-out NLU set, and the conversation tests."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tools.stack import DEFAULT_MODEL, ROOT, VENV_BIN

RASA = str(VENV_BIN / "rasa")
NLU_ACCURACY_FLOOR = 0.90  # measured 0.95+ (README, "Chinese NLU"); the floor catches a broken model


def rasa(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([RASA, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin", "HOME": str(Path.home())})


@pytest.fixture(scope="module")
def model():
    if not DEFAULT_MODEL.is_file():
        pytest.skip("no trained model: `make test` trains one first")
    return DEFAULT_MODEL


def test_data_validates_and_only_action_spoken_responses_are_unused():
    proc = rasa("data", "validate", "--fail-on-warnings")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    # Rasa warns about responses no rule names. Ours are spoken by the custom actions;
    # every such warning must name a response that actions/dialogue.py really uses.
    unused = set(re.findall(r"The utterance '(utter_\w+)' is not used", proc.stdout + proc.stderr))
    spoken = set(re.findall(r'response="(utter_\w+)"|"(utter_\w+)"', (ROOT / "actions" / "dialogue.py").read_text()))
    spoken = {a or b for a, b in spoken}
    assert unused <= spoken, f"responses used nowhere: {sorted(unused - spoken)}"
    other = [line for line in (proc.stdout + proc.stderr).splitlines()
             if "UserWarning" in line and "is not used in any story or rule" not in line]
    assert other == []


def test_heldout_nlu_accuracy(model, tmp_path):
    out = tmp_path / "nlu"
    proc = rasa("test", "nlu", "--nlu", "tests/test_nlu.yml", "--model", str(model), "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "intent_report.json").read_text())
    assert report["accuracy"] >= NLU_ACCURACY_FLOOR, report["accuracy"]
    # the stance intents carry the role-play: none may collapse
    for intent in ("refuse", "waver", "accept", "choose_scenario", "out_of_scope"):
        assert report[intent]["f1-score"] >= 0.8, (intent, report[intent])


def test_conversation_stories(model, tmp_path):
    proc = rasa("test", "core", "--stories", "tests/test_stories.yml", "--model", str(model),
                "--out", str(tmp_path / "core"), "--fail-on-prediction-errors")
    assert proc.returncode == 0, (proc.stdout[-4000:], proc.stderr[-4000:])
