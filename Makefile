# Retain: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
EXAMPLE_STAMP := $(VENV)/.example-plugin-stamp
EXAMPLE := examples/retain-birthdays
LIFETIMES_STAMP := $(VENV)/.lifetimes-stamp
export FLASK_APP := wsgi

.PHONY: run test install migrate seed clean bench translations vendor

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The tests install the example third-party plugin with pip, as its users would.
$(EXAMPLE_STAMP): $(STAMP) $(EXAMPLE)/pyproject.toml
	$(BIN)/pip install --quiet -e $(EXAMPLE)
	touch $(EXAMPLE_STAMP)

migrate: install
	FLASK_DEBUG=1 $(BIN)/flask db upgrade

seed: migrate
	FLASK_DEBUG=1 $(BIN)/flask demo seed --if-empty

run: seed
	FLASK_DEBUG=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

# Two pytest-xdist workers: worksteal hands each one half of the tests in their order (the SQLite
# half, the PostgreSQL half), and a worker that runs out takes tests from the other's tail, so each
# builds its databases about once. PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2

# The churn module's tests read the CDNOW data inside the lifetimes wheel (tests/cdnow.py) and never
# import lifetimes, whose dependencies (pandas, autograd) they do not need.
$(LIFETIMES_STAMP): $(STAMP)
	$(BIN)/pip install --quiet --no-deps lifetimes
	touch $(LIFETIMES_STAMP)

test: install $(EXAMPLE_STAMP) $(LIFETIMES_STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance/retain.db* .pytest_cache

# After changing a page's text: extract what is marked for translation, merge it into each
# language's catalogue (translate the new entries there), and compile the catalogues. The core's
# catalogue is saas/web/translations; each module with a translations/ folder beside its code
# (plugins/*/, the example plugin's package) has its own, extracted from its package alone.
TRANSLATIONS := saas/web/translations
MODULE_TRANSLATIONS := $(wildcard plugins/*/translations $(EXAMPLE)/*/translations)
PYBABEL_EXTRACT := $(BIN)/pybabel extract -k _l --no-location --omit-header --sort-output
translations: install
	$(PYBABEL_EXTRACT) -F babel.cfg -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-pot-creation-date --ignore-obsolete -w 100
	$(BIN)/pybabel compile -d $(TRANSLATIONS)
	for dir in $(MODULE_TRANSLATIONS); do \
	  $(PYBABEL_EXTRACT) -F babel-modules.cfg -o $$dir/messages.pot $$(dirname $$dir) && \
	  $(BIN)/pybabel update -i $$dir/messages.pot -d $$dir --no-fuzzy-matching --ignore-pot-creation-date --ignore-obsolete -w 100 && \
	  $(BIN)/pybabel compile -d $$dir || exit 1; \
	done

# Refresh the vendored htmx and ECharts, and the tests' axe-core, from the npm registry (versions in
# the scripts).
vendor:
	bash saas/web/static/vendor/refresh.sh
	bash tests/browser/vendor/refresh.sh
