"""Live instructors placed around the city with the offers a search test needs, through the real API."""

from __future__ import annotations

import math
from typing import Any

from tests.support.accounts import Account, Accounts

OFFER = {"hourly_rate_cents": 6000, "durations_minutes": [60], "age_groups": ["adults"], "locations": ["student_home"]}
# Points across the five boroughs (lat, lng).
POINTS = {
    "Park Slope": (40.6710, -73.9814),
    "Williamsburg": (40.7081, -73.9571),
    "Astoria": (40.7644, -73.9235),
    "Flushing": (40.7675, -73.8331),
    "Harlem": (40.8116, -73.9465),
    "Midtown": (40.7549, -73.9840),
    "Financial District": (40.7075, -74.0113),
    "Riverdale": (40.8900, -73.9120),
    "Fordham": (40.8615, -73.8904),
    "St. George": (40.6437, -74.0770),
    "Tottenville": (40.5120, -74.2450),
    "Jamaica": (40.7027, -73.7890),
}


def haversine_miles(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Computed here, apart from the product's SQL, to check its distances and order."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    return 2 * 3958.8 * math.asin(math.sqrt(h))


async def service_ids(client: Any) -> dict[str, int]:
    services = (await client.get("/api/catalog/services")).json()
    return {s["slug"]: s["id"] for s in services}


async def place_instructor(
    client: Any,
    accounts: Accounts,
    at: tuple[float, float],
    *,
    radius: float = 10,
    offers: dict[str, dict[str, Any]] | None = None,
    name: str | None = None,
    headline: str = "Patient teacher",
) -> Account:
    """A live instructor at `at` serving `radius` miles, offering exactly `offers` (default piano)."""
    instructor = await accounts.instructor(name=name)
    profile = {"headline": headline, "location": {"lat": at[0], "lng": at[1]}, "service_radius_miles": radius}
    await accounts.call("PUT", "/api/instructors/me/profile", instructor, 200, json=profile)
    ids = await service_ids(client)
    offers = offers if offers is not None else {"piano": OFFER}
    for slug, offer in offers.items():
        await accounts.call("PUT", f"/api/instructors/me/services/{ids[slug]}", instructor, 200, json=offer)
    if "piano" not in offers:
        await accounts.call("DELETE", f"/api/instructors/me/services/{ids['piano']}", instructor, 204)
    return instructor


async def search(client: Any, expect: int = 200, headers: dict[str, str] | None = None, **params: Any) -> Any:
    response = await client.get("/api/search", params=params, headers=headers or {})
    assert response.status_code == expect, response.text
    return response.json()
