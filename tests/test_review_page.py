"""The review page in a real headless browser (Debian chromium driven by Playwright) over a real run:
real Whisper transcript of the Arabic sample, real burn, real OCR of the re-burned frame.

One server and one browser for the module; the tests share the run folder and go in order (the round trip
edits the file the later tests start from).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ocr import reads_right

pytest.importorskip("playwright")
uvicorn = pytest.importorskip("uvicorn")
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

from pipeline.batch import run_batch  # noqa: E402
from pipeline.options import Options  # noqa: E402
from pipeline.server.app import create_app  # noqa: E402
from pipeline.server.library import Library  # noqa: E402
from pipeline.subtitles import format_timestamp  # noqa: E402

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
# browser-tests.md: without the background-networking flags Chromium keeps trying to reach the closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]
TOKEN = "page-test-token"
BRAND_LINE = "جربت LibanTroc وكانت تجربة رائعة!"  # typed in logical order: Arabic, Latin brand, Arabic
LINE_2 = "أن يكون جاذبا للمواطن"
LINE_3 = "شكرا"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("review")
    videos, out = tmp / "videos", tmp / "subtitles"
    videos.mkdir()
    shutil.copy(ROOT / "videos" / "sample_ar.mp4", videos / "clip.mp4")
    # The language detected, so Whisper gets no glossary prompt: the pages below start from its one 0-7 s cue.
    # (Forced to ar, the glossary's names bias the decode and the last word ends at 7.08 s: two cues.)
    opts = Options(out_dir=out, targets=(), jobs=1, progress=False)
    [result] = run_batch([videos], opts)  # what `make subtitles` does: transcribe, write, burn
    assert not result.failed, result
    library = Library([videos], opts)
    config = uvicorn.Config(create_app(library, TOKEN), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield {"url": f"http://127.0.0.1:{port}/?token={TOKEN}", "out": out, "videos": videos, "opts": opts}
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium not installed: `make test` installs it (tools/system-deps.sh --test)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_video(browser: Browser, site: dict, listed_as: str | None = None) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site["url"])
    expect(page.locator("body")).to_have_attribute("data-ready", "1", timeout=20_000)
    if listed_as:  # the list says what `make status` says
        expect(page.locator("tr[data-video='clip'] [data-status]")).to_have_attribute("data-status",
                                                                                      listed_as)
        expect(page.locator("tr[data-video='clip'] [data-lang='ar']")).to_contain_text(
            re.compile(r"QC .+, reviewed 0/1"))
    page.click("tr[data-video='clip'] a[href^='#/video/']")
    expect(page.locator("body")).to_have_attribute("data-ready", "1", timeout=30_000)
    page.wait_for_function("document.querySelector('#player').readyState >= 1", timeout=20_000)
    page.errors = errors  # type: ignore[attr-defined]
    return page


def row(page: Page, n: int, lang: str = "ar"):  # noqa: ANN201
    return page.locator(f".track[data-lang='{lang}'] .cue[data-cue='{n}']")


def seek(page: Page, seconds: float) -> None:
    page.evaluate(f"document.querySelector('#player').currentTime = {seconds}")
    page.wait_for_function(f"Math.abs(document.querySelector('#player').currentTime - {seconds}) < 0.05")


def caret_to_line(page: Page, n: int, line: int) -> None:
    """Click into cue n's text and put the caret at the start of `line` (0-based) with the keyboard."""
    text = row(page, n).locator("[data-field='text']")
    text.click()
    page.keyboard.press("Control+Home")
    for _ in range(line):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Home")


def ocr_bottom(video: Path, t: float) -> str:
    png = video.with_suffix(".ocr.png")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", str(t), "-i", str(video), "-frames:v", "1", "-vf",
                    "crop=iw:ih*0.4:0:ih*0.6,format=gray,lut=y='if(gte(val,170),0,255)',scale=iw*3:-1",
                    str(png)],
                   check=True)
    return subprocess.run(["tesseract", str(png), "stdout", "-l", "ara+eng", "--psm", "6"],
                          capture_output=True, text=True, check=True).stdout


