"""Profile pictures as an arq job, keyed by the upload id (`picture:{upload_id}`)."""

from __future__ import annotations

from typing import Any

import structlog
from arq import Retry
from botocore.exceptions import BotoCoreError, ClientError

from app.media.processing import give_up, process_upload

log = structlog.get_logger()
TRIES = 5
STORAGE_DOWN = "The picture could not be stored just now; please upload it again"


async def process_picture(ctx: dict[str, Any], upload_id: int) -> str:
    """Storage errors are retried with growing pauses (1, 2, 4, 8 s); after the last try the upload
    fails with a reason its owner can act on, never staying `processing`."""
    try:
        return await process_upload(ctx["services"], upload_id)
    except (TimeoutError, BotoCoreError, ClientError, OSError) as exc:
        log.warning("picture_storage_error", upload_id=upload_id, job_try=ctx["job_try"], error=str(exc))
        if ctx["job_try"] >= TRIES:
            return await give_up(ctx["services"], upload_id, STORAGE_DOWN)
        raise Retry(defer=2 ** (ctx["job_try"] - 1)) from exc
