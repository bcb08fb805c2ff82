# The two commands a newcomer runs: `make demo` and `make test`. Each sets itself up first
# (a .venv with the project and its test tools), and is fast when that is already done.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test install clean schema

# pywb (the replay tests) lives in a venv of its own, .venv/pywb: it pins redis==2.10.6, which the
# dev extra's scrapy-redis (redis>=4.2) cannot share.
PYWB_VERSION := pywb==2.10.0

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	test -x $(VENV)/pywb/bin/python || $(PYTHON) -m venv $(VENV)/pywb
	$(VENV)/pywb/bin/python -m pip install --quiet '$(PYWB_VERSION)'
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
