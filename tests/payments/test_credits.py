"""The credits ledger: append-only, its balance the entries' sum and never below zero, enforced by
PostgreSQL itself, also when bookings race on one balance."""

from __future__ import annotations

import asyncio
import threading

import asyncpg
import pytest

from tests.bookings.conftest import booking_body
from tests.support.calendar import monday_after, offer_piano, save_week


async def test_admin_goodwill_credit_and_the_students_ledger(client, accounts, admin):
    student = await accounts.student()
    given = await client.post(
        f"/api/admin/users/{student.id}/credits", json={"amount_cents": 2500, "reason": "Sorry"}, headers=admin.headers
    )
    assert given.status_code == 201, given.text
    assert {k: given.json()[k] for k in ("amount_cents", "kind", "booking_id", "reason")} == {
        "amount_cents": 2500,
        "kind": "goodwill",
        "booking_id": None,
        "reason": "Sorry",
    }
    taken = await client.post(
        f"/api/admin/users/{student.id}/credits", json={"amount_cents": -500, "reason": "Typo"}, headers=admin.headers
    )
    assert taken.status_code == 201, taken.text
    mine = (await client.get("/api/me/credits", headers=student.headers)).json()
    assert mine["balance_cents"] == 2000
    assert [e["amount_cents"] for e in mine["entries"]] == [-500, 2500]
    feed = (await client.get("/api/notifications", headers=student.headers)).json()["items"]
    assert [n["title"] for n in feed] == ["$5.00 of credit removed", "$25.00 of credit added"]


async def test_taking_back_more_than_the_balance_is_refused_by_the_database(client, accounts, admin, give_credits):
    student = await accounts.student()
    await give_credits(student, 1000)
    refused = await client.post(
        f"/api/admin/users/{student.id}/credits", json={"amount_cents": -1001, "reason": "x"}, headers=admin.headers
    )
    assert refused.status_code == 409, refused.text
    assert (refused.json()["code"], refused.json()["balance_cents"]) == ("insufficient_credits", 1000)
    mine = (await client.get("/api/me/credits", headers=student.headers)).json()
    assert (mine["balance_cents"], len(mine["entries"])) == (1000, 1)
    assert (await client.get("/api/notifications", headers=student.headers)).json()["unread"] == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"amount_cents": 0, "reason": "x"}, 400),
        ({"amount_cents": 5, "reason": ""}, 400),
        ({"amount_cents": "5", "reason": "x"}, 400),
    ],
)
async def test_bad_goodwill_bodies_are_400(client, accounts, admin, body, status):
    student = await accounts.student()
    response = await client.post(f"/api/admin/users/{student.id}/credits", json=body, headers=admin.headers)
    assert response.status_code == status, response.text


async def test_only_admins_give_credit_and_only_to_users_that_exist(client, accounts, admin):
    student = await accounts.student()
    body = {"amount_cents": 100, "reason": "x"}
    forbidden = await client.post(f"/api/admin/users/{student.id}/credits", json=body, headers=student.headers)
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "forbidden")
    missing = await client.post(f"/api/admin/users/{student.id + 999}/credits", json=body, headers=admin.headers)
    assert missing.status_code == 404
    assert (await client.get("/api/me/credits", headers=student.headers)).json()["balance_cents"] == 0


async def test_entries_cannot_be_updated_or_deleted_nor_the_balance_written(client, accounts, give_credits, settings):
    student = await accounts.student()
    entry = await give_credits(student, 1000)
    conn = await asyncpg.connect(settings.database_url)
    try:
        for statement in (
            f"UPDATE credit_entries SET amount_cents = 99999 WHERE id = {entry['id']}",
            f"DELETE FROM credit_entries WHERE id = {entry['id']}",
            "TRUNCATE credit_entries CASCADE",
            f'UPDATE credit_balances SET balance_cents = 99999 WHERE "user" = {student.id}',
            f'DELETE FROM credit_balances WHERE "user" = {student.id}',
        ):
            with pytest.raises(asyncpg.RestrictViolationError):
                await conn.execute(statement)
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(
                'INSERT INTO credit_entries ("user", amount_cents, kind, created_at) '
                "VALUES ($1, -1001, 'spend', now())",
                student.id,
            )
        assert await conn.fetchval('SELECT balance_cents FROM credit_balances WHERE "user" = $1', student.id) == 1000
        assert await conn.fetchval('SELECT sum(amount_cents) FROM credit_entries WHERE "user" = $1', student.id) == 1000
    finally:
        await conn.close()


