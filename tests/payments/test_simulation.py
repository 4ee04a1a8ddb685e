"""The randomized money simulation (tests/payments/simulation.py), seeded and bounded: after random
bookings, cancels, reschedules, declines, duplicate and reordered webhooks and worker kills, the
audit reports nothing and every booking ends consistent with its payment. SIM_SEED / SIM_BOOKINGS
/ SIM_PACED override the defaults (bench/money_simulation.py runs it longer); the seed is in every failure."""

from __future__ import annotations

import os

import pytest

from tests.payments.simulation import Simulation

pytestmark = pytest.mark.usefixtures("stripe_standin")
SEED = int(os.environ.get("SIM_SEED", "11"))
BOOKINGS = int(os.environ.get("SIM_BOOKINGS", "20"))
PACED = os.environ.get("SIM_PACED", "1") == "1"  # 0: the clock outruns the worker's crons


async def test_a_seeded_random_simulation_leaves_every_cent_explained(live, http_factory, settings, stripe_standin):
    server = live("uvicorn", TEST_CLOCK="1")
    stripe_standin.configure(webhook_url=f"{server.url}/api/payments/webhook")
    simulation = Simulation(SEED, BOOKINGS, http_factory(server), settings, stripe_standin, paced=PACED)
    try:
        findings, broken = await simulation.run()
    except BaseException as exc:
        exc.add_note(f"simulation seed {SEED}, bookings {BOOKINGS}; last steps: {simulation.log[-15:]}")
        raise
    finally:
        stripe_standin.control("POST", "webhooks/discard")
        stripe_standin.configure(webhook_url=None)
    print(f"seed {SEED} bookings {BOOKINGS}: {dict(simulation.stats)}")
    assert (findings, broken) == ([], []), f"seed {SEED}, bookings {BOOKINGS}; steps: {simulation.log}"
