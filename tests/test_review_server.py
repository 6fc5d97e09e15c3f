"""The review page's HTTP API over a real video and hand-written SRTs: reading, QC, saving, conflicts, and
every security refusal (token, paths, links, languages, body size, malformed data)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from pipeline import review, subtitles  # noqa: E402
from pipeline.cache import file_sha256  # noqa: E402
from pipeline.options import Options  # noqa: E402
from pipeline.server.app import MAX_BODY, create_app  # noqa: E402
from pipeline.server.errors import BadRequest  # noqa: E402
from pipeline.server.library import Library  # noqa: E402
from pipeline.server.payload import cue_to_json, cues_from_json  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "videos" / "sample_ar.mp4"
TOKEN = "t0ken-for-tests"
# Hand-written: two Arabic cues, the second with a Latin brand inside (logical order, as typed).
AR_SRT = ("1\n00:00:00,500 --> 00:00:02,500\nمرحبا بكم\n\n"
          "2\n00:00:02,583 --> 00:00:05,000\nجربت LibanTroc وكانت تجربة رائعة!\n")


@pytest.fixture
def site(tmp_path: Path) -> dict:
    videos, out = tmp_path / "videos", tmp_path / "subtitles"
    videos.mkdir()
    out.mkdir()
    shutil.copy(SAMPLE, videos / "clip.mp4")
    (out / "clip.ar.srt").write_text(AR_SRT, encoding="utf-8")
    library = Library([videos], Options(out_dir=out))
    client = TestClient(create_app(library, TOKEN), headers={"X-Review-Token": TOKEN})
    return {"client": client, "out": out, "videos": videos, "tmp": tmp_path, "library": library}


def test_list_and_track(site: dict) -> None:
    c = site["client"]
    listing = c.get("/api/videos").json()["videos"]
    assert [v["id"] for v in listing] == ["clip"]
    assert listing[0]["status"] == "new"  # never run: what `status` says
    assert listing[0]["languages"]["ar"]["cues"] == 2
    track = c.get("/api/videos/clip/subtitles/ar").json()
    assert track["rtl"] is True
    assert track["sha256"] == file_sha256(site["out"] / "clip.ar.srt")
    assert track["cues"][1] == {"start_ms": 2583, "end_ms": 5000,
                                "lines": ["جربت LibanTroc وكانت تجربة رائعة!"]}
    detail = c.get("/api/videos/clip").json()
    assert detail["preset"] == "landscape" and detail["width"] == 640
    # the hand-written cues stop at 5 s; the speaker goes on to 6.98 s (the sample's last word)
    (gap,) = detail["speech_without_subtitle"]
    assert gap["start_ms"] == 5000 and gap["end_ms"] >= 6980


def test_media_answers_range_requests(site: dict) -> None:
    r = site["client"].get("/api/videos/clip/media", headers={"Range": "bytes=100-199"})
    assert r.status_code == 206
    assert r.content == SAMPLE.read_bytes()[100:200]


def test_qc_uses_check_rules(site: dict) -> None:
    # 43 characters on one line (max 42 for ar landscape), 0.5 s on screen (min 833 ms), overlapping cue 2
    cues = [{"start_ms": 0, "end_ms": 500, "lines": ["ب" * 43]},
            {"start_ms": 400, "end_ms": 2000, "lines": ["نص"]}]
    found = site["client"].post("/api/videos/clip/qc/ar", json={"cues": cues}).json()["findings"]
    codes = {(f["cue"], f["code"]) for f in found}
    assert {(1, "chars_per_line"), (1, "too_short"), (1, "overlap")} <= codes


def test_save_writes_srt_bytes_and_marks(site: dict) -> None:
    c, path = site["client"], site["out"] / "clip.ar.srt"
    base = c.get("/api/videos/clip/subtitles/ar").json()["sha256"]
    cues = [{"start_ms": 500, "end_ms": 2500, "lines": ["مرحبا بكم"]},
            {"start_ms": 2583, "end_ms": 5200, "lines": ["جربت LibanTroc", "وكانت تجربة رائعة!"]}]
    r = c.put("/api/videos/clip/subtitles/ar",
              json={"cues": cues, "base_sha256": base, "reviewed": [True, False]})
    assert r.status_code == 200, r.text
    assert path.read_bytes() == ("1\n00:00:00,500 --> 00:00:02,500\nمرحبا بكم\n\n"
                                 "2\n00:00:02,583 --> 00:00:05,200\nجربت LibanTroc\nوكانت تجربة رائعة!\n"
                                 ).encode()
    # the saved file is the reviewer's: the pipeline never writes over it
    assert review.Manifest(site["out"]).state(path).reviewer_owned
    again = c.get("/api/videos/clip/subtitles/ar").json()
    assert again["reviewed"] == [True, False]
    assert c.get("/api/videos").json()["videos"][0]["languages"]["ar"]["reviewed"] == 1


def test_conflicting_save_is_refused(site: dict) -> None:
    c, path = site["client"], site["out"] / "clip.ar.srt"
    base = c.get("/api/videos/clip/subtitles/ar").json()["sha256"]
    path.write_text(AR_SRT.replace("مرحبا بكم", "أهلا"), encoding="utf-8")  # a text editor saved meanwhile
    before = path.read_bytes()
    cues = [{"start_ms": 500, "end_ms": 2500, "lines": ["نص جديد"]}]
    r = c.put("/api/videos/clip/subtitles/ar", json={"cues": cues, "base_sha256": base})
    assert r.status_code == 409
    assert "changed on disk" in r.json()["error"]
    assert r.json()["current"]["cues"][0]["lines"] == ["أهلا"]
    assert path.read_bytes() == before


def test_new_language_file_needs_null_base(site: dict) -> None:
    c = site["client"]
    cues = [{"start_ms": 500, "end_ms": 2500, "lines": ["Bonjour"]}]
    assert c.put("/api/videos/clip/subtitles/fr",
                 json={"cues": cues, "base_sha256": "x" * 64}).status_code == 409
    assert c.put("/api/videos/clip/subtitles/fr", json={"cues": cues, "base_sha256": None}).status_code == 200
    assert ((site["out"] / "clip.fr.srt").read_text(encoding="utf-8")
            == "1\n00:00:00,500 --> 00:00:02,500\nBonjour\n")


# ------------------------------------------------------------------------------------------------- security

def test_token_is_required(site: dict) -> None:
    app = site["client"].app
    bare = TestClient(app)
    for url in ("/api/videos", "/api/videos/clip/media", "/static/app.js", "/"):
        assert bare.get(url).status_code == 403, url
    assert bare.get("/api/videos", headers={"X-Review-Token": "wrong"}).status_code == 403
    first = bare.get(f"/?token={TOKEN}")  # the printed URL: sets the cookie the page then sends
    assert first.status_code == 200
    assert bare.get("/api/videos").status_code == 200
    fresh = TestClient(app)  # the token in a query string counts only on the page itself
    assert fresh.get("/api/videos?token=" + TOKEN).status_code == 403


@pytest.mark.parametrize("url", [
    "/api/videos/..%2F..%2Fetc%2Fpasswd/media",
    "/api/videos/clip%2F..%2Fother/media",
    "/api/videos/clip/subtitles/..%2Fclip.ar",
    "/api/videos/../../etc/passwd",
    "/static/..%2f..%2fcli.py",
    "/static/%2e%2e/%2e%2e/cli.py",
    "/api/videos//etc/passwd/media",
    "/api/videos/%2Fetc%2Fpasswd/media",
    "/api/videos/clip%5c..%5cother/media",
])
def test_traversal_and_encoded_slashes_refused(site: dict, url: str) -> None:
    r = site["client"].get(url)
    assert r.status_code in (400, 404), (url, r.status_code)
    assert "root:" not in r.text


def test_absolute_path_as_id_refused(site: dict) -> None:
    r = site["client"].get(f"/api/videos/{'%2F'.join(['', 'etc', 'passwd'])}")
    assert r.status_code == 400
    assert site["client"].get("/api/videos/etc/media").status_code == 404  # not a listed video


def test_unknown_language_refused(site: dict) -> None:
    for lang in ("de", "AR", "ar.srt", "srt"):
        r = site["client"].get(f"/api/videos/clip/subtitles/{lang}")
        assert r.status_code == 404 and "unknown language" in r.json()["error"], lang
    r = site["client"].put("/api/videos/clip/subtitles/de", json={"cues": [], "base_sha256": None})
    assert r.status_code == 404
    assert not list(site["out"].glob("*.de.*"))


def test_symlink_out_of_the_folder_refused(site: dict) -> None:
    secret = site["tmp"] / "secret.srt"
    secret.write_text("1\n00:00:00,000 --> 00:00:01,000\nsecret\n", encoding="utf-8")
    os.symlink(secret, site["out"] / "clip.fr.srt")
    c = site["client"]
    assert c.get("/api/videos/clip/subtitles/fr").status_code == 403
    cues = [{"start_ms": 0, "end_ms": 1000, "lines": ["x"]}]
    assert c.put("/api/videos/clip/subtitles/fr", json={"cues": cues, "base_sha256": None}).status_code == 403
    assert secret.read_text(encoding="utf-8").endswith("secret\n")


def test_video_linked_from_outside_is_not_served(tmp_path: Path) -> None:
    videos, out = tmp_path / "videos", tmp_path / "subtitles"
    videos.mkdir()
    outside = tmp_path / "elsewhere" / "private.mp4"
    outside.parent.mkdir()
    shutil.copy(SAMPLE, outside)
    os.symlink(outside, videos / "linked.mp4")
    shutil.copy(SAMPLE, videos / "clip.mp4")
    library = Library([videos], Options(out_dir=out))
    assert set(library.videos) == {"clip"}
    client = TestClient(create_app(library, TOKEN), headers={"X-Review-Token": TOKEN})
    assert client.get("/api/videos/linked/media").status_code == 404


def test_body_size_limit(site: dict) -> None:
    path = site["out"] / "clip.ar.srt"
    before = path.read_bytes()
    big = json.dumps({"cues": [{"start_ms": 0, "end_ms": 1000, "lines": ["x" * (MAX_BODY + 10)]}],
                      "base_sha256": None})
    r = site["client"].put("/api/videos/clip/subtitles/ar", content=big,
                           headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert path.read_bytes() == before


@pytest.mark.parametrize(("body", "needle"), [
    (b"{not json", "malformed JSON"),
    (b"\xff\xfe", "not UTF-8"),
    (b"[]", "JSON object"),
    (b'{"cues": []}', "base_sha256"),
    (b'{"cues": "x", "base_sha256": null}', "must be a list"),
    (b'{"cues": [{"start_ms": "0", "end_ms": 1000, "lines": ["a"]}], "base_sha256": null}',
     "cue 1: start_ms"),
    (b'{"cues": [{"start_ms": 0, "end_ms": 1000.5, "lines": ["a"]}], "base_sha256": null}', "cue 1: end_ms"),
    (b'{"cues": [{"start_ms": -5, "end_ms": 1000, "lines": ["a"]}], "base_sha256": null}', "negative"),
    (b'{"cues": [{"start_ms": 0, "end_ms": 1000, "lines": "a"}], "base_sha256": null}', "list of strings"),
    (b'{"cues": [{"start_ms": 0, "end_ms": 1000, "lines": ["a\\nb"]}], "base_sha256": null}', "line break"),
    (b'{"cues": [{"start_ms": 900, "end_ms": 100, "lines": ["a"]}], "base_sha256": null}',
     "not after its start"),
    (b'{"cues": [{"start_ms": 0, "end_ms": 900, "lines": [" "]}], "base_sha256": null}', "no text"),
    (b'{"cues": [{"start_ms": 0, "end_ms": 900, "lines": ["a"], "x": 1}], "base_sha256": null}',
     "unknown field"),
    (b'{"cues": [], "base_sha256": null}', "no cues"),
])
def test_malformed_body_is_400_and_writes_nothing(site: dict, body: bytes, needle: str) -> None:
    path = site["out"] / "clip.ar.srt"
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    r = site["client"].put("/api/videos/clip/subtitles/ar", content=body,
                           headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert needle in r.json()["error"]
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime
    assert not list(site["out"].glob(".*.part"))


def test_malformed_qc_body_is_400(site: dict) -> None:
    r = site["client"].post("/api/videos/clip/qc/ar", content=b"[1,",
                            headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "malformed JSON" in r.json()["error"]


def test_cues_from_json_accepts_what_it_writes() -> None:
    cues = cues_from_json([{"start_ms": 0, "end_ms": 10, "lines": ["a", "b"]}], for_saving=True)
    assert cues[0].lines == ("a", "b")
    with pytest.raises(BadRequest, match="cue 2: starts at 0 ms"):
        cues_from_json([{"start_ms": 0, "end_ms": 10, "lines": ["a"]},
                        {"start_ms": 0, "end_ms": 20, "lines": ["b"]}], for_saving=True)


def test_save_interrupted_before_the_rename_leaves_the_old_file(site: dict,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A server stopped mid-save: the old file or the new one, never a torn one, and no temp file left."""
    c, path = site["client"], site["out"] / "clip.ar.srt"
    before = path.read_bytes()
    base = c.get("/api/videos/clip/subtitles/ar").json()["sha256"]

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    cues = [{"start_ms": 500, "end_ms": 2500, "lines": ["نص جديد"]}]
    with pytest.raises(OSError):
        c.put("/api/videos/clip/subtitles/ar", json={"cues": cues, "base_sha256": base})
    assert path.read_bytes() == before
    assert not [p for p in site["out"].iterdir() if p.name.endswith(".part")]


