# The two commands a user needs: `make run` (the demo) and `make test`.
# Everything else here serves those two.

BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DAKARI_WERROR=ON
endif

.PHONY: all deps build run test test-plain test-asan bench bench-kiosk \
  clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@bash scripts/demo.sh $(BUILD)/src/cli/akari

# The whole suite twice: a normal build, then AddressSanitizer + UBSan.
test: test-plain test-asan

test-plain: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug \
	  -DAKARI_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

# Figures, not a test: ingestion rate, bytes on disk and query latency,
# beside InfluxDB 1.x when it can be installed (docs/performance.md).
# QUICK=1 runs a smaller workload in well under a minute.
bench: build
	mkdir -p $(BUILD)/bench
	$(CC) -std=c17 -O2 -g -Wall -Wextra -o $(BUILD)/bench/loadgen \
	  bench/loadgen.c -lcurl -pthread -lm
	@sh bench/install-influxdb.sh
	python3 bench/bench.py --akari $(BUILD)/src/cli/akari \
	  --loadgen $(BUILD)/bench/loadgen $(if $(QUICK),--quick)

# Figures, not a test: the kiosk's frame times, fades, memory, start and
# CPU, beside Chromium in kiosk mode on bench/kiosk/slide.html, installed
# for this if it can be (docs/performance.md).  QUICK=1 takes about three
# minutes, the full run about eight.  The bench program needs its own
# build dir, configured with -DAKARI_BENCH=ON.
KIOSK_BENCH_BUILD ?= build-bench-kiosk
bench-kiosk: deps
	cmake -S . -B $(KIOSK_BENCH_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DAKARI_BENCH=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(KIOSK_BENCH_BUILD) -j $(JOBS) \
	  --target akari akari-kiosk akari_bench_render
	@bash bench/kiosk/install-chromium.sh || \
	  echo "bench-kiosk: no chromium; the browser figures are left out"
	python3 bench/kiosk/bench.py --build $(KIOSK_BENCH_BUILD) \
	  $(if $(QUICK),--quick)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
