"""Schemathesis drives every documented operation with generated input: no answer is a 5xx.

Against uvicorn: the app is the same under both servers (the adapter has its own tests), and
schemathesis also probes made-up methods such as QUERY, which uWS answers by closing the connection.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from tests.support.accounts import Accounts, instructor_slots_channel
from tests.support.calendar import monday_after, offer_piano, save_week

SECONDS = 40


async def test_generated_requests_never_get_a_server_error(live, http_factory, tmp_path):
    server = live("uvicorn", LOG_LEVEL="ERROR")
    http = http_factory(server)
    instructor = await Accounts(http).instructor()
    await offer_piano(http, instructor)
    monday = monday_after()
    await save_week(http, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "17:00"}]})
    await instructor_slots_channel(http)
    command = [
        str(Path(sys.executable).with_name("st")), "run", f"{server.url}/schema/openapi.json",
        "--header", f"Authorization: Bearer {instructor.token}",
        "--checks", "not_a_server_error", "--max-time", str(SECONDS), "--workers", "1", "--seed", "20261130",
        "--exclude-path", "/api/auth/logout",  # it would revoke the token the rest of the run uses
        "--exclude-path", "/ws",
    ]  # fmt: skip
    # cwd: schemathesis keeps a cache folder where it runs
    done = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, timeout=SECONDS * 4, cwd=tmp_path
    )
    report = done.stdout[-6000:] + done.stderr[-2000:]
    assert done.returncode == 0, report
    assert " passed" in done.stdout and "Server error" not in done.stdout, report
