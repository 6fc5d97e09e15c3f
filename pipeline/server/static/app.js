// The review page. Plain ES module, no build step. Every rule (QC, file format, ownership) lives on the
// server; this file only edits cues, draws them and asks the server.
import WaveSurfer from "/static/vendor/wavesurfer.esm.js";
import RegionsPlugin from "/static/vendor/regions.esm.js";

const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids) if (kid !== null && kid !== undefined) e.append(kid);
  return e;
};

async function api(method, url, body) {
  const init = { method, credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(url, init);
  const data = await r.json().catch(() => ({ error: `${r.status} ${r.statusText}` }));
  if (!r.ok) {
    const err = new Error(data.error || r.statusText);
    err.status = r.status;
    err.data = data;
    throw err;
  }
  return data;
}

// ---------------------------------------------------------------------------------------------- time
export function fmt(ms) {
  ms = Math.max(0, Math.round(ms));
  const h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60, s = Math.floor(ms / 1000) % 60;
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${pad(h)}:${pad(m)}:${pad(s)},${pad(ms % 1000, 3)}`;
}
export function parseTime(text) {
  const m = /^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?\s*$/.exec(text);
  if (!m) return null;
  const milli = m[4] ? Number(m[4].padEnd(3, "0")) : 0;
  return ((Number(m[1] || 0) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + milli;
}

// --------------------------------------------------------------------------------------------- state
const S = {
  detail: null, // /api/videos/<id>
  tracks: {}, // lang -> {lang, rtl, sha256, cues: [{start_ms, end_ms, lines, reviewed}], findings, dirty, profile}
  langs: [], // the columns shown, in order
  active: null, // the language the toolbar, keys and waveform act on
  selected: {}, // lang -> index
  caret: {}, // lang -> caret position in the selected cue's text
  ws: null, regions: null, qcSeq: {}, qcTimer: {}, burnTimer: null,
};
const video = $("#player");
const draftKey = (lang) => `caption-review:${S.detail.id}:${lang}`;
const status = (text) => { $("#status-line").textContent = text; };

function banner(html, kind = "") {
  const b = $("#banner");
  b.className = kind;
  b.replaceChildren(...(Array.isArray(html) ? html : [html]));
  b.hidden = false;
}
const hideBanner = () => { $("#banner").hidden = true; };

// ----------------------------------------------------------------------------------------- the list
async function showList() {
  $("#video-view").hidden = true;
  $("#list-view").hidden = false;
  $("#crumb").textContent = "";
  video.removeAttribute("src");
  const { videos } = await api("GET", "/api/videos");
  const rows = videos.map((v) => {
    const chips = Object.entries(v.languages).map(([lang, s]) => el("a", {
      class: "lang-chip", href: `#/video/${encodeURIComponent(v.id)}?lang=${lang}`, "data-lang": lang,
      text: `${lang}${lang === v.source ? " (spoken)" : ""}: QC ${s.qc}, reviewed ${s.reviewed}/${s.cues}`,
    }));
    return el("tr", { "data-video": v.id },
      el("td", {}, el("a", { href: `#/video/${encodeURIComponent(v.id)}`, text: v.name })),
      el("td", { class: "status" }, el("span", { class: `st-${v.status}`, "data-status": v.status, text: v.status })),
      el("td", {}, ...(chips.length ? chips : [el("span", { text: "no subtitles yet: make subtitles" })])),
      el("td", { class: /needs a look/.test(v.details) ? "needs-look" : "", text: v.details }));
  });
  $("#video-table tbody").replaceChildren(...rows);
  status(`${videos.length} video(s)`);
}

// --------------------------------------------------------------------------------------- one video
async function showVideo(id, params) {
  $("#list-view").hidden = true;
  $("#video-view").hidden = false;
  hideBanner();
  const detail = await api("GET", `/api/videos/${encodeURIComponent(id)}`);
  S.detail = detail;
  S.tracks = {};
  $("#crumb").textContent = `› ${detail.name} (${detail.preset})`;
  const langs = detail.languages;
  const first = params.get("lang") || detail.source || langs[0];
  const second = params.get("with") ?? langs.find((l) => l !== first) ?? "";
  S.langs = [first, second].filter((l) => l && langs.includes(l));
  S.active = S.langs[0];
  video.src = `/api/videos/${encodeURIComponent(id)}/media`;
  fillSelect($("#second-lang"), ["", ...langs.filter((l) => l !== first)], second, (l) => l || "none");
  fillSelect($("#overlay-lang"), langs, first);
  fillSelect($("#source-select"), ["original", ...detail.burned.map((l) => `burned:${l}`)], "original");
  await Promise.all(S.langs.map(loadTrack));
  renderColumns();
  await setupWaveform();
  renderSpeechGaps();
  status(`${detail.name}: ${S.langs.join(" + ")}`);
  document.body.dataset.ready = "1";
}

