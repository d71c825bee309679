"""An OpenAI-compatible image-generation client (`POST /v1/images/generations`) for optional AI
backgrounds (spec section 13). Base URL, model and price per image are configuration; the key
travels only in the Authorization header. 429, 5xx, timeouts and malformed answers are retried
(3 attempts, as the spec says); anything else fails at once. The caller falls back to the plain
design, so a slot is never left without media."""

from __future__ import annotations

import base64
import io
import random
import time
from dataclasses import dataclass, field

import httpx
from PIL import Image

from toby_pipelines.credentials.scrub import register_secret
from toby_pipelines.platforms.api_errors import (
    PermanentApiError,
    RateLimitedError,
    TransientApiError,
)
from toby_pipelines.platforms.http_json import exchange, json_object
from toby_pipelines.platforms.retry import RetryPolicy, Sleep, with_retries

SERVICE = "images"


@dataclass
class ImageApiClient:
    api_key: str = field(repr=False)
    model: str
    base_url: str
    price_per_image_usd: float = 0.0
    size: str = "1024x1536"
    timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(60.0, connect=5.0))
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(attempts=3))
    sleep: Sleep = time.sleep
    transport: httpx.BaseTransport | None = None
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        register_secret(self.api_key)
        self._http = httpx.Client(
            base_url=self.base_url.rstrip("/") + "/",
            timeout=self.timeout,
            transport=self.transport,
            headers={"Authorization": f"Bearer {self.api_key}"},
        )

    def close(self) -> None:
        self._http.close()

    def generate(self, prompt: str) -> Image.Image:
        return with_retries(lambda: self._generate(prompt), self.retry, self.sleep, self.rng)

    def _generate(self, prompt: str) -> Image.Image:
        path = "v1/images/generations"
        response, body = exchange(
            self._http,
            SERVICE,
            "POST",
            path,
            json={
                "model": self.model,
                "prompt": prompt,
                "size": self.size,
                "n": 1,
                "response_format": "b64_json",
            },
        )
        if response.status_code == 429:
            raise RateLimitedError(SERVICE, "too many requests", 20.0, status=429)
        if response.status_code >= 500:
            raise TransientApiError(SERVICE, "server error", status=response.status_code)
        if not response.is_success:
            detail = (body or {}).get("error", {}) if isinstance(body, dict) else {}
            message = detail.get("message") if isinstance(detail, dict) else None
            raise PermanentApiError(
                SERVICE, str(message or "request refused"), status=response.status_code
            )
        data = json_object(SERVICE, "POST", path, response, body).get("data") or [{}]
        encoded = data[0].get("b64_json") if isinstance(data[0], dict) else None
        if not isinstance(encoded, str):
            raise TransientApiError(SERVICE, "the answer holds no b64_json image")
        try:
            image = Image.open(io.BytesIO(base64.b64decode(encoded)))
            image.load()
        except Exception as error:
            raise TransientApiError(
                SERVICE, f"the image could not be read: {type(error).__name__}"
            ) from error
        return image.convert("RGB")


def background_prompt(visual_style: str, topic: str, niche: str) -> str:
    mood = {
        "dark_cinematic": "dark, cinematic, moody low-key light, deep shadows",
        "light_clean": "bright, airy, minimal, soft daylight, lots of white space",
        "vibrant_bold": "vivid saturated colours, bold shapes, high energy",
    }.get(visual_style, "calm, minimal")
    return (
        f"An abstract background image about {topic} for a {niche} brand: {mood}."
        " No text, no letters, no logos, no faces."
    )