def test_round_trip_edit_retime_split_merge_save_burn(browser: Browser, site: dict) -> None:
    out, srt = site["out"], site["out"] / "clip.ar.srt"
    page = open_video(browser, site, listed_as="done")
    expect(page.locator(".track[data-lang='ar'] .cue")).to_have_count(1)  # Whisper gave one 7 s cue

    # Live QC from the server's rules: an over-long line is flagged on the row as the reviewer types.
    text1 = row(page, 1).locator("[data-field='text']")
    expect(text1).to_have_attribute("dir", "rtl")
    text1.fill("ب" * 50)
    expect(row(page, 1)).to_have_attribute("data-qc", re.compile(r"\bchars_per_line\b"))
    # The Arabic line with a Latin brand inside, then two more lines; the file must keep this logical order.
    # Typed as a reviewer would: the Arabic words first, then the brand inserted between them with the caret
    # put after "جربت " (logical index 5), whatever that position looks like on screen.
    text1.fill("")
    text1.click()
    page.keyboard.type(f"{BRAND_LINE.replace('LibanTroc ', '')}\n{LINE_2}\n{LINE_3}")
    text1.evaluate("t => t.setSelectionRange(5, 5)")
    page.keyboard.type("LibanTroc ")
    expect(text1).to_have_value(f"{BRAND_LINE}\n{LINE_2}\n{LINE_3}")
    expect(row(page, 1)).not_to_have_attribute("data-qc", re.compile(r"chars_per_line"))

    # Split at the text cursor (start of line 2) with the playhead at 3 s: cue 1 ends there, cue 2 starts a
    # minimum gap (83 ms) later; then split again before line 3 at 5 s, and merge cue 2 with cue 3.
    seek(page, 3.0)
    caret_to_line(page, 1, 1)
    page.keyboard.press("Alt+s")
    expect(page.locator(".track[data-lang='ar'] .cue")).to_have_count(2)
    seek(page, 5.0)
    caret_to_line(page, 2, 1)
    page.click("#toolbar [data-action='split']")
    expect(page.locator(".track[data-lang='ar'] .cue")).to_have_count(3)
    expect(row(page, 3)).to_have_attribute("data-start-ms", "5083")
    row(page, 2).locator(".num").click()
    page.click("#toolbar [data-action='merge']")
    expect(page.locator(".track[data-lang='ar'] .cue")).to_have_count(2)
    expect(row(page, 2)).to_have_attribute("data-start-ms", "3083")
    expect(row(page, 2)).to_have_attribute("data-end-ms", "7000")
    expect(row(page, 1)).to_have_attribute("data-end-ms", "3000")

    # Clicking a cue seeks the player to it.
    seek(page, 0.5)
    row(page, 2).locator(".num").click()
    page.wait_for_function("Math.abs(document.querySelector('#player').currentTime * 1000 - 3083) < 30")
    expect(row(page, 2)).to_have_class(re.compile(r"\bcurrent\b"))

    # Retime cue 1 by keyboard: start +100 ms twice, end -100 ms.
    row(page, 1).locator(".num").click()
    page.keyboard.press("Alt+Period")
    page.keyboard.press("Alt+Period")
    page.keyboard.press("Alt+Shift+Comma")
    expect(row(page, 1)).to_have_attribute("data-start-ms", "200")
    expect(row(page, 1)).to_have_attribute("data-end-ms", "2900")

    # Retime cue 2 by dragging its right edge on the waveform, 40 px to the left (80 px per second).
    handle = page.locator("#waveform [part~='cue-1'] [part~='region-handle-right']")
    expect(handle).to_be_visible()  # the cue's region is drawn on the waveform with a draggable edge
    box = handle.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0, box
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 9):
        page.mouse.move(x - 5 * k, y)
    page.mouse.up()
    page.wait_for_function("Number(document.querySelector(\".track[data-lang='ar'] .cue[data-cue='2']\")"
                           ".dataset.endMs) < 6900")
    dragged_end = int(row(page, 2).get_attribute("data-end-ms") or 0)
    assert 6300 <= dragged_end <= 6700, dragged_end

    row(page, 1).locator("[data-field='reviewed']").check()
    expect(page.locator(".track[data-lang='ar'] [data-progress]")).to_have_attribute("data-progress", "1/2")
    page.keyboard.press("Control+s")
    expect(page.locator("#status-line")).to_have_text("saved ar")

    expected = (f"1\n00:00:00,200 --> 00:00:02,900\n{BRAND_LINE}\n\n"
                f"2\n00:00:03,083 --> {format_timestamp(dragged_end)}\n{LINE_2}\n{LINE_3}\n").encode()
    assert srt.read_bytes() == expected

    # Burn from the page (the `make burn` code path), which then plays the burned video.
    page.click("[data-action='burn']")
    expect(page.locator("#burn-state")).to_have_attribute("data-state", "done", timeout=180_000)
    expect(page.locator("#burn-state")).to_have_text(re.compile(r"burned: ar \(done\)"))  # not "up to date"
    # ffmpeg's own progress reached the page (its last report is near the end, not a made-up 100)
    expect(page.locator("#burn-state")).to_have_attribute("data-percent", re.compile(r"^(9\d|100)$"))
    page.wait_for_function("document.querySelector('#player').currentSrc.includes('/burned/ar')")
    raw = ocr_bottom(out / "clip.ar.mp4", 1.5)
    assert re.search(r"Liban\s?Troc", raw, re.IGNORECASE), raw
    first_line = next(line for line in raw.splitlines() if "Troc" in line)
    ok, detail = reads_right(BRAND_LINE, first_line, "ar", mixed=True)  # words in order, "!" at the end
    assert ok, detail

    # `make subtitles` again: the reviewer's file is kept byte for byte.
    [again] = run_batch([site["videos"]], site["opts"])
    assert not again.failed
    assert srt.read_bytes() == expected
    assert not page.errors, page.errors  # type: ignore[attr-defined]
    page.context.close()


