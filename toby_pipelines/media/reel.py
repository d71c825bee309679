"""A reel: 1080x1920 MP4, H.264 video and AAC audio, 30 fps, 6-20 s — one scene per content line
(the title first, the handle last), each fading in, with a progress bar that moves through the
reel. Within Instagram's published reel specifications: H.264 High profile, yuv420p,
closed GOP, 30 fps, AAC at 48 kHz, the moov atom first (faststart).

Fast by design: each scene is composed once and converted to YUV once; a frame is then a copy
of the scene's planes with the bar written into the luma and chroma planes, and only the first
frames of a scene are blended with the one before. No frame is encoded to PNG and read back.

PyAV is imported where a reel is encoded, not with the module: every Dagster run loads the
definitions that import this module, and most of them (the tick every five minutes) render
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from toby_pipelines.media.compose import REEL, Copy, Frame, background, compose, photo_background
from toby_pipelines.media.styles import Style

FPS = 30
PRESET = "superfast"  # static slides: quality holds, a quarter less CPU than veryfast
THREADS = 0  # 0: as many as FFmpeg likes; the benchmark pins 1
MIN_SECONDS, MAX_SECONDS = 6.0, 20.0
SECONDS_PER_SCENE = 2.4
FADE_FRAMES = 8
SAMPLE_RATE = 48000
BAR_HEIGHT = 12
BAR_Y = 1560  # below the text's safe area, above the reel's caption overlay


@dataclass(frozen=True)
class Reel:
    path: Path
    duration_s: float
    scenes: list[Frame]


def reel_scenes(
    style: Style,
    title: str,
    lines: Sequence[str],
    handle: str,
    brand_name: str,
    photo: Image.Image | None = None,
) -> list[Frame]:
    body = [line for line in lines if line.strip()][:7]
    base = photo_background(photo, style, REEL) if photo else background(style, REEL)
    copies = [Copy(title, kicker=brand_name, is_title=True)]
    copies += [Copy(line) for line in body]
    copies.append(Copy(f"Follow @{handle.lstrip('@')}", kicker=brand_name, is_title=True))
    return [compose(style, REEL, copy, base) for copy in copies]


def scene_seconds(scene_count: int) -> float:
    total = min(MAX_SECONDS, max(MIN_SECONDS, scene_count * SECONDS_PER_SCENE))
    return total / scene_count


def render_reel(
    style: Style, scenes: list[Frame], destination: Path, seconds_per_scene: float | None = None
) -> Reel:
    """Encode the scenes into an MP4 at `destination` (a file: faststart rewrites it)."""
    import av  # see the module docstring

    per_scene = seconds_per_scene or scene_seconds(len(scenes))
    frames_per_scene = round(per_scene * FPS)
    total_frames = frames_per_scene * len(scenes)
    planes = [_yuv(scene) for scene in scenes]
    with av.open(
        str(destination), mode="w", format="mp4", options={"movflags": "+faststart"}
    ) as output:
        video = output.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = REEL.width, REEL.height, "yuv420p"
        video.thread_count = THREADS
        video.options = {"preset": PRESET, "tune": "stillimage", "crf": "23", "g": "60",
                         "profile": "high", "x264-params": "open-gop=0"}  # fmt: skip
        audio = output.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
        accent_y, accent_u, accent_v = _yuv_color(style.accent)
        index = 0
        for number, scene in enumerate(planes):
            previous = planes[number - 1] if number else scene
            for step in range(frames_per_scene):
                if step < FADE_FRAMES and number:
                    weight = round(256 * (step + 1) / (FADE_FRAMES + 1))
                    mixed = previous.astype(np.uint16) * (256 - weight)
                    mixed += scene.astype(np.uint16) * weight
                    frame = (mixed >> 8).astype(np.uint8)
                else:
                    frame = scene.copy()
                _bar(frame, index / max(1, total_frames - 1), accent_y, accent_u, accent_v)
                video_frame = av.VideoFrame.from_ndarray(frame, format="yuv420p")
                video_frame.pts = index
                for packet in video.encode(video_frame):
                    output.mux(packet)
                index += 1
        for packet in video.encode(None):
            output.mux(packet)
        _write_audio(output, audio, total_frames / FPS)
    return Reel(destination, total_frames / FPS, scenes)


def _yuv(scene: Frame) -> np.ndarray:
    import av

    return av.VideoFrame.from_image(scene.image).reformat(format="yuv420p").to_ndarray()


def _yuv_color(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = rgb
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
    return round(y), round(u), round(v)


def _bar(frame: np.ndarray, progress: float, y: int, u: int, v: int) -> None:
    """The progress bar, written into the Y plane and the quarter-size U and V planes."""
    height, width = REEL.height, REEL.width
    left, right = REEL.safe[0], REEL.safe[0] + round((REEL.safe[2] - REEL.safe[0]) * progress)
    frame[BAR_Y : BAR_Y + BAR_HEIGHT, left:right] = y
    chroma_top = height + BAR_Y // 4  # U and V planes follow Y, each (height/4) rows of width
    rows = BAR_HEIGHT // 4
    for plane, value in ((0, u), (1, v)):
        base = chroma_top + plane * (height // 4)
        # A chroma row of `width` values holds two half-width image rows side by side.
        for half in (0, width // 2):
            frame[base : base + rows, half + left // 2 : half + right // 2] = value


def _write_audio(output, stream, seconds: float) -> None:
    """A quiet, slowly breathing pad (A minor triad): reels without sound are demoted."""
    import av

    samples = int(seconds * SAMPLE_RATE)
    t = np.arange(samples, dtype=np.float32) / SAMPLE_RATE
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 261.63, 329.63))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 0.25 * t - np.pi / 2)
    fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.5)
    wave = (0.08 * chord * envelope * fade).astype(np.float32)
    size = stream.codec_context.frame_size or 1024
    for start in range(0, samples, size):
        chunk = wave[start : start + size]
        frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = start
        for packet in stream.encode(frame):
            output.mux(packet)
    for packet in stream.encode(None):
        output.mux(packet)
