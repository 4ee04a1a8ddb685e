"""The stand-in's state: one sqlite3 file in the data dir (WAL, so a restart keeps everything).

The server runs on one event loop and every API call's handler is synchronous, so a call's reads
and writes happen in one transaction that no other call interleaves with: concurrent calls are
serialized without a lock. Objects are stored as the JSON Stripe would return, with the account
they belong to (`""` for the platform) beside them.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import string
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    object TEXT NOT NULL,
    account TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_by_type ON objects (object, account);
CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE TABLE IF NOT EXISTS deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    state TEXT NOT NULL,          -- held | pending | delivered | failed | discarded
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at REAL NOT NULL,
    last_status INTEGER
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, due_at);
CREATE TABLE IF NOT EXISTS settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    return f"{prefix}_1{''.join(secrets.choice(_ALPHABET) for _ in range(23))}"


class Store:
    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(data_dir / "stripe.sqlite3", isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # objects

    def get(self, object_id: str, account: str | None = None) -> dict[str, Any] | None:
        row = self.db.execute("SELECT account, data FROM objects WHERE id = ?", (object_id,)).fetchone()
        if row is None or (account is not None and row[0] != account):
            return None
        return json.loads(row[1])

    def account_of(self, object_id: str) -> str | None:
        row = self.db.execute("SELECT account FROM objects WHERE id = ?", (object_id,)).fetchone()
        return row[0] if row else None

    def put(self, obj: dict[str, Any], account: str = "") -> dict[str, Any]:
        data = json.dumps(obj)
        updated = self.db.execute("UPDATE objects SET data = ? WHERE id = ?", (data, obj["id"])).rowcount
        if not updated:
            self.db.execute(
                "INSERT INTO objects (id, object, account, data) VALUES (?, ?, ?, ?)",
                (obj["id"], obj["object"], account, data),
            )
        return obj

    def find(
        self,
        object_type: str,
        account: str | None = None,
        *,
        after: str | None = None,
        limit: int | None = None,
        **equal: Any,
    ) -> list[dict[str, Any]]:
        """Objects of a type, newest first, whose top-level fields equal the given values; `after`
        an id (Stripe's `starting_after`), at most `limit`."""
        sql = "SELECT data FROM objects WHERE object = ?"
        args: list[Any] = [object_type]
        if account is not None:
            sql += " AND account = ?"
            args.append(account)
        if after is not None:
            sql += " AND seq < COALESCE((SELECT seq FROM objects WHERE id = ?), -1)"
            args.append(after)
        for name, value in equal.items():
            sql += f" AND json_extract(data, '$.{name}') IS ?"
            args.append(value)
        sql += " ORDER BY seq DESC" + (f" LIMIT {int(limit)}" if limit is not None else "")
        return [json.loads(row[0]) for row in self.db.execute(sql, args)]

    def total(
        self, object_type: str, expression: str, account: str | None = None, where: str = "1", *where_args: Any
    ) -> int:
        """SUM of a json_extract expression over a type's objects (balances derive from records)."""
        sql = f"SELECT COALESCE(SUM({expression}), 0) FROM objects WHERE object = ? AND {where}"
        args: list[Any] = [object_type, *where_args]
        if account is not None:
            sql += " AND account = ?"
            args.append(account)
        return int(self.db.execute(sql, args).fetchone()[0])

    def count_by_type(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT object, COUNT(*) FROM objects GROUP BY object").fetchall())

    # settings (switches and the clock offset survive a restart too)

    def setting(self, name: str, default: Any) -> Any:
        row = self.db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, name: str, value: Any) -> None:
        self.db.execute(
            "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, json.dumps(value)),
        )

    # idempotency

    def replay(self, scope: str, key: str) -> tuple[str, int, str] | None:
        return self.db.execute(
            "SELECT request, status, body FROM idempotency WHERE scope = ? AND key = ?", (scope, key)
        ).fetchone()

    def remember(self, scope: str, key: str, request: str, status: int, body: str) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO idempotency (scope, key, request, status, body) VALUES (?, ?, ?, ?, ?)",
            (scope, key, request, status, body),
        )
