"""What S3 checks on a presigned (query-string SigV4) request and moto does not: that it has not
expired and that its signature covers this method, path, query and the signed headers' values (so a
PUT whose Content-Type or Content-Length differs from the presigned one is refused, as by S3)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

ALGORITHM = "AWS4-HMAC-SHA256"


def refusal(environ: dict, secret_key: str, now: datetime | None = None) -> tuple[str, str] | None:
    """(code, message) when the request carries a presigned signature S3 would refuse; None otherwise."""
    query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    params = dict(query)
    if params.get("X-Amz-Algorithm") != ALGORITHM or "X-Amz-Signature" not in params:
        return None
    try:
        signed_at = datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        expires = int(params["X-Amz-Expires"])
        scope = params["X-Amz-Credential"].split("/", 1)[1]
        signed_headers = params["X-Amz-SignedHeaders"].split(";")
    except (KeyError, ValueError, IndexError):
        return "AuthorizationQueryParametersError", "Malformed presigned URL"
    if (now or datetime.now(UTC)) > signed_at + timedelta(seconds=expires):
        return "AccessDenied", "Request has expired"
    expected = _signature(environ, query, signed_headers, scope, params, secret_key)
    if not hmac.compare_digest(expected, params["X-Amz-Signature"]):
        return "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided"
    return None


def _signature(environ: dict, query: list, signed_headers: list[str], scope: str, params: dict, secret: str) -> str:
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query) if k != "X-Amz-Signature"
    )
    headers = "".join(f"{name}:{' '.join(_header(environ, name).split())}\n" for name in signed_headers)
    path = quote(environ.get("RAW_URI", environ.get("PATH_INFO", "/")).split("?", 1)[0], safe="/-_.~%")
    canonical = "\n".join(
        [environ["REQUEST_METHOD"], path, canonical_query, headers, ";".join(signed_headers), "UNSIGNED-PAYLOAD"]
    )
    to_sign = "\n".join([ALGORITHM, params["X-Amz-Date"], scope, hashlib.sha256(canonical.encode()).hexdigest()])
    date, region, service, _ = scope.split("/")
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _header(environ: dict, name: str) -> str:
    if name == "content-type":
        return environ.get("CONTENT_TYPE", "")
    if name == "content-length":
        return environ.get("CONTENT_LENGTH", "")
    return environ.get("HTTP_" + name.upper().replace("-", "_"), "")
