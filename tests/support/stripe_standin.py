"""The Stripe stand-in for tests: one process per test session, switches reset before each test,
and a StripeClient built as the product builds it (async httpx client, the stand-in's base URL).

Use it from a conftest.py (fixtures are found by name once imported there):

    from tests.support.stripe_standin import stripe_client, stripe_standin, stripe_standin_process  # noqa: F401

    async def test_authorization(stripe_client, stripe_standin):
        pi = await stripe_client.v1.payment_intents.create_async({...})
        assert len(stripe_standin.state()["authorizations"]) == 1
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import stripe

from standins.stripe.launch import RunningStandin, start_stripe_standin

STANDIN_API_KEY = "sk_test_standin"
STANDIN_WEBHOOK_SECRET = "whsec_standin_test"


def stripe_client_for(
    base_url: str, api_key: str = STANDIN_API_KEY, http_client: stripe.HTTPXClient | None = None
) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": base_url, "connect": base_url, "files": base_url},
        http_client=http_client or stripe.HTTPXClient(),
    )


@pytest.fixture(scope="session")
def stripe_standin_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStandin]:
    data_dir: Path = tmp_path_factory.mktemp("stripe-standin")
    with start_stripe_standin(data_dir, webhook_secret=STANDIN_WEBHOOK_SECRET) as standin:
        yield standin


@pytest.fixture
def stripe_standin(stripe_standin_process: RunningStandin) -> RunningStandin:
    """The session's stand-in with every switch at its default, its clock at real time, no webhook
    endpoint and no delivery left over; its state (objects, events) carries over between tests, so
    assert on the objects a test made."""
    stripe_standin_process.control("POST", "config/reset")
    stripe_standin_process.control("POST", "clock", offset_seconds=0)
    stripe_standin_process.control("POST", "webhooks/discard")
    stripe_standin_process.configure(webhook_url=None, webhook_secret=STANDIN_WEBHOOK_SECRET)
    return stripe_standin_process


@pytest.fixture
async def stripe_client(stripe_standin: RunningStandin) -> AsyncIterator[stripe.StripeClient]:
    http_client = stripe.HTTPXClient()
    yield stripe_client_for(stripe_standin.base_url, http_client=http_client)
    await http_client.close_async()
