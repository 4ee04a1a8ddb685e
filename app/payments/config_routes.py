from __future__ import annotations

from typing import Literal

import msgspec
from litestar import Router, get

from app.services import Services


class PublicConfig(msgspec.Struct):
    # For Stripe.js (the client's card form whenever it is set); null without one, when the client
    # offers the stand-in's test cards instead.
    stripe_publishable_key: str | None
    payments: Literal["stripe", "standin"]


@get("/config", exclude_from_auth=True, summary="What the browser client needs to take payments")
async def public_config(services: Services) -> PublicConfig:
    return PublicConfig(stripe_publishable_key=services.settings.stripe_publishable_key, payments=services.stripe.mode)


router = Router("/api", route_handlers=[public_config], tags=["payments"])
