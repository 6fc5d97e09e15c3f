"""The review page: an HTTP edge over the same modules `run` uses (SRT reader/writer, QC, reviewer files,
burn).

`library` holds what the page may see and change (no HTTP); `app` is the Starlette app (token, limits,
routes); `static/` is the page itself (plain HTML/CSS/JS, wavesurfer.js vendored).
"""
