"""One TLS context per process for the httpx clients we open now and then: without it httpx builds
one and loads the CA bundle for every client (20-40 ms of CPU each time, on the event loop)."""

from __future__ import annotations

import ssl
from functools import cache
from typing import Any

import certifi
import httpx


@cache
def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())  # what httpx would build


def http_client(**options: Any) -> httpx.AsyncClient:
    """httpx.AsyncClient(**options) on the shared TLS context."""
    return httpx.AsyncClient(verify=tls_context(), **options)