def test_conflicting_save_is_refused(browser: Browser, site: dict) -> None:
    srt = site["out"] / "clip.ar.srt"
    page = open_video(browser, site)
    row(page, 1).locator("[data-field='text']").fill("نص من الصفحة")
    # Meanwhile a text editor (or a second reviewer) saves the file.
    theirs = srt.read_text(encoding="utf-8").replace(LINE_3, "شكرا جزيلا")
    srt.write_text(theirs, encoding="utf-8")
    page.click("#toolbar [data-action='save']")
    expect(page.locator("[data-conflict='ar']")).to_be_visible()
    assert srt.read_text(encoding="utf-8") == theirs
    page.click("[data-action='compare']")
    expect(page.locator("[data-diff]")).to_contain_text("نص من الصفحة")
    page.click("[data-action='reload']")
    expect(row(page, 2).locator("[data-field='text']")).to_have_value(f"{LINE_2}\nشكرا جزيلا")
    page.context.close()


def test_draft_comes_back_after_reload(browser: Browser, site: dict) -> None:
    page = open_video(browser, site)
    row(page, 2).locator("[data-field='text']").fill("مسودة لم تحفظ")
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "1", timeout=30_000)
    page.click("[data-action='restore-draft']")
    expect(row(page, 2).locator("[data-field='text']")).to_have_value("مسودة لم تحفظ")
    page.context.close()


def test_speech_without_a_cue_is_marked_and_can_get_one(browser: Browser, site: dict,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # A span the VAD cannot give on this sample (its speech is all captioned): stand in at the one server
    # function.
    from pipeline.server import library

    monkeypatch.setattr(library, "uncovered_speech", lambda spans, cues: [(6600, 6990)])
    page = open_video(browser, site)
    expect(page.locator("#waveform [part~='speech-0']")).to_have_count(1)
    before = page.locator(".track[data-lang='ar'] .cue").count()
    page.click("[data-action='add-at-speech'][data-start-ms='6600']")
    expect(page.locator(".track[data-lang='ar'] .cue")).to_have_count(before + 1)
    added = page.locator(".track[data-lang='ar'] .cue[data-start-ms='6600'][data-end-ms='6990']")
    expect(added).to_have_count(1)
    expect(added.locator("[data-field='text']")).to_be_focused()
    expect(added).to_have_attribute("data-qc", re.compile(r"\bempty_cue\b"))  # until the words are typed
    page.context.close()


def test_keyboard_first(browser: Browser, site: dict) -> None:
    page = open_video(browser, site)
    row(page, 1).locator(".num").click()
    page.keyboard.press("Alt+ArrowDown")  # next cue: selected and sought
    expect(row(page, 2)).to_have_class(re.compile(r"\bselected\b"))
    start2 = int(row(page, 2).get_attribute("data-start-ms") or 0)
    page.wait_for_function(f"Math.abs(document.querySelector('#player').currentTime * 1000 - {start2}) < 30")
    seek(page, 3.5)
    page.keyboard.press("Alt+i")  # start of the selected cue to the playhead
    expect(row(page, 2)).to_have_attribute("data-start-ms", re.compile(r"^35\d\d$"))
    page.keyboard.press("Alt+ArrowLeft")  # back 2 s
    page.wait_for_function("Math.abs(document.querySelector('#player').currentTime - 1.5) < 0.1")
    page.keyboard.press("F1")
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()
    page.locator("#speed").select_option("1.5")
    page.keyboard.press("Control+Space")
    page.wait_for_function("!document.querySelector('#player').paused")
    assert page.evaluate("document.querySelector('#player').playbackRate") == 1.5
    page.keyboard.press("Control+Space")
    page.wait_for_function("document.querySelector('#player').paused")
    page.context.close()
