# 诊改平台 (zhengai) — install, demo and test.
#
#   make demo    install with locked versions, build the demo college, serve it at http://127.0.0.1:8000
#   make test    install with the test extra, then lint, check import layers and migrations, run pytest
#                (the indicator engine tests also run on Spark, which needs Java 17 or newer)
#   make lock    regenerate requirements/constraints.txt from a fresh virtual environment
#
# Variables: PYTHON (default python3), STUDENTS (demo size, default 8000), PYTEST_ARGS (extra pytest args),
#            TODAY (YYYY-MM-DD: build the demo as of that day and serve the platform with its clock set there).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONSTRAINTS := requirements/constraints.txt
STUDENTS ?= 8000
TODAY ?=
PYTEST_ARGS ?=

# Stamp files inside the venv: the install re-runs only when the project metadata or the locked
# versions change (or the venv is recreated), so repeated `make test` runs start at once.
INSTALLED := $(VENV)/.zhengai-installed
INSTALLED_TEST := $(VENV)/.zhengai-installed-test

# conftest.py and tests/ may not exist yet; lint only what is there.
LINT_PATHS := src $(wildcard tests conftest.py)

PIP := $(BIN)/python -m pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1

.DEFAULT_GOAL := help
.PHONY: help demo serve test lint lock clean-demo clean

help:
	@echo "make demo        安装并启动演示学院 (http://127.0.0.1:8000)  [STUDENTS=$(STUDENTS) TODAY=YYYY-MM-DD]"
	@echo "make test        安装并运行全部测试  [PYTEST_ARGS=...]"
	@echo "make lock        重新生成 $(CONSTRAINTS)"
	@echo "make clean-demo  删除演示数据 (var/)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP) install -c $(CONSTRAINTS) -e .
	@touch $@

$(INSTALLED_TEST): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP) install -c $(CONSTRAINTS) -e ".[test]"
	@touch $@ $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/zhengai demo --students $(STUDENTS) $(if $(TODAY),--today $(TODAY))
	$(if $(TODAY),ZHENGAI_NOW=$(TODAY) )$(BIN)/zhengai serve

serve: $(INSTALLED)
	$(BIN)/zhengai serve

lint: $(INSTALLED_TEST)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/lint-imports
	$(BIN)/zhengai makemigrations --check --dry-run

# Make stops at the first failing line. pytest exits 5 when it collects no tests, which fails too.
test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

lock:
	@set -eu; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install ".[test]"; \
	mkdir -p $(dir $(CONSTRAINTS)); \
	{ \
	  echo "# Locked versions for 'make demo' and 'make test' (pip install -c $(CONSTRAINTS) ...)."; \
	  echo "# Regenerate with 'make lock' after changing dependencies in pyproject.toml."; \
	  "$$tmp/venv/bin/python" -m pip freeze --exclude-editable | grep -viE '^zhengai( |=|@)'; \
	} > $(CONSTRAINTS).tmp; \
	mv $(CONSTRAINTS).tmp $(CONSTRAINTS); \
	echo "wrote $(CONSTRAINTS)"

clean-demo:
	rm -rf var/

clean: clean-demo
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache .import_linter_cache
