# BuildSpeak: `make run` starts the bot, `make test` runs every check. Both set
# up the virtual environment first, so a fresh clone needs nothing else.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install system-deps run test lint format library bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "BuildSpeak needs Python 3.11 or newer; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# espeak-ng and lame for the offline voice; installed when we may (root), else a note.
system-deps:
	@bash scripts/install-system-deps.sh

run: $(STAMP) system-deps
	$(BIN)/buildspeak run

test: $(STAMP) system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest
	bash scripts/with-postgres.sh $(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Rebuild the bundled library from the seed documents in lessons/sources/ (recipe: lessons/seeds.py).
library: $(STAMP)
	$(BIN)/buildspeak lessons import-seeds

bench: $(STAMP) system-deps
	$(BIN)/python benchmarks/import_library.py
	$(BIN)/python benchmarks/alignment.py
	$(BIN)/python benchmarks/cards.py
	$(BIN)/python benchmarks/usage_index.py
	bash scripts/with-postgres.sh $(BIN)/python benchmarks/broadcast.py
	bash scripts/with-postgres.sh $(BIN)/python benchmarks/quiz.py
	$(BIN)/python benchmarks/discord_push.py
	$(BIN)/python benchmarks/burst.py
	$(BIN)/python benchmarks/webhook.py
	$(BIN)/python benchmarks/reader.py
	$(BIN)/python benchmarks/sources.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Pin every runtime dependency, with hashes, in requirements.lock for the container image.
# Keeps the pins that still fit; `make lock LOCK_ARGS=--upgrade` takes the newest versions.
.PHONY: lock
lock:
	PYTHON=$(PYTHON) bash scripts/image/lock.sh $(LOCK_ARGS)
