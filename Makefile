# CityOps: the two commands are `make demo` and `make test` (README).
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
DEMO_SEED ?= 1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo serve test install install-dev lint format messages bench mutants clean-demo

$(BIN)/python:
	$(PY) -c 'import sys; assert sys.version_info[:2] == (3, 11), "CityOps needs Python 3.11, found " + sys.version'
	$(PY) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(PIP) install -q -c requirements.lock -r /dev/stdin < <($(BIN)/python tools/deps.py)
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -q -c requirements.lock -r /dev/stdin < <($(BIN)/python tools/deps.py --dev)
	touch $@

SHELL := /bin/bash

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --seed $(DEMO_SEED) --if-empty
	$(BIN)/python manage.py run_demo --host $(HOST) --port $(PORT)

# The production profile: gunicorn + huey consumers + MQTT consumers (with MQTT_URL), supervised;
# settings from the environment (docs/deploy.md, deploy/cityops.env.example).
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install-dev
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=static/vendor
	$(BIN)/python manage.py compilemessages --ignore=.venv

bench: install
	bench/run_all.sh

# Mutation testing of the loop's rule modules (tools/mutation/*.toml, one per group of modules
# with the tests that exercise them); hours on 2 cores, not in CI. Results stay in
# var/mutants-<group>.sqlite: running again resumes where it stopped. MUTANTS=rules runs one group.
MUTANTS ?= $(basename $(notdir $(wildcard tools/mutation/*.toml)))
mutants: install-dev
	$(PIP) install -q cosmic-ray==8.7.0
	mkdir -p var
	@# The test command says `python`: it must be the venv's, or every mutant "dies" of an
	@# ImportError. The baseline run proves the unmutated code passes before anything counts.
	set -e; for group in $(MUTANTS); do \
	  config=tools/mutation/$$group.toml; db=var/mutants-$$group.sqlite; \
	  PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(BIN)/cosmic-ray baseline $$config; \
	  test -f $$db || ( $(BIN)/cosmic-ray init $$config $$db && $(BIN)/cr-filter-operators $$db $$config ); \
	  PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(BIN)/cosmic-ray exec $$config $$db; \
	  $(BIN)/cr-report $$db --show-pending | tail -3; \
	done

clean-demo:
	rm -f var/cityops.sqlite3 var/cityops.sqlite3-* var/demo-credentials.json
