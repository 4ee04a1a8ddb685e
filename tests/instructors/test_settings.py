"""An instructor's availability settings: minimum notice, buffer, hold length."""

from __future__ import annotations

import asyncio

PATH = "/api/instructors/me/availability/settings"


async def test_availability_settings_round_trip_and_bounds(client, accounts):
    instructor = await accounts.instructor()
    assert (await client.get(PATH, headers=instructor.headers)).json() == {
        "min_notice_minutes": 120, "buffer_minutes": 0, "hold_minutes": 10,
    }  # fmt: skip
    updated = await client.put(PATH, json={"buffer_minutes": 15}, headers=instructor.headers)
    assert updated.json()["buffer_minutes"] == 15
    assert (await client.put(PATH, json={"buffer_minutes": -5}, headers=instructor.headers)).status_code == 400
    student = await accounts.student()
    assert (await client.get(PATH, headers=student.headers)).status_code == 403


async def test_concurrent_first_settings_saves_all_succeed(client, accounts):
    instructor = await accounts.instructor()
    results = await asyncio.gather(
        *(client.put(PATH, json={"buffer_minutes": n}, headers=instructor.headers) for n in range(5))
    )
    assert [r.status_code for r in results] == [200] * 5
    assert (await client.get(PATH, headers=instructor.headers)).json()["buffer_minutes"] in range(5)
