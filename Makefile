# imcap — two commands do all set-up: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-unit test-spec test-integration test-e2e lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/imcap demo --out out

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit
test-spec: $(STAMP)
	$(BIN)/python -m pytest -q tests/spec
test-integration: $(STAMP)
	$(BIN)/python -m pytest -q tests/integration
test-e2e: $(STAMP)
	$(BIN)/python -m pytest -q tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: $(STAMP)
	for b in indicators ingest impact siting access api; do $(BIN)/python -m bench.$$b || exit 1; done

clean:
	rm -rf out imcap.db
