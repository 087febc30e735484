#!/usr/bin/env bash
# The README's test command: install, build, run every suite, print a
# closing "N passed, N failed" line, exit non-zero on any failure.
#   default build: unit, contract, fault, lua suites, then slow (time-capped)
#   sanitizer build (address,undefined): unit and contract suites
set -uo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
tally() { # testlog.json -> adds to passed/failed
	local counts
	counts=$(python3 - "$1" <<'PY'
import json, sys
p = f = 0
try:
    for line in open(sys.argv[1]):
        line = line.strip()
        if not line:
            continue
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            p += 1
        elif r != "SKIP":
            f += 1
except FileNotFoundError:
    f += 1
print(p, f)
PY
)
	passed=$((passed + ${counts% *}))
	failed=$((failed + ${counts#* }))
}

run_suites() { # builddir timeout-seconds meson-test-args...
	local dir=$1 cap=$2
	shift 2
	rm -f "$dir/meson-logs/testlog.json"
	timeout --signal=TERM "$cap" meson test -C "$dir" --num-processes 2 --print-errorlogs "$@"
	tally "$dir/meson-logs/testlog.json"
}

if tools/build.sh build; then
	run_suites build 1800 --no-suite slow
	run_suites build 1200 --suite slow
else
	echo "build failed"
	failed=$((failed + 1))
fi

if tools/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		run_suites build-asan 1800 --suite unit --suite contract
else
	echo "sanitizer build failed"
	failed=$((failed + 1))
fi

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