function fillSelect(sel, values, chosen, label = (v) => v) {
  sel.replaceChildren(...values.map((v) => el("option", { value: v, text: label(v), selected: v === chosen })));
}

async function loadTrack(lang) {
  const data = await api("GET", `/api/videos/${encodeURIComponent(S.detail.id)}/subtitles/${lang}`);
  const track = {
    lang, rtl: data.rtl, sha256: data.sha256, profile: data.profile, findings: [], dirty: false, state: data.state,
    cues: data.cues.map((c, i) => ({ ...c, reviewed: !!data.reviewed[i] })),
  };
  S.tracks[lang] = track;
  S.selected[lang] = 0;
  offerDraft(track);
  scheduleQC(lang, 0);
}

// --- drafts: every change is kept in this browser until it is saved
function saveDraft(track) {
  localStorage.setItem(draftKey(track.lang), JSON.stringify({
    base_sha256: track.sha256, cues: track.cues, at: new Date().toISOString(),
  }));
}
function offerDraft(track) {
  const raw = localStorage.getItem(draftKey(track.lang));
  if (!raw) return;
  let draft;
  try { draft = JSON.parse(raw); } catch { localStorage.removeItem(draftKey(track.lang)); return; }
  if (JSON.stringify(draft.cues) === JSON.stringify(track.cues)) { localStorage.removeItem(draftKey(track.lang)); return; }
  const when = new Date(draft.at).toLocaleString();
  banner([
    el("span", { text: `Unsaved edits to ${track.lang} from ${when} are kept in this browser. ` }),
    el("button", { "data-action": "restore-draft", "data-lang": track.lang, text: "restore them", onclick: () => {
      track.cues = draft.cues;
      track.sha256 = draft.base_sha256; // a file changed since then makes the save a conflict, as it should
      track.dirty = true;
      hideBanner();
      rerender(track.lang);
    } }),
    el("button", { "data-action": "discard-draft", text: "discard", onclick: () => {
      localStorage.removeItem(draftKey(track.lang));
      hideBanner();
    } }),
  ]);
}

function changed(lang, { structure = false } = {}) {
  const track = S.tracks[lang];
  track.dirty = true;
  saveDraft(track);
  if (structure) rerender(lang);
  else updateHeader(lang);
  scheduleQC(lang);
  if (lang === S.active && !structure) syncRegions();
  drawOverlay();
}

// --- the cue columns
function renderColumns() {
  $("#columns").replaceChildren(...S.langs.map((lang) => renderTrack(lang)));
  highlight(true);
}
function rerender(lang) {
  const old = $(`.track[data-lang="${lang}"]`);
  const scroll = old ? $(".cues", old).scrollTop : 0;
  const fresh = renderTrack(lang);
  if (old) old.replaceWith(fresh); else $("#columns").append(fresh);
  $(".cues", fresh).scrollTop = scroll;
  if (lang === S.active) syncRegions(true);
  applyQC(lang);
  highlight(false);
  drawOverlay();
}

function renderTrack(lang) {
  const track = S.tracks[lang];
  const list = el("div", { class: "cues" }, ...track.cues.map((c, i) => renderCue(track, c, i)));
  const box = el("div", { class: `track${lang === S.active ? " active" : ""}`, "data-lang": lang, lang },
    el("h3", {}, el("span", { text: `${lang}${lang === S.detail.source ? " (spoken)" : ""}` }),
      el("span", { class: "owner", "data-state": track.state,
        text: { edited: "reviewer's file", foreign: "reviewer's file", absent: "new file" }[track.state] || "" }),
      el("span", { class: "progress", "data-progress": "" }), el("span", { class: "qc-sum" }),
      el("span", { class: "dirty" })),
    list);
  setTimeout(() => updateHeader(lang));
  return box;
}

