"""An admin account for tests, made as `python -m app create-admin` would (the role is not an API field)."""

from __future__ import annotations

import asyncpg

from tests.support.accounts import PASSWORD, Account


async def make_admin(client, accounts, settings) -> Account:
    user = await accounts.create("student", name="Ada Admin")
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute("UPDATE users SET role = 'admin' WHERE id = $1", user.id)
    finally:
        await conn.close()
    login = await client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return Account(user.id, user.email, user.full_name, "admin", user.timezone, login.json()["token"])
