# The two commands of the README.  Everything else lives in CMake.
#   make run   install what is missing, build (Release), run the default job
#   make test  the same set-up, then the whole suite (Release and an ASan+UBSan build)
#   make fuzz  build the libFuzzer targets with clang and run each for FUZZ_SECONDS
BUILD  ?= build
ASAN   ?= build-asan
FUZZ   ?= build-fuzz
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60

.PHONY: run test build deps bench audit clean fuzz fuzz-deps

deps:
	@sh scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release > /dev/null
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/myoknot run

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DMK_SANITIZE=ON -DMK_REFERENCE_BUILD=$(abspath $(BUILD)) \
	      -DMK_SUNDIALS_PREFIX=$(abspath $(BUILD))/sundials > /dev/null
	cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ctest --output-on-failure -j $(JOBS)

# clang is needed for this target only (scripts/deps-fuzz.sh), not to build or test.
fuzz-deps: deps
	@sh scripts/deps-fuzz.sh

fuzz: fuzz-deps
	cmake -S . -B $(FUZZ) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMK_FUZZ=ON > /dev/null
	cmake --build $(FUZZ) -j $(JOBS) --target fuzz_model fuzz_scenario
	sh fuzz/run.sh $(FUZZ) $(FUZZ_SECONDS)

# also the README's and docs/' example commands marked (make bench): too slow for the test suite
bench: build
	./$(BUILD)/mk_bench
	sh tests/cli/doc_examples.sh $(BUILD)/myoknot . --bench
	./$(BUILD)/mk_bench_trial . 12
	./$(BUILD)/mk_bench_trial . rss

# validate --audit: every ranged parameter of tp_site at each end of its range, the targets run
# for each variant; rewrites data/validation/audit.csv (the insensitive marks).  Minutes, not in test.
audit: build
	./$(BUILD)/myoknot validate --audit --jobs 2 --out runs/audit

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ)
