"""Events: retrieve and list (newest first, by `type`), as the platform reads them to reconcile."""

from __future__ import annotations

from typing import Any

from standins.stripe.core import Call, list_page
from standins.stripe.errors import no_such


def retrieve_event(call: Call, id: str) -> dict[str, Any]:
    call.params.done()
    event = call.store.get(id, call.account)
    if event is None or event["object"] != "event":
        raise no_such("event", id)
    return event


def list_events(call: Call) -> dict[str, Any]:
    return list_page(call, "/v1/events", "event", type=call.params.str("type"))


ROUTES = [
    ("GET", "/v1/events", list_events),
    ("GET", "/v1/events/{id}", retrieve_event),
]
