"""The front-door gate for money-moving requests (app/core/admission.py): N inside at once, the rest
served in arrival order, refused as `503 busy` when the queue is full or the wait too long; and every
route it holds documents that 503. Against real servers: tests/payments/test_checkout_admission.py."""

from __future__ import annotations

import asyncio

import pytest

from app.core.admission import BUSY_DESCRIPTION, MONEY_MOVING, Admission
from app.core.errors import ApiError


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def finish(*tasks: asyncio.Task) -> None:
    """The tasks end (a place lost by the gate would leave one waiting for ever)."""
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5)


def holder(gate: Admission, name: str, order: list[str], release: asyncio.Event) -> asyncio.Task:
    async def hold() -> None:
        async with gate.admitted():
            order.append(name)
            await release.wait()

    return asyncio.create_task(hold(), name=name)


async def test_places_go_to_waiters_in_arrival_order_and_never_more_than_the_limit():
    gate = Admission(limit=2, max_waiting=10, max_wait_seconds=30)
    order: list[str] = []
    releases = {name: asyncio.Event() for name in "abcde"}
    tasks = {}
    for name in "abcde":
        tasks[name] = holder(gate, name, order, releases[name])
        await settle()

    assert (order, gate.inside, gate.waiting) == (["a", "b"], 2, 3)
    for name, admitted in (("b", "abc"), ("a", "abcd"), ("d", "abcde")):
        releases[name].set()
        await settle()
        assert "".join(order) == admitted
        assert gate.inside == 2
    releases["c"].set()
    releases["e"].set()
    await finish(*tasks.values())
    assert (gate.inside, gate.waiting) == (0, 0)


async def test_a_full_queue_is_refused_at_once_as_busy_with_retry_after():
    gate = Admission(limit=1, max_waiting=1, max_wait_seconds=30)
    release = asyncio.Event()
    order: list[str] = []
    first, second = holder(gate, "first", order, release), holder(gate, "second", order, release)
    await settle()

    with pytest.raises(ApiError) as refused:
        async with gate.admitted():
            order.append("third")

    assert (refused.value.status_code, refused.value.code) == (503, "busy")
    assert int(refused.value.headers["Retry-After"]) > 0
    assert (gate.inside, gate.waiting) == (1, 1), "the refusal took no place and left the queue as it was"
    release.set()
    await finish(first, second)
    assert order == ["first", "second"]


async def test_a_wait_past_the_bound_is_busy_and_its_place_in_the_queue_goes_to_the_next():
    gate = Admission(limit=1, max_waiting=5, max_wait_seconds=0.05)
    release = asyncio.Event()
    order: list[str] = []
    first = holder(gate, "first", order, release)
    await settle()

    with pytest.raises(ApiError) as refused:
        async with gate.admitted():
            order.append("too late")

    assert refused.value.code == "busy"
    assert (gate.inside, gate.waiting) == (1, 0)
    gate.max_wait_seconds = 30
    patient = holder(gate, "patient", order, release)
    await settle()
    release.set()
    await finish(first, patient)
    assert order == ["first", "patient"]
    assert (gate.inside, gate.waiting) == (0, 0)


async def test_a_waiter_whose_client_went_away_leaves_the_queue():
    gate = Admission(limit=1, max_waiting=5, max_wait_seconds=30)
    release = asyncio.Event()
    order: list[str] = []
    first, gone, last = (holder(gate, name, order, release) for name in ("first", "gone", "last"))
    await settle()
    assert gate.waiting == 2

    gone.cancel()
    await settle()

    assert gate.waiting == 1
    release.set()
    await finish(first, last)
    assert order == ["first", "last"]
    assert (gate.inside, gate.waiting) == (0, 0)


async def test_a_waiter_handed_a_place_as_it_gives_up_passes_the_place_on():
    gate = Admission(limit=1, max_waiting=5, max_wait_seconds=30)
    release = asyncio.Event()
    order: list[str] = []
    first = gate.admitted()
    await first.__aenter__()
    unlucky, last = holder(gate, "unlucky", order, release), holder(gate, "last", order, release)
    await settle()

    await first.__aexit__(None, None, None)  # hands the place to `unlucky`, which has not run yet...
    unlucky.cancel()  # ...and is cancelled before it does
    release.set()
    await finish(last, unlucky)

    assert order == ["last"]
    assert (gate.inside, gate.waiting) == (0, 0)


async def test_every_money_moving_route_is_a_documented_operation_whose_503_names_busy(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    undocumented = [
        (method, path)
        for method, path in sorted(MONEY_MOVING)
        if BUSY_DESCRIPTION
        not in paths.get(path, {}).get(method.lower(), {}).get("responses", {}).get("503", {}).get("description", "")
    ]

    assert undocumented == []
    elsewhere = [
        (method, path)
        for path, item in paths.items()
        for method, operation in item.items()
        if (method.upper(), path) not in MONEY_MOVING
        and BUSY_DESCRIPTION in operation.get("responses", {}).get("503", {}).get("description", "")
    ]
    assert elsewhere == [], "only the gated routes answer busy"
    assert ("POST", "/api/payments/webhook") not in MONEY_MOVING, "Stripe's deliveries are never held"
