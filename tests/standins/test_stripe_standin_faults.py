"""The `fail_next` switch through the real SDK: Stripe's 500/503/429 answers, nothing changed or
kept under the idempotency key, the SDK's own retries (none by default for a StripeClient, two in
the product's client) each taking one fault, the path prefix, and the reset."""

from __future__ import annotations

import uuid

import httpx
import pytest
import stripe

from standins.stripe.launch import RunningStandin
from tests.support.stripe_standin import STANDIN_API_KEY

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")


@pytest.fixture
async def product_like_client(stripe_standin: RunningStandin):
    """Built as app/payments/stripe_api.py builds its client: the SDK retries 5xx twice itself."""
    http_client = stripe.HTTPXClient()
    base = stripe_standin.base_url
    yield stripe.StripeClient(
        STANDIN_API_KEY,
        base_addresses={"api": base, "connect": base, "files": base},
        http_client=http_client,
        max_network_retries=2,
    )
    await http_client.close_async()


def faults_left(standin: RunningStandin) -> int:
    return standin.control("GET", "config")["fail_next"]["count"]


def intents_of(standin: RunningStandin, run: str) -> list[dict]:
    return [pi for pi in standin.state()["payment_intents"] if pi["metadata"].get("run") == run]


def authorize(client: stripe.StripeClient, run: str):
    params = {"amount": 6000, "currency": "usd", "payment_method": "pm_card_visa", "capture_method": "manual"}
    params |= {"confirm": True, "metadata": {"run": run}}
    return client.v1.payment_intents.create_async(params, {"idempotency_key": f"booking:{run}:authorize:1"})


@pytest.mark.parametrize("status", [500, 503])
async def test_a_5xx_is_an_api_error_with_nothing_made_and_the_same_key_then_runs(
    stripe_client: stripe.StripeClient, stripe_standin: RunningStandin, status: int
):
    run = uuid.uuid4().hex
    stripe_standin.configure(fail_next={"count": 1, "status": status})

    with pytest.raises(stripe.APIError) as failed:
        await authorize(stripe_client, run)

    assert (failed.value.http_status, failed.value.error.type) == (status, "api_error")
    assert "stripe-should-retry" not in failed.value.headers
    assert faults_left(stripe_standin) == 0, "a StripeClient makes no retries of its own by default"
    assert intents_of(stripe_standin, run) == []
    intent = await authorize(stripe_client, run)
    assert intent.status == "requires_capture"
    assert intent.last_response.headers.get("idempotent-replayed") is None, "the fault was not kept under the key"
    assert [pi["id"] for pi in intents_of(stripe_standin, run)] == [intent.id]


async def test_the_products_client_retries_a_500_twice_with_the_same_key(
    product_like_client: stripe.StripeClient, stripe_standin: RunningStandin
):
    run = uuid.uuid4().hex
    stripe_standin.configure(fail_next={"count": 5, "status": 500})
    with pytest.raises(stripe.APIError):
        await authorize(product_like_client, run)
    assert faults_left(stripe_standin) == 2, "the call and its two retries"
    assert intents_of(stripe_standin, run) == []

    stripe_standin.configure(fail_next={"count": 2, "status": 500})
    intent = await authorize(product_like_client, run)
    assert faults_left(stripe_standin) == 0
    assert intent.status == "requires_capture", "the second retry got through"
    assert [pi["id"] for pi in intents_of(stripe_standin, run)] == [intent.id]


async def test_a_429_is_a_rate_limit_error_that_the_sdk_does_not_retry(
    product_like_client: stripe.StripeClient, stripe_standin: RunningStandin
):
    run = uuid.uuid4().hex
    stripe_standin.configure(fail_next={"count": 3, "status": 429})

    with pytest.raises(stripe.RateLimitError) as limited:
        await authorize(product_like_client, run)

    assert limited.value.http_status == 429
    assert (limited.value.error.type, limited.value.error.code) == ("rate_limit_error", "rate_limit")
    assert limited.value.headers["stripe-rate-limited-reason"] == "global-rate"
    assert faults_left(stripe_standin) == 2
    assert intents_of(stripe_standin, run) == []


async def test_a_path_prefix_fails_only_those_calls(stripe_client: stripe.StripeClient, stripe_standin: RunningStandin):
    run = uuid.uuid4().hex
    stripe_standin.configure(fail_next={"count": 1, "status": 503, "path_prefix": "/v1/payment_intents"})

    customer = await stripe_client.v1.customers.create_async({"metadata": {"run": run}})
    await stripe_client.v1.customers.retrieve_async(customer.id)
    assert faults_left(stripe_standin) == 1, "other paths pass and take no fault"
    with pytest.raises(stripe.APIError):
        await authorize(stripe_client, run)
    assert (await authorize(stripe_client, run)).status == "requires_capture"


async def test_the_reset_turns_it_off_and_a_malformed_switch_is_a_400(
    stripe_client: stripe.StripeClient, stripe_standin: RunningStandin
):
    stripe_standin.configure(fail_next={"count": 10, "status": 500})
    assert stripe_standin.control("POST", "config/reset")["fail_next"] is None
    await stripe_client.v1.customers.create_async({})

    async with httpx.AsyncClient(base_url=stripe_standin.base_url) as control:
        for bad in ({"count": 1, "status": 404}, {"count": -1, "status": 500}, {"count": 1}, {"n": 1, "status": 500}):
            refused = await control.post("/_standin/config", json={"fail_next": bad})
            assert refused.status_code == 400, bad
    assert stripe_standin.control("GET", "config")["fail_next"] is None
