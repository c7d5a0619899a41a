# Two set-up commands: `make run` (the demo on the embedded default) and `make test` (every test).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
export PORT

.PHONY: run test install install-dev lint worker bench

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# Test and lint tools stay out of the runtime requirements; `make test` adds them.
$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	bash scripts/run.sh

test: install-dev
	bash scripts/test.sh

lint: install-dev
	$(VENV)/bin/ruff check .

worker: install
	FLASK_APP=wsgi $(PY) worker.py --schedule

bench: install-dev
	bash scripts/bench.sh
