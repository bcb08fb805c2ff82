# The two commands a newcomer runs: `make demo` and `make test`. Each sets itself up first
# (a .venv with the project and its test tools), and is fast when that is already done.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test install clean schema

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/newsarchive demo

test: install
	$(BIN)/python -m pytest -q

schema: install
	$(BIN)/python -m newsarchive.schema

clean:
	rm -rf $(VENV) data/demo .pytest_cache
