"""This process's event-loop lag as a Prometheus histogram (`instainstru_event_loop_lag_seconds`).

A task asks the loop to wake it every INTERVAL_SECONDS and records how much later than asked it
woke: how long anything ready at that moment (a request, a Stripe answer, a websocket frame)
waited for the loop. Read on wall-clock time (perf_counter): uvloop's timers tick in whole
milliseconds, so an idle loop shows up to ~1 ms. Started by the web lifespan.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from prometheus_client import Histogram

INTERVAL_SECONDS = 0.02
loop_lag = Histogram(
    "instainstru_event_loop_lag_seconds",
    "How late a timer of this process's event loop fired (sampled every 20 ms)",
    buckets=(0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)


async def measure_loop_lag(interval: float = INTERVAL_SECONDS) -> None:
    """Runs until cancelled."""
    while True:
        asked = time.perf_counter()
        await asyncio.sleep(interval)
        loop_lag.observe(max(0.0, time.perf_counter() - asked - interval))


def start_measuring() -> asyncio.Task[None]:
    return asyncio.create_task(measure_loop_lag(), name="event-loop-lag")


async def stop_measuring(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
