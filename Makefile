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
