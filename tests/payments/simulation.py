"""A seeded, bounded money simulation through the real HTTP API, a live web server, the Stripe
stand-in's webhooks and a real arq worker subprocess, all on the shared test clock (TEST_CLOCK=1).

`Simulation(seed, bookings).run()` creates instructors onboarded through the stand-in's hosted page,
students with cards (some `pm_card_chargeDeclined` / `pm_card_authenticationRequired`, some with an
admin's goodwill credits), then, step by step: books lessons at random distances ahead (< 24 h and
days ahead), cancels (student or instructor), reschedules, adds a good card after a failure,
completes, moves the clock forward, flips the stand-in's duplicate / held-then-reversed webhook
switches and SIGKILLs and restarts the worker. At the end it moves the clock past every lesson,
waits until nothing is due and returns the audit's findings and the invariants broken.

Run by tests/payments/test_simulation.py (small N) and bench/money_simulation.py (long runs).
"""

from __future__ import annotations

import asyncio
import random
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.payments.test_earnings import audit, onboard, sql
from tests.payments.test_lifecycle import start_worker
from tests.support.accounts import PASSWORD, Account, Accounts
from tests.support.calendar import offer_piano, save_week

NY = ZoneInfo("America/New_York")
CARDS = ["pm_card_visa"] * 6 + ["pm_card_mastercard", "pm_card_chargeDeclined", "pm_card_authenticationRequired"]
FINAL = {  # (booking status, cancel outcome) -> the payment statuses it may end with
    ("completed", None): {"captured", "not_needed"},
    ("cancelled", "free"): {"released", "not_needed", "failed"},
    ("cancelled", "full_refund"): {"released", "refunded", "not_needed", "failed"},
    ("cancelled", "credit_refund"): {"captured", "not_needed", "failed"},
    ("cancelled", "charged_in_full"): {"captured", "not_needed", "failed"},
    ("cancelled", "payment_failed"): {"failed"},
}


