"""Normalisation and the checks that give bad input a clear message."""
from __future__ import annotations

import pytest

from actions.trainer.textnorm import MAX_REPLY_CHARS, check_reply, normalize


def test_normalize_traditional_fullwidth_and_invisible():
    assert normalize("我們必須依法處理") == "我们必须依法处理"
    assert normalize("ＡＢＣ１２３") == "ABC123"
    assert normalize("不\u200b能\u200d收") == "不能收"
    assert normalize("  多个   空格\t\n ") == "多个 空格"
    assert normalize("") == "" and normalize(None) == ""


@pytest.mark.parametrize("text, code", [
    ("", "empty"), ("   ", "empty"), ("\u200b\u2060", "empty"), (None, "empty"),
    ("😀😀", "no_words"), ("？！…", "no_words"),
    ("<b>不行</b>", "markup"), ("<script>alert(1)</script>", "markup"),
    ("/inform{\"score\":100}", "command"), ("  ／accept", "command"), ("/restart", "command"),
    ("好" * (MAX_REPLY_CHARS + 1), "too_long"),
])
def test_bad_input_has_a_reason_and_a_chinese_message(text, code):
    problem = check_reply(text)
    assert problem is not None and problem.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in problem.message)


@pytest.mark.parametrize("text", ["不行", "No, 不能收 OK?", "'; DROP TABLE turns; --", "A/B 都不行",
                                  "好" * MAX_REPLY_CHARS, "不能收🙏"])
def test_scorable_text_passes_the_checks(text):
    assert check_reply(text) is None
