# The two commands a newcomer needs are `make run` and `make test`; the rest are for us.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi
export EKESCO_INSTANCE_DIR ?= $(CURDIR)/instance

.PHONY: run test lint format openapi translations extract-messages i18n demo-data worker bench bench-scale clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile -d ekesco_api/translations

# Serves the API and, beside it, the worker that sends what the API queues (codes, reset links,
# outage notices) to the files under instance/. Until the first release the schema is rewritten
# in place (see migration-initial), so a database left by an older checkout is refused, not used.
run: $(STAMP) translations
	mkdir -p instance
	$(FLASK) db upgrade
	@$(FLASK) db check >/dev/null 2>&1 || { echo "instance/ekesco.sqlite3 predates the current \
	schema: move instance/ away (or delete it) and run make run again."; exit 1; }
	test -f instance/.demo-loaded || ( $(FLASK) ekesco demo-data --out instance/demo-export \
		&& $(FLASK) ekesco import instance/demo-export && touch instance/.demo-loaded )
	$(FLASK) ekesco worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		WEB_CONCURRENCY=2 $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: $(STAMP) translations
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

openapi: $(STAMP) translations
	$(FLASK) openapi write --format=json openapi/openapi.json

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -k _l -k _ -o ekesco_api/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i ekesco_api/translations/messages.pot -d ekesco_api/translations

# Catalogs from the code's messages, Albanian and Serbian from tools/i18n/*.json (one per domain).
i18n: extract-messages
	$(BIN)/python tools/translate.py tools/i18n/*.json
	$(MAKE) translations

worker: $(STAMP)
	$(FLASK) ekesco worker

bench: $(STAMP) translations
	$(BIN)/python benchmarks/login.py
	$(BIN)/python benchmarks/balance.py
	$(BIN)/python benchmarks/payments.py
	$(BIN)/python benchmarks/bill_pdf.py

# The service at the supplier's size (benchmarks/scale.py): a 600,000-supply-point export, the
# nightly import into PostgreSQL (database ekesco_scale, kept for the next run), the endpoints
# under wrk and the bill-day mix under Locust. SCALE_ARGS="--supply-points 60000" for a quick one.
bench-scale: $(STAMP) translations
	@command -v wrk >/dev/null || { echo "make bench-scale measures the endpoints with wrk, \
	which is not installed (Debian: apt-get install wrk)."; exit 1; }
	$(BIN)/python -c 'import locust' 2>/dev/null || $(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/scale.py $(SCALE_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache

# Until the first release, the schema is one initial revision regenerated from the models.
# Hand-written data revisions (0002_... on) name 0001 as their parent, so Alembic cannot load
# them while 0001 is missing: they wait in instance/ until the new 0001 is written.
migration-initial: $(STAMP)
	rm -f migrations/versions/0001_initial.py
	rm -rf instance/.migration-scratch.sqlite3 instance/.migration-later
	mkdir -p instance/.migration-later
	find migrations/versions -maxdepth 1 -name '0*.py' -exec mv {} instance/.migration-later/ \;
	DATABASE_URL=sqlite:///$(CURDIR)/instance/.migration-scratch.sqlite3 \
		$(FLASK) db revision --autogenerate --rev-id 0001 -m initial; status=$$?; \
		find instance/.migration-later -name '0*.py' -exec mv {} migrations/versions/ \; ; \
		rm -rf instance/.migration-scratch.sqlite3* instance/.migration-later; exit $$status