function renderCue(track, c, i) {
  const rtl = track.rtl;
  const text = el("textarea", {
    "data-field": "text", dir: rtl ? "rtl" : "ltr", lang: track.lang, rows: Math.max(2, c.lines.length),
    spellcheck: "false",
  });
  text.value = c.lines.join("\n");
  return el("div", {
    class: `cue${c.reviewed ? " reviewed" : ""}${S.selected[track.lang] === i ? " selected" : ""}`,
    "data-cue": i + 1, "data-start-ms": c.start_ms, "data-end-ms": c.end_ms, "data-qc": "",
  },
  el("div", { class: "times" },
    el("span", { class: "num", "data-action": "seek", text: `${i + 1}` }),
    el("input", { "data-field": "start", value: fmt(c.start_ms), "aria-label": "start" }),
    el("button", { "data-action": "set-in", title: "start = playhead (Alt+I)", text: "in" }),
    el("span", { text: "→" }),
    el("input", { "data-field": "end", value: fmt(c.end_ms), "aria-label": "end" }),
    el("button", { "data-action": "set-out", title: "end = playhead (Alt+O)", text: "out" }),
    el("span", { class: "dur", text: `${((c.end_ms - c.start_ms) / 1000).toFixed(2)} s` })),
  text,
  el("div", { class: "meta" },
    el("label", {}, el("input", { type: "checkbox", "data-field": "reviewed", checked: c.reviewed }), " reviewed"),
    el("span", { class: "qc" })));
}

function rowOf(lang, i) { return $(`.track[data-lang="${lang}"] .cue[data-cue="${i + 1}"]`); }

function updateRowTimes(lang, i) {
  const row = rowOf(lang, i), c = S.tracks[lang].cues[i];
  if (!row) return;
  row.dataset.startMs = c.start_ms;
  row.dataset.endMs = c.end_ms;
  $('[data-field="start"]', row).value = fmt(c.start_ms);
  $('[data-field="end"]', row).value = fmt(c.end_ms);
  $(".dur", row).textContent = `${((c.end_ms - c.start_ms) / 1000).toFixed(2)} s`;
}

function updateHeader(lang) {
  const box = $(`.track[data-lang="${lang}"]`), track = S.tracks[lang];
  if (!box) return;
  const done = track.cues.filter((c) => c.reviewed).length;
  $(".progress", box).textContent = `reviewed ${done}/${track.cues.length}`;
  $(".progress", box).dataset.progress = `${done}/${track.cues.length}`;
  $(".dirty", box).textContent = track.dirty ? "● unsaved" : "";
}

// --- live QC: the server's rules, asked on every change
function scheduleQC(lang, delay = 250) {
  clearTimeout(S.qcTimer[lang]);
  S.qcTimer[lang] = setTimeout(() => runQC(lang), delay);
}
async function runQC(lang) {
  const track = S.tracks[lang];
  const seq = (S.qcSeq[lang] = (S.qcSeq[lang] || 0) + 1);
  const cues = track.cues.map(({ start_ms, end_ms, lines }) => ({ start_ms, end_ms, lines }));
  try {
    const { findings } = await api("POST", `/api/videos/${encodeURIComponent(S.detail.id)}/qc/${lang}`, { cues });
    if (seq !== S.qcSeq[lang]) return; // a newer edit is being checked
    track.findings = findings;
    applyQC(lang);
  } catch (e) {
    status(`QC: ${e.message}`);
  }
}
function applyQC(lang) {
  const track = S.tracks[lang];
  const byCue = new Map();
  for (const f of track.findings) {
    if (!f.cue) continue;
    if (!byCue.has(f.cue)) byCue.set(f.cue, []);
    byCue.get(f.cue).push(f);
  }
  document.querySelectorAll(`.track[data-lang="${lang}"] .cue`).forEach((row) => {
    const found = byCue.get(Number(row.dataset.cue)) || [];
    row.dataset.qc = [...new Set(found.map((f) => f.code))].join(" ");
    $(".qc", row).replaceChildren(...found.map((f) => el("div", { class: f.severity, text: `${f.code}: ${f.message}` })));
  });
  const errors = track.findings.filter((f) => f.severity === "error").length;
  const box = $(`.track[data-lang="${lang}"] .qc-sum`);
  if (box) box.textContent = `QC: ${errors} error(s), ${track.findings.length - errors} warning(s)`;
}

