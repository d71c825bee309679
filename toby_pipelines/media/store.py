"""Where rendered media are hosted so a platform can fetch them: a local directory served over
HTTP (the embedded default; `make dev` serves it) or S3-compatible object storage (boto3) with
public or presigned URLs."""

from __future__ import annotations

import mimetypes
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


class MediaStore(Protocol):
    def put(self, key: str, name: str, path: Path) -> str:
        """Store the file as `key/name` and return the URL a platform fetches it from."""

    def url(self, key: str, name: str) -> str: ...


@dataclass
class LocalMediaStore:
    """Files under `root`, served at `base_url` (e.g. http://127.0.0.1:8090)."""

    root: Path
    base_url: str

    def put(self, key: str, name: str, path: Path) -> str:
        target = self.root / key / name
        if path.resolve() != target.resolve():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        return self.url(key, name)

    def url(self, key: str, name: str) -> str:
        return f"{self.base_url.rstrip('/')}/{key}/{name}"


@dataclass
class S3MediaStore:
    """An S3-compatible bucket. With `public_base_url` the objects are fetched from there (a
    public bucket or a CDN); without, each URL is presigned for `presign_seconds` (Instagram
    fetches a container's media within minutes)."""

    bucket: str
    client: Any = field(repr=False)  # a boto3 S3 client
    prefix: str = "media"
    public_base_url: str | None = None
    presign_seconds: int = 24 * 3600

    def put(self, key: str, name: str, path: Path) -> str:
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        self.client.upload_file(
            str(path), self.bucket, self._object(key, name), ExtraArgs={"ContentType": content_type}
        )
        return self.url(key, name)

    def url(self, key: str, name: str) -> str:
        if self.public_base_url:
            return f"{self.public_base_url.rstrip('/')}/{self._object(key, name)}"
        return self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self._object(key, name)},
            ExpiresIn=self.presign_seconds,
        )

    def _object(self, key: str, name: str) -> str:
        return f"{self.prefix}/{key}/{name}"