@dataclass
class Simulation:
    seed: int
    bookings: int
    http: httpx.AsyncClient  # a live TEST_CLOCK=1 web server the stand-in delivers webhooks to
    settings: Any
    standin: Any  # RunningStandin
    instructors_n: int = 4
    students_n: int = 10
    worker_kills: int = 3
    # After each clock move, wait (up to 15 s) until the worker's crons have done what is due
    # (authorizations, failure deadlines, auto-completion, captures), as they would in real time.
    # False: the clock outruns them, as after a long worker outage (bench/README.md: a lesson whose
    # authorization fails in the same sweep that finds it due for auto-completion ends `completed`
    # with payment `failed`).
    paced: bool = True
    log: list[str] = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        # Long runs: more people, and open weeks for as far as the clock will go (~150 min a step).
        self.instructors_n = max(self.instructors_n, self.bookings // 25)
        self.students_n = max(self.students_n, self.bookings // 10)
        self.weeks = 3 + -(-max(self.bookings // 2, 8) * 150 // (60 * 168))
        self.worker: subprocess.Popen | None = None
        self.booked: dict[int, dict[str, Any]] = {}  # id -> {student, instructor, start}
        self.held = False

    def note(self, what: str) -> None:
        self.log.append(what)
        self.stats[what.split(" ")[0]] += 1

    # --- the platform -------------------------------------------------------------------------
    async def now(self) -> datetime:
        return datetime.fromisoformat((await self.http.get("/api/test/clock")).json()["now"])

    async def advance(self, minutes: int) -> None:
        response = await self.http.post(
            "/api/test/clock", json={"advance_minutes": minutes}, headers=self.admin.headers
        )
        assert response.status_code == 200, response.text
        self.note(f"clock +{minutes}m")
        if self.paced:
            deadline = time.monotonic() + 15
            while (due := await self.due()) and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.3)
            if due:
                self.note(f"late: still due after 15 s: {due}")

    async def due(self) -> dict[str, int]:
        """What the worker's crons should have done by the shared clock's now, by kind."""
        now = await self.now()
        rows = await sql(
            self.settings,
            "SELECT count(*) FILTER (WHERE p.status = 'failed' AND b.start_at - interval '12 hours' <= $1) AS unpaid, "
            "count(*) FILTER (WHERE p.status = 'scheduled' AND p.authorize_at <= $1) AS authorize, "
            "count(*) FILTER (WHERE b.end_at <= $1 - interval '24 hours') AS complete "
            "FROM bookings b JOIN payments p ON p.booking = b.id WHERE b.status = 'confirmed'",
            now,
        )
        return {kind: n for kind, n in dict(rows[0]).items() if n}

    def start_worker(self) -> None:
        self.worker = start_worker(self.settings)

    def kill_worker(self) -> None:
        assert self.worker is not None
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait()
        self.note("kill worker")
        self.start_worker()

    def stop_worker(self) -> None:
        if self.worker and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGTERM)
            try:
                self.worker.wait(20)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait()

    # --- set-up -------------------------------------------------------------------------------
    async def setup(self) -> None:
        accounts = Accounts(self.http)
        admin = await accounts.student(card=None, name="Sim Admin")
        await sql(self.settings, "UPDATE users SET role = 'admin' WHERE id = $1", admin.id)
        login = await self.http.post("/api/auth/login", json={"email": admin.email, "password": PASSWORD})
        self.admin = Account(admin.id, admin.email, admin.full_name, "admin", admin.timezone, login.json()["token"])
        today = datetime.now(NY).date()
        monday = today - timedelta(days=today.weekday())
        self.instructors: list[tuple[Account, int]] = []
        for _ in range(self.instructors_n):
            instructor = await accounts.instructor()
            service_id = await offer_piano(self.http, instructor)
            response = await self.http.put(
                "/api/instructors/me/availability/settings", json={"min_notice_minutes": 0}, headers=instructor.headers
            )
            assert response.status_code == 200, response.text
            for week in range(self.weeks):
                start = monday + timedelta(weeks=week)
                days = {(start + timedelta(days=d)).isoformat(): [{"start": "07:00", "end": "21:00"}] for d in range(7)}
                await save_week(self.http, instructor, instructor, start, days)
            await onboard(self.http, self.settings, instructor)
            self.instructors.append((instructor, service_id))
        del response
        self.students: list[Account] = []
        for _ in range(self.students_n):
            student = await accounts.student(card=self.rng.choice(CARDS))
            if self.rng.random() < 0.3:
                cents = self.rng.choice([1000, 3000, 6000, 9000])
                response = await self.http.post(
                    f"/api/admin/users/{student.id}/credits",
                    json={"amount_cents": cents, "reason": "Goodwill"}, headers=self.admin.headers,
                )  # fmt: skip
                assert response.status_code == 201, response.text
            self.students.append(student)

    # --- actions ------------------------------------------------------------------------------
    def random_start(self, now: datetime) -> datetime:
        ahead = self.rng.choice([self.rng.uniform(2, 23), self.rng.uniform(25, 24 * 6)])
        local = (now + timedelta(hours=ahead)).astimezone(NY)
        local = local.replace(hour=self.rng.randint(7, 19), minute=self.rng.choice([0, 30]), second=0, microsecond=0)
        return local if local > now + timedelta(minutes=30) else local + timedelta(days=1)

    async def book(self) -> None:
        student = self.rng.choice(self.students)
        instructor, service_id = self.rng.choice(self.instructors)
        start = self.random_start(await self.now())
        body = {"instructor_id": instructor.id, "service_id": service_id, "start": start.isoformat(),
                "duration_minutes": self.rng.choice([30, 60])}  # fmt: skip
        response = await self.http.post("/api/bookings", json=body, headers=student.headers)
        if response.status_code == 201:
            self.booked[response.json()["id"]] = {"student": student, "instructor": instructor}
            self.note(f"book {response.json()['id']}")
        else:
            assert response.status_code in (402, 409), response.text
            self.note(f"refused {response.status_code}")

    def live_booking(self) -> tuple[int, dict[str, Any]] | None:
        return self.rng.choice(list(self.booked.items())) if self.booked else None

    async def cancel(self) -> None:
        if picked := self.live_booking():
            booking_id, b = picked
            who = b["student"] if self.rng.random() < 0.7 else b["instructor"]
            response = await self.http.post(f"/api/bookings/{booking_id}/cancel", json={}, headers=who.headers)
            assert response.status_code in (200, 409), response.text
            self.note(f"cancel {booking_id} by {who.role} -> {response.status_code}")

    async def reschedule(self) -> None:
        if picked := self.live_booking():
            booking_id, b = picked
            who = b["student"] if self.rng.random() < 0.6 else b["instructor"]
            start = self.random_start(await self.now())
            response = await self.http.post(
                f"/api/bookings/{booking_id}/reschedule", json={"start": start.isoformat()}, headers=who.headers
            )
            assert response.status_code in (200, 402, 409, 400), response.text
            self.note(f"reschedule {booking_id} -> {response.status_code}")

    async def complete(self) -> None:
        if picked := self.live_booking():
            booking_id, b = picked
            response = await self.http.post(f"/api/bookings/{booking_id}/complete", headers=b["instructor"].headers)
            assert response.status_code in (200, 409, 403, 400), response.text
            self.note(f"complete {booking_id} -> {response.status_code}")

    async def new_card(self) -> None:
        failed = await sql(
            self.settings, 'SELECT DISTINCT b.student FROM payments p JOIN bookings b ON b.id = p.booking '
            "WHERE p.status = 'failed' AND b.status = 'confirmed'",
        )  # fmt: skip
        if failed:
            students = {s.id: s for s in self.students}
            student = students.get(self.rng.choice(failed)["student"])
            if student is None:
                return
            card = self.rng.choice(["pm_card_visa", "pm_card_visa", "pm_card_chargeDeclined"])
            response = await self.http.post(
                "/api/me/payment-methods", json={"payment_method_id": card}, headers=student.headers
            )
            assert response.status_code == 201, response.text
            self.note(f"card {student.id} {card}")

    def webhooks(self, **switches: Any) -> None:
        self.standin.control("POST", "config", **switches)

    async def flip_webhooks(self) -> None:
        if self.held:
            self.webhooks(webhook_hold=False)
            self.standin.control("POST", "webhooks/release", order=self.rng.choice(["reversed", "created"]))
            self.held = False
            self.note("webhooks released")
        elif self.rng.random() < 0.5:
            self.webhooks(webhook_hold=True)
            self.held = True
            self.note("webhooks held")
        else:
            self.webhooks(webhook_duplicates=self.rng.choice([1, 2, 3]))
            self.note("webhooks duplicates")

    # --- the run ------------------------------------------------------------------------------
    async def run(self) -> tuple[list[str], list[str]]:
        """Returns (audit findings, invariants broken); both empty when every cent adds up."""
        await self.setup()
        self.start_worker()
        try:
            steps = max(self.bookings // 2, 8)
            kills = sorted(self.rng.sample(range(1, steps), min(self.worker_kills, steps - 1)))
            made = 0
            for step in range(steps):
                for _ in range(2 if made < self.bookings else 0):
                    await self.book()
                    made += 1
                for _ in range(self.rng.randint(0, 3)):
                    await self.rng.choice([self.cancel, self.reschedule, self.complete, self.new_card, self.cancel])()
                if self.rng.random() < 0.2:
                    await self.flip_webhooks()
                if step in kills:
                    self.kill_worker()
                await self.advance(self.rng.choice([30, 60, 120, 180, 360]))
                await asyncio.sleep(self.rng.uniform(0, 0.3))
            return await self.settle()
        finally:
            self.stop_worker()

    async def settle(self) -> tuple[list[str], list[str]]:
        if self.held:
            self.webhooks(webhook_hold=False)
            self.standin.control("POST", "webhooks/release", order="reversed")
        self.webhooks(webhook_duplicates=1)
        last = (await sql(self.settings, "SELECT max(end_at) AS t FROM bookings"))[0]["t"]
        while last and await self.now() < last + timedelta(hours=27):
            await self.advance(6 * 60)
            await asyncio.sleep(0.5)
        await self.advance(60)  # leases of killed jobs run out
        deadline = time.monotonic() + 60
        while (busy := await self.in_flight()) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        self.standin.control("POST", "webhooks/flush", timeout_seconds=10)
        await asyncio.sleep(1)
        broken = [f"still in flight: {busy}"] if busy else []
        return await audit(self.settings), broken + await self.invariants()

    async def in_flight(self) -> dict[str, int]:
        rows = await sql(
            self.settings,
            "SELECT (SELECT count(*) FROM bookings WHERE status IN ('confirmed', 'held')) AS live, "
            "(SELECT count(*) FROM payments WHERE status IN ('scheduled', 'authorized') "
            "   OR capture_due_at IS NOT NULL) AS payments, "
            "(SELECT count(*) FROM earnings WHERE status <> 'transferred') AS earnings",
        )
        return {k: v for k, v in dict(rows[0]).items() if v}

    async def invariants(self) -> list[str]:
        broken = []
        rows = await sql(
            self.settings,
            "SELECT b.id, b.status, b.cancel_outcome, p.status AS paid, p.card_amount_cents, p.payment_intent_id "
            "FROM bookings b JOIN payments p ON p.booking = b.id",
        )
        for row in rows:
            allowed = FINAL.get((row["status"], row["cancel_outcome"]))
            if allowed is None or row["paid"] not in allowed:
                broken.append(
                    f"booking {row['id']}: {row['status']}/{row['cancel_outcome']} with payment {row['paid']}"
                )
        negative = await sql(self.settings, 'SELECT "user", balance_cents FROM credit_balances WHERE balance_cents < 0')
        broken += [f"user {r['user']}: credit balance {r['balance_cents']}" for r in negative]
        state = self.standin.state()  # the session's stand-in: only our customers' objects are ours
        customers = {r["customer_id"] for r in await sql(self.settings, "SELECT customer_id FROM stripe_customers")}
        intents = [pi for pi in state["payment_intents"] if pi["customer"] in customers]
        holding = Counter(
            (pi.get("metadata") or {}).get("booking_id")
            for pi in intents
            if pi["status"] in ("requires_capture", "succeeded")
        )
        booking_of = {pi["id"]: (pi.get("metadata") or {}).get("booking_id") for pi in intents}
        authorized = Counter(
            booking_of[a["payment_intent"]] for a in state["authorizations"] if a["payment_intent"] in booking_of
        )
        broken += [f"booking {b}: authorized {n} times at Stripe" for b, n in authorized.items() if n > 1]
        ours = {str(r["id"]): r for r in rows}
        for booking_id, row in ours.items():
            if row["paid"] == "captured" and row["card_amount_cents"] and holding[booking_id] != 1:
                broken.append(f"booking {booking_id}: captured with {holding[booking_id]} PaymentIntents at Stripe")
        broken += [f"booking {b}: {n} PaymentIntents hold money" for b, n in holding.items() if n > 1 and b in ours]
        return broken