// --------------------------------------------------------------------------------------- playback
const nowMs = () => Math.round(video.currentTime * 1000);
function cueAt(track, t) { return track.cues.findIndex((c) => c.start_ms <= t && t < c.end_ms); }
let lastCurrent = {};
function highlight(scroll) {
  const t = nowMs();
  $("#clock").textContent = fmt(t);
  for (const lang of S.langs) {
    const i = cueAt(S.tracks[lang], t);
    if (lastCurrent[lang] === i && !scroll) continue;
    lastCurrent[lang] = i;
    document.querySelectorAll(`.track[data-lang="${lang}"] .cue.current`).forEach((r) => r.classList.remove("current"));
    const row = i >= 0 ? rowOf(lang, i) : null;
    if (row) {
      row.classList.add("current");
      if (!row.contains(document.activeElement)) row.scrollIntoView({ block: "nearest" });
    }
  }
  drawOverlay();
}
function tick() {
  highlight(false);
  if (!video.paused) requestAnimationFrame(tick);
}
video.addEventListener("play", () => requestAnimationFrame(tick));
video.addEventListener("seeked", () => highlight(false));
video.addEventListener("timeupdate", () => highlight(false));
video.addEventListener("loadedmetadata", () => { placeOverlay(); drawOverlay(); });
window.addEventListener("resize", placeOverlay);
$("#speed").addEventListener("change", (e) => { video.playbackRate = Number(e.target.value); });

function seek(ms) { video.currentTime = Math.max(0, ms) / 1000 + 0.001; highlight(true); }
function togglePlay() { if (video.paused) video.play(); else video.pause(); }

// --- the subtitles drawn as they will be burned: the preset's margins and font size, scaled to the player
function placeOverlay() {
  const ov = $("#overlay");
  if (!video.videoWidth) return;
  const box = video.getBoundingClientRect(), stage = $("#stage").getBoundingClientRect();
  const scale = Math.min(box.width / video.videoWidth, box.height / video.videoHeight);
  const w = video.videoWidth * scale, h = video.videoHeight * scale;
  Object.assign(ov.style, {
    left: `${box.left - stage.left + (box.width - w) / 2}px`, top: `${box.top - stage.top + (box.height - h) / 2}px`,
    width: `${w}px`, height: `${h}px`, right: "auto", bottom: "auto",
  });
  ov.dataset.scale = String(h / (S.detail?.layout.height || video.videoHeight));
}
function drawOverlay() {
  const ov = $("#overlay");
  const lang = $("#overlay-lang").value;
  const track = S.tracks[lang];
  if (!track || !S.detail || $("#source-select").value !== "original") { ov.replaceChildren(); return; }
  const i = cueAt(track, nowMs());
  if (i < 0) { ov.replaceChildren(); return; }
  const lay = S.detail.layout, font = lay.fonts[lang], scale = Number(ov.dataset.scale || 1);
  const h = ov.getBoundingClientRect().height;
  let lines = track.cues[i].lines.filter((l) => l.trim());
  const top = lines.length && lines[0].startsWith("{\\an8}");
  lines = lines.map((l) => l.replace(/\{\\[^}]*\}/g, "").replace(/<\/?(i|b|u|font)\b[^>]*>/gi, ""));
  const sub = el("div", { class: "sub", dir: track.rtl ? "rtl" : "ltr", lang, "data-overlay-cue": i + 1 },
    ...lines.map((l) => el("div", { text: l })));
  Object.assign(sub.style, {
    fontFamily: `"${font.family}"`, fontSize: `${font.em_px * scale}px`,
    padding: `0 ${lay.side * 100}%`,
    [top ? "top" : "bottom"]: `${(top ? lay.top : lay.bottom) * h}px`,
  });
  ov.replaceChildren(sub);
}
$("#overlay-lang").addEventListener("change", drawOverlay);
$("#source-select").addEventListener("change", (e) => {
  const t = video.currentTime, v = e.target.value;
  video.src = v === "original" ? `/api/videos/${encodeURIComponent(S.detail.id)}/media`
    : `/api/videos/${encodeURIComponent(S.detail.id)}/burned/${v.split(":")[1]}?t=${Date.now()}`;
  video.addEventListener("loadedmetadata", () => { video.currentTime = t; }, { once: true });
  drawOverlay();
});

