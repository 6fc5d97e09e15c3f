#!/usr/bin/env bash
# Install the Debian packages the pipeline needs, only those missing.
#   tools/system-deps.sh          ffmpeg and the fonts (for `make subtitles`)
#   tools/system-deps.sh --test   also tesseract with Arabic and French (OCR checks of burned frames), chromium
set -euo pipefail
need=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || need+=(ffmpeg)
# Read whole outputs first: `cmd | grep -q` under pipefail fails when grep exits early (SIGPIPE).
fonts=$(fc-list : family 2>/dev/null || true)
grep -q "Noto Naskh Arabic" <<<"$fonts" || need+=(fonts-noto-core fontconfig)
if [ "${1:-}" = "--test" ]; then
  command -v tesseract >/dev/null || need+=(tesseract-ocr)
  langs=$(tesseract --list-langs 2>/dev/null || true)
  grep -qx ara <<<"$langs" || need+=(tesseract-ocr-ara)
  grep -qx fra <<<"$langs" || need+=(tesseract-ocr-fra)
  # The review page's browser tests drive Debian's Chromium with Playwright (never `playwright install`).
  command -v chromium >/dev/null || need+=(chromium)
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if ! command -v apt-get >/dev/null; then
  echo "error: please install ${need[*]} with your system's package manager" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
