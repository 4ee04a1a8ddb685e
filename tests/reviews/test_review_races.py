"""Concurrent reviews: the count and average are kept in the database in the reviewing transaction,
and a lesson reviewed twice at once keeps one review (the UNIQUE constraint decides)."""

from __future__ import annotations

import asyncio

import asyncpg

from tests.reviews.conftest import review, reviews_of


async def test_concurrent_reviews_keep_the_average_and_count_exact(client, completed_lessons, settings):
    ratings = [5, 4, 3, 5, 1, 2, 5, 4]
    lessons = await completed_lessons(len(ratings))
    responses = await asyncio.gather(
        *(review(client, s, b, rating) for (s, _, b), rating in zip(lessons, ratings, strict=True))
    )
    assert [r.status_code for r in responses] == [201] * len(ratings)
    page = await reviews_of(client, lessons[0][1], "?limit=100")
    assert (page["count"], page["average"]) == (len(ratings), round(sum(ratings) / len(ratings), 2))
    conn = await asyncpg.connect(settings.database_url)
    try:
        stored = await conn.fetchrow("SELECT count(*) AS n, sum(rating) AS total FROM reviews WHERE hidden_at IS NULL")
        summary = await conn.fetchrow("SELECT review_count, rating_sum FROM review_summaries")
    finally:
        await conn.close()
    assert (summary["review_count"], summary["rating_sum"]) == (stored["n"], stored["total"]) == (8, sum(ratings))


async def test_one_lesson_reviewed_many_times_at_once_keeps_one_review(client, completed_lessons):
    [(student, instructor, booking)] = await completed_lessons(1)
    responses = await asyncio.gather(*(review(client, student, booking, r) for r in (1, 2, 3, 4, 5, 1, 2, 3)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 7
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"already_reviewed"}
    page = await reviews_of(client, instructor)
    winner = next(r.json() for r in responses if r.status_code == 201)
    assert (page["count"], page["average"]) == (1, float(winner["rating"]))