// --------------------------------------------------------------------------------------- waveform
async function setupWaveform() {
  if (S.ws) S.ws.destroy();
  const { peaks, duration_ms } = await api("GET", `/api/videos/${encodeURIComponent(S.detail.id)}/peaks`);
  S.regions = RegionsPlugin.create();
  S.ws = WaveSurfer.create({
    container: "#waveform", media: video, peaks: [peaks], duration: duration_ms / 1000, height: 100,
    waveColor: "#9aa3b5", progressColor: "#4b6cd6", cursorColor: "#d33", minPxPerSec: 80, autoCenter: true,
    autoScroll: true, plugins: [S.regions], normalize: false,
  });
  S.regions.on("region-updated", (region) => {
    if (!region.id.startsWith("cue-")) return;
    const i = Number(region.id.slice(4)), track = S.tracks[S.active], c = track.cues[i];
    c.start_ms = Math.round(region.start * 1000);
    c.end_ms = Math.round(region.end * 1000);
    select(S.active, i, false);
    updateRowTimes(S.active, i);
    changed(S.active);
  });
  S.regions.on("region-clicked", (region, e) => {
    e.stopPropagation();
    if (region.id.startsWith("cue-")) { select(S.active, Number(region.id.slice(4)), false); seek(region.start * 1000); }
  });
  syncRegions(true);
}

function syncRegions(rebuild = false) {
  if (!S.regions) return;
  const track = S.tracks[S.active];
  if (rebuild) S.regions.clearRegions();
  track.cues.forEach((c, i) => {
    const existing = !rebuild && S.regions.getRegions().find((r) => r.id === `cue-${i}`);
    if (existing) {
      existing.setOptions({ start: c.start_ms / 1000, end: c.end_ms / 1000 });
      return;
    }
    S.regions.addRegion({
      id: `cue-${i}`, start: c.start_ms / 1000, end: c.end_ms / 1000, drag: true, resize: true,
      color: i % 2 ? "rgba(75,108,214,0.22)" : "rgba(40,160,110,0.22)",
    });
  });
  (S.detail.speech_without_subtitle || []).forEach((s, k) => {
    if (rebuild) S.regions.addRegion({ id: `speech-${k}`, start: s.start_ms / 1000, end: s.end_ms / 1000,
      drag: false, resize: false, color: "rgba(220,60,60,0.28)", content: "speech, no cue" });
  });
}

function renderSpeechGaps() {
  const spans = S.detail.speech_without_subtitle || [];
  $("#speech-gaps").replaceChildren(...(spans.length ? [el("span", { text: "speech with no cue: " })] : []),
    ...spans.map((s) => el("button", {
      "data-action": "add-at-speech", "data-start-ms": s.start_ms, "data-end-ms": s.end_ms,
      text: `add a cue at ${fmt(s.start_ms)}`,
    })));
}

// --------------------------------------------------------------------------------------- editing
function select(lang, i, doSeek) {
  if (S.active !== lang) {
    S.active = lang;
    document.querySelectorAll(".track").forEach((t) => t.classList.toggle("active", t.dataset.lang === lang));
    syncRegions(true);
  }
  document.querySelectorAll(`.track[data-lang="${lang}"] .cue.selected`).forEach((r) => r.classList.remove("selected"));
  S.selected[lang] = i;
  const row = rowOf(lang, i);
  if (row) row.classList.add("selected");
  if (doSeek && S.tracks[lang].cues[i]) seek(S.tracks[lang].cues[i].start_ms);
}
const cur = () => ({ lang: S.active, track: S.tracks[S.active], i: S.selected[S.active] ?? 0 });
const frameMs = () => Math.round(1000 / (S.detail.fps || 25));
const gapMs = (track) => track.profile.min_gap_ms;

function setTime(edge, value) {
  const { lang, track, i } = cur();
  const c = track.cues[i];
  if (!c) return;
  value = Math.max(0, Math.round(value));
  if (edge === "start") c.start_ms = value; else c.end_ms = value;
  updateRowTimes(lang, i);
  changed(lang);
}
function nudge(edge, delta) {
  const { track, i } = cur();
  const c = track.cues[i];
  if (c) setTime(edge, (edge === "start" ? c.start_ms : c.end_ms) + delta);
}

