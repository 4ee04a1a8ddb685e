"""The Stripe stand-in's fixtures, and a tiny webhook endpoint that verifies what it receives with
the SDK's own `stripe.Webhook.construct_event`."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import stripe

from standins.stripe.launch import RunningStandin

# The stand-in fixtures themselves come from tests/conftest.py: one stand-in per session.
from tests.support.stripe_standin import STANDIN_WEBHOOK_SECRET


@dataclass
class WebhookReceiver:
    """Answers each delivery with the next of `statuses` (then 200) and keeps the verified events."""

    url: str = ""
    events: list[stripe.Event] = field(default_factory=list)
    bad_signatures: int = 0
    statuses: list[int] = field(default_factory=list)
    delay_seconds: float = 0.0  # a slow endpoint
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, within: float = 10.0) -> list[stripe.Event]:
        deadline = time.monotonic() + within
        while len(self.events) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.events)

    def of_type(self, event_type: str) -> list[stripe.Event]:
        return [event for event in self.events if event.type == event_type]

    def wait_for_type(self, event_type: str, count: int = 1, within: float = 10.0) -> list[stripe.Event]:
        deadline = time.monotonic() + within
        while len(self.of_type(event_type)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.of_type(event_type)


def _handler_for(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            payload = self.rfile.read(int(self.headers["Content-Length"])).decode()
            time.sleep(receiver.delay_seconds)
            with receiver.lock:
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200:
                    try:
                        event = stripe.Webhook.construct_event(
                            payload, self.headers.get("Stripe-Signature", ""), STANDIN_WEBHOOK_SECRET
                        )
                        receiver.events.append(event)
                    except stripe.SignatureVerificationError:
                        receiver.bad_signatures += 1
                        status = 400
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"received": status == 200}).encode())

        def log_message(self, *_: Any) -> None:
            pass

    return Handler


@contextmanager
def running_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(receiver))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/webhook"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def webhook_receiver(stripe_standin: RunningStandin) -> Iterator[WebhookReceiver]:
    with running_receiver() as receiver:
        stripe_standin.configure(webhook_url=receiver.url, webhook_retry_base_ms=20)
        yield receiver
        stripe_standin.configure(webhook_url=None)
