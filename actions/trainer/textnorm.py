"""Text normalisation and input checks shared by NLU-facing code and the scorer.

Officers type on phones and PCs, in simplified or traditional characters, with
full-width or half-width punctuation. Everything downstream sees one canonical
form: NFKC (full-width → half-width letters and digits), simplified characters,
no zero-width or control characters, single spaces.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

import zhconv

MAX_REPLY_CHARS = 500

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]{0,200}>")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_WORDISH = re.compile(r"[\w\u3400-\u4dbf\u4e00-\u9fff]")


def normalize(text: str) -> str:
    """Canonical form of a reply: NFKC, simplified Chinese, no invisible characters."""
    if not text:
        return ""
    text = text.translate(_ZERO_WIDTH)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " " for ch in text)
    text = unicodedata.normalize("NFKC", text)
    text = zhconv.convert(text, "zh-cn")
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class InputProblem:
    code: str
    message: str


def check_reply(text: Optional[str]) -> Optional[InputProblem]:
    """Why an officer's message cannot be scored as a reply, or None if it can.

    The message is never dropped: callers keep the raw text on record either way.
    """
    raw = text or ""
    if len(raw) > MAX_REPLY_CHARS:
        return InputProblem(
            "too_long",
            f"您的回复有 {len(raw)} 个字符，超过了 {MAX_REPLY_CHARS} 字的上限。请精简后重新发送，原文已保留在记录中。",
        )
    if raw.lstrip().startswith(("/", "／")):
        return InputProblem("command", "不支持以“/”开头的指令，也不能用它设置分数。请直接用文字回应对方；输入“帮助”查看可用命令。")
    if _TAG.search(raw):
        return InputProblem("markup", "请直接输入文字回复，不要包含网页代码（如 <script> 标签）。")
    clean = normalize(raw)
    if not clean:
        return InputProblem("empty", "没有收到内容。请用一句完整的话回应对方。")
    if not _WORDISH.search(clean):
        return InputProblem("no_words", "只收到了表情或符号。请用文字回应对方，这样才能评分。")
    return None


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text or ""))
