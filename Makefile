# The two commands: `make run` (play) and `make test` (every test). Both bootstrap what is missing.
SHELL := /bin/bash
PY := .venv/bin/python
export TF_CPP_MIN_LOG_LEVEL := 3

.PHONY: run test bootstrap bootstrap-test model db validate-scenarios bench bench-scoring bench-records clean

run: bootstrap model db
	$(PY) -m tools.stack run

test: bootstrap-test model
	$(PY) -m pytest

bootstrap:
	@mkdir -p var
	@tools/bootstrap.sh

bootstrap-test:
	@mkdir -p var
	@tools/bootstrap.sh --test

model: bootstrap
	@tools/train_if_needed.sh

db: bootstrap
	@$(PY) -m actions.records.migrate

validate-scenarios: bootstrap
	$(PY) -m actions.trainer.validate

bench: bootstrap model
	$(PY) -m tools.bench

bench-scoring: bootstrap
	$(PY) -m eval.bench_scoring

clean:
	rm -rf var models .pytest_cache

bench-records: bootstrap
	$(PY) -m tools.bench_records
