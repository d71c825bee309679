# Every target sets itself up: a fresh machine with Python 3.11 needs nothing else.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SYNCED := $(VENV)/.synced-$(shell cat uv.lock pyproject.toml 2>/dev/null | cksum | cut -d' ' -f1)
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export TOBY_TEST_DATABASE_URL ?= postgresql+psycopg2://postgres@127.0.0.1:5432/postgres

.PHONY: setup browser demo simulate bench-learning bench-media bench-scale bench-refill bench-rechain bench-horizon bench-retick celery-worker test screenshots lint format dev serve check-defs clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.9

$(SYNCED): $(BIN)/uv uv.lock pyproject.toml
	$(BIN)/uv sync --locked --compile-bytecode --quiet
	rm -f $(VENV)/.synced-* && touch $@

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME) && cp dagster.yaml $@

setup: $(SYNCED) $(DAGSTER_HOME)/dagster.yaml

demo: setup
	$(BIN)/toby demo --days 30 --report demo-report.json

simulate: setup
	$(BIN)/toby simulate --scenario examples/scenario.json --audience examples.audience:audience \
		--days 14 --seed 0 --report simulation-report.json

# Toby against the seeds' algorithms on the held-out half of the family of worlds (HALF=training
# for the half constants are tuned on), SEEDS=30 per world by default (the README's held-out table).
# SET="posterior_width=0.35 half_life_days=30" (training half only) runs Toby again with those
# constants beside Toby as the code has it.
bench-learning: setup
	$(BIN)/python -m toby_pipelines.benchmark --half $(or $(HALF),held-out) --seeds $(or $(SEEDS),30) $(foreach s,$(SET),--set $(s))

# Rendering speed and memory per visual style on one core, against a naive renderer.
bench-media: setup
	$(BIN)/python -m toby_pipelines.media.benchmark

# One day of the real assets on a bulk-populated database: BRANDS, DAYS, DATABASE=postgresql|sqlite.
bench-scale: setup
	$(BIN)/python -W ignore -m toby_pipelines.scale --brands $(or $(BRANDS),1000) \
		--days $(or $(DAYS),90) --database $(or $(DATABASE),postgresql) \
		--compare-brands $(or $(COMPARE_BRANDS),300)

# The first fill again, RUNS times, on the database bench-scale last populated: a change to the
# fill measured on the same data (run it from each checkout in turn).
bench-refill: setup
	$(BIN)/python -W ignore -m toby_pipelines.scale --database $(or $(DATABASE),postgresql) \
		--refill $(or $(RUNS),3)

# The day's chain again, RUNS times, on the database bench-scale last populated: a change to the
# chain measured on the same data (run it from each checkout in turn).
bench-rechain: setup
	$(BIN)/python -W ignore -m toby_pipelines.scale --database $(or $(DATABASE),postgresql) \
		--rechain $(or $(RUNS),2)

# What a longer history costs the chain: BRANDS populated with SHORT and with DAYS days of
# history, the chain run on each in turn RUNS times, a ratio per pair (horizon.py).
bench-horizon: setup
	$(BIN)/python -W ignore -m toby_pipelines.scale --brands $(or $(BRANDS),1000) \
		--days $(or $(DAYS),180) --short-days $(or $(SHORT),30) \
		--database $(or $(DATABASE),postgresql) --horizon $(or $(RUNS),3)

# The steady tick again, RUNS times, on the database bench-scale last populated and filled: a
# change to the tick measured on the same data (run it from each checkout in turn).
bench-retick: setup
	$(BIN)/python -W ignore -m toby_pipelines.scale --database $(or $(DATABASE),postgresql) \
		--retick $(or $(RUNS),3)

# A Celery worker for TOBY_EXECUTOR=celery: takes learning steps from RabbitMQ on 127.0.0.1
# (DAGSTER_CELERY_BROKER_HOST); start as many as there are cores to spare, on any machine.
celery-worker: setup
	DAGSTER_CELERY_BROKER_HOST=$${DAGSTER_CELERY_BROKER_HOST:-127.0.0.1} \
		$(BIN)/celery -A dagster_celery.app worker -Q dagster --loglevel=INFO

# Debian's Chromium for the dashboard's browser tests (Playwright drives it; it downloads no
# browser of its own).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	$$([ "$$(id -u)" != 0 ] && command -v sudo) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $$([ "$$(id -u)" != 0 ] && command -v sudo) \
		apt-get install -y -qq --no-install-recommends chromium

browser: $(CHROMIUM)

test: setup $(CHROMIUM)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/dagster definitions validate -w workspace.yaml
	$(BIN)/pytest

# The README's dashboard screenshots (docs/dashboard/*.png), taken by the demo's browser test
# on the demo's 30 days (about 3 minutes).
screenshots: setup $(CHROMIUM)
	rm -f docs/dashboard/*.png
	TOBY_SCREENSHOTS=$(CURDIR)/docs/dashboard $(BIN)/pytest -n 0 -q tests/test_demo.py

lint: setup
	$(BIN)/ruff format --check . && $(BIN)/ruff check .

format: setup
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

# The Dagster UI, and the embedded media store served at http://127.0.0.1:8090 (TOBY_MEDIA_BASE_URL).
dev: setup
	mkdir -p $${TOBY_DATA_DIR:-data}/media
	$(BIN)/python -m http.server 8090 --bind 127.0.0.1 --directory $${TOBY_DATA_DIR:-data}/media \
		> /dev/null 2>&1 & trap 'kill $$!' EXIT; $(BIN)/dagster dev -w workspace.yaml

# The owners' control API on the embedded default (next to `make dev`): PORT=8000 by default.
# `toby api-token create USER` prints the token to send as `Authorization: Bearer ...`.
serve: setup
	$(BIN)/toby serve --port $(or $(PORT),8000)

clean:
	rm -rf $(VENV) $(DAGSTER_HOME) data demo-report.json simulation-report.json
