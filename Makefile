# One entry point: `make run` starts the site with demo data, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install test-install run test lint format messages
# What the tests need beyond Python, installed from Debian and npm on a fresh machine:
# Debian's Chromium for the browser tests (Playwright cannot download its own browsers
# here), and the npm folders of tests/: axe-core for the browser tests, the independent
# ActivityPub follower (Fedify) for the fediverse tests, each pinned by its lock file.
CHROMIUM := /usr/bin/chromium
NODE_FOLDERS := tests/browser/node_modules/.installed tests/fediverse_peer/node_modules/.installed

$(BIN)/amicus: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(CHROMIUM):
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk

tests/%/node_modules/.installed: tests/%/package-lock.json
	command -v npm >/dev/null || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm)
	cd tests/$* && npm ci --no-audit --no-fund
	touch $@

install: $(BIN)/amicus

test-install: install $(CHROMIUM) $(NODE_FOLDERS)

run: install
	$(BIN)/amicus demo
	AMICUS_BASE_URL=$${AMICUS_BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/amicus serve --host $(HOST) --port $(PORT)

test: test-install lint
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Extract translatable strings and merge them into the Spanish and Japanese catalogs.
messages: install
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k lazy_gettext -o core/locale/messages.pot .
	for lang in es ja; do \
	  if [ -f core/locale/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update --no-fuzzy-matching -i core/locale/messages.pot -d core/locale -l $$lang; \
	  else \
	    $(BIN)/pybabel init -i core/locale/messages.pot -d core/locale -l $$lang; \
	  fi; \
	done
