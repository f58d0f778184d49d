# TuringView developer commands. The README's Quick start uses exactly two of them:
#   make demo   set everything up and open the reader workstation on the bundled sample study
#   make test   set everything up and run the whole test suite (what .ci/run calls)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The stamp changes whenever pyproject.toml changes, so edits to dependencies re-install.
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: setup demo test lint bench screenshots clean

$(STAMP): pyproject.toml
	bash packaging/setup/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip wheel setuptools
	# torch==2.13.0 (the [realism] extra) is a local CPU build on these machines; never an unpinned torch.
	$(BIN)/python -m pip install --quiet -e ".[dev,postgres,realism]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/turingview demo

lint: setup
	$(BIN)/ruff check app tests
	$(BIN)/lint-imports

test: setup
	$(BIN)/ruff check app tests
	$(BIN)/lint-imports
	# The whole suite, including the PyInstaller reader build and its smoke test (a few minutes).
	source packaging/setup/pg-test-server.sh && \
	  TURINGVIEW_BUILD_PACKAGE=$${TURINGVIEW_BUILD_PACKAGE:-1} QT_QPA_PLATFORM=offscreen \
	  $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/benchmarks -s -p no:cacheprovider $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
