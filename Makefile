# Two set-up commands: `make run` (the demo on the embedded default) and `make test` (every test).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
export PORT

.PHONY: run test install lint worker bench

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	bash scripts/run.sh

test: install
	bash scripts/test.sh

lint: install
	$(VENV)/bin/ruff check .

worker: install
	FLASK_APP=wsgi $(PY) worker.py --schedule

bench: install
	bash scripts/bench.sh