function split() {
  const { lang, track, i } = cur();
  const c = track.cues[i];
  if (!c) return;
  const row = rowOf(lang, i), area = $('[data-field="text"]', row);
  const text = area.value;
  const pos = S.caret[lang] ?? Math.floor(text.length / 2);
  const before = text.slice(0, pos).split("\n").map((s) => s.trim()).filter(Boolean);
  const after = text.slice(pos).split("\n").map((s) => s.trim()).filter(Boolean);
  if (!before.length || !after.length) { status("split: put the text cursor between two words"); return; }
  const gap = gapMs(track), t0 = nowMs();
  let at = t0 > c.start_ms + 200 && t0 < c.end_ms - 200 ? t0
    : c.start_ms + Math.round((c.end_ms - c.start_ms) * before.join(" ").length / (before.join(" ").length + after.join(" ").length));
  at = Math.min(Math.max(at, c.start_ms + 1), c.end_ms - 1);
  const second = { start_ms: Math.min(at + gap, c.end_ms - 1), end_ms: c.end_ms, lines: after, reviewed: false };
  Object.assign(c, { end_ms: at, lines: before, reviewed: false });
  track.cues.splice(i + 1, 0, second);
  S.caret[lang] = undefined;
  changed(lang, { structure: true });
}
function merge() {
  const { lang, track, i } = cur();
  const a = track.cues[i], b = track.cues[i + 1];
  if (!a || !b) { status("merge: no next cue"); return; }
  Object.assign(a, { end_ms: b.end_ms, lines: [...a.lines, ...b.lines].filter((l) => l.trim()), reviewed: false });
  track.cues.splice(i + 1, 1);
  changed(lang, { structure: true });
}
function insertCue(start, end) {
  const { lang, track } = cur();
  const cue = { start_ms: Math.round(start), end_ms: Math.round(end), lines: [""], reviewed: false };
  let k = track.cues.findIndex((c) => c.start_ms > cue.start_ms);
  if (k < 0) k = track.cues.length;
  track.cues.splice(k, 0, cue);
  S.selected[lang] = k;
  changed(lang, { structure: true });
  const row = rowOf(lang, k);
  if (row) $('[data-field="text"]', row).focus();
}
function insertAfter() {
  const { track, i } = cur();
  const c = track.cues[i], next = track.cues[i + 1], gap = gapMs(track);
  const start = c ? c.end_ms + gap : nowMs();
  const limit = next ? next.start_ms - gap : S.detail.duration_ms;
  const end = Math.min(start + 2000, limit);
  if (end - start < 100) { status("insert: no room after this cue (shift the following ones first)"); return; }
  insertCue(start, end);
}
function deleteCue() {
  const { lang, track, i } = cur();
  if (!track.cues[i]) return;
  track.cues.splice(i, 1);
  S.selected[lang] = Math.max(0, Math.min(i, track.cues.length - 1));
  changed(lang, { structure: true });
}
function shiftFollowing(delta) {
  const { lang, track, i } = cur();
  for (const c of track.cues.slice(i)) {
    c.start_ms = Math.max(0, c.start_ms + delta);
    c.end_ms = Math.max(c.start_ms + 1, c.end_ms + delta);
  }
  changed(lang, { structure: true });
}
function toggleReviewed() {
  const { lang, track, i } = cur();
  const c = track.cues[i];
  if (!c) return;
  c.reviewed = !c.reviewed;
  const row = rowOf(lang, i);
  row.classList.toggle("reviewed", c.reviewed);
  $('[data-field="reviewed"]', row).checked = c.reviewed;
  changed(lang);
}

// --- save: refused by the server when the file changed on disk since it was loaded
async function save() {
  const dirty = S.langs.filter((l) => S.tracks[l].dirty);
  if (!dirty.length) { status("nothing to save"); return true; }
  for (const lang of dirty) if (!(await saveTrack(lang))) return false;
  status(`saved ${dirty.join(", ")}`);
  return true;
}
async function saveTrack(lang, force = false) {
  const track = S.tracks[lang];
  const body = {
    cues: track.cues.map(({ start_ms, end_ms, lines }) => ({ start_ms, end_ms, lines })),
    reviewed: track.cues.map((c) => !!c.reviewed),
    base_sha256: track.sha256,
  };
  if (force !== false) body.base_sha256 = force;
  try {
    const res = await api("PUT", `/api/videos/${encodeURIComponent(S.detail.id)}/subtitles/${lang}`, body);
    track.sha256 = res.sha256;
    track.dirty = false;
    track.state = "edited";
    const owner = $(`.track[data-lang="${lang}"] .owner`);
    if (owner) { owner.dataset.state = "edited"; owner.textContent = "reviewer's file"; }
    localStorage.removeItem(draftKey(lang));
    updateHeader(lang);
    hideBanner();
    return true;
  } catch (e) {
    if (e.status === 409) conflict(lang, e);
    else banner(el("span", { text: `not saved: ${e.message}` }), "error");
    return false;
  }
}
function conflict(lang, e) {
  const disk = e.data.current || { cues: [], sha256: null };
  const track = S.tracks[lang];
  const show = (cues) => cues.map((c, i) => `${i + 1}  ${fmt(c.start_ms)} --> ${fmt(c.end_ms)}  ${c.lines.join(" / ")}`);
  banner([
    el("strong", { "data-conflict": lang, text: `Not saved: ${e.message}. ` }),
    el("span", { text: "Your edits are still here and in this browser's draft. " }),
    el("button", { "data-action": "compare", text: "compare", onclick: () => {
      const mine = show(track.cues), theirs = show(disk.cues);
      const n = Math.max(mine.length, theirs.length), diff = [];
      for (let k = 0; k < n; k++) if (mine[k] !== theirs[k]) diff.push(`disk: ${theirs[k] ?? "-"}\nyours: ${mine[k] ?? "-"}`);
      $("#banner").append(el("pre", { "data-diff": "", text: diff.join("\n\n") || "same cues" }));
    } }),
    el("button", { "data-action": "reload", text: "reload from disk (drop my edits)", onclick: async () => {
      localStorage.removeItem(draftKey(lang));
      await loadTrack(lang);
      hideBanner();
      rerender(lang);
    } }),
    el("button", { "data-action": "overwrite", text: "save mine over it", onclick: () => saveTrack(lang, disk.sha256) }),
  ], "error");
}