def test_review_command_serves_on_localhost_with_a_token(site: dict) -> None:
    import subprocess
    import sys

    import httpx

    cmd = [sys.executable, "-m", "pipeline", "review", str(site["videos"]), "-o", str(site["out"]), "--port",
           "0", "--no-browser"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        url = line.split()[2]
        assert url.startswith("http://127.0.0.1:") and "?token=" in url, line
        with httpx.Client() as client:
            assert client.get(url.split("?")[0] + "api/videos").status_code == 403
            assert client.get(url).status_code == 200  # sets the cookie
            assert ([v["id"] for v in client.get(url.split("?")[0] + "api/videos").json()["videos"]]
                    == ["clip"])
    finally:
        proc.terminate()
        proc.wait(10)


def test_review_command_misuse_exits_2(tmp_path: Path) -> None:
    from pipeline.cli import main

    assert main(["review", str(tmp_path / "missing"), "--no-browser"]) == 2
    assert main(["review", "--port", "70000", "--no-browser"]) == 2


_WORDS = st.text(alphabet="ابتثجحخدذرسشصضطظعغفقكلمنهويءآأإةى LibanTrocIMake!?,.0123456789", min_size=1,
                 max_size=40).map(str.strip).filter(bool)


@st.composite
def _page_cues(draw: st.DrawFn) -> list[dict]:
    """What the page sends: cues in order, not overlapping, each with 1-3 lines of words."""
    t, out = 0, []
    for _ in range(draw(st.integers(1, 6))):
        start = t + draw(st.integers(0, 5000))
        end = start + draw(st.integers(1, 8000))
        out.append({"start_ms": start, "end_ms": end,
                    "lines": draw(st.lists(_WORDS, min_size=1, max_size=3))})
        t = end
    return out


@settings(max_examples=60, deadline=None)
@given(_page_cues())
def test_saved_cues_read_back_unchanged(data: list[dict]) -> None:
    """What the page saves, the pipeline's lenient reader gives back exactly (times, lines, logical order)."""
    cues = cues_from_json(data, for_saving=True)
    assert subtitles.srt_from_string(subtitles.srt_to_string(cues)) == cues
    assert [cue_to_json(c) for c in cues] == data


def test_unreadable_srt_is_named_not_served_as_empty(site: dict) -> None:
    (site["out"] / "clip.fr.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\na\n\n"
                                              "2\n00:00:01,000 --> 00:00:03,000\nb\n", encoding="utf-8")
    r = site["client"].get("/api/videos/clip/subtitles/fr")
    assert r.status_code == 422 and "clip.fr.srt" in r.json()["error"]


def test_review_command_port_in_use_is_one_line_exit_1(site: dict, capsys: pytest.CaptureFixture) -> None:
    import socket

    from pipeline.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["review", str(site["videos"]), "-o", str(site["out"]), "--port", str(port),
                     "--no-browser"]) == 1
    assert f"could not listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_peaks_computed_once_then_cached(site: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    peaks = site["client"].get("/api/videos/clip/peaks").json()
    assert peaks["per_second"] == 50
    # 50 peaks a second over the audio track, which ends up to 0.1 s before the 7.2 s container
    assert 7.0 * 50 <= len(peaks["peaks"]) <= 7.2 * 50
    assert max(peaks["peaks"]) == 1.0 and min(peaks["peaks"]) >= 0.0

    import pipeline.media

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded again")

    monkeypatch.setattr(pipeline.media, "decode_audio", no_decoding)
    fresh = Library([site["videos"]], Options(out_dir=site["out"]))  # a restarted server
    client = TestClient(create_app(fresh, TOKEN), headers={"X-Review-Token": TOKEN})
    assert client.get("/api/videos/clip/peaks").json() == peaks


