# The course's commands. `make help` lists them.
# Every target that needs Python creates the virtual environment first if it is missing.

PYTHON   ?= python3
VENV     ?= .venv
PY       := $(VENV)/bin/python
NOTEBOOKS ?= $(sort $(wildcard notebooks/*.ipynb))
# The environment is rebuilt when the dependencies in pyproject.toml change.
ENV_STAMP := $(VENV)/.installed
# JupyterLab settings of the course (no "get Jupyter news?" popup), installed into the venv.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
ARGS ?=

# Reproducible outputs: a fixed hash seed, and a matplotlib config of the course's own
# (no personal matplotlibrc changing figure sizes; its font cache is built by `make data`
# so that no notebook prints "building the font cache").
export PYTHONHASHSEED := 0
export MPLCONFIGDIR := $(CURDIR)/build/matplotlib
# One CPU thread per process when outputs are stored and compared: a float sum split over
# threads rounds differently with their number, so stored digits hold on any machine. It
# is also faster: test workers whose kernels each spin up a thread per core would fight
# over the cores. `make lab` uses every core.
test execute: export OMP_NUM_THREADS := 1
test execute: export MKL_NUM_THREADS := 1

.DEFAULT_GOAL := help
.PHONY: help env data doctor lab slides site student grade test execute bench clean

help: ## Show this list
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(ENV_STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-compile -e ".[dev]"
	@# pip would compile the .pyc files on one core; this uses every core (a file that does
	@# not compile, such as torch's Python 3.12 examples, is skipped, as pip skips it)
	@$(PY) -m compileall -q -j 0 $(VENV)/lib >/dev/null || true
	@touch $@

$(LAB_SETTINGS): publish/jupyterlab/overrides.json $(ENV_STAMP)
	@mkdir -p $(dir $@)
	cp $< $@

# The pinned JavaScript of decks and website is downloaded here, once (it is checked, by
# hash, every time), so that both build offline afterwards.
env: $(ENV_STAMP) $(LAB_SETTINGS) ## Create .venv and fetch what later works offline (quick when done)
	@$(PY) -m publish.assets

data: env ## Fetch and verify Fashion-MNIST into data/
	$(PY) -m d2lutils
	@$(PY) -c "import matplotlib.pyplot"

# What is wrong with the set-up, each with its fix; works offline, and without `make env`
# having finished. `lab` and `test` run its quick form first (silent when all is well).
doctor: ## Check the set-up and say how to fix each problem (ARGS=--json for tools)
	@test -x $(PY) || { echo "✘ there is no $(VENV) yet. Fix: make env"; exit 1; }
	@$(PY) -m d2lutils doctor $(ARGS)

lab: data ## Open JupyterLab on the notebooks (ARGS="--allow-root --no-browser --ip=0.0.0.0" in a container)
	@$(PY) -m d2lutils doctor --quick
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks $(ARGS)

slides: env ## Export notebooks as reveal.js decks that open offline, in build/slides/
	$(PY) -m publish.slides --out build/slides $(NOTEBOOKS)

site: env ## Build the course website from the stored outputs, in build/site/ (opens offline)
	$(PY) -m publish.site --out build/site

student: env ## Write the student edition (no solutions, no speaker notes) to build/student/
	$(PY) -m publish.student --out build/student $(NOTEBOOKS)

grade: env ## Grade a class in a sandbox: make grade SUBMISSIONS=folder (to build/grades/)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=path/to/folder" \
		"(the submitted notebooks; see README, Grading a class)"; exit 2; }
	$(PY) -m d2lutils.grading "$(SUBMISSIONS)" --out build/grades

# Three workers on two cores: while one waits (a browser, a sandbox, torchrun starting),
# the other two compute. Each takes one file at a time, the slowest first (conftest.py).
test: data ## Run the d2lutils tests and every notebook under nbval (strict)
	@$(PY) -m d2lutils doctor --quick
	$(PY) -m pytest tests $(NOTEBOOKS) -n 3 --dist loadfile --no-loadscope-reorder --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval-sanitize.cfg --nbval-cell-timeout=600

execute: data ## Re-run notebooks in place to refresh their stored outputs (NOTEBOOKS=...)
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False \
		$(NOTEBOOKS)

bench: data ## Benchmark data pipeline and training loops (vs the classic ones), demo redraws, grading
	$(PY) benchmarks/training_speed.py
	$(PY) benchmarks/demo_redraw.py

clean: ## Remove the environment and generated files (keeps data/)
	rm -rf $(VENV) build *.egg-info
	find . -name __pycache__ -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -prune -exec rm -rf {} +
