"""The three visual styles Toby learns (spec section 9.1: dark_cinematic, light_clean,
vibrant_bold), each a distinct design — palette, typeface, layout — in a light and a dark
variant (spec section 5.3). Every text colour meets WCAG AA (4.5:1) on every colour of its
background; `tests/media` checks it on the rendered pixels too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from toby_pipelines.media.contrast import Color

FONTS = Path(__file__).parent / "fonts"
VARIANTS = ("light", "dark")


@dataclass(frozen=True)
class Style:
    name: str
    variant: str
    background_top: Color
    background_bottom: Color
    text: Color
    accent: Color  # bars, rules, the handle; decoration, never behind text
    title_font: Path
    body_font: Path
    align: str  # "left" | "center"
    title_size: int  # the largest size tried; text shrinks from here to fit
    body_size: int
    accent_bar: str  # "top" | "left" | "frame"
    uppercase_title: bool


_STYLES: dict[tuple[str, str], Style] = {
    ("dark_cinematic", "dark"): Style(
        "dark_cinematic", "dark", (12, 14, 22), (38, 30, 48), (240, 232, 214), (201, 162, 90),
        FONTS / "DejaVuSerif-Bold.ttf", FONTS / "DejaVuSerif.ttf", "left", 96, 58, "left", False,
    ),
    ("dark_cinematic", "light"): Style(
        "dark_cinematic", "light", (236, 228, 214), (206, 194, 176), (28, 24, 30), (120, 72, 24),
        FONTS / "DejaVuSerif-Bold.ttf", FONTS / "DejaVuSerif.ttf", "left", 96, 58, "left", False,
    ),
    ("light_clean", "light"): Style(
        "light_clean", "light", (250, 250, 247), (236, 241, 244), (33, 37, 41), (46, 125, 140),
        FONTS / "DejaVuSansCondensed.ttf", FONTS / "DejaVuSans.ttf", "center", 84, 54, "top", False,
    ),
    ("light_clean", "dark"): Style(
        "light_clean", "dark", (32, 38, 44), (24, 28, 34), (236, 240, 242), (120, 200, 210),
        FONTS / "DejaVuSansCondensed.ttf", FONTS / "DejaVuSans.ttf", "center", 84, 54, "top", False,
    ),
    ("vibrant_bold", "light"): Style(
        "vibrant_bold", "light", (255, 214, 0), (255, 160, 40), (20, 16, 40), (200, 20, 90),
        FONTS / "DejaVuSans-Bold.ttf", FONTS / "DejaVuSans-Bold.ttf", "center", 112, 62, "frame", True,
    ),
    ("vibrant_bold", "dark"): Style(
        "vibrant_bold", "dark", (88, 18, 150), (200, 30, 110), (255, 255, 255), (255, 214, 0),
        FONTS / "DejaVuSans-Bold.ttf", FONTS / "DejaVuSans-Bold.ttf", "center", 112, 62, "frame", True,
    ),
}  # fmt: skip
STYLE_NAMES = tuple(sorted({name for name, _ in _STYLES}))


def style_for(visual_style: str, variant: str = "dark") -> Style:
    """The design of a visual style in a variant; unknown styles fall back to light_clean."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    return _STYLES.get((visual_style, variant)) or _STYLES[("light_clean", variant)]


def variant_for(visual_style: str, seed: str) -> str:
    """A post's variant: its style's natural one, alternating by post for light_clean and
    vibrant_bold so a feed does not look the same every day (dark_cinematic stays dark)."""
    if visual_style == "dark_cinematic":
        return "dark"
    return VARIANTS[sum(seed.encode()) % 2]
