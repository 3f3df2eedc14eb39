# coursepack — `make` builds every pack in content/ into output/; `make test` runs the tests.
# Each target sets up what it needs (a virtual environment in .venv) on a fresh machine.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: all build test browser test-fast golden check lint format docs messages bench canary clean help

all: build  ## Build every course in content/ into output/ (default)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=25.1"
	$(PY) -m pip install --quiet -e . --group dev
	@touch $(STAMP)

build: $(STAMP)  ## Build every pack (incremental; FORCE=1 rebuilds all)
	$(PY) build.py $(if $(FORCE),--no-cache)

test: lint browser  ## Run the whole test suite (lint first)
	$(PY) -m pytest -q

browser:  ## Chromium for the preview's browser test: installed with apt-get when missing and run as root (else that test is skipped, saying why)
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium (tests/test_preview.py drives it headless)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null) \
			|| echo "warning: chromium could not be installed: the browser test will be skipped"; \
	fi

test-fast: $(STAMP)  ## The tests that typeset nothing (under a minute): parser, checks, leaks, CommonMark
	$(PY) -m pytest -q -m "not slow"

golden: $(STAMP)  ## Accept the HTML each edition writes now as the golden copies (tests/golden/; review the diff)
	$(PY) -m pytest -q tests/test_golden.py --update-golden

check: $(STAMP)  ## Validate every course without rendering (strict)
	$(VENV)/bin/coursepack check --strict

lint: $(STAMP)  ## ruff, mypy and the import contracts (pyproject.toml, [tool.importlinter])
	$(VENV)/bin/ruff check coursepack benchmarks tests build.py
	$(VENV)/bin/ruff format --check coursepack benchmarks tests build.py
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: $(STAMP)  ## Apply ruff formatting
	$(VENV)/bin/ruff format coursepack benchmarks tests build.py
	$(VENV)/bin/ruff check --fix coursepack tests build.py

docs: $(STAMP)  ## Regenerate docs/schema/*.json and docs/cli.md
	$(VENV)/bin/coursepack schema --output docs/schema
	$(PY) -m coursepack.cli.doc > docs/cli.md

bench: $(STAMP)  ## Benchmark: our build against WeasyPrint alone on 20/100/500-page courses, then the preview's latency (minutes)
	$(PY) -m benchmarks.bench --repeat 3
	$(PY) -m benchmarks.preview

CANARY := .canary
CANARY_TESTS := tests/test_engine.py tests/test_parts.py tests/test_accessibility.py tests/test_preflight.py tests/test_pdf_minimal.py
canary:  ## Try the newest WeasyPrint, pydyf and fontTools in a scratch environment (.canary): the engine tests
	rm -rf $(CANARY) && $(PYTHON) -m venv $(CANARY)
	$(CANARY)/bin/python -m pip install --quiet --upgrade "pip>=25.1"
	$(CANARY)/bin/python -m pip install --quiet -e . --group test
	-$(CANARY)/bin/python -m pip install --quiet --upgrade weasyprint pydyf fonttools
	$(CANARY)/bin/python -m pip list 2>/dev/null | grep -iE "^(weasyprint|pydyf|fonttools) "
	COURSEPACK_ENGINE_CANARY=1 $(CANARY)/bin/python -m pytest -q -p no:cacheprovider $(CANARY_TESTS)

clean:  ## Remove output/ and the virtual environment
	rm -rf output $(VENV)

help:  ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

messages: $(STAMP)  ## Extract interface words into coursepack/locale/messages.pot and merge them into each catalog
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k N_ --no-location --omit-header --sort-output -o coursepack/locale/messages.pot .
	for lang in fr es ru ar zh; do $(VENV)/bin/pybabel -q update --no-fuzzy-matching -i coursepack/locale/messages.pot -d coursepack/locale -l $$lang; done