// --- burn: the `make burn` code path on the server, then play the result
async function burn() {
  if (!(await save())) return;
  const url = `/api/videos/${encodeURIComponent(S.detail.id)}/burn`;
  try { await api("POST", url); } catch (e) { banner(el("span", { text: `burn: ${e.message}` }), "error"); return; }
  const show = $("#burn-state");
  clearInterval(S.burnTimer);
  S.burnTimer = setInterval(async () => {
    const job = await api("GET", url);
    show.dataset.state = job.state;
    show.textContent = job.state === "running"
      ? `burning… ${job.percent === null ? "" : `${job.percent} % `}(${job.seconds.toFixed(0)} s)`
      : `${job.state}: ${job.message}`;
    if (job.percent !== null) show.dataset.percent = job.percent;
    if (job.state === "running") return;
    clearInterval(S.burnTimer);
    if (job.state !== "done") { banner(el("span", { text: `burn failed: ${job.message}` }), "error"); return; }
    const lang = job.langs.includes($("#overlay-lang").value) ? $("#overlay-lang").value : job.langs[0];
    const sel = $("#source-select");
    const values = ["original", ...job.langs.map((l) => `burned:${l}`)];
    fillSelect(sel, values, `burned:${lang}`);
    sel.dispatchEvent(new Event("change"));
    video.play().catch(() => {});
  }, 1000);
}

// --------------------------------------------------------------------------------------- events
$("#columns").addEventListener("input", (e) => {
  const row = e.target.closest(".cue"), box = e.target.closest(".track");
  if (!row) return;
  const lang = box.dataset.lang, i = Number(row.dataset.cue) - 1, c = S.tracks[lang].cues[i];
  const field = e.target.dataset.field;
  if (field === "text") {
    c.lines = e.target.value.split("\n");
    S.caret[lang] = e.target.selectionStart;
    changed(lang);
  } else if (field === "start" || field === "end") {
    const ms = parseTime(e.target.value);
    e.target.classList.toggle("bad", ms === null);
  }
});
$("#columns").addEventListener("change", (e) => {
  const row = e.target.closest(".cue"), box = e.target.closest(".track");
  if (!row) return;
  const lang = box.dataset.lang, i = Number(row.dataset.cue) - 1, c = S.tracks[lang].cues[i];
  const field = e.target.dataset.field;
  if (field === "reviewed") {
    c.reviewed = e.target.checked;
    row.classList.toggle("reviewed", c.reviewed);
    changed(lang);
  } else if (field === "start" || field === "end") {
    const ms = parseTime(e.target.value);
    if (ms === null) return;
    select(lang, i, false);
    setTime(field, ms);
  }
});
for (const type of ["keyup", "click", "select"]) {
  $("#columns").addEventListener(type, (e) => {
    if (e.target.dataset?.field === "text") S.caret[e.target.closest(".track").dataset.lang] = e.target.selectionStart;
  });
}
$("#columns").addEventListener("focusin", (e) => {
  const row = e.target.closest(".cue");
  if (!row) return;
  const lang = e.target.closest(".track").dataset.lang, i = Number(row.dataset.cue) - 1;
  const c = S.tracks[lang].cues[i];
  const inside = nowMs() >= c.start_ms && nowMs() < c.end_ms;
  select(lang, i, !inside && video.paused);
});
$("#columns").addEventListener("click", (e) => {
  const row = e.target.closest(".cue");
  if (!row) return;
  const lang = e.target.closest(".track").dataset.lang, i = Number(row.dataset.cue) - 1;
  const action = e.target.dataset.action;
  if (action === "set-in" || action === "set-out") { select(lang, i, false); setTime(action === "set-in" ? "start" : "end", nowMs()); return; }
  if (e.target.matches("input, textarea, button, label")) return;
  select(lang, i, true);
});

