"""Composing one frame of a design: the style's background and decoration, then the text, fitted
into the canvas's safe area. The text is drawn on a layer of its own, so where its ink really
landed is measured, not assumed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from toby_pipelines.media.contrast import AA_NORMAL_TEXT, min_contrast_against
from toby_pipelines.media.styles import Style
from toby_pipelines.media.text_layout import TextBlock, fit_text, font

Box = tuple[int, int, int, int]  # left, top, right, bottom
INK_MARGIN = 8


@dataclass(frozen=True)
class Canvas:
    width: int
    height: int
    safe: Box  # text stays inside: clear of crops and of the app's own overlays


# Instagram crops a 4:5 post to 3:4 in the grid and overlays a reel's top and bottom.
CAROUSEL = Canvas(1080, 1350, (96, 120, 984, 1230))
REEL = Canvas(1080, 1920, (96, 270, 984, 1480))


@dataclass(frozen=True)
class Frame:
    image: Image.Image  # RGB
    text_box: Box | None  # the measured ink bounds of all text


@dataclass(frozen=True)
class Copy:
    """What one frame says: an optional small kicker, the main text, an optional footer."""

    main: str
    kicker: str = ""
    footer: str = ""
    is_title: bool = False


def background(style: Style, canvas: Canvas) -> Image.Image:
    """The style's vertical gradient with its accent decoration (never behind text)."""
    top = np.array(style.background_top, dtype=np.float32)
    bottom = np.array(style.background_bottom, dtype=np.float32)
    ramp = np.linspace(0.0, 1.0, canvas.height, dtype=np.float32)[:, None]
    column = (top * (1 - ramp) + bottom * ramp).astype(np.uint8)  # (height, 3)
    pixels = np.broadcast_to(column[:, None, :], (canvas.height, canvas.width, 3))
    image = Image.fromarray(np.ascontiguousarray(pixels), "RGB")
    draw = ImageDraw.Draw(image)
    left, top_edge, _right, bottom_edge = canvas.safe
    if style.accent_bar == "top":
        draw.rectangle((left, top_edge - 60, left + 160, top_edge - 48), fill=style.accent)
    elif style.accent_bar == "left":
        draw.rectangle((left - 56, top_edge, left - 44, bottom_edge), fill=style.accent)
    else:  # frame
        draw.rectangle(
            (24, 24, canvas.width - 25, canvas.height - 25), outline=style.accent, width=16
        )
    return image


SCRIMS = (0.55, 0.7, 0.85, 1.0)


def photo_background(photo: Image.Image, style: Style, canvas: Canvas) -> Image.Image:
    """An AI background cropped to the canvas under a scrim of the style's own gradient, as
    opaque as needed for the text to keep 4.5:1 against every pixel of the safe area (measured
    on the pixels)."""
    scale = max(canvas.width / photo.width, canvas.height / photo.height)
    resized = photo.resize((round(photo.width * scale), round(photo.height * scale)))
    left = (resized.width - canvas.width) // 2
    top = (resized.height - canvas.height) // 2
    cropped = resized.crop((left, top, left + canvas.width, top + canvas.height))
    plain = background(style, canvas)
    for alpha in SCRIMS:
        blended = Image.blend(cropped, plain, alpha)
        if _min_contrast(style, blended.crop(canvas.safe)) >= AA_NORMAL_TEXT:
            return blended
    return plain


def _min_contrast(style: Style, area: Image.Image) -> float:
    return min_contrast_against(style.text, np.asarray(area).reshape(-1, 3))


def compose(style: Style, canvas: Canvas, copy: Copy, base: Image.Image | None = None) -> Frame:
    image = (base or background(style, canvas)).copy()
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    # Glyphs may overhang their advance by a pixel or two: keep a margin inside the safe area.
    left, top, right, bottom = (
        canvas.safe[0] + INK_MARGIN,
        canvas.safe[1] + INK_MARGIN,
        canvas.safe[2] - INK_MARGIN,
        canvas.safe[3] - INK_MARGIN,
    )
    width = right - left
    small = font(style.body_font, 36)
    kicker_height = 70 if copy.kicker else 0
    footer_height = 70 if copy.footer else 0
    area = bottom - top - kicker_height - footer_height
    text = copy.main.upper() if copy.is_title and style.uppercase_title else copy.main
    block = fit_text(
        text,
        style.title_font if copy.is_title else style.body_font,
        style.title_size if copy.is_title else style.body_size,
        width,
        area,
    )
    if copy.kicker:
        _line(draw, copy.kicker, small, style, left, right, top)
    y = top + kicker_height + _offset(style, area, block)
    for line in block.lines:
        _line(draw, line, block.font, style, left, right, y)
        y += block.line_height
    if copy.footer:
        _line(draw, copy.footer, small, style, left, right, bottom - 50)
    image.paste(layer, (0, 0), layer)
    return Frame(image, layer.getbbox())


def _offset(style: Style, area: int, block: TextBlock) -> int:
    # Centred designs centre the block; left-aligned (cinematic) ones sit it in the upper third.
    if style.align == "center":
        return max(0, (area - block.height) // 2)
    return max(0, min((area - block.height) // 3, area - block.height))


def _line(draw, text, face, style: Style, left: int, right: int, y: int) -> None:
    x = left + (right - left - face.getlength(text)) / 2 if style.align == "center" else left
    draw.text((x, y), text, font=face, fill=(*style.text, 255))
