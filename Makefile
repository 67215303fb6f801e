# arrears — the two commands: `make demo` and `make test`. Everything they need is installed here.
PY        ?= python3.11
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
DAGSTER_HOME_DIR := $(CURDIR)/data/dagster_home
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

$(DAGSTER_HOME_DIR)/dagster.yaml:
	@mkdir -p $(DAGSTER_HOME_DIR)
	@printf 'telemetry:\n  enabled: false\n' > $@

demo: install $(DAGSTER_HOME_DIR)/dagster.yaml
	$(BIN)/arrears sample data/landing --accounts $(ACCOUNTS) --months $(MONTHS) --seed $(SEED)
	DAGSTER_HOME=$(DAGSTER_HOME_DIR) $(BIN)/arrears run --landing data/landing \
		--warehouse data/warehouse.duckdb --reports data/reports
	@echo
	@echo "Dashboards: file://$(CURDIR)/data/reports/index.html"
	@echo "Warehouse:  $(CURDIR)/data/warehouse.duckdb (schemas raw, staging, marts, audit)"
	@echo "Dagster UI: make ui, then open http://127.0.0.1:3000 (the runs and checks of make demo are there)"

run: install $(DAGSTER_HOME_DIR)/dagster.yaml
	DAGSTER_HOME=$(DAGSTER_HOME_DIR) $(BIN)/arrears run

ui: install $(DAGSTER_HOME_DIR)/dagster.yaml
	DAGSTER_HOME=$(DAGSTER_HOME_DIR) $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

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
	rm -rf data/warehouse.duckdb data/reports data/landing