def test_speech_with_no_cue_comes_from_the_vad_against_the_srt_on_disk(tmp_path: Path) -> None:
    """The sample's speech twice with 3 s of silence between: a cue over the first half only leaves the second
    half (about 10.1-17.2 s) marked; a cue over it too clears the mark."""
    import subprocess

    videos, out = tmp_path / "videos", tmp_path / "subtitles"
    videos.mkdir()
    out.mkdir()
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(SAMPLE), "-f", "lavfi", "-i",
                    "color=black:s=320x180:r=25:d=17.25", "-filter_complex",
                    "[0:a]aformat=sample_rates=16000:channel_layouts=mono,apad=pad_dur=3[p];"
                    "[0:a]aformat=sample_rates=16000:channel_layouts=mono[b];[p][b]concat=n=2:v=0:a=1[a]",
                    "-map", "1:v", "-map", "[a]", "-c:v", "libx264", "-preset", "ultrafast", "-shortest",
                    str(videos / "twice.mp4")], check=True)
    first = "1\n00:00:00,500 --> 00:00:06,500\nمرحبا بكم\n"
    (out / "twice.ar.srt").write_text(first, encoding="utf-8")
    client = TestClient(create_app(Library([videos], Options(out_dir=out, cache_dir=tmp_path / "cache")),
                                   TOKEN),
                        headers={"X-Review-Token": TOKEN})
    spans = client.get("/api/videos/twice").json()["speech_without_subtitle"]
    assert len(spans) == 1
    assert 9_500 <= spans[0]["start_ms"] <= 10_600 and 16_500 <= spans[0]["end_ms"] <= 17_300, spans
    (out / "twice.ar.srt").write_text(first + "\n2\n00:00:10,500 --> 00:00:16,500\nمرحبا\n", encoding="utf-8")
    assert client.get("/api/videos/twice").json()["speech_without_subtitle"] == []
