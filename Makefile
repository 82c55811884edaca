# The two commands a newcomer needs: `make book` and `make test`. Both build .venv first.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The stamp is newer than requirements.txt and pyproject.toml exactly when .venv is up to date.
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: all book execute test lab lint typecheck pytest venv system bench bench-small bench-grading clean help

help:
	@echo "make book   build the HTML book into _build/html (sets up .venv first)"
	@echo "make test   lint, type-check and run every test (sets up .venv first)"
	@echo "make lab    open JupyterLab on notebooks/ with the course's kernel"
	@echo "make execute  re-run the chapter notebooks in place (their outputs are committed)"
	@echo "make bench, bench-small, bench-grading  benchmarks (ratios against a baseline of the same run)"
	@echo "make clean  remove _build (keeps .venv)"

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing requirements into $(VENV) (only when requirements.txt or pyproject.toml changed)"
	@# pip warns about find-links folders this machine does not have; the warning is noise here.
	$(PIP) install -r requirements.txt 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
	$(PIP) install --no-deps --no-build-isolation -e . 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
	$(BIN)/python -m ipykernel install --sys-prefix --name relu-course --display-name "ReLU course" >/dev/null
	@touch $@

# The logo, favicon and the intro's figure are drawn by the course's own plotting code.
ASSETS := book/_static/logo.png book/_static/favicon.png book/_static/relu.png
CHAPTERS := $(wildcard notebooks/[0-9][0-9]_*.ipynb)

$(ASSETS) &: relu_course/plotting.py | $(STAMP)
	$(BIN)/python -c "from relu_course.plotting import draw_book_assets; draw_book_assets('book/_static')"

book: $(STAMP) $(ASSETS)
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "Open _build/html/index.html"

# Timestamps per cell would change on every run; the outputs alone are what nbval compares.
execute: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.kernel_name=relu-course --ExecutePreprocessor.timeout=300 \
	  --ExecutePreprocessor.record_timing=False $(CHAPTERS)

# The browser tests need Chromium, the grader's sandbox bubblewrap. Installed when missing and
# this is a Debian-like machine where we are root; otherwise the message says what to install.
SYSTEM_PACKAGES := chromium bwrap:bubblewrap
system:
	@missing=(); for p in $(SYSTEM_PACKAGES); do \
	  command -v $${p%%:*} >/dev/null || missing+=($${p##*:}); done; \
	if (($${#missing[@]})); then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing $${missing[*]} (needed by the tests)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$${missing[@]}"; \
	  else echo "The tests need: $${missing[*]}. Install them (for example apt-get install $${missing[*]})."; exit 1; fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check relu_course tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) $(ASSETS) system
	$(BIN)/python -m pytest

test: lint typecheck pytest

lab: $(STAMP)
	@mkdir -p notebooks
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

# Bandwidth of every ReLU implementation against a copy (relu-course bench --help for options).
bench: $(STAMP)
	$(BIN)/relu-course bench --json benchmarks/results/bench_cpu_float32.json

# Small-array timings (pytest-benchmark): the fast path must not slow small arrays down.
bench-small: $(STAMP)
	$(BIN)/python -m pytest benchmarks/test_relu_small_arrays.py --benchmark-only -p no:cacheprovider -q

# Grading throughput against nbgrader (installs nbgrader into benchmarks/.venv-nbgrader).
bench-grading: $(STAMP) system
	$(BIN)/python benchmarks/grading_vs_nbgrader.py --json benchmarks/results/grading_vs_nbgrader.json

clean:
	rm -rf _build
