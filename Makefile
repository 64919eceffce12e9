# The two commands: `make run` (the platform with demo data) and `make test` (everything CI checks).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
ODS_BIND ?= 127.0.0.1:8000
export ODS_BIND

.PHONY: run test setup bootstrap lint pytest messages fuzz bench bench-10m bench-permissions

## Install what is missing, prepare the database and demo data, then run web, worker and beat.
run: setup
	@echo
	@echo "ODS-plattformen: http://$(ODS_BIND)/   (stop with Ctrl-C)"
	@$(PY) manage.py load_demo --print-logins | sed -n '/^Demo log-ins/,$$p'
	@echo
	exec honcho start -f Procfile

## The same set-up, then lint, consistency gates and the whole test suite on real services.
test: setup lint pytest

setup: bootstrap
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py load_reference_data
	$(PY) manage.py load_demo

bootstrap:
	bin/bootstrap

lint:
	ruff check .
	ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	mypy .

# Two processes (this machine has two cores): each has its own test database and Redis.
pytest:
	pytest -n 2

## The API (schemathesis, three roles) and every form and import (hypothesis) fuzzed much longer than in `make test`.
fuzz: setup
	ODS_FUZZ_EXAMPLES=$${ODS_FUZZ_EXAMPLES:-200} pytest tests/test_api_fuzzing.py tests/test_form_fuzzing.py

## Refresh the Swedish message catalogue after changing translatable text.
messages:
	$(PY) manage.py makemessages -l sv --ignore=.venv --ignore=staticfiles --no-obsolete --no-location

## Every benchmark (bench/README.md) at 1 M observations: the data is generated once into
## ods_bench_1m (a few minutes), then reused; figures in bench/results-1m.jsonl, a table at the end.
bench: bootstrap
	$(PY) bench/run_all.py --profile 1m --runs $${BENCH_RUNS:-5}

## Permission filtering alone, at 100,000 and 1,000,000 cases, in ods_bench_perm (made from
## ods_bench_1m, which it only reads); `make bench` runs it too.
bench-permissions: bootstrap
	$(PY) bench/run_all.py --profile 1m --only permissions

## The same at 10 M observations ("dense"), in ods_bench_10m.
bench-10m: bootstrap
	$(PY) bench/run_all.py --profile 10m --runs $${BENCH_RUNS:-5}
