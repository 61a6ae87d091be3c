# Every target sets up what it needs: a virtual environment with the package and its extras,
# and Debian's graphviz (and chromium for the browser tests) when they are missing.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stepgrad
APT    := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends

.PHONY: test demo bench lint clean system-graphviz system-chromium

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,demos,dev]'
	touch $(STAMP)

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

test: $(STAMP) system-graphviz system-chromium
	$(PY) -m pytest

demo: $(STAMP) system-graphviz system-chromium
	$(PY) -m demos

bench: $(STAMP)
	$(PY) -m benchmarks

lint: $(STAMP)
	$(VENV)/bin/ruff check autograd nn viz tests demos benchmarks
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis *.egg-info
