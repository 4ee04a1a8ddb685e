"""Browser-facing security headers on every HTTP response: pages, API, static files, errors, 404s.

Applied as a Litestar `before_send` hook, which sees every message the app sends (route middleware
never runs for unmatched paths, so a 404 would go without them).
"""

from __future__ import annotations

from litestar.types import Message, Scope

# The browser client: ES modules and one stylesheet from /static, no inline scripts or styles
# (dom.js sets style through CSSOM, which CSP allows), a data: favicon, REST and /ws on its own
# origin ('self' matches ws:/wss: of the same host in CSP Level 3 browsers). Object storage's origin
# is added to connect-src (the browser PUTs uploads there) and img-src (pictures are GET from it).
# With a publishable key the client loads Stripe.js, which needs the origins Stripe's CSP guide lists
# (its script, its card and 3-D Secure frames, its API); without one nothing of Stripe's is allowed.
APP_POLICY = (
    "default-src 'self'; script-src 'self'{stripe_script}; style-src 'self'; img-src 'self' data:{storage}; "
    "connect-src 'self'{storage}{stripe_connect}; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'{stripe_frames}"
)
STRIPE_JS = {
    "stripe_script": " https://js.stripe.com",
    "stripe_connect": " https://api.stripe.com",
    "stripe_frames": "; frame-src 'self' https://js.stripe.com https://hooks.stripe.com",
}
NO_STRIPE_JS = dict.fromkeys(STRIPE_JS, "")
# Litestar's schema viewers (Redoc by default; Swagger, Stoplight, RapiDoc) are inline bootstraps
# of scripts and styles from these CDNs; only the HTML viewer pages get this looser policy.
DOCS_CDNS = "https://cdn.jsdelivr.net https://unpkg.com https://cdn.redoc.ly"
DOCS_POLICY = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {DOCS_CDNS}; "
    f"style-src 'self' 'unsafe-inline' {DOCS_CDNS} https://fonts.googleapis.com; "
    f"font-src 'self' data: {DOCS_CDNS} https://fonts.gstatic.com; img-src 'self' data: https:; "
    "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
COMMON = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


class SecurityHeaders:
    """`before_send` hook; `docs_path` is the OpenAPI path, whose HTML viewers get DOCS_POLICY;
    `storage_origin` is object storage's (app.media.storage.storage_origin); `stripe_js`: the client
    loads Stripe.js (a publishable key is configured)."""

    def __init__(self, docs_path: str, storage_origin: str | None = None, stripe_js: bool = False) -> None:
        self.docs_path = docs_path.rstrip("/")
        storage = f" {storage_origin}" if storage_origin else ""
        policy = APP_POLICY.format(storage=storage, **(STRIPE_JS if stripe_js else NO_STRIPE_JS))
        self.app_headers = [(b"content-security-policy", policy.encode()), *COMMON]
        self.docs_headers = [(b"content-security-policy", DOCS_POLICY.encode()), *COMMON]
        self.names = {name for name, _ in self.app_headers}

    def headers_for(self, path: str) -> list[tuple[bytes, bytes]]:
        in_docs = path == self.docs_path or path.startswith(self.docs_path + "/")
        documents = path.endswith((".json", ".yaml", ".yml"))
        return self.docs_headers if in_docs and not documents else self.app_headers

    async def __call__(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = list(message.get("headers") or ())
        present = {bytes(name).lower() for name, _ in headers} & self.names
        headers.extend(h for h in self.headers_for(scope["path"]) if h[0] not in present)
        message["headers"] = headers