const ACTIONS = {
  play: togglePlay, back: () => seek(nowMs() - 2000), save, split, merge, insert: insertAfter, delete: deleteCue,
  shift: () => shiftFollowing(Number($("#shift-ms").value) || 0), burn,
  help: () => { $("#help").hidden = !$("#help").hidden; }, "close-help": () => { $("#help").hidden = true; },
};
document.addEventListener("click", (e) => {
  const btn = e.target.closest("[data-action]");
  if (!btn || btn.closest(".cue")) return;
  if (btn.dataset.action === "add-at-speech") { insertCue(Number(btn.dataset.startMs), Number(btn.dataset.endMs)); return; }
  if (btn.dataset.action === "nudge") {
    const d = btn.dataset.delta;
    nudge(btn.dataset.edge, d.endsWith("frame") ? (d.startsWith("-") ? -1 : 1) * frameMs() : Number(d));
    return;
  }
  const fn = ACTIONS[btn.dataset.action];
  if (fn) { e.preventDefault(); fn(); }
});
$("#second-lang").addEventListener("change", async (e) => {
  const lang = e.target.value;
  S.langs = [S.langs[0], lang].filter(Boolean);
  if (lang && !S.tracks[lang]) await loadTrack(lang);
  renderColumns();
});

function step(delta) {
  const { lang, track, i } = cur();
  const k = Math.min(Math.max(i + delta, 0), track.cues.length - 1);
  select(lang, k, true);
  const row = rowOf(lang, k);
  if (row) { row.scrollIntoView({ block: "nearest" }); if (row.contains(document.activeElement) || document.activeElement?.dataset.field === "text") $('[data-field="text"]', row).focus(); }
}

document.addEventListener("keydown", (e) => {
  if ($("#video-view").hidden) return;
  const typing = e.target.matches?.("textarea, input:not([type=checkbox]), select, button");
  const code = e.code, alt = e.altKey && !e.ctrlKey, ctrl = (e.ctrlKey || e.metaKey) && !e.altKey;
  let done = true;
  if ((ctrl && code === "Space") || (!typing && !alt && !ctrl && code === "Space")) togglePlay();
  else if (ctrl && code === "KeyS") save();
  else if (alt && code === "ArrowLeft") seek(nowMs() - 2000);
  else if (alt && code === "ArrowUp") step(-1);
  else if (alt && code === "ArrowDown") step(1);
  else if (alt && code === "KeyI") setTime("start", nowMs());
  else if (alt && code === "KeyO") setTime("end", nowMs());
  else if (alt && (code === "Comma" || code === "Period")) nudge(e.shiftKey ? "end" : "start", code === "Comma" ? -100 : 100);
  else if (alt && (code === "BracketLeft" || code === "BracketRight")) nudge(e.shiftKey ? "end" : "start", (code === "BracketLeft" ? -1 : 1) * frameMs());
  else if (alt && code === "KeyS") split();
  else if (alt && code === "KeyM") merge();
  else if (alt && code === "KeyN") insertAfter();
  else if (alt && code === "Delete") deleteCue();
  else if (alt && code === "KeyR") toggleReviewed();
  else if (code === "F1" || (!typing && e.key === "?")) ACTIONS.help();
  else if (code === "Escape") $("#help").hidden = true;
  else done = false;
  if (done) e.preventDefault();
});
window.addEventListener("beforeunload", (e) => {
  if (Object.values(S.tracks).some((t) => t.dirty)) e.preventDefault();
});

// --------------------------------------------------------------------------------------- routing
async function route() {
  document.body.dataset.ready = "";
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  const m = /^\/video\/(.+)$/.exec(path || "");
  try {
    if (m) await showVideo(decodeURIComponent(m[1]), new URLSearchParams(query || ""));
    else { await showList(); document.body.dataset.ready = "1"; }
  } catch (e) {
    banner(el("span", { text: e.message }), "error");
    $("#banner").hidden = false;
    status(`error: ${e.message}`);
  }
}
window.addEventListener("hashchange", route);
// The token came in the printed URL and now lives in a cookie: keep it out of the address bar and history.
if (new URLSearchParams(location.search).has("token")) history.replaceState(null, "", location.pathname + location.hash);
route();
