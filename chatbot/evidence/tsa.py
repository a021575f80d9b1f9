"""Trusted timestamps (RFC 3161) for evidence packages, with rfc3161-client.

With `SELLERGUARD_TSA_URL` set, the SHA-256 of a package's datapackage.json is sent to that
time-stamping authority; its signed answer goes into datapackage-digest.json. It proves that the
package, and so every record in it, existed at that time. A TSA that is down, slow or answers
garbage never stops the report: the package is then marked "not timestamped".

`check` re-reads a stored answer: the hashed message must be this datapackage.json, and, when
`SELLERGUARD_TSA_CA` names the authority's root certificate (PEM), the signature chain must lead
to it.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import httpx

TIMEOUT = 10.0  # seconds for the whole TSA exchange
MAX_ANSWER = 64_000  # bytes of a TSA answer; real ones are 2-8 KB
CA_ENV = "SELLERGUARD_TSA_CA"
CONTENT_TYPE = "application/timestamp-query"


def request(url: str, digest: bytes, *, timeout: float = TIMEOUT,
            transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """Ask the TSA at `url` (operator-configured) to timestamp a SHA-256 `digest` (32 bytes).

    Returns {"status": "timestamped", "tsa": url host, "time": ISO UTC, "token": base64 DER of
    the TimeStampResp} or {"status": "failed", "tsa": ..., "detail": why}. Never raises."""
    from rfc3161_client import HashAlgorithm, PKIStatus, TimestampRequestBuilder, decode_timestamp_response

    host = httpx.URL(url).host
    try:
        query = (TimestampRequestBuilder().hash_algorithm(HashAlgorithm.SHA256)
                 .data(digest).nonce(nonce=True).cert_request(cert_request=True).build())
        # The builder hashes what it is given: the imprint is SHA-256 of the digest (imprint_for).
        body = query.as_bytes()
        with httpx.Client(timeout=timeout, transport=transport, trust_env=False,
                          follow_redirects=False) as client:
            answer = client.post(url, content=body, headers={"content-type": CONTENT_TYPE})
        if answer.status_code != 200:
            return {"status": "failed", "tsa": host, "detail": f"HTTP {answer.status_code}"}
        if len(answer.content) > MAX_ANSWER:
            return {"status": "failed", "tsa": host, "detail": "answer too large"}
        response = decode_timestamp_response(answer.content)
        if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
            return {"status": "failed", "tsa": host, "detail": f"refused (status {response.status})"}
        if response.tst_info.nonce != query.nonce:
            return {"status": "failed", "tsa": host, "detail": "the answer is not for this request"}
        when = response.tst_info.gen_time
        return {"status": "timestamped", "tsa": host, "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "token": base64.b64encode(answer.content).decode("ascii")}
    except Exception as exc:  # network errors, and a malformed answer raises the parser's own errors
        return {"status": "failed", "tsa": host, "detail": type(exc).__name__}


def imprint_for(digest: bytes) -> bytes:
    """What is sent as the message to hash: rfc3161-client hashes its input, so the input is the
    SHA-256 digest and the imprint is SHA-256 of it. `check` recomputes the same."""
    import hashlib

    return hashlib.sha256(digest).digest()


def check(stamp: dict[str, Any], digest: bytes) -> dict[str, Any]:
    """Check a stored timestamp against the SHA-256 `digest` of datapackage.json.

    Returns {"ok": bool, "time": ..., "tsa": ..., "chain": "verified" | "not_checked", "detail": ...}."""
    from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

    out: dict[str, Any] = {"ok": False, "tsa": stamp.get("tsa", ""), "time": stamp.get("time", ""),
                           "chain": "not_checked", "detail": ""}
    try:
        raw = base64.b64decode(str(stamp.get("token", "")), validate=True)
        if not raw or len(raw) > MAX_ANSWER:
            raise ValueError("empty or oversized token")
        response = decode_timestamp_response(raw)
    except Exception as exc:
        out["detail"] = f"unreadable token ({type(exc).__name__})"
        return out
    if response.tst_info.message_imprint.message != imprint_for(digest):
        out["detail"] = "the timestamp is for different contents"
        return out
    out["time"] = response.tst_info.gen_time.strftime("%Y-%m-%dT%H:%M:%SZ")
    roots = os.environ.get(CA_ENV, "").strip()
    if roots:
        from cryptography import x509

        try:
            builder = VerifierBuilder()
            for cert in x509.load_pem_x509_certificates(Path(roots).read_bytes()):
                builder = builder.add_root_certificate(cert)
            builder.build().verify_message(response, digest)
        except (VerificationError, ValueError, OSError) as exc:
            out["detail"] = f"signature not trusted ({exc})"[:300]
            return out
        out["chain"], out["ca"] = "verified", Path(roots).name
    out["ok"] = True
    return out
