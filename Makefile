# Thin wrapper over CMake/CTest. `make test` is what CI runs.
#   make          release build in build/ (build/kizuna)
#   make test     deps, sanitizer build with clang (ASan+UBSan, libFuzzer) in build-test/, every test
#   make run      build and run the sample node (see README)
#   make demo     two nodes on loopback: tokyo publishes a signed report, washington receives it
#   make fuzz     each fuzz target for FUZZ_SECONDS (default 300)
#   make bench    benchmarks (see bench/README.md); heavy, not part of test
BUILD      ?= build
TEST_BUILD ?= build-test
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 300
TEST_FUZZ_SECONDS ?= 20

.PHONY: all deps build test run demo fuzz bench clean format check-style

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) --target kizuna

test: deps
	@scripts/check-style.sh
	@CC=clang cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DKZ_SANITIZE=ON -DKZ_FUZZ=ON -DKZ_WERROR=ON \
	    -DKZ_FUZZ_SECONDS=$(TEST_FUZZ_SECONDS) >/dev/null
	@cmake --build $(TEST_BUILD) -j$(JOBS)
	@cd $(TEST_BUILD) && ctest --output-on-failure -j$(JOBS) $(CTEST_ARGS)

run: build
	@scripts/run.sh $(BUILD)/kizuna

demo: build
	@scripts/demo.sh $(BUILD)

fuzz: deps
	@CC=clang cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DKZ_SANITIZE=ON -DKZ_FUZZ=ON -DKZ_WERROR=ON \
	    -DKZ_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build $(TEST_BUILD) -j$(JOBS)
	@cd $(TEST_BUILD) && ctest --output-on-failure -L fuzz

bench: build
	@scripts/deps.sh --bench
	@bench/run.sh $(BUILD)

check-style:
	@scripts/check-style.sh

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(TEST_BUILD)
