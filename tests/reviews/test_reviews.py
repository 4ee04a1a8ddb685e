"""Reviews (API.md "Reviews and referrals"): a student reviews its completed lesson once, the
instructor responds once, admins hide abusive ones; the average and count stay right."""

from __future__ import annotations

from tests.payments.conftest import book
from tests.reviews.conftest import review, reviews_of


async def test_a_student_reviews_its_completed_lesson_and_the_instructor_is_told(client, completed_lessons):
    [(student, instructor, booking)] = await completed_lessons(1)
    made = await review(client, student, booking, 4, "  Patient and clear.  ")
    assert made.status_code == 201, made.text
    body = made.json()
    assert set(body) == {"id", "rating", "text", "student_first_name", "created_at", "response"}
    assert (body["rating"], body["text"], body["response"]) == (4, "Patient and clear.", None)
    assert body["student_first_name"] == student.full_name.split()[0]

    page = await reviews_of(client, instructor)
    assert (page["average"], page["count"], [i["id"] for i in page["items"]]) == (4.0, 1, [body["id"]])
    feed = (await client.get("/api/notifications", headers=instructor.headers)).json()
    told = feed["items"][0]
    assert told["type"] == "review.received"
    assert told["data"] == {
        "review_id": body["id"], "booking_id": booking["id"], "instructor_id": instructor.id, "rating": 4
    }  # fmt: skip
    assert student.full_name.split()[0] in told["title"] and "Piano" in told["title"]
    assert "4 out of 5" in told["body"]


async def test_second_review_of_a_lesson_is_409_already_reviewed(client, completed_lessons):
    [(student, instructor, booking)] = await completed_lessons(1)
    assert (await review(client, student, booking, 5)).status_code == 201
    again = await review(client, student, booking, 1)
    assert (again.status_code, again.json()["code"]) == (409, "already_reviewed")
    page = await reviews_of(client, instructor)
    assert (page["average"], page["count"]) == (5.0, 1)


async def test_a_lesson_not_yet_completed_is_409_not_completed(client, accounts, long_week):
    instructor, service_id, monday = long_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    refused = await review(client, student, booking)
    assert (refused.status_code, refused.json()["code"]) == (409, "not_completed")
    assert (await reviews_of(client, instructor))["items"] == []


async def test_anyone_but_the_lessons_student_gets_404_and_nothing_is_written(
    client, accounts, completed_lessons, admin
):
    [(student, instructor, booking)] = await completed_lessons(1)
    for who in (instructor, await accounts.student(), await accounts.instructor(), admin):
        refused = await review(client, who, booking)
        assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    anonymous = await client.post(f"/api/bookings/{booking['id']}/review", json={"rating": 5})
    assert anonymous.status_code == 401
    unknown = await client.post("/api/bookings/999999/review", json={"rating": 5}, headers=student.headers)
    assert unknown.status_code == 404
    page = await reviews_of(client, instructor)
    assert (page["count"], page["items"], page["average"]) == (0, [], None)


async def test_ratings_outside_1_to_5_and_text_over_2000_characters_are_400(client, completed_lessons):
    [(student, instructor, booking)] = await completed_lessons(1)
    for body, key in (
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "5"}, "rating"),
        ({"rating": 4.5}, "rating"),
        ({}, "rating"),
        ({"rating": 5, "text": "x" * 2001}, "text"),
        ({"rating": 5, "stars": 5}, "stars"),
    ):
        refused = await client.post(f"/api/bookings/{booking['id']}/review", json=body, headers=student.headers)
        assert refused.status_code == 400, (body, refused.text)
        assert refused.json()["extra"][0]["key"] == key, (body, refused.json())
    assert (await reviews_of(client, instructor))["count"] == 0
    longest = await review(client, student, booking, 3, "é" * 2000)
    assert longest.status_code == 201, longest.text
    assert longest.json()["text"] == "é" * 2000


async def test_the_instructor_responds_once_and_nobody_else_can(client, accounts, completed_lessons):
    [(student, instructor, booking)] = await completed_lessons(1)
    review_id = (await review(client, student, booking, 2, "Late twice")).json()["id"]
    path = f"/api/reviews/{review_id}/response"
    for who in (student, await accounts.instructor()):
        refused = await client.post(path, json={"text": "Not mine"}, headers=who.headers)
        assert refused.status_code == 404
    assert (await client.post(path, json={"text": "Sorry"})).status_code == 401
    assert (await client.post(path, json={"text": ""}, headers=instructor.headers)).status_code == 400
    answered = await client.post(path, json={"text": "Sorry, fixed my schedule"}, headers=instructor.headers)
    assert answered.status_code == 201, answered.text
    assert answered.json()["response"]["text"] == "Sorry, fixed my schedule"
    again = await client.post(path, json={"text": "Edited"}, headers=instructor.headers)
    assert (again.status_code, again.json()["code"]) == (409, "already_responded")
    [item] = (await reviews_of(client, instructor))["items"]
    assert item["response"]["text"] == "Sorry, fixed my schedule"


