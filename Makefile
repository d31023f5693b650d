# The two commands of the README.  Everything else lives in CMake.
#   make run   install what is missing, build (Release), run the default job
#   make test  the same set-up, then the whole suite (Release and an ASan+UBSan build)
BUILD  ?= build
ASAN   ?= build-asan
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: run test build deps bench audit clean

deps:
	@sh scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release > /dev/null
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/myoknot run

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DMK_SANITIZE=ON > /dev/null
	cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ctest --output-on-failure -j $(JOBS)

bench: build
	./$(BUILD)/mk_bench

# validate --audit: every ranged parameter of tp_site at each end of its range, the targets run
# for each variant; rewrites data/validation/audit.csv (the insensitive marks).  Minutes, not in test.
audit: build
	./$(BUILD)/myoknot validate --audit --jobs 2 --out runs/audit

clean:
	rm -rf $(BUILD) $(ASAN)
