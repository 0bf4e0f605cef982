# Two commands on a fresh machine (see README):
#   make demo   set up .venv and run Linguacodus on a bundled example task, offline
#   make test   set up .venv and run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TASK ?= examples/tasks/churn
BUDGET ?= 60
STAMP := $(VENV)/.installed

.PHONY: demo test lint examples bench-examples clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/linguacodus run $(TASK) --budget $(BUDGET) --out runs/demo-$$(date +%Y%m%d-%H%M%S)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts benchmarks

# Rebuild the bundled example tasks from the pip packages that ship their data.
examples: $(STAMP)
	$(BIN)/python scripts/build_examples.py

# The figures of the README's "Measured" section.
bench-examples: $(STAMP)
	$(BIN)/python benchmarks/examples.py --budget 60

clean:
	rm -rf $(VENV) runs .pytest_cache