async def test_a_hidden_review_leaves_the_list_and_the_average(client, completed_lessons, admin):
    lessons = await completed_lessons(3)
    ids = [
        (await review(client, s, b, rating)).json()["id"] for (s, _, b), rating in zip(lessons, (5, 4, 1), strict=True)
    ]
    instructor = lessons[0][1]
    assert (await reviews_of(client, instructor))["average"] == 3.33
    path = f"/api/admin/reviews/{ids[2]}/hide"
    for who in (lessons[0][0], instructor):
        assert (await client.post(path, json={"reason": "abusive"}, headers=who.headers)).status_code == 403
    assert (await client.post(path, json={"reason": "abusive"})).status_code == 401
    assert (await reviews_of(client, instructor))["count"] == 3
    hidden = await client.post(path, json={"reason": "Abusive language"}, headers=admin.headers)
    assert hidden.status_code == 200, hidden.text
    assert (hidden.json()["id"], hidden.json()["hidden"]) == (ids[2], True)
    twice = await client.post(path, json={"reason": "again"}, headers=admin.headers)
    assert (twice.status_code, twice.json()["reason"]) == (200, "Abusive language")
    page = await reviews_of(client, instructor)
    assert (page["average"], page["count"], [i["id"] for i in page["items"]]) == (4.5, 2, [ids[1], ids[0]])
    missing = await client.post("/api/admin/reviews/999999/hide", json={"reason": "x"}, headers=admin.headers)
    assert missing.status_code == 404


async def test_reviews_page_newest_first_with_before_and_limit(client, completed_lessons):
    lessons = await completed_lessons(4)
    ids = [(await review(client, s, b, 5)).json()["id"] for s, _, b in lessons]
    instructor = lessons[0][1]
    first = await reviews_of(client, instructor, "?limit=3")
    assert [i["id"] for i in first["items"]] == ids[::-1][:3]
    rest = await reviews_of(client, instructor, f"?limit=3&before={first['items'][-1]['id']}")
    assert [i["id"] for i in rest["items"]] == [ids[0]]
    assert first["count"] == rest["count"] == 4
    assert (await client.get(f"/api/instructors/{instructor.id}/reviews?limit=0")).status_code == 400
    assert (await client.get(f"/api/instructors/{instructor.id}/reviews?limit=101")).status_code == 400


async def test_reviews_of_someone_who_is_not_an_instructor_are_404(client, accounts):
    student = await accounts.student()
    assert (await client.get(f"/api/instructors/{student.id}/reviews")).status_code == 404
    assert (await client.get("/api/instructors/999999/reviews")).status_code == 404


async def listed(client, who, booking, role="student"):
    """The lesson as the caller's past lessons list it (what the lessons page shows)."""
    page = await client.get("/api/bookings", params={"role": role, "when": "past"}, headers=who.headers)
    assert page.status_code == 200, page.text
    [row] = [b for b in page.json() if b["id"] == booking["id"]]
    return row


async def test_a_lessons_booking_carries_its_review_so_every_device_shows_it_reviewed(client, completed_lessons, admin):
    [(student, instructor, booking), (other, _, unreviewed)] = await completed_lessons(2)
    assert booking["review"] is None  # every booking carries it, from the one that made it on
    assert (await listed(client, student, booking))["review"] is None
    made = (await review(client, student, booking, 4, "Clear.")).json()
    mine = {"id": made["id"], "rating": 4}
    assert (await listed(client, student, booking))["review"] == mine
    one = await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)
    assert (one.status_code, one.json()["review"]) == (200, mine)
    assert (await listed(client, instructor, booking, "instructor"))["review"] == mine
    assert (await listed(client, instructor, unreviewed, "instructor"))["review"] is None
    assert (await listed(client, other, unreviewed))["review"] is None  # someone else's review is not theirs
    # Hidden by an admin, it leaves the profile but the lesson stays reviewed (a second one is refused).
    hidden = await client.post(f"/api/admin/reviews/{made['id']}/hide", json={"reason": "x"}, headers=admin.headers)
    assert hidden.status_code == 200, hidden.text
    assert (await listed(client, student, booking))["review"] == mine
