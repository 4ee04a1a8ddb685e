"""Profile pictures as an arq job, keyed by the upload id (`picture:{upload_id}`)."""

from __future__ import annotations

from typing import Any

from app.media.processing import process_upload


async def process_picture(ctx: dict[str, Any], upload_id: int) -> str:
    return await process_upload(ctx["services"], upload_id)
