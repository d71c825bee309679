"""`make bench-media`: CPU seconds and peak memory of rendering, per visual style, on one core,
against a naive renderer run in the same process tree.

Items: a carousel of 7 slides (cover, 5 lines, closing) and a 12 s reel (title, 3 lines,
handle). Each item runs in a fresh child process pinned to one encoder thread, so its CPU time
is one core's and its peak RSS is its own. The naive baseline composes every frame from scratch
and round-trips it through PNG (encode, decode) before encoding, as a first renderer would;
it runs on 2 s of reel (60 frames) and the ratio compares CPU per frame. Targets (issue 10):
carousel <= 1.5 s, reel <= 6 s, peak <= 400 MB.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

TITLE = "Why Experts Say Sleep Matters More Than You Think"
LINES = (
    "Did you know sleep could be the reason you feel off lately?",
    "Here is what the evidence actually shows.",
    "Start small with sleep and repeat it daily for a week.",
    "Track one change in sleep and notice how you feel.",
    "Pair sleep with a habit you already have.",
)
NAIVE_FRAMES = 60
TARGETS = {"carousel": 1.5, "reel": 6.0, "peak_mb": 400}


def _measure(item: str, style_name: str, queue) -> None:
    import toby_pipelines.media.reel as reel_module
    from toby_pipelines.media.carousel import carousel_frames, jpeg_bytes
    from toby_pipelines.media.styles import style_for

    reel_module.THREADS = 1  # one core
    style = style_for(style_name, "dark" if style_name != "light_clean" else "light")
    started = time.process_time()
    frames = 0
    with tempfile.TemporaryDirectory() as directory:
        if item == "carousel":
            slides = carousel_frames(style, TITLE, LINES, "glowdaily", "Glow Daily")
            for slide in slides:
                jpeg_bytes(slide)
            frames = len(slides)
        elif item == "reel":
            scenes = reel_module.reel_scenes(style, TITLE, LINES[:3], "glowdaily", "Glow Daily")
            reel = reel_module.render_reel(style, scenes, Path(directory) / "reel.mp4")
            frames = round(reel.duration_s * reel_module.FPS)
        elif item == "naive_carousel":
            frames = _naive_carousel(style)
        else:
            frames = _naive_reel(style, Path(directory) / "naive.mp4")
    cpu = time.process_time() - started
    queue.put({"cpu_s": cpu, "frames": frames,
               "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})  # fmt: skip


def _naive_carousel(style) -> int:
    from PIL import Image

    from toby_pipelines.media.carousel import carousel_frames

    count = 0
    for index in range(7):  # recompose the whole carousel for every slide, PNG round trip
        slide = carousel_frames(style, TITLE, LINES, "glowdaily", "Glow Daily")[index]
        png = io.BytesIO()
        slide.image.save(png, "PNG")
        Image.open(io.BytesIO(png.getvalue())).convert("RGB").save(io.BytesIO(), "JPEG", quality=90)
        count += 1
    return count


def _naive_reel(style, path: Path) -> int:
    import av
    from PIL import Image

    import toby_pipelines.media.reel as reel_module
    from toby_pipelines.media.compose import REEL, Copy, compose

    with av.open(str(path), mode="w") as output:
        stream = output.add_stream("libx264", rate=reel_module.FPS)
        stream.width, stream.height, stream.pix_fmt = REEL.width, REEL.height, "yuv420p"
        stream.thread_count = 1
        stream.options = {"preset": reel_module.PRESET}
        for index in range(NAIVE_FRAMES):
            frame = compose(style, REEL, Copy(LINES[index // 20]))  # composed anew every frame
            png = io.BytesIO()
            frame.image.save(png, "PNG")
            image = Image.open(io.BytesIO(png.getvalue())).convert("RGB")
            video_frame = av.VideoFrame.from_image(image)
            video_frame.pts = index
            for packet in stream.encode(video_frame):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return NAIVE_FRAMES


def _run(item: str, style_name: str) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_measure, args=(item, style_name, queue))
    process.start()
    result = queue.get(timeout=600)
    process.join()
    return result


def main() -> int:
    from toby_pipelines.media.styles import STYLE_NAMES

    results = []
    print(f"{'style':<15} {'item':<9} {'cpu s':>7} {'target':>7} {'peak MB':>8} {'cpu/frame ms':>13} {'naive/ours':>11}")  # fmt: skip
    for style_name in STYLE_NAMES:
        for item in ("carousel", "reel"):
            ours = _run(item, style_name)
            naive = _run(f"naive_{item}", style_name)
            per_frame = ours["cpu_s"] / ours["frames"] * 1000
            naive_per_frame = naive["cpu_s"] / naive["frames"] * 1000
            row = {
                "style": style_name,
                "item": item,
                "cpu_s": round(ours["cpu_s"], 2),
                "target_cpu_s": TARGETS[item],
                "peak_mb": round(ours["peak_mb"], 1),
                "ms_per_frame": round(per_frame, 2),
                "naive_ms_per_frame": round(naive_per_frame, 2),
                "naive_ratio": round(naive_per_frame / per_frame, 1),
                "met": ours["cpu_s"] <= TARGETS[item] and ours["peak_mb"] <= TARGETS["peak_mb"],
            }
            results.append(row)
            print(f"{style_name:<15} {item:<9} {row['cpu_s']:>7} {TARGETS[item]:>7} {row['peak_mb']:>8}"
                  f" {row['ms_per_frame']:>13} {row['naive_ratio']:>10}x")  # fmt: skip
    print(json.dumps({"bench": "media", "one_core": True, "results": results}))
    return 0 if all(r["met"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
