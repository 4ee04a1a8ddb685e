"""Schemathesis drives every documented operation with generated input and runs all its checks.

`--checks all`: no 5xx, only documented statuses, bodies and content types as documented,
invalid input refused, valid input accepted (schemathesis.toml lists the statuses API.md's
business rules give schema-valid input), auth enforced where the document says so. Once with a
student's token, once with an instructor's. FUZZ_SECONDS sets the time per run (the longer run
for the README: bench/schemathesis_long.sh).

Against uvicorn: the app is the same under both servers (the adapter has its own tests), and
schemathesis also probes made-up methods such as QUERY, which uWS answers by closing the connection.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import PROJECT_ROOT
from tests.support.accounts import Account, Accounts
from tests.support.calendar import monday_after, offer_piano, save_week

SECONDS = int(os.environ.get("FUZZ_SECONDS", "30"))


def schemathesis_command(url: str, account: Account, seconds: int) -> list[str]:
    return [
        str(Path(sys.executable).with_name("st")), "--config-file", str(PROJECT_ROOT / "schemathesis.toml"),
        "run", f"{url}/schema/openapi.json",
        "--header", f"Authorization: Bearer {account.token}",
        "--checks", "all", "--max-time", str(seconds), "--workers", "1", "--seed", "20261130",
    ]  # fmt: skip


def figures(output: str) -> str:
    """The summary lines the README quotes: operations, test cases, failures."""
    wanted = ("Selected:", "Tested:", "generated,", "passed", "failures", "Seed:")
    return "\n".join(line.strip() for line in output.splitlines() if any(w in line for w in wanted))


async def instructor_with_open_week(accounts: Accounts, http) -> Account:
    instructor = await accounts.instructor()
    await offer_piano(http, instructor)
    monday = monday_after()
    await save_week(http, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "17:00"}]})
    return instructor


@pytest.mark.parametrize("role", ["student", "instructor"])
async def test_generated_requests_pass_every_schemathesis_check(role, live, http_factory, tmp_path):
    server = live("uvicorn", LOG_LEVEL="ERROR")
    http = http_factory(server)
    accounts = Accounts(http)
    instructor = await instructor_with_open_week(accounts, http)
    caller = instructor if role == "instructor" else await accounts.student()
    # cwd: schemathesis keeps a cache folder where it runs
    done = await asyncio.to_thread(
        subprocess.run,
        schemathesis_command(server.url, caller, SECONDS),
        capture_output=True,
        text=True,
        timeout=SECONDS * 4 + 60,
        cwd=tmp_path,
    )
    print(f"\nschemathesis, {role}'s token, {SECONDS} s:\n{figures(done.stdout)}")
    report = done.stdout[-12000:] + done.stderr[-2000:]
    assert done.returncode == 0, report
    assert re.search(r"Tested: +[1-9]", done.stdout), report
    assert " passed" in done.stdout and "failure" not in done.stdout.split("SUMMARY")[-1], report
