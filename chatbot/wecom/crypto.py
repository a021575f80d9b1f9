"""The WeCom / WeChat callback cipher (WXBizMsgCrypt), one implementation for every entry point.

Facts (WeCom developer docs, path 91144 "加解密方案说明" and 101033 for the AI bot): the signature
is the SHA-1 hex digest of the sorted strings [token, timestamp, nonce, encrypt]; the AES key is
base64-decode(EncodingAESKey + "="), 32 bytes; AES-256-CBC with IV = key[:16]; the plaintext is
16 random bytes, a 4-byte big-endian length, the message, then the receive id, padded PKCS#7 to a
multiple of 32 bytes. The receive id is the CorpID (self-built app, 微信客服), the AppID (Official
Account) or "" (AI bot). Signatures are compared in constant time (wechatpy 1.8.18 uses `!=`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from dataclasses import dataclass
from functools import cached_property

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeCom pads to 32 bytes, not AES's 16
AES_KEY_CHARS = 43
MAX_CIPHERTEXT_CHARS = 2_000_000  # base64 characters; the routes cap bodies well below this


class CryptoError(ValueError):
    """A callback we cannot trust. `code` is also the log word: "signature", "key", "base64",
    "padding", "length", "receive_id"."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key from the console's 43-character EncodingAESKey; CryptoError("key")."""
    if len(encoding_aes_key) != AES_KEY_CHARS:
        raise CryptoError("key")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        raise CryptoError("key") from None
    if len(key) != 32:
        raise CryptoError("key")
    return key


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """SHA-1 hex of the four strings sorted and joined (40 lowercase hex characters)."""
    return hashlib.sha1("".join(sorted((token, timestamp, nonce, encrypt))).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class MsgCrypt:
    """One callback configuration: the console's Token and EncodingAESKey, and the receive id."""

    token: str
    encoding_aes_key: str
    receive_id: str

    def __post_init__(self) -> None:
        aes_key(self.encoding_aes_key)  # a bad key fails at start-up, not on the first message

    @cached_property
    def key(self) -> bytes:
        return aes_key(self.encoding_aes_key)

    def check_signature(self, given: str, timestamp: str, nonce: str, encrypt: str) -> None:
        """Raise CryptoError("signature") unless `given` matches (constant-time comparison)."""
        expected = signature(self.token, timestamp, nonce, encrypt)
        given_bytes = given.strip().lower().encode("ascii", "replace")
        if not hmac.compare_digest(expected.encode("ascii"), given_bytes):
            raise CryptoError("signature")

    def decrypt(self, encrypt: str) -> bytes:
        """The message inside `encrypt` (base64). Raises CryptoError on bad base64, padding,
        length, or a receive id other than this configuration's."""
        if len(encrypt) > MAX_CIPHERTEXT_CHARS:
            raise CryptoError("length")
        try:
            data = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError):
            raise CryptoError("base64") from None
        if not data or len(data) % 16:
            raise CryptoError("length")
        key = self.key
        decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise CryptoError("padding")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise CryptoError("length")
        (size,) = struct.unpack(">I", plain[16:20])
        if 20 + size > len(plain):
            raise CryptoError("length")
        message, receive_id = plain[20:20 + size], plain[20 + size:]
        if not hmac.compare_digest(receive_id, self.receive_id.encode("utf-8")):
            raise CryptoError("receive_id")
        return message

    def encrypt(self, message: bytes, *, prefix: bytes | None = None) -> str:
        """`message` sealed for the platform (base64). `prefix`: the 16 "random" bytes, fixed
        only by tests."""
        head = prefix if prefix is not None else os.urandom(16)
        if len(head) != 16:
            raise ValueError("the prefix is 16 bytes")
        body = head + struct.pack(">I", len(message)) + message + self.receive_id.encode("utf-8")
        pad = BLOCK - len(body) % BLOCK
        body += bytes([pad]) * pad
        key = self.key
        encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
        return base64.b64encode(encryptor.update(body) + encryptor.finalize()).decode("ascii")

    def seal(self, message: bytes, timestamp: str, nonce: str) -> tuple[str, str]:
        """(encrypt, signature) for a reply or a test callback."""
        encrypt = self.encrypt(message)
        return encrypt, signature(self.token, timestamp, nonce, encrypt)
