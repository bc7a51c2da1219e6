# The two commands: `make run` and `make test` (see README.md).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
PORT ?= 8000

.PHONY: run test build deps test-deps clean

run: deps build
	./ddb-local -port $(PORT)

test: test-deps build
	cd $(BUILD) && ctest --output-on-failure --timeout 900

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

deps:
	bash packaging/install-deps.sh

test-deps:
	bash packaging/install-deps.sh --test

clean:
	rm -rf $(BUILD) ddb-local

# Side-by-side benchmark against dynalite and a bare-HTTP ceiling (bench/run.py).
# `make bench` takes ~7 minutes (BENCH_SECONDS per run, default 5); `make bench-smoke`
# is a few seconds and exits non-zero if any run had errors or a server did not start.
.PHONY: bench bench-smoke bench-startup
bench: build
	bash bench/setup.sh $(BUILD)
	BUILD=$(BUILD) /usr/bin/python3 bench/run.py

bench-smoke: build
	bash bench/setup.sh $(BUILD)
	BUILD=$(BUILD) BENCH_SMOKE=1 /usr/bin/python3 bench/run.py

# Only start-up times and idle RSS (BENCH_ONLY=startup): about 20 s.
bench-startup: build
	bash bench/setup.sh $(BUILD)
	BUILD=$(BUILD) BENCH_ONLY=startup /usr/bin/python3 bench/run.py

# Restoring a 10,000-item snapshot against deleting and recreating the tables
# through the API (bench/snapshot_restore.py); about a minute; not in `make test`.
# RSS idle, after loading 1,000,000 items and during a full scan
# (bench/footprint.py); a few minutes; not in `make test`.
.PHONY: bench-footprint
bench-footprint: build
	DDB_LOCAL=./ddb-local /usr/bin/python3 bench/footprint.py

# What 10,000 idle tables cost in CPU against none (bench/idle_tables.py); a
# few minutes; not in `make test`.
.PHONY: bench-idle
bench-idle: build
	DDB_LOCAL=./ddb-local /usr/bin/python3 bench/idle_tables.py

.PHONY: bench-snapshot
bench-snapshot: build
	DDB_LOCAL=./ddb-local /usr/bin/python3 bench/snapshot_restore.py

# Game day: a minute of random node and AZ power-offs under boto3 write load
# (tests/integration/test_gameday.py; `make test` runs a 16 s version).
# GAMEDAY_SECONDS and GAMEDAY_SEED override the length and the schedule.
.PHONY: gameday
gameday: test-deps build
	DDB_LOCAL=$(CURDIR)/ddb-local GAMEDAY_SECONDS=$${GAMEDAY_SECONDS:-60} /usr/bin/python3 -m pytest -q -s \
	  -p no:cacheprovider tests/integration/test_gameday.py
