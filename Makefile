# `make subtitles` and `make test` do all set-up on a fresh Debian machine (venv, pip and apt packages).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

# Pass-through options (empty = the CLI's default).
VIDEOS   ?= videos
LANG_SRC ?=
TARGETS  ?=
MODEL    ?=
DEVICE   ?=
PRESET   ?=
JOBS     ?=
BURN     ?= 1
FORCE    ?= 0
SRT      ?= subtitles
CAPTION_STYLE ?=
STYLE    ?=
EXECUTOR ?=
RAY_ADDRESS ?=

# A make value as ONE shell word, whatever it holds: spaces, quotes, parentheses ('it'\''s' for it's).
quote = '$(subst ','\'',$(1))'

RUN_ARGS := $(if $(LANG_SRC),--source $(call quote,$(LANG_SRC))) $(if $(TARGETS),--targets $(call quote,$(TARGETS))) \
	$(if $(MODEL),--model $(call quote,$(MODEL))) $(if $(DEVICE),--device $(call quote,$(DEVICE))) \
	$(if $(PRESET),--preset $(call quote,$(PRESET))) $(if $(JOBS),--jobs $(call quote,$(JOBS))) \
	$(if $(filter 0,$(BURN)),--no-burn) $(if $(filter 1,$(FORCE)),--force) \
	$(if $(CAPTION_STYLE),--caption-style $(call quote,$(CAPTION_STYLE))) $(if $(STYLE),--style $(call quote,$(STYLE))) \
	$(if $(EXECUTOR),--executor $(call quote,$(EXECUTOR))) $(if $(RAY_ADDRESS),--ray-address $(call quote,$(RAY_ADDRESS)))

.PHONY: help subtitles burn status check test bench lint models clean system-deps test-deps review

help:
	@echo "make subtitles  transcribe, translate and burn every video in VIDEOS (default: videos/)"
	@echo "make burn       re-burn videos whose SRT files changed (reviewer edits); transcribe nothing"
	@echo "make status     what is done, stale, interrupted or failed, without running anything"
	@echo "make review     a local page to correct subtitles beside the video (PORT=, NO_BROWSER=1)"
	@echo "make check      QC every SRT in SRT (default: subtitles/) against the style guide"
	@echo "make lint       ruff over the code"
	@echo "make test       lint and the whole test suite"
	@echo "make bench      speed and memory benchmarks (ratios against a baseline)"
	@echo "make models     install the Argos translation packages where reachable, then list them"
	@echo "make clean      remove the venv and caches"
	@echo "Variables: VIDEOS, SRT, LANG_SRC, TARGETS, MODEL, DEVICE, PRESET, JOBS, BURN=0, FORCE=1,"
	@echo "  CAPTION_STYLE=phrase|words, STYLE=campaign.toml"
	@echo "  EXECUTOR=ray RAY_ADDRESS=host:6379 (run on a Ray cluster)"
	@echo "  e.g. make subtitles VIDEOS=\"Sarah's testimonial (final).mp4\" LANG_SRC=en BURN=0"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# Tests and benchmarks also need the optional extras they exercise (Ray for the cluster executor).
$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[dev,ray]'
	touch $(TEST_STAMP)

system-deps:
	@tools/system-deps.sh

test-deps:
	@tools/system-deps.sh --test

# VIDEOS is one file or folder, named as it is ("my videos", "Sarah's testimonial (final).mp4").
subtitles: system-deps $(STAMP)
	$(PY) -m pipeline run $(call quote,$(VIDEOS)) $(RUN_ARGS)

burn: system-deps $(STAMP)
	$(PY) -m pipeline run $(call quote,$(VIDEOS)) $(RUN_ARGS) --burn-only

# The review page over the same videos and output folder (PORT=0 picks a free port; NO_BROWSER=1 only prints).
PORT ?= 8765
review: system-deps $(STAMP)
	$(PY) -m pipeline review $(call quote,$(VIDEOS)) $(if $(PRESET),--preset $(call quote,$(PRESET))) \
	--port $(call quote,$(PORT)) $(if $(filter 1,$(NO_BROWSER)),--no-browser)

status: $(STAMP)
	$(PY) -m pipeline status $(call quote,$(VIDEOS))

# QC every SRT in $(SRT) against the style guide, each by the preset it was made for (exit 1 on errors).
# The code's lint is `make lint`.
check: $(STAMP)
	@if ls $(call quote,$(SRT))/*.srt >/dev/null 2>&1 || [ -f $(call quote,$(SRT)) ]; then \
	$(PY) -m pipeline check $(call quote,$(SRT)); else echo "no SRT files in "$(call quote,$(SRT))" to check"; fi

lint: $(STAMP)
	$(PY) -m ruff check pipeline tests bench

# Fetch the four Argos packages (online: the [argos] extra, which pulls torch, goes into the venv first),
# then list them. A failure stops make with its cause.
ARGOS_STAMP := $(VENV)/.argos-installed
$(ARGOS_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[dev,argos]'
	touch $(ARGOS_STAMP)

models: $(ARGOS_STAMP)
	$(PY) -m pipeline models install all
	$(PY) -m pipeline models list

test: system-deps test-deps $(TEST_STAMP)
	$(PY) -m ruff check pipeline tests bench
	$(PY) -m pytest -q

bench: system-deps test-deps $(TEST_STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis bench/out
	find . -name __pycache__ -prune -exec rm -rf {} +
