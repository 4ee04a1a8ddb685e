"""Admins manage the catalog: categories (slug, name, icon, subtitle, display order) and the
services under them. Slugs are unique (PostgreSQL enforces it; a duplicate is a 409)."""

from __future__ import annotations

import unicodedata
from typing import Any

from asyncpg.exceptions import UniqueViolationError

from app.catalog.schemas import CategoryOut, CategorySummary, CategoryWrite, ServiceOut, ServiceSummary, ServiceWrite
from app.catalog.tables import Category, Service
from app.core.errors import ApiError, bad_input


def _text_problems(values: dict[str, str]) -> list[dict[str, str]]:
    problems = []
    for key, value in values.items():
        if key != "subtitle" and not value.strip():
            problems.append({"key": key, "message": "Must not be blank"})
        elif any(unicodedata.category(c) == "Cc" for c in value):
            problems.append({"key": key, "message": "Must not contain control characters"})
    return problems


def _duplicate(kind: str, slug: str) -> ApiError:
    return ApiError(409, f"A {kind} with slug '{slug}' already exists", code="duplicate_slug")


async def _saved(query: Any, kind: str, slug: str) -> dict[str, Any] | None:
    try:
        rows = await query
    except UniqueViolationError:
        raise _duplicate(kind, slug) from None
    return rows[0] if rows else None


def category_out(row: dict[str, Any], services: list[ServiceSummary]) -> CategoryOut:
    return CategoryOut(
        id=row["id"], slug=row["slug"], name=row["name"], icon=row["icon"], subtitle=row["subtitle"],
        display_order=row["display_order"], services=services,
    )  # fmt: skip


async def _services_of(category_id: int) -> list[ServiceSummary]:
    rows = await Service.select(Service.id, Service.slug, Service.name).where(Service.category == category_id)
    return [ServiceSummary(r["id"], r["slug"], r["name"]) for r in sorted(rows, key=lambda r: r["id"])]


def _category_values(data: CategoryWrite) -> dict[Any, Any]:
    problems = _text_problems({"name": data.name, "subtitle": data.subtitle})
    if problems:
        raise bad_input(problems)
    return {
        Category.slug: data.slug, Category.name: data.name.strip(), Category.icon: data.icon,
        Category.subtitle: data.subtitle.strip(), Category.display_order: data.display_order,
    }  # fmt: skip


async def create_category(data: CategoryWrite) -> CategoryOut:
    values = _category_values(data)
    row = Category(**{column._meta.name: value for column, value in values.items()})
    row = await _saved(Category.insert(row).returning(*Category.all_columns()), "category", data.slug)
    return category_out(row, [])


async def update_category(category_id: int, data: CategoryWrite) -> CategoryOut:
    values = _category_values(data)
    query = Category.update(values).where(Category.id == category_id).returning(*Category.all_columns())
    row = await _saved(query, "category", data.slug)
    if row is None:
        raise ApiError(404, f"No category with id {category_id}", code="not_found")
    return category_out(row, await _services_of(category_id))


async def _category_summary(category_id: int) -> CategorySummary:
    row = await Category.select(Category.id, Category.slug, Category.name).where(Category.id == category_id).first()
    if row is None:
        raise bad_input([{"key": "category_id", "message": f"No category with id {category_id}"}])
    return CategorySummary(**row)


def _service_values(data: ServiceWrite) -> dict[Any, Any]:
    problems = _text_problems({"name": data.name})
    if problems:
        raise bad_input(problems)
    return {Service.slug: data.slug, Service.name: data.name.strip(), Service.category: data.category_id}


async def create_service(data: ServiceWrite) -> ServiceOut:
    values = _service_values(data)
    category = await _category_summary(data.category_id)
    query = Service.insert(Service(**{c._meta.name: v for c, v in values.items()})).returning(Service.id)
    row = await _saved(query, "service", data.slug)
    return ServiceOut(row["id"], data.slug, values[Service.name], category)


async def update_service(service_id: int, data: ServiceWrite) -> ServiceOut:
    values = _service_values(data)
    if not await Service.exists().where(Service.id == service_id):
        raise ApiError(404, f"No service with id {service_id}", code="not_found")
    category = await _category_summary(data.category_id)
    query = Service.update(values).where(Service.id == service_id).returning(Service.id)
    row = await _saved(query, "service", data.slug)
    if row is None:
        raise ApiError(404, f"No service with id {service_id}", code="not_found")
    return ServiceOut(service_id, data.slug, values[Service.name], category)


async def all_services() -> list[ServiceOut]:
    rows = await Service.select(
        Service.id, Service.slug, Service.name, Service.category.id, Service.category.slug, Service.category.name,
        Service.category.display_order,
    )  # fmt: skip
    rows.sort(key=lambda r: (r["category.display_order"], r["category.id"], r["name"].lower(), r["id"]))
    return [
        ServiceOut(
            r["id"], r["slug"], r["name"], CategorySummary(r["category.id"], r["category.slug"], r["category.name"])
        )
        for r in rows
    ]
