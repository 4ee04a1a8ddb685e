"""python -m standins.stripe --host 127.0.0.1 --port 12111 --data-dir DIR [--webhook-url URL --webhook-secret S]"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import uvicorn

from standins.stripe.server import StripeStandinApp


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m standins.stripe", description="A local Stripe API stand-in.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--data-dir", type=Path, required=True, help="where its state (stripe.sqlite3) is kept")
    parser.add_argument("--webhook-url", help="where events are POSTed (also settable at run time)")
    parser.add_argument("--webhook-secret", help="the whsec_… the platform verifies Stripe-Signature with")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    app = StripeStandinApp(args.data_dir, args.webhook_url, args.webhook_secret)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, lifespan="on")


if __name__ == "__main__":
    main()
