# «Ты не один» — one command to run, one to test. Needs only Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
EMBEDDED := $(PY) -m config.embedded run --

.PHONY: run test demo lint format migrate bench clean-data install

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install  ## migrate and run web + worker + scheduler (embedded PostgreSQL/Redis unless *_URL are set)
	$(EMBEDDED) $(PY) manage.py serve

test: install  ## ruff, then the whole test suite on real PostgreSQL and Redis (and Chromium, if installed)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@test -x /usr/bin/chromium || echo "Browser tests skipped: /usr/bin/chromium is missing (apt-get install -y chromium)"
	$(EMBEDDED) $(PY) -m pytest -n 2 --cov --cov-report=term

demo: install  ## a scripted conversation through the real webhook against the fake Bot API
	$(EMBEDDED) $(PY) manage.py demo

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: install
	$(EMBEDDED) $(PY) manage.py migrate

bench: install  ## all benchmarks (see bench/README.md)
	$(EMBEDDED) $(PY) bench/webhook.py

clean-data:  ## stop the embedded servers and delete their data
	-$(PY) -m config.embedded stop
	rm -rf .data
