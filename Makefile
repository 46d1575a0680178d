# Two commands on a fresh machine:  `make report`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
JOBS   ?= 2
MONTHS ?=# empty: the months in config/la.toml [reporting] default_months
N      ?= 100# validate-stats: synthetic LAs without, and as many with, the SDQ effect
SEED   ?= 2017
# the package compiled ahead (only what changed): where PYTHONDONTWRITEBYTECODE is set (as on
# this project's CI machines) Python never keeps its compiled modules, and every process (command,
# kernel, worker) compiled the package's ~80 modules again, about 0.1 s a process
COMPILE = $(PY) -m compileall -q pipeline >/dev/null

.PHONY: report test test-fast lint lab data bench validate-stats clean-outputs

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (lac pack)" >/dev/null
	$(COMPILE)
	touch $(STAMP)

## report: set up, make synthetic data if data/raw is empty, run every notebook for each month
report: $(STAMP)
	@$(COMPILE)
	@if [ -z "$$(ls -d data/raw/????-?? 2>/dev/null)" ]; then $(PY) -m pipeline synth; fi
	$(PY) -m pipeline run --jobs $(JOBS) $(if $(MONTHS),--months $(MONTHS))

## test: set up, lint (style and formatting) and run the whole test suite
test: lint
	$(PY) -m pytest -q

test-fast: lint
	$(PY) -m pytest -q -m "not slow"

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

## lab: open JupyterLab on the notebooks
lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

data: $(STAMP)
	$(PY) -m pipeline synth

clean-outputs:
	rm -rf outputs/20* outputs/index.html data/processed/20*

## bench: SPEC 10 performance figures (LA scale and national scale)
bench: $(STAMP)
	$(PY) -c "import duckdb" 2>/dev/null || $(PY) -m pip install --quiet -e ".[bench]"
	@$(COMPILE)
	$(PY) -m pipeline bench --national --report

## validate-stats: the error rates of the reports' statistical statements on N + N synthetic LAs
## (false positives without an SDQ effect, interval coverage with it); minutes, not in `make test`
validate-stats: $(STAMP)
	$(PY) tools/validate_stats.py --n $(N) --seed $(SEED) --jobs $(JOBS)
