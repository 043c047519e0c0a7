# clinrelay — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-unit check lint format services up bench clean

install: $(STAMP) ## Create .venv and install clinrelay with its test tools (and pdftoppm/pdftotext)

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@scripts/system-packages
	@scripts/promtool
	@touch $(STAMP)

services: ## Make sure RabbitMQ and PostgreSQL are reachable (start them, or say what is missing)
	@scripts/ensure-services

run: install services ## Start everything, create a dev key, submit the sample and save its PDF
	$(BIN)/clinrelay dev

up: install services ## Start the five services only
	$(BIN)/clinrelay up

test: install services ## The whole suite: unit, integration (real RabbitMQ + PostgreSQL), e2e; with coverage, failing below its floor
	$(BIN)/pytest -q --cov --cov-report=term:skip-covered

test-unit: install ## Unit tests and the in-memory half of tests/bus: no RabbitMQ or PostgreSQL needed
	$(BIN)/pytest -q -m "not integration"

check: install ## Format, lint, type checks and the import contracts between rooms
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy shared services clinrelay tests bench
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install services ## Benchmarks (see docs/benchmarks.md)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage htmlcov out
