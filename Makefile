# The two commands a newcomer needs: `make book` and `make test`. Both build .venv first.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The stamp is newer than requirements.txt and pyproject.toml exactly when .venv is up to date.
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: all book test lab lint typecheck pytest venv clean help

help:
	@echo "make book   build the HTML book into _build/html (sets up .venv first)"
	@echo "make test   lint, type-check and run every test (sets up .venv first)"
	@echo "make lab    open JupyterLab on notebooks/ with the course's kernel"
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

book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "Open _build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check relu_course tests

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck pytest

lab: $(STAMP)
	@mkdir -p notebooks
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

clean:
	rm -rf _build
