# Every target sets up what it needs: a virtual environment with the package and its extras,
# and Debian's graphviz (and chromium for the browser tests) when they are missing.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stepgrad
DEMOS  := $(VENV)/.installed-demos
LAB    := $(VENV)/.installed-notebooks
APT    := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends

.PHONY: test demo bench lint lab shell clean system-graphviz system-chromium want-chromium

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Everything: tests, demos, benchmarks and linters.
$(STAMP): setup.cfg pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[test,demos,bench,dev]'
	touch $(STAMP) $(DEMOS)

# Only what the demos need (make demo): numpy, graphviz, matplotlib, hypothesis, tqdm, playwright.
$(DEMOS): setup.cfg pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[demos]'
	touch $(DEMOS)

$(LAB): setup.cfg pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[notebooks]'
	touch $(LAB)

# Install a Debian package when its command is missing: as root with apt-get, or say how.
define need
	@command -v $(1) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $(2) (for $(1)) with apt-get"; \
	    apt-get update -qq && $(APT) $(2) >/dev/null; \
	  else \
	    echo "error: '$(1)' is missing. Install it with: sudo apt-get install $(2)" \
	         "(or your system's package manager), then run make again." >&2; exit 1; \
	  fi; }
endef

system-graphviz:
	$(call need,dot,graphviz)

system-chromium:
	$(call need,chromium,chromium)

# Chromium only for the stepper demo's screenshot: installed when we can, else that one is skipped.
want-chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium with apt-get"; apt-get update -qq && $(APT) chromium >/dev/null; \
	  else echo "note: no chromium; the stepper demo will skip its screenshot"; fi; }

test: $(STAMP) system-graphviz system-chromium
	$(PY) -m pytest -n 2

demo: $(DEMOS) system-graphviz want-chromium
	$(PY) -m demos

# A shell with the virtual environment active (stepgrad, python -m demos, import autograd).
shell: $(DEMOS)
	@echo "(.venv active: stepgrad, python -m demos and import autograd work here; exit to leave)"
	@. $(VENV)/bin/activate && exec $${SHELL:-bash} -i

lab: $(LAB)
	$(VENV)/bin/jupyter lab demos/notebooks

bench: $(STAMP)
	$(PY) -m benchmarks

lint: $(STAMP)
	$(VENV)/bin/ruff check autograd nn viz tests demos benchmarks
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis *.egg-info
