"""The channels' crypto against known answers from the platforms' own material.

- WeCom: a message encrypted by wechatpy 1.8.18 (the reference Python SDK) with the
  Token / EncodingAESKey / CorpID of WeCom's documentation sample.
- Feishu: the example in Feishu's "加密推送" documentation ("test key" → "hello world").
- DingTalk: the signature as DingTalk's documentation computes it (fake_platform).
The callback builders in fake_platform are checked against the server side, so the
live tests' payloads are the platforms' format, not the server's own idea of it.
"""
from __future__ import annotations

import base64

import pytest

from server.channels import dingtalk, feishu
from server.channels.common import AuthError
from server.channels.wecom import WeComCrypto, parse_xml
from tests.channels.fake_platform import FeishuCallbacks, WeComCallbacks, dingtalk_headers

SAMPLE = {"token": "QDG6eK", "encoding_aes_key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
          "corp_id": "wx5823bf96d3bd56c7"}
# wechatpy.enterprise.crypto.WeChatCrypto(**SAMPLE).encrypt_message(<xml below>, nonce, timestamp)
WECHATPY_ENCRYPT = ("A5ghlpVRff+YlGYrEUlOB8DkRaImAtQhGrAY2aqy7KzhAqK+mGxs0ud3b9zJBPd7VDNfmdsxrPvG7xXr5nI6RF9XrOS/"
                    "IpWYCxEZaxIj2qOHA6OMLg71hUrQqqnMGDo5")
WECHATPY_SIGNATURE, TIMESTAMP, NONCE = "9a8bc9d9237b89dcfc29dac7f0432fb7022a3926", "1409659813", "1372623149"


def test_wecom_decrypts_and_verifies_what_wechatpy_encrypted():
    crypto = WeComCrypto(SAMPLE["token"], SAMPLE["encoding_aes_key"], SAMPLE["corp_id"])
    crypto.verify(WECHATPY_SIGNATURE, TIMESTAMP, NONCE, WECHATPY_ENCRYPT)
    assert crypto.decrypt(WECHATPY_ENCRYPT) == "<xml><Content><![CDATA[你好，测试]]></Content></xml>"
    with pytest.raises(AuthError, match="signature"):
        crypto.verify(WECHATPY_SIGNATURE, TIMESTAMP, "other-nonce", WECHATPY_ENCRYPT)
    with pytest.raises(AuthError, match="corp id"):
        WeComCrypto(SAMPLE["token"], SAMPLE["encoding_aes_key"], "ww-other").decrypt(WECHATPY_ENCRYPT)


def test_wecom_platform_side_builder_round_trips():
    platform = WeComCallbacks(SAMPLE["token"], SAMPLE["encoding_aes_key"], SAMPLE["corp_id"], 1)
    crypto = WeComCrypto(SAMPLE["token"], SAMPLE["encoding_aes_key"], SAMPLE["corp_id"])
    for text in ("", "a" * 31, "中文" * 500):
        encrypted = platform.encrypt(text)
        crypto.verify(platform.sign(TIMESTAMP, NONCE, encrypted), TIMESTAMP, NONCE, encrypted)
        assert crypto.decrypt(encrypted) == text


def test_wecom_rejects_bad_keys_and_xml_with_entities():
    with pytest.raises(ValueError, match="EncodingAESKey"):
        WeComCrypto("t", "short", "c")
    with pytest.raises(AuthError, match="DTD"):
        parse_xml(b'<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>')
    crypto = WeComCrypto(SAMPLE["token"], SAMPLE["encoding_aes_key"], SAMPLE["corp_id"])
    for garbage in ("not base64!", base64.b64encode(b"x" * 15).decode(), base64.b64encode(b"x" * 32).decode()):
        with pytest.raises(AuthError):
            crypto.decrypt(garbage)


def test_feishu_decrypts_the_documented_example():
    assert feishu.decrypt("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=") == "hello world"
    with pytest.raises(AuthError):
        feishu.decrypt("wrong key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=")


def test_feishu_platform_side_builder_round_trips():
    import json

    platform = FeishuCallbacks("cli_x", "vt", "ek")
    event = platform.text_message("ou_x", "你好")
    body, headers = platform.signed(event)
    assert headers["X-Lark-Signature"] == feishu.signature(
        headers["X-Lark-Request-Timestamp"], headers["X-Lark-Request-Nonce"], "ek", body)
    assert json.loads(feishu.decrypt("ek", json.loads(body)["encrypt"])) == event


def test_dingtalk_signature_matches_the_documented_algorithm():
    headers = dingtalk_headers("this is a secret", 1577262236757)
    assert dingtalk.signature("1577262236757", "this is a secret") == headers["sign"]
