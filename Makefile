# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
# Each creates .venv if needed and installs the pinned, tested set (constraints.txt).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PY     := $(BIN)/python

.PHONY: demo test test-all bench lint install clean-demo help

help:
	@echo "make demo      run the nightly job on the bundled offline demo web"
	@echo "make test      run the test suite"
	@echo "make test-all  the suite including slow/heavy cases"
	@echo "make bench     run the benchmarks in bench/ (JSON to bench/results/)"
	@echo "make lint      ruff and the import contracts (lint-imports; pyproject.toml [tool.importlinter])"

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m pipeline.demo

# make test installs the system packages its tests need (redis-server, chromium, libreoffice-writer)
# through .ci/services.sh, then requires them: a missing one fails the test that needs it, it is not
# skipped. CHUYENMUC_SERVICES=skip make test runs without them (those tests skip).
REQUIRE := $(if $(filter skip,$(CHUYENMUC_SERVICES)),0,1)

test: $(STAMP)
	bash .ci/services.sh
	CHUYENMUC_REQUIRE_SERVICES=$(REQUIRE) $(PY) -m pytest -m "not slow" --durations=15

test-all: $(STAMP)
	bash .ci/services.sh
	CHUYENMUC_REQUIRE_SERVICES=$(REQUIRE) $(PY) -m pytest --durations=15

# the scale-out bench starts a local redis-server: set up like make test (on a fresh machine the
# first make bench failed there for want of it)
bench: $(STAMP)
	bash .ci/services.sh
	$(PY) -m bench.run_all

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
