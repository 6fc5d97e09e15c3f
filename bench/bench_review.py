"""The review page in Debian's Chromium: time until a 10-minute video with 200 cues (Arabic + French beside
it) is usable, and the save round trip (edit, Ctrl+S, "saved" shown), each against the 7 s sample with 2 cues
measured in the same run. Also saves the screenshots a person checks (1280x800): the video list, and the
Arabic sample with French beside it.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import threading
import time
from pathlib import Path

from bench.common import MEDIA, ROOT
from pipeline.options import Options
from pipeline.subtitles import srt_to_string
from pipeline.types import Cue

LONG_S, CUES = 600, 200
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
AR = ("جربت LibanTroc وكانت تجربة رائعة!", "قلت لنفسي: I Make This! ثم بدأت.")
FR = ("J'ai essayé LibanTroc et c'était génial\u202f!", "Je me suis dit\u202f: I Make This\u202f!")
# The Arabic sample as Whisper heard it (one 7 s cue), cut in two as a reviewer would, and a French
# translation.
SAMPLE_AR = [Cue(0, 3400, ("أتاحة للبائع المتجولي",)),
             Cue(3483, 7000, ("أن يكون جاذبا للمواطن", "الأقل دخلا"))]
SAMPLE_FR = [Cue(0, 3400, ("Permettre au vendeur ambulant",)),
             Cue(3483, 7000, ("d’attirer les citoyens", "aux revenus modestes"))]


def make_long_video(path: Path) -> None:
    """10 minutes: a still frame and real Arabic speech looped (so the waveform has speech in it)."""
    speech = MEDIA / "audio" / "ar-msa_asc_ARA-NORM-0001.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                    f"color=c=0x203040:s=640x360:r=25:d={LONG_S}", "-stream_loop", "-1", "-i", str(speech),
                    "-t", str(LONG_S), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
                   check=True)


def long_track(lines: tuple[str, str]) -> list[Cue]:
    step = LONG_S * 1000 // CUES
    return [Cue(k * step, k * step + step - 83, (lines[k % 2],)) for k in range(CUES)]


def serve(videos: Path, out: Path, token: str):  # noqa: ANN201
    import uvicorn

    from pipeline.server.app import create_app
    from pipeline.server.library import Library

    # a cache of its own (emptied with workdir): the first visit really computes the waveform
    opts = Options(out_dir=out, cache_dir=out.parent / "cache")
    server = uvicorn.Server(uvicorn.Config(create_app(Library([videos], opts), token),
                                           host="127.0.0.1", port=0, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, server.servers[0].sockets[0].getsockname()[1]


def usable_s(page, base: str, vid: str, n_cues: int) -> float:  # noqa: ANN001
    """From navigation to: cue rows drawn, waveform drawn, video metadata loaded, QC applied."""
    page.goto("about:blank")
    started = time.perf_counter()
    page.goto(f"{base}#/video/{vid}?lang=ar&with=fr")
    page.wait_for_selector("body[data-ready='1']", timeout=120_000)
    page.wait_for_function(f"document.querySelectorAll(\".track[data-lang='ar'] .cue\").length === {n_cues}"
                           " && document.querySelector('#player').readyState >= 1"
                           " && document.querySelector(\".track[data-lang='ar'] .qc-sum\")"
                           ".textContent !== ''",
                           timeout=120_000)
    return time.perf_counter() - started


def save_s(page, n: int = 5) -> float:  # noqa: ANN001
    times = []
    area = page.locator(".track[data-lang='ar'] .cue[data-cue='1'] [data-field='text']")
    for k in range(n):
        area.fill(f"{AR[0]} {k}")
        started = time.perf_counter()
        page.keyboard.press("Control+s")
        page.wait_for_function("document.querySelector('#status-line').textContent === 'saved ar'",
                               timeout=60_000)
        times.append(time.perf_counter() - started)
        page.evaluate("document.querySelector('#status-line').textContent = ''")
    return statistics.median(times)


def main(workdir: Path) -> str:
    from playwright.sync_api import sync_playwright

    if workdir.exists():
        shutil.rmtree(workdir)
    videos, out = workdir / "videos", workdir / "subtitles"
    videos.mkdir(parents=True)
    out.mkdir()
    make_long_video(videos / "long.mp4")
    shutil.copy(ROOT / "videos" / "sample_ar.mp4", videos / "sample.mp4")
    for stem, ar, fr in (("long", long_track(AR), long_track(FR)), ("sample", SAMPLE_AR, SAMPLE_FR)):
        (out / f"{stem}.ar.srt").write_text(srt_to_string(ar), encoding="utf-8")
        (out / f"{stem}.fr.srt").write_text(srt_to_string(fr), encoding="utf-8")
    token = "bench"
    server, port = serve(videos, out, token)
    base = f"http://127.0.0.1:{port}/?token={token}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(base)
            page.wait_for_selector("body[data-ready='1']")
            page.screenshot(path=str(workdir / "list.png"))
            # first visit of each computes the waveform peaks on the server (cached afterwards)
            first_long, first_short = usable_s(page, base, "long", CUES), usable_s(page, base, "sample", 2)
            long_t = statistics.median(usable_s(page, base, "long", CUES) for _ in range(3))
            short_t = statistics.median(usable_s(page, base, "sample", 2) for _ in range(3))
            page.evaluate("document.querySelector('#player').currentTime = 4.2")
            page.wait_for_timeout(500)
            page.screenshot(path=str(workdir / "video-ar-fr.png"))
            short_save = save_s(page)
            usable_s(page, base, "long", CUES)
            long_save = save_s(page)
            browser.close()
    finally:
        server.should_exit = True
    return "\n".join([
        f"10-minute video, {CUES} cues in Arabic + {CUES} in French beside it, vs the 7 s sample with 2 + 2 "
        f"cues:", "",
        "| | 7 s, 2 cues | 10 min, 200 cues | ratio |",
        "|---|---|---|---|",
        f"| page usable, first visit (waveform computed) | {first_short:.2f} s | {first_long:.2f} s | "
        f"{first_long / first_short:.1f}x |",
        f"| page usable, median of 3 | {short_t:.2f} s | {long_t:.2f} s | {long_t / short_t:.1f}x |",
        f"| save round trip (edit, Ctrl+S, 'saved'), median of 5 | {short_save * 1000:.0f} ms | "
        f"{long_save * 1000:.0f} ms | {long_save / short_save:.1f}x |",
        "",
        f"Screenshots (1280x800): {workdir / 'list.png'}, {workdir / 'video-ar-fr.png'}",
    ])
