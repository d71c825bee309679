"""The media resource: where rendered media are written and hosted. The embedded default is a
local directory (data/media) served over HTTP by `make dev`; with TOBY_MEDIA_STORE=s3 an
S3-compatible bucket (boto3, imported when an S3 store is made: every Dagster run loads this
module, few of them store media)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg

from toby_pipelines.media.image_api import ImageApiClient
from toby_pipelines.media.store import LocalMediaStore, MediaStore, S3MediaStore
from toby_pipelines.storage.database import data_dir, utc

DEFAULT_BASE_URL = "http://127.0.0.1:8090"


class MediaResource(dg.ConfigurableResource):
    """`render`: False switches rendering off (posts then need media from elsewhere).
    `render_from`: ISO time; slots before it are not rendered (the demo renders only its last
    day). S3: `bucket`, `endpoint_url` (any S3-compatible server), `public_base_url` (else
    presigned URLs); credentials come from boto3's usual environment variables."""

    store: str = "local"  # local | s3
    root: str | None = None
    base_url: str = DEFAULT_BASE_URL
    bucket: str | None = None
    endpoint_url: str | None = None
    region: str | None = None
    public_base_url: str | None = None
    render: bool = True
    render_from: str | None = None
    # Optional AI backgrounds: an OpenAI-compatible images API; `image_api_key` comes in as
    # dg.EnvVar("TOBY_IMAGE_API_KEY").
    image_base_url: str | None = None
    image_model: str | None = None
    image_api_key: str | None = None
    image_price_usd: float = 0.0

    def image_client(self) -> ImageApiClient | None:
        if not (self.image_base_url and self.image_model and self.image_api_key):
            return None
        return ImageApiClient(
            self.image_api_key, self.image_model, self.image_base_url, self.image_price_usd
        )

    def work_dir(self) -> Path:
        return Path(self.root) if self.root else data_dir() / "media"

    def not_before(self) -> dt.datetime | None:
        return utc(self.render_from) if self.render_from else None

    def media_store(self) -> MediaStore:
        if self.store == "local":
            return LocalMediaStore(self.work_dir(), self.base_url)
        if self.store != "s3":
            raise ValueError(f"store must be local or s3, got {self.store!r}")
        if not self.bucket:
            raise ValueError("store s3 needs bucket (TOBY_MEDIA_BUCKET)")
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            config=Config(signature_version="s3v4"),  # presigned URLs every region accepts
        )
        return S3MediaStore(self.bucket, client, public_base_url=self.public_base_url)
