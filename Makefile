# workload.availability: `make demo` and `make test` need nothing but Python 3.11 and the package registries;
# both build .venv themselves (tools/bootstrap) and skip that when nothing changed.

VENV ?= .venv
BUILD ?= build
PYTHON ?= python3.11
export PYTHON

PY := $(VENV)/bin/python
LAB_DIR ?= .lab/dev
STAGE_RUNNER := $(PY) tools/stages.py
# Unit and lab tests run in parallel workers; CI machines have 2 cores.
PYTEST_WORKERS ?= 2
PYTEST := $(PY) -m pytest -p no:cacheprovider -q -n $(PYTEST_WORKERS)

.PHONY: help setup test demo bench lint sanity units lab-tests integration lab lab-down clean distclean

help:
	@echo "make demo        start the lab, run playbooks/demo.yml against it, print the report, stop the lab"
	@echo "make test        sanity, lint, units, lab-tests, integration; stops at the first failing stage"
	@echo "make bench       run bench/*.py and summarise bench/results/"
	@echo "make sanity | lint | units | lab-tests | integration   one stage"
	@echo "make lab | lab-down   a lab in $(LAB_DIR) to point playbooks at ($(LAB_DIR)/inventory.yml)"
	@echo "make clean       remove build output, lab work directories and test output (make distclean: .venv too)"

setup:
	@tools/bootstrap $(VENV)

test: setup
	@$(STAGE_RUNNER) \
	  "sanity=$(MAKE) --no-print-directory sanity-only" \
	  "lint=$(MAKE) --no-print-directory lint-only" \
	  "units=$(MAKE) --no-print-directory units-only" \
	  "lab-tests=$(MAKE) --no-print-directory lab-tests-only" \
	  "integration=$(MAKE) --no-print-directory integration-only"

demo: setup
	@$(PY) tools/demo.py --venv $(VENV)

bench: setup
	@$(PY) bench/run.py

sanity: setup sanity-only
lint: setup lint-only
units: setup units-only
lab-tests: setup lab-tests-only
integration: setup integration-only

# The *-only targets assume `setup` ran (make test runs it once for all stages).
.PHONY: sanity-only lint-only units-only lab-tests-only integration-only
sanity-only:
	@tools/sanity $(abspath $(VENV)) $(abspath $(BUILD))

lint-only:
	@$(VENV)/bin/ansible-lint --profile production --offline --nocolor

units-only:
	@$(PYTEST) tests/unit

lab-tests-only:
	@$(PYTEST) tests/lab

integration-only:
	@$(PY) tests/integration/run.py

lab: setup
	@$(PY) -m lab up --workdir $(LAB_DIR)

lab-down:
	@$(PY) -m lab down --workdir $(LAB_DIR)

clean:
	rm -rf $(BUILD) tests/output .lab .ansible .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
