"""Private object storage over one aiobotocore S3 client per process: presigned PUTs and GETs for
browsers, small reads and writes for the worker. Any S3-compatible endpoint (the local stand-in,
AWS, MinIO); path-style URLs, so every object is on the endpoint's one origin (the CSP names it)."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import urlsplit

from aiobotocore.session import AioSession, get_session
from botocore.config import Config
from botocore.exceptions import ClientError

from app.settings import Settings

_session: AioSession | None = None
MISSING = ("404", "NoSuchKey", "NotFound", "NoSuchBucket")


class ObjectTooLarge(ValueError):
    """read() of an object larger than the caller allows."""


def endpoint_of(settings: Settings) -> str:
    return settings.s3_endpoint_url or f"https://s3.{settings.s3_region}.amazonaws.com"


def storage_origin(settings: Settings) -> str:
    """Where browsers PUT uploads and GET pictures: for the CSP's connect-src and img-src."""
    parts = urlsplit(endpoint_of(settings))
    return f"{parts.scheme}://{parts.netloc}"


def _shared_session() -> AioSession:
    # One session per process: botocore's service models load once, not per client.
    global _session
    if _session is None:
        _session = get_session()
    return _session


class Storage:
    def __init__(self, client: Any, bucket: str, exits: AsyncExitStack) -> None:
        self.client, self.bucket, self._exits = client, bucket, exits

    @classmethod
    async def open(cls, settings: Settings, *, allowed_origins: tuple[str, ...] = ("*",)) -> Storage:
        exits = AsyncExitStack()
        client = await exits.enter_async_context(
            _shared_session().create_client(
                "s3",
                endpoint_url=endpoint_of(settings),
                region_name=settings.s3_region,
                aws_access_key_id=settings.s3_access_key,
                aws_secret_access_key=settings.s3_secret_key,
                config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"mode": "standard"}),
            )
        )
        storage = cls(client, settings.s3_bucket, exits)
        if settings.s3_endpoint_url:
            try:
                await storage.create_bucket_if_missing(allowed_origins)
            except BaseException:
                await exits.aclose()
                raise
        return storage

    async def aclose(self) -> None:
        await self._exits.aclose()

    async def create_bucket_if_missing(self, allowed_origins: tuple[str, ...]) -> None:
        """The stand-in starts empty; a real bucket is made (private, with CORS) by whoever deploys."""
        try:
            await self.client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if _code(exc) not in MISSING:
                raise
        try:
            await self.client.create_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if _code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
        # Browsers PUT uploads and GET pictures straight from the app's pages.
        rule = {
            "AllowedOrigins": list(allowed_origins),
            "AllowedMethods": ["PUT", "GET", "HEAD"],
            "AllowedHeaders": ["Content-Type", "Content-Length"],
            "MaxAgeSeconds": 3600,
        }
        await self.client.put_bucket_cors(Bucket=self.bucket, CORSConfiguration={"CORSRules": [rule]})

    async def presign_put(
        self, key: str, content_type: str, size_bytes: int, expires_seconds: int = 900
    ) -> tuple[str, dict[str, str]]:
        """The URL and the headers the client must send: the signature covers both."""
        url = await self.client.generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": key, "ContentType": content_type, "ContentLength": size_bytes},
            ExpiresIn=expires_seconds,
        )
        return url, {"Content-Type": content_type, "Content-Length": str(size_bytes)}

    async def presign_get(self, key: str, expires_seconds: int) -> str:
        return await self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_seconds
        )

    async def head(self, key: str) -> dict[str, Any] | None:
        """{"size", "content_type"} of the stored object, None when there is none."""
        try:
            answer = await self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in MISSING:
                return None
            raise
        return {"size": answer["ContentLength"], "content_type": answer.get("ContentType")}

    async def read(self, key: str, max_bytes: int) -> bytes:
        """The whole object; ObjectTooLarge (before reading it) when it is larger than max_bytes."""
        answer = await self.client.get_object(Bucket=self.bucket, Key=key)
        async with answer["Body"] as body:
            if answer["ContentLength"] > max_bytes:
                raise ObjectTooLarge(f"{key} holds {answer['ContentLength']} bytes, more than {max_bytes}")
            data = await body.read()
        if len(data) > max_bytes:
            raise ObjectTooLarge(f"{key} holds more than {max_bytes} bytes")
        return data

    async def read_head(self, key: str, n: int) -> bytes:
        """The first n bytes (fewer for a shorter object): enough to tell a format by content."""
        answer = await self.client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{n - 1}")
        async with answer["Body"] as body:
            return (await body.read())[:n]

    async def put(self, key: str, body: bytes, content_type: str) -> None:
        await self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    async def delete(self, key: str) -> None:
        await self.client.delete_object(Bucket=self.bucket, Key=key)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
