"""WCAG 2 contrast: relative luminance of sRGB colours and the ratio between two of them.
Body text needs at least 4.5:1 (level AA)."""

from __future__ import annotations

import numpy as np

Color = tuple[int, int, int]
AA_NORMAL_TEXT = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: Color) -> float:
    r, g, b = (_channel(v) for v in color[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: Color, b: Color) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def min_contrast_against(text: Color, pixels) -> float:
    """The lowest contrast of `text` against any of `pixels` (an (n, 3) uint8 array)."""
    c = np.asarray(pixels, dtype=np.float64) / 255
    linear = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    luminance = linear @ np.array([0.2126, 0.7152, 0.0722])
    own = relative_luminance(text)
    high, low = np.maximum(luminance, own), np.minimum(luminance, own)
    return float(((high + 0.05) / (low + 0.05)).min())