async def test_a_spend_racing_another_spend_is_refused_by_the_database_and_the_booking_undone(
    client, accounts, open_week, give_credits, settings
):
    """Deterministic race: another spend of the whole balance holds the balance row while the
    booking reads the old balance and spends it; when the other commits, PostgreSQL refuses ours."""
    instructor, service_id, monday = open_week
    student = await accounts.student()
    await give_credits(student, 3000)
    other = OtherSpend(settings.database_url, student.id, 3000)

    refused = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers
    )

    assert other.finished() == [], "the other spend committed while the booking waited for it"
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "credit_balance_changed"
    assert refused.json()["balance_cents"] == 0
    conn = await asyncpg.connect(settings.database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM bookings WHERE student = $1", student.id) == 0
        assert await conn.fetchval("SELECT count(*) FROM payments") == 0
        assert await conn.fetchval('SELECT balance_cents FROM credit_balances WHERE "user" = $1', student.id) == 0
    finally:
        await conn.close()
    retried = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers
    )
    assert retried.status_code == 201, "booking again reads the new balance: the card pays it all"
    assert retried.json()["payment"]["card_amount_cents"] == 6000


SPEND = "INSERT INTO credit_entries (\"user\", amount_cents, kind, created_at) VALUES ($1, $2, 'spend', now())"


class OtherSpend:
    """A spend in a transaction of its own, on a thread of its own (the in-process test client
    blocks the test's loop for a whole request): it commits once a booking waits for its lock."""

    def __init__(self, database_url: str, user_id: int, cents: int) -> None:
        self.errors: list[BaseException] = []
        self._holding = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run(database_url, user_id, cents)))
        self._thread.start()
        assert self._holding.wait(10), self.errors

    async def _run(self, database_url: str, user_id: int, cents: int) -> None:
        conn = await asyncpg.connect(database_url)
        try:
            async with conn.transaction():
                await conn.execute(
                    SPEND, user_id, -cents,
                )  # fmt: skip
                self._holding.set()
                await _until_a_lock_wait(conn)
        except BaseException as exc:  # reported by finished()
            self.errors.append(exc)
            self._holding.set()
        finally:
            await conn.close()

    def finished(self) -> list[BaseException]:
        self._thread.join(10)
        return self.errors


async def _until_a_lock_wait(conn: asyncpg.Connection) -> None:
    for _ in range(500):
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the booking never waited for the balance row")


async def test_bookings_racing_on_one_balance_never_take_it_below_zero(
    client, accounts, give_credits, settings, live, http_factory
):
    """Several instructors (so no instructor lock orders them), one student, one balance, two web
    processes answering at once."""
    student = await accounts.student()
    await give_credits(student, 9000)
    monday = monday_after()
    bodies = []
    for n in range(8):
        instructor = await accounts.instructor()
        service_id = await offer_piano(client, instructor)
        await save_week(
            client, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "17:00"}]}
        )
        bodies.append(booking_body(instructor, service_id, monday, at=f"{9 + n:02d}:00"))

    web = [http_factory(live("uvicorn")) for _ in range(2)]
    results = await asyncio.gather(
        *(web[i % 2].post("/api/bookings", json=b, headers=student.headers) for i, b in enumerate(bodies))
    )

    assert {r.status_code for r in results} <= {201, 409}
    assert all(r.json()["code"] == "credit_balance_changed" for r in results if r.status_code == 409)
    made = [r.json() for r in results if r.status_code == 201]
    applied = sum(b["payment"]["credits_applied_cents"] for b in made)
    mine = (await client.get("/api/me/credits", headers=student.headers)).json()
    assert mine["balance_cents"] == 9000 - applied >= 0
    assert sum(e["amount_cents"] for e in mine["entries"]) == mine["balance_cents"]
    conn = await asyncpg.connect(settings.database_url)
    try:
        rows = await conn.fetch("SELECT id FROM bookings WHERE student = $1", student.id)
        assert sorted(r["id"] for r in rows) == sorted(b["id"] for b in made), "a refused booking left nothing"
        spends = await conn.fetchval("SELECT -sum(amount_cents) FROM credit_entries WHERE kind = 'spend'")
        assert spends == applied
    finally:
        await conn.close()
