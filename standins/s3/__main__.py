"""python -m standins.s3 --host 127.0.0.1 --port 9000 [--secret-key test]: moto's S3 in server mode
(in memory), refusing expired or mis-signed presigned requests as S3 does."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

from standins.s3.presigned import refusal


class PresignedChecks:
    def __init__(self, app: Any, secret_key: str) -> None:
        self.app, self.secret_key = app, secret_key

    def __call__(self, environ: dict, start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") == "OPTIONS":
            # A browser's CORS preflight carries the presigned query but no signature of its own; S3
            # answers it from the bucket's CORS rules alone (moto would check the query's signature).
            environ = {**environ, "QUERY_STRING": "", "RAW_URI": environ.get("RAW_URI", "").split("?", 1)[0]}
            return self.app(environ, start_response)
        refused = refusal(environ, self.secret_key)
        if refused is None:
            return self.app(environ, start_response)
        code, message = refused
        body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'
        start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
        return [body.encode()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m standins.s3", description="A local S3-compatible server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret-key", default="test", help="the S3_SECRET_KEY presigned URLs are signed with")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = PresignedChecks(DomainDispatcherApplication(create_backend_app), args.secret_key)
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
