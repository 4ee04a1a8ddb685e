"""Admins manage categories and services; everyone lists every service with its category."""

from __future__ import annotations

from tests.catalog.admins import make_admin

CATEGORIES = "/api/admin/catalog/categories"
SERVICES = "/api/admin/catalog/services"
DANCE = {"slug": "dance", "name": "Dance", "icon": "music", "subtitle": "Ballet, salsa and hip-hop", "display_order": 3}


async def categories(client) -> list[dict]:
    return (await client.get("/api/catalog/categories")).json()


async def test_an_admin_adds_a_category_and_a_service_that_everyone_then_sees(client, accounts, settings):
    admin = await make_admin(client, accounts, settings)
    created = await client.post(CATEGORIES, json=DANCE, headers=admin.headers)
    assert created.status_code == 201, created.text
    dance = created.json()
    assert {k: dance[k] for k in DANCE} == DANCE and dance["services"] == []
    listed = await categories(client)
    assert [c["display_order"] for c in listed] == sorted(c["display_order"] for c in listed)
    assert any(c["slug"] == "dance" for c in listed)

    salsa = await client.post(SERVICES, json={"slug": "salsa", "name": "Salsa", "category_id": dance["id"]},
                              headers=admin.headers)  # fmt: skip
    assert salsa.status_code == 201, salsa.text
    assert salsa.json()["category"] == {"id": dance["id"], "slug": "dance", "name": "Dance"}
    services = (await client.get("/api/catalog/services")).json()
    assert {"id": salsa.json()["id"], "slug": "salsa", "name": "Salsa",
            "category": {"id": dance["id"], "slug": "dance", "name": "Dance"}} in services  # fmt: skip
    piano = next(s for s in services if s["slug"] == "piano")
    assert piano["category"]["slug"] == "music"
    assert len(services) == sum(len(c["services"]) for c in await categories(client))


async def test_an_admin_updates_a_category_and_moves_a_service(client, accounts, settings):
    admin = await make_admin(client, accounts, settings)
    dance = (await client.post(CATEGORIES, json=DANCE, headers=admin.headers)).json()
    changed = await client.put(f"{CATEGORIES}/{dance['id']}", json={**DANCE, "name": "Dance & Movement",
                               "display_order": 0}, headers=admin.headers)  # fmt: skip
    assert changed.status_code == 200 and changed.json()["name"] == "Dance & Movement"
    assert (await categories(client))[0]["slug"] == "dance"
    piano_id = next(s["id"] for s in (await client.get("/api/catalog/services")).json() if s["slug"] == "piano")
    piano = {"slug": "piano", "name": "Piano", "category_id": dance["id"]}
    moved = await client.put(f"{SERVICES}/{piano_id}", json=piano, headers=admin.headers)
    assert moved.status_code == 200, moved.text
    assert "piano" in [s["slug"] for s in (await categories(client))[0]["services"]]


async def test_duplicate_slugs_are_409_and_change_nothing(client, accounts, settings):
    admin = await make_admin(client, accounts, settings)
    before = await categories(client)
    duplicate = await client.post(CATEGORIES, json={**DANCE, "slug": "music"}, headers=admin.headers)
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "duplicate_slug"
    music_id = next(c["id"] for c in before if c["slug"] == "music")
    renamed = await client.put(f"{CATEGORIES}/{music_id}", json={**DANCE, "slug": "art"}, headers=admin.headers)
    assert renamed.status_code == 409 and renamed.json()["code"] == "duplicate_slug"
    taken = await client.post(SERVICES, json={"slug": "piano", "name": "Piano 2", "category_id": music_id},
                              headers=admin.headers)  # fmt: skip
    assert taken.status_code == 409 and taken.json()["code"] == "duplicate_slug"
    assert await categories(client) == before


async def test_bad_input_is_400_naming_the_field_and_unknown_ids_404(client, accounts, settings):
    admin = await make_admin(client, accounts, settings)
    before = await categories(client)
    cases = {
        "slug": {**DANCE, "slug": "Dance Lessons"},
        "name": {**DANCE, "name": "   "},
        "display_order": {**DANCE, "display_order": -1},
        "icon": {**DANCE, "icon": ""},
    }
    for key, body in cases.items():
        refused = await client.post(CATEGORIES, json=body, headers=admin.headers)
        assert refused.status_code == 400, (key, refused.text)
        assert refused.json()["extra"][0]["key"] == key
    no_category = await client.post(SERVICES, json={"slug": "tap", "name": "Tap", "category_id": 999999},
                                    headers=admin.headers)  # fmt: skip
    assert no_category.status_code == 400 and no_category.json()["extra"][0]["key"] == "category_id"
    assert (await client.put(f"{CATEGORIES}/999999", json=DANCE, headers=admin.headers)).status_code == 404
    tap = {"slug": "tap", "name": "Tap", "category_id": before[0]["id"]}
    missing = await client.put(f"{SERVICES}/999999", json=tap, headers=admin.headers)
    assert missing.status_code == 404
    assert await categories(client) == before


async def test_only_admins_manage_the_catalog(client, accounts):
    student = await accounts.create("student")
    instructor = await accounts.create("instructor")
    before = await categories(client)
    service = {"slug": "tap", "name": "Tap", "category_id": before[0]["id"]}
    attempts = [("post", CATEGORIES, DANCE), ("put", f"{CATEGORIES}/{before[0]['id']}", DANCE),
                ("post", SERVICES, service), ("put", f"{SERVICES}/1", service)]  # fmt: skip
    for method, path, body in attempts:
        assert (await client.request(method, path, json=body)).status_code == 401, path
        for user in (student, instructor):
            refused = await client.request(method, path, json=body, headers=user.headers)
            assert refused.status_code == 403, (path, user.role)
    assert await categories(client) == before


async def test_two_admins_adding_one_slug_at_once_get_one_201_and_one_409(client, accounts, settings):
    import asyncio

    admin = await make_admin(client, accounts, settings)
    answers = await asyncio.gather(*(client.post(CATEGORIES, json=DANCE, headers=admin.headers) for _ in range(4)))
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    assert [c["slug"] for c in await categories(client)].count("dance") == 1
