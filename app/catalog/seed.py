"""The catalog every deployment starts with, and demo accounts for local runs. Idempotent."""

from __future__ import annotations

from app.catalog.tables import Category, Service

CATALOG = [
    (
        "music",
        "Music",
        "music",
        "Piano, guitar, voice and more",
        ["piano", "guitar", "violin", "voice", "drums"],
    ),
    (
        "languages",
        "Languages",
        "globe",
        "Speak with confidence",
        ["spanish", "french", "mandarin", "english-esl"],
    ),
    (
        "fitness",
        "Fitness",
        "dumbbell",
        "Personal training and movement",
        ["yoga", "personal-training", "pilates", "swimming"],
    ),
    ("art", "Art", "palette", "Drawing, painting and design", ["drawing", "painting", "photography"]),
    (
        "tutoring",
        "Tutoring",
        "book",
        "Test prep and school subjects",
        ["math", "sat-prep", "chemistry", "writing", "chess", "coding-for-kids"],
    ),
    # Computed (app.catalog.discovery): every service a live instructor offers to kids.
    ("kids", "Kids", "sparkles", "Lessons made for children", []),
]

SERVICE_NAMES = {
    "english-esl": "English (ESL)",
    "personal-training": "Personal Training",
    "sat-prep": "SAT Prep",
    "coding-for-kids": "Coding for Kids",
}


async def seed_catalog() -> None:
    for order, (slug, name, icon, subtitle, services) in enumerate(CATALOG, start=1):
        category = await Category.objects().get_or_create(
            Category.slug == slug,
            defaults={
                Category.name: name,
                Category.icon: icon,
                Category.subtitle: subtitle,
                Category.display_order: order,
            },
        )
        for service_slug in services:
            await Service.objects().get_or_create(
                Service.slug == service_slug,
                defaults={
                    Service.category: category.id,
                    Service.name: SERVICE_NAMES.get(service_slug, service_slug.replace("-", " ").title()),
                },
            )
