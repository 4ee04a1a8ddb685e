"""GET /api/config, and the Stripe settings read at start-up."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient

from app.settings import PROJECT_ROOT, InvalidSetting, Settings


async def test_config_names_the_standin_when_no_stripe_key_is_set(client):
    response = await client.get("/api/config")
    assert response.status_code == 200, response.text
    assert response.json() == {"stripe_publishable_key": None, "payments": "standin"}


async def test_config_hands_out_the_publishable_key_with_stripe(settings, redis):
    from app.main import create_app

    configured = replace(settings, stripe_secret_key="sk_test_abc", stripe_publishable_key="pk_test_abc")
    async with AsyncTestClient(app=create_app(configured), timeout=30) as client:
        response = await client.get("/api/config")
    assert response.json() == {"stripe_publishable_key": "pk_test_abc", "payments": "stripe"}


def test_stripe_settings_from_the_environment():
    settings = Settings.from_env(
        {
            "STRIPE_SECRET_KEY": "sk_test_1",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_1",
            "STRIPE_WEBHOOK_SECRET": "whsec_1",
            "AUTO_COMPLETE_HOURS": "48",
            "INSTANT_PAYOUT_FEE_PERCENT": "2",
            "TEST_CLOCK": "1",
        }
    )
    assert (settings.stripe_secret_key, settings.stripe_publishable_key, settings.stripe_webhook_secret) == (
        "sk_test_1", "pk_test_1", "whsec_1",
    )  # fmt: skip
    assert (settings.auto_complete_hours, settings.instant_payout_fee_percent, settings.test_clock) == (48, 2, True)
    assert not settings.stripe_standin and settings.stripe_base_url is None  # Stripe itself


def test_without_a_key_the_standin_is_used_at_its_port_unless_a_base_is_given():
    defaults = Settings.from_env({})
    assert (defaults.stripe_standin, defaults.stripe_base_url, defaults.test_clock) == (
        True, "http://127.0.0.1:12111", False,
    )  # fmt: skip
    assert (defaults.auto_complete_hours, defaults.instant_payout_fee_percent) == (24, 1)
    assert Settings.from_env({"STRIPE_STANDIN_PORT": "9"}).stripe_base_url == "http://127.0.0.1:9"
    assert Settings.from_env({"STRIPE_API_BASE": "http://x:1"}).stripe_base_url == "http://x:1"


@pytest.mark.parametrize(
    "env",
    [
        {"TEST_CLOCK": "1", "STRIPE_SECRET_KEY": "sk_live_51abc"},
        {"TEST_CLOCK": "yes"},
        {"INSTANT_PAYOUT_FEE_PERCENT": "101"},
        {"AUTO_COMPLETE_HOURS": "a day"},
    ],
)
def test_settings_that_cannot_mean_anything_are_refused(env):
    with pytest.raises(InvalidSetting):
        Settings.from_env(env)


def test_a_live_key_and_the_test_clock_stop_the_process_at_start_up(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path), "TEST_CLOCK": "1", "STRIPE_SECRET_KEY": "sk_live_x"}
    done = subprocess.run(
        [sys.executable, "-m", "app", "serve"], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "TEST_CLOCK=1 is refused with a live Stripe key" in done.stderr
    # A test key is fine with the test clock.
    assert Settings.from_env({"TEST_CLOCK": "1", "STRIPE_SECRET_KEY": "sk_test_x"}).test_clock
