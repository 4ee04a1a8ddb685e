from __future__ import annotations

from litestar import Request, Router, get, put

from app.core.auth import CurrentUser, bearer_token, instructors_only
from app.core.errors import ApiError
from app.core.openapi import BEARER, errors
from app.core.params import Id
from app.instructors import profile
from app.instructors.profile_public import public_profile
from app.instructors.profile_schemas import ProfileOut, ProfileUpdate, PublicProfile
from app.services import Services

PROFILE = "/instructors/me/profile"


@get(PROFILE, guards=[instructors_only], security=BEARER, responses=errors(401, 403), summary="Your profile")
async def read_profile(request: Request) -> ProfileOut:
    return await profile.profile_of(request.user.id)


@put(
    PROFILE,
    guards=[instructors_only],
    security=BEARER,
    responses=errors(400, 401, 403),
    summary="Set your profile (instructors)",
    description="Replaces the profile. `location` is exactly one of a New York City zip code, neighborhood, "
    "borough, or `lat`+`lng` inside the city; a place the gazetteer does not know is a 400 naming it. "
    "Headline at most 120 characters, bio at most 2,000, radius 0.5-50 miles.",
)
async def update_profile(request: Request, services: Services, data: ProfileUpdate) -> ProfileOut:
    return await profile.update_profile(services, request.user.id, data)


async def optional_viewer(request: Request, services: Services) -> CurrentUser | None:
    """Anonymous without a token; a token that is sent must be valid."""
    token = bearer_token(request.headers)
    if token is None:
        return None
    viewer = await services.tokens.authenticate(token)
    if viewer is None:
        raise ApiError(401, "The bearer token is invalid, expired or revoked", code="unauthorized")
    return viewer


@get(
    "/instructors/{instructor_id:str}",
    exclude_from_auth=True,
    responses=errors(400, 401, 404),
    summary="An instructor's public profile",
    description="Public for live instructors; the instructor itself and admins (with a token) always see it; "
    "anyone else gets 404.",
)
async def read_public_profile(request: Request, services: Services, instructor_id: Id) -> PublicProfile:
    return await public_profile(services, instructor_id, await optional_viewer(request, services))


router = Router("/api", route_handlers=[read_profile, update_profile, read_public_profile], tags=["instructors"])
