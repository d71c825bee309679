"""Fitting text into a box: wrap at word boundaries, shrink until it fits, and as a last resort
cut with an ellipsis, so text never leaves its safe area whatever the LLM wrote."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

MIN_SIZE = 28
SIZE_STEP = 4
LINE_SPACING = 1.22


@dataclass(frozen=True)
class TextBlock:
    lines: tuple[str, ...]
    font: ImageFont.FreeTypeFont
    size: int
    line_height: int

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


@lru_cache(maxsize=256)
def font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def _wrap(words: list[str], face: ImageFont.FreeTypeFont, width: int) -> list[str] | None:
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if face.getlength(trial) <= width:
            current = trial
            continue
        if not current or face.getlength(word) > width:
            return None  # a single word wider than the box: a smaller size is needed
        lines.append(current)
        current = word
    if current:
        lines.append(current)
    return lines


def fit_text(text: str, font_path: Path, max_size: int, width: int, height: int) -> TextBlock:
    """The largest size (from `max_size` down to MIN_SIZE) at which `text` wraps into
    width x height; at MIN_SIZE, the lines that fit, the last ending in an ellipsis."""
    words = text.split() or [""]
    for size in range(max_size, MIN_SIZE - 1, -SIZE_STEP):
        face = font(font_path, size)
        line_height = round(size * LINE_SPACING)
        lines = _wrap(words, face, width)
        if lines is not None and line_height * len(lines) <= height:
            return TextBlock(tuple(lines), face, size, line_height)
    face = font(font_path, MIN_SIZE)
    line_height = round(MIN_SIZE * LINE_SPACING)
    room = max(1, height // line_height)
    kept: list[str] = []
    for word in words:
        while face.getlength(word) > width and len(word) > 1:
            word = word[:-1]
        trial = _wrap([*kept, word], face, width)
        if trial is None or len(trial) > room:
            break
        kept.append(word)
    lines = _wrap(kept, face, width) or [""]
    last = lines[-1]
    while last and face.getlength(last + "…") > width:
        last = last[:-1]
    lines[-1] = last + "…"
    return TextBlock(tuple(lines), face, MIN_SIZE, line_height)
