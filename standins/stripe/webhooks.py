"""Webhook delivery: every event is POSTed to the configured endpoint, signed as Stripe signs
(`Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`), one delivery at a time in
order (`webhook_concurrency` > 1 sends several at once), retried with exponential backoff while the
endpoint fails (anything but a 2xx).

Switches (core.DEFAULTS): `webhook_duplicates` delivers each event N times; `webhook_hold` keeps
new events back until `release(order="reversed")` lets them go in the order asked for.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import time

import httpx

from standins.stripe.core import Standin


def signature_header(payload: str, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def release(standin: Standin, order: str = "created") -> int:
    """Held deliveries become due in event order or its reverse (`order="reversed"`)."""
    db = standin.store.db
    direction = "DESC" if order == "reversed" else "ASC"
    rows = db.execute(f"SELECT seq FROM deliveries WHERE state = 'held' ORDER BY seq {direction}").fetchall()
    with standin.store.transaction():
        for position, (seq,) in enumerate(rows):
            db.execute("UPDATE deliveries SET state = 'pending', due_at = ? WHERE seq = ?", (position * 1e-6, seq))
    standin.webhooks_wake.set()
    return len(rows)


def discard(standin: Standin) -> int:
    with standin.store.transaction():
        return standin.store.db.execute(
            "UPDATE deliveries SET state = 'discarded' WHERE state IN ('held', 'pending')"
        ).rowcount


def counts(standin: Standin) -> dict[str, int]:
    rows = standin.store.db.execute("SELECT state, COUNT(*) FROM deliveries GROUP BY state").fetchall()
    return {"held": 0, "pending": 0, "delivered": 0, "failed": 0, **dict(rows)}


def deliveries(standin: Standin) -> list[dict[str, object]]:
    rows = standin.store.db.execute(
        "SELECT d.seq, d.event_id, json_extract(o.data, '$.type'), d.state, d.attempts, d.last_status "
        "FROM deliveries d JOIN objects o ON o.id = d.event_id ORDER BY d.seq"
    ).fetchall()
    keys = ("seq", "event_id", "type", "state", "attempts", "last_status")
    return [dict(zip(keys, row, strict=True)) for row in rows]


async def flush(standin: Standin, within: float) -> dict[str, int]:
    """Wait until nothing due is left (held deliveries stay held), for at most `within` seconds."""
    deadline = time.monotonic() + within
    while counts(standin)["pending"] and time.monotonic() < deadline:  # noqa: ASYNC110 (polls the store)
        await asyncio.sleep(0.02)
    return counts(standin)


class WebhookSender:
    """Sends due deliveries, at most `webhook_concurrency` at once (1, the default, keeps order)."""

    def __init__(self, standin: Standin) -> None:
        self.standin = standin
        self.in_flight: set[int] = set()

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            tasks: set[asyncio.Task[None]] = set()
            try:
                while True:
                    limit = max(1, int(self.standin.setting("webhook_concurrency")))
                    due = self._next_due() if len(self.in_flight) < limit else None
                    if due is not None:
                        self.in_flight.add(due[0])
                        task = asyncio.create_task(self._deliver(client, *due))
                        tasks.add(task)
                        task.add_done_callback(functools.partial(self._finished, tasks, due[0]))
                        continue
                    self.standin.webhooks_wake.clear()
                    try:
                        await asyncio.wait_for(self.standin.webhooks_wake.wait(), timeout=self._seconds_to_next())
                    except TimeoutError:
                        pass
            finally:
                for task in tasks:
                    task.cancel()

    def _finished(self, tasks: set[asyncio.Task[None]], seq: int, task: asyncio.Task[None]) -> None:
        tasks.discard(task)
        self.in_flight.discard(seq)
        self.standin.webhooks_wake.set()

    def _next_due(self) -> tuple[int, str, int] | None:
        busy = ",".join(str(seq) for seq in self.in_flight) or "0"
        return self.standin.store.db.execute(
            "SELECT seq, event_id, attempts FROM deliveries WHERE state = 'pending' AND due_at <= ? "
            f"AND seq NOT IN ({busy}) ORDER BY due_at, seq LIMIT 1",
            (time.time(),),
        ).fetchone()

    def _seconds_to_next(self) -> float:
        row = self.standin.store.db.execute("SELECT MIN(due_at) FROM deliveries WHERE state = 'pending'").fetchone()
        return 1.0 if row[0] is None else min(1.0, max(0.005, row[0] - time.time()))

    async def _deliver(self, client: httpx.AsyncClient, seq: int, event_id: str, attempts: int) -> None:
        url, secret = self.standin.setting("webhook_url"), self.standin.setting("webhook_secret") or ""
        payload = self.standin.store.db.execute("SELECT data FROM objects WHERE id = ?", (event_id,)).fetchone()[0]
        status = None
        if url:
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": signature_header(payload, secret),
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            }
            try:
                status = (await client.post(url, content=payload.encode(), headers=headers)).status_code
            except httpx.HTTPError:
                status = None
        attempts += 1
        if status is not None and 200 <= status < 300:
            state, due_at = "delivered", 0.0
        elif attempts >= int(self.standin.setting("webhook_max_attempts")):
            state, due_at = "failed", 0.0
        else:
            backoff = int(self.standin.setting("webhook_retry_base_ms")) / 1000 * 2 ** (attempts - 1)
            state, due_at = "pending", time.time() + backoff
        with self.standin.store.transaction():
            self.standin.store.db.execute(
                "UPDATE deliveries SET state = ?, attempts = ?, due_at = ?, last_status = ? WHERE seq = ?",
                (state, attempts, due_at, status, seq),
            )
