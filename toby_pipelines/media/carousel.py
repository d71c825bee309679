"""A carousel: 1080x1350 JPEG slides — a cover with the title, one slide per content line, a
closing slide with the brand's handle; 2 to 10 slides."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image

from toby_pipelines.media.compose import (
    CAROUSEL,
    Copy,
    Frame,
    background,
    compose,
    photo_background,
)
from toby_pipelines.media.styles import Style

MAX_SLIDES = 10
JPEG_QUALITY = 90


def carousel_frames(
    style: Style,
    title: str,
    lines: Sequence[str],
    handle: str,
    brand_name: str,
    photo: Image.Image | None = None,
) -> list[Frame]:
    """The slides; with `photo` (an AI background) under a scrim instead of the gradient."""
    body = [line for line in lines if line.strip()][: MAX_SLIDES - 2]
    base = photo_background(photo, style, CAROUSEL) if photo else background(style, CAROUSEL)
    copies = [Copy(title, kicker=brand_name, footer="Swipe →", is_title=True)]
    copies += [
        Copy(line, kicker=f"{index}/{len(body)}") for index, line in enumerate(body, start=1)
    ]
    copies.append(Copy(f"Follow @{handle.lstrip('@')} for more", kicker=brand_name, is_title=True))
    return [compose(style, CAROUSEL, copy, base) for copy in copies]


def jpeg_bytes(frame: Frame) -> bytes:
    buffer = io.BytesIO()
    frame.image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()
