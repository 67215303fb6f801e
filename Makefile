# arrears — the two commands: `make demo` and `make test`. Everything they need is installed here.
PY        ?= python3.11
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
ACCOUNTS  ?= 20000
MONTHS    ?= 24
SEED      ?= 42

.PHONY: install demo run ui test bench clean browser

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PY) >/dev/null || { echo "$(PY) not found: arrears needs Python 3.11"; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

# Runs are recorded in the warehouse's own Dagster instance (`arrears dagster-home` prints its folder:
# $DAGSTER_HOME when set, else <warehouse stem>.dagster beside the warehouse, data/warehouse.dagster by
# default); `make ui` opens the same folder, so it shows every run of `make demo` and `make run`.
demo: install
	$(BIN)/arrears sample data/landing --accounts $(ACCOUNTS) --months $(MONTHS) --seed $(SEED)
	$(BIN)/arrears run --landing data/landing --warehouse data/warehouse.duckdb --reports data/reports --reporting-currency USD
	@echo
	@echo "Dashboards: file://$(CURDIR)/data/reports/index.html"
	@echo "Warehouse:  $(CURDIR)/data/warehouse.duckdb (schemas raw, staging, marts, audit)"
	@echo "Dagster UI: make ui, then open http://127.0.0.1:3000 (the runs and checks of make demo are there)"

run: install
	$(BIN)/arrears run

ui: install
	home=$$($(BIN)/arrears dagster-home) && DAGSTER_HOME=$$home $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# Headless Chromium for the browser test of the dashboards (skipped, with a reason, where it cannot be had).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium not installed: the browser test will be skipped"; }

test: install browser
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/run_bench.py

clean:
	rm -rf data/warehouse.duckdb data/warehouse.dagster data/reports data/landing
