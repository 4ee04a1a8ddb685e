"""Events: retrieve and list (newest first, by `type`), as the platform reads them to reconcile."""

from __future__ import annotations

from typing import Any

from standins.stripe.core import Call, list_object
from standins.stripe.errors import no_such


def retrieve_event(call: Call, id: str) -> dict[str, Any]:
    call.params.done()
    event = call.store.get(id, call.account)
    if event is None or event["object"] != "event":
        raise no_such("event", id)
    return event


def list_events(call: Call) -> dict[str, Any]:
    event_type = call.params.str("type")
    items = call.store.find("event", call.account, **({"type": event_type} if event_type else {}))
    result = list_object("/v1/events", items, call.params)
    call.params.done()
    return result


ROUTES = [
    ("GET", "/v1/events", list_events),
    ("GET", "/v1/events/{id}", retrieve_event),
]
