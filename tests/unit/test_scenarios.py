"""The scenario library: the shipped files are valid, and bad files are named precisely."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from actions.trainer.scenarios import (
    DEFAULT_SCENARIO_DIR,
    MIN_VARIANTS,
    STAGE_KINDS,
    ScenarioError,
    ScenarioLibrary,
    library,
    load_scenario,
    validate_dir,
)

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "favour": ["favour_red_light", "favour_fight_relative", "favour_spouse_brother", "favour_superior_drunk_driving",
               "favour_economic_dispute", "favour_family_hardship", "favour_friend_ultimatum"],
    "gift": ["gift_local_produce", "gift_red_envelope", "gift_shopping_card", "gift_banquet", "gift_job_for_child",
             "gift_thank_you_after", "gift_no_one_will_know"],
}


def test_shipped_library_is_valid_and_complete():
    scenarios, errors = validate_dir(DEFAULT_SCENARIO_DIR)
    assert errors == []
    by_id = {s.id: s for s in scenarios}
    for kind, ids in REQUIRED.items():
        for sid in ids:
            assert sid in by_id, sid
            assert by_id[sid].kind == kind
    for s in scenarios:
        assert [st.kind for st in s.stages][: len(STAGE_KINDS)] == list(STAGE_KINDS)
        assert all(len(st.lines) >= MIN_VARIANTS and len(st.press) >= MIN_VARIANTS for st in s.stages)
        assert len(s.withdraw) >= MIN_VARIANTS and len(s.consequence.lines) >= MIN_VARIANTS
        assert s.persona.name in s.briefing() and s.situation in s.briefing()


def _copy(tmp_path: Path, sid: str = "favour_red_light") -> Path:
    dst = tmp_path / f"{sid}.yml"
    shutil.copy(DEFAULT_SCENARIO_DIR / "favour_red_light.yml", dst)
    return dst


def _edit(path: Path, fn) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_error_names_file_and_field(tmp_path):
    path = _copy(tmp_path)
    _edit(path, lambda d: d["stages"][1].update(press=["只有一句"]))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "favour_red_light.yml: stages.1.press" in str(err.value)
    assert "at least 3" in str(err.value)


def test_unknown_kind_missing_stage_and_bad_case_are_reported(tmp_path):
    path = _copy(tmp_path)

    def breakit(d):
        d["kind"] = "bribe"
        d["stages"] = d["stages"][:3]
        d["consequence"]["case"] = "case9"
    _edit(path, breakit)
    _, errors = validate_dir(tmp_path)
    text = "\n".join(errors)
    assert "favour_red_light.yml: kind" in text
    assert "favour_red_light.yml: stages" in text
    assert "favour_red_light.yml: consequence.case" in text


def test_id_must_match_file_name_and_typos_in_keys_are_refused(tmp_path):
    path = _copy(tmp_path, "other_name")
    with pytest.raises(ScenarioError, match="id: must equal the file name"):
        load_scenario(path)
    path2 = _copy(tmp_path)
    _edit(path2, lambda d: d.update(titel="typo"))
    with pytest.raises(ScenarioError, match="titel"):
        load_scenario(path2)


def test_validate_command_exit_codes(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "actions.trainer.validate"], cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "0 with errors" in ok.stdout
    path = _copy(tmp_path)
    _edit(path, lambda d: d.pop("withdraw"))
    bad = subprocess.run([sys.executable, "-m", "actions.trainer.validate", str(tmp_path)], cwd=ROOT,
                         capture_output=True, text=True)
    assert bad.returncode == 1
    assert "favour_red_light.yml: withdraw: field required" in bad.stderr


def test_new_scenario_file_is_picked_up_without_restart(tmp_path):
    src = _copy(tmp_path)
    assert len(library(tmp_path)) == 1
    extra = tmp_path / "favour_extra.yml"
    text = src.read_text(encoding="utf-8").replace("id: favour_red_light", "id: favour_extra").replace(
        "title: 老同学的儿子闯红灯", "title: 新加的练习场景")
    extra.write_text(text, encoding="utf-8")
    lib = library(tmp_path)
    assert len(lib) == 2 and lib.get("favour_extra").title == "新加的练习场景"


def test_a_scenario_edited_in_place_is_picked_up_within_a_second(tmp_path, monkeypatch):
    import os

    from actions.trainer import scenarios

    path = _copy(tmp_path)
    assert library(tmp_path).get("favour_red_light").title == "老同学的儿子闯红灯"
    _edit(path, lambda d: d.update(title="改过的标题"))
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))  # a coarse filesystem clock must not hide it
    monkeypatch.setattr(scenarios, "RECHECK_SECONDS", 0.0)  # "a second later"
    assert library(tmp_path).get("favour_red_light").title == "改过的标题"


@pytest.mark.parametrize("text, expected", [
    ("1", "favour_red_light"), ("第1个", "favour_red_light"), ("老同学的儿子闯红灯", "favour_red_light"),
    ("闯红灯那个", "favour_red_light"),
])
def test_find_by_number_or_title(text, expected):
    lib = ScenarioLibrary([load_scenario(DEFAULT_SCENARIO_DIR / "favour_red_light.yml")])
    assert lib.find(text).id == expected


def test_find_returns_none_for_nonsense():
    lib = library()
    assert lib.find("今天天气") is None
    assert lib.find("99") is None
    assert lib.find(str(len(lib))) is not None
