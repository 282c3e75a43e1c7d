# One entry point: `make run` starts the site with demo data, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format messages
# The browser tests drive Debian's Chromium (Playwright cannot download its own browsers
# here) and inject axe-core, pinned by tests/browser/package-lock.json.
CHROMIUM := /usr/bin/chromium
AXE := tests/browser/node_modules/axe-core/axe.min.js

$(BIN)/amicus: pyproject.toml tests/fediverse_peer/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	# The independent ActivityPub follower (Fedify) the tests talk to; needs node and npm.
	if command -v npm >/dev/null; then cd tests/fediverse_peer && npm ci --no-audit --no-fund; fi
	touch $@

$(CHROMIUM):
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk

$(AXE): tests/browser/package-lock.json
	command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm
	cd tests/browser && npm ci --no-audit --no-fund
	touch $@

install: $(BIN)/amicus $(CHROMIUM) $(AXE)

run: install
	$(BIN)/amicus demo
	AMICUS_BASE_URL=$${AMICUS_BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/amicus serve --host $(HOST) --port $(PORT)

test: install lint
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
