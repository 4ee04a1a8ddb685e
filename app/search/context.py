"""Context lists: a service's live instructors as seen from a category (Music → Piano: every piano
instructor; Kids → Piano: only those who teach piano to kids), as search results."""

from __future__ import annotations

from dataclasses import replace

from app.catalog.tables import Category, Service
from app.core.errors import ApiError
from app.search.cursor import decode, encode, search_fingerprint
from app.search.filters import SearchAsk, resolve
from app.search.schemas import InstructorList
from app.search.service import find_page, results_of
from app.services import Services

KIDS = "kids"


async def instructors_in_context(services: Services, ask: SearchAsk, category: str | None) -> InstructorList:
    service = (
        await Service.select(Service.id, Service.name, Service.category.slug.as_alias("category"))
        .where(Service.slug == ask.service)
        .first()
    )
    if service is None:
        raise ApiError(404, "No service with this slug", code="not_found")
    if category is not None and category not in (KIDS, service["category"]):
        known = await Category.exists().where(Category.slug == category)
        detail = f"{service['name']} is not in this category" if known else "No category with this slug"
        raise ApiError(404, detail, code="not_found")
    if category == KIDS:
        ask = replace(ask, age_group="kids")
    filters, _ = await resolve(ask, None, services.service_names)
    fingerprint = search_fingerprint({**ask.fingerprint_parts(), "category": category})
    after = decode(ask.cursor, fingerprint) if ask.cursor is not None else None
    page, next_position, slots = await find_page(filters, after, ask.limit)
    return InstructorList(
        results=await results_of(services, page, slots),
        next_cursor=encode(next_position, fingerprint) if next_position else None,
    )
