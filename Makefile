# Two commands for a newcomer: `make serve` and `make test`. Everything else is a step they call.
PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
PORT   ?= 8000

.PHONY: serve test test-fast vendor site bench lint format clean clean-vendor

serve:                          ## serve the app on http://127.0.0.1:$(PORT)/ (vendors on first use)
	$(PYTHON) -m tools.serve --port $(PORT)

test: $(VENV)/.installed vendor ## the whole suite: unit, tools and browser tests
	@$(VPY) -m tools.browser >/dev/null
	$(VPY) -m pytest

test-fast: $(VENV)/.installed   ## CPython tests only (no browser)
	$(VPY) -m pytest -m "not browser and not soak"

vendor:                         ## fetch and hash-check Pyodide, PyScript and numpy into static/vendor/
	$(PYTHON) -m tools.vendor

site: vendor                    ## build the self-contained static site in _site/
	$(PYTHON) -m tools.site

bench: $(VENV)/.installed vendor ## run the benchmark suite, write bench/results.json
	@$(VPY) -m tools.browser >/dev/null
	$(VPY) -m bench

lint: $(VENV)/.installed
	$(VPY) -m ruff check .
	$(VPY) -m ruff format --check .

format: $(VENV)/.installed
	$(VPY) -m ruff format .
	$(VPY) -m ruff check --fix .

$(VENV)/.installed: pyproject.toml
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

clean:
	rm -rf _site .pytest_cache .ruff_cache .hypothesis test-results
	find . -name __pycache__ -prune -exec rm -rf {} +

clean-vendor:
	rm -rf static/vendor
