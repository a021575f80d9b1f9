"""The callback cipher and the checks before parsing, on WeCom's published vectors."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

import pytest

from chatbot.db import Database
from chatbot.wecom.crypto import CryptoError, MsgCrypt, signature
from chatbot.wecom.envelope import xml_message
from chatbot.wecom.verify import Gate, Refused, Signed

# Vector A: Tencent's sample (weworkapi_python callback/Sample.py).
A = MsgCrypt("hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo", "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
             "ww1436e0e65a779aee")
A_ECHO = Signed("012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb", "1476416373", "47744683",
                "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==")
A_POST = Signed("0c3914025cb4b4d68103f6bfc8db550f79dcf48e", "1476422779", "1597212914")
A_ENCRYPT = (
    "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzT"
    "tRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5j"
    "aU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cR"
    "X3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+"
)
# Vector B: the WeCom documentation's set (token QDG6eK).
B = MsgCrypt("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
B_ECHO = Signed("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780", unquote(
    "P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D"))
B_POST = Signed("477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149")
B_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3"
    "vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHz"
    "M6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNq"
    "bSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6"
    "bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)


def at(timestamp: str) -> datetime:
    return datetime.fromtimestamp(int(timestamp), UTC)


def gate(crypt: MsgCrypt, db: Database, now: str, scope: str = "test") -> Gate:
    return Gate(crypt, db, lambda: at(now), scope=scope)


@pytest.mark.parametrize(("crypt", "echo", "expected"), [
    (A, A_ECHO, b"1288432023552776189"), (B, B_ECHO, b"1616140317555161061")])
def test_url_verification_vectors(db: Database, crypt: MsgCrypt, echo: Signed, expected: bytes) -> None:
    assert gate(crypt, db, echo.timestamp).open(echo, echo.echostr) == expected


@pytest.mark.parametrize(("crypt", "signed", "encrypt", "content"), [
    (A, A_POST, A_ENCRYPT, "你好"), (B, B_POST, B_ENCRYPT, "hello")])
def test_message_vectors(db: Database, crypt: MsgCrypt, signed: Signed, encrypt: str, content: str) -> None:
    message = xml_message(gate(crypt, db, signed.timestamp).open(signed, encrypt))
    assert (message.msg_type, message.content) == ("text", content)


def test_a_tampered_signature_is_refused_before_decryption(db: Database) -> None:
    bad = Signed("1" + A_POST.signature[1:], A_POST.timestamp, A_POST.nonce)
    with pytest.raises(Refused) as caught:
        gate(A, db, A_POST.timestamp).open(bad, A_ENCRYPT)
    assert caught.value.code == "signature"


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_stale_or_future_timestamp_is_refused(db: Database, skew: int) -> None:
    with pytest.raises(Refused) as caught:
        gate(A, db, str(int(A_POST.timestamp) + skew)).open(A_POST, A_ENCRYPT)
    assert caught.value.code == "timestamp"


def test_inside_the_window_is_accepted(db: Database) -> None:
    assert gate(A, db, str(int(A_POST.timestamp) + 300)).open(A_POST, A_ENCRYPT)


def test_a_reused_nonce_is_refused_in_any_process(db: Database, database_url: str) -> None:
    assert gate(A, db, A_POST.timestamp).open(A_POST, A_ENCRYPT)
    other = Database(database_url)  # a second process on the same database
    try:
        with pytest.raises(Refused) as caught:
            gate(A, other, A_POST.timestamp).open(A_POST, A_ENCRYPT)
    finally:
        other.dispose()
    assert caught.value.code == "replay"


def test_a_forged_request_does_not_burn_the_nonce(db: Database) -> None:
    forged = Signed("0" * 40, A_POST.timestamp, A_POST.nonce)
    with pytest.raises(Refused):
        gate(A, db, A_POST.timestamp).open(forged, A_ENCRYPT)
    assert gate(A, db, A_POST.timestamp).open(A_POST, A_ENCRYPT)


def test_a_wrong_receive_id_is_refused_after_decryption(db: Database) -> None:
    other_corp = MsgCrypt(A.token, A.encoding_aes_key, "ww-someone-else")
    with pytest.raises(Refused) as caught:
        gate(other_corp, db, A_POST.timestamp).open(A_POST, A_ENCRYPT)
    assert caught.value.code == "receive_id"


def test_round_trip_with_an_empty_receive_id() -> None:
    bot = MsgCrypt("tok", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "")
    sealed = bot.encrypt(b'{"msgid":"1"}', prefix=b"0123456789abcdef")
    assert bot.decrypt(sealed) == b'{"msgid":"1"}'
    assert bot.encrypt(b"x", prefix=b"0123456789abcdef") == bot.encrypt(b"x", prefix=b"0123456789abcdef")


def test_agrees_with_wechatpy() -> None:
    from wechatpy.enterprise.crypto import WeChatCrypto

    theirs = WeChatCrypto(A.token, A.encoding_aes_key, A.receive_id)
    nonce, ts = "n1", "1476422779"
    sealed = A.encrypt(b"<xml><Content>hi</Content></xml>")
    xml = f"<xml><Encrypt><![CDATA[{sealed}]]></Encrypt></xml>"
    assert theirs.decrypt_message(xml, signature(A.token, ts, nonce, sealed), ts, nonce) \
        == "<xml><Content>hi</Content></xml>"


@pytest.mark.parametrize(("encrypt", "code"), [
    ("not base64!!", "base64"), ("QUJD", "length"), ("A" * 2_000_001, "length")])
def test_garbage_ciphertext_is_a_crypto_error(encrypt: str, code: str) -> None:
    with pytest.raises(CryptoError) as caught:
        A.decrypt(encrypt)
    assert caught.value.code == code


def test_a_bad_key_fails_at_start_up() -> None:
    with pytest.raises(CryptoError):
        MsgCrypt("t", "short", "")


def test_missing_or_huge_parameters_are_refused() -> None:
    with pytest.raises(Refused):
        Signed.from_query({"timestamp": "1", "nonce": "2"})
    with pytest.raises(Refused):
        Signed.from_query({"msg_signature": "a", "timestamp": "x1", "nonce": "2"})
    with pytest.raises(Refused):
        Signed.from_query({"msg_signature": "a" * 500, "timestamp": "1", "nonce": "2"})


@pytest.mark.parametrize("key", ["short", "!" * 43])
def test_a_bad_encoding_aes_key_is_a_clear_configuration_error(key: str) -> None:
    from chatbot.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="WECOM_AIBOT_AES_KEY"):
        load_settings({"WECOM_AIBOT_AES_KEY": key})
    good = load_settings({"WECOM_AIBOT_AES_KEY": A.encoding_aes_key})
    assert good.wecom_aibot_aes_key == A.encoding_aes_key
