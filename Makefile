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
EXECUTOR ?=
RAY_ADDRESS ?=

RUN_ARGS := $(if $(LANG_SRC),--source $(LANG_SRC)) $(if $(TARGETS),--targets $(TARGETS)) \
	$(if $(MODEL),--model $(MODEL)) $(if $(DEVICE),--device $(DEVICE)) $(if $(PRESET),--preset $(PRESET)) \
	$(if $(JOBS),--jobs $(JOBS)) $(if $(filter 0,$(BURN)),--no-burn) $(if $(filter 1,$(FORCE)),--force) \
	$(if $(EXECUTOR),--executor $(EXECUTOR)) $(if $(RAY_ADDRESS),--ray-address $(RAY_ADDRESS))

.PHONY: subtitles burn status check test bench lint models clean system-deps test-deps

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

subtitles: system-deps $(STAMP)
	$(PY) -m pipeline run $(VIDEOS) $(RUN_ARGS)

burn: system-deps $(STAMP)
	$(PY) -m pipeline run $(VIDEOS) $(RUN_ARGS) --burn-only

status: $(STAMP)
	$(PY) -m pipeline status $(VIDEOS)

# Lint the code, then QC every SRT in $(SRT) against the style guide (exit 1 on errors).
check: lint
	@if ls $(SRT)/*.srt >/dev/null 2>&1 || [ -f "$(SRT)" ]; then $(PY) -m pipeline check $(SRT); \
	else echo "no SRT files in $(SRT) to check"; fi

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
