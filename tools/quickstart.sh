#!/usr/bin/env bash
# The README's main job: install, build, run the quickstart experiment
# (experiments/quickstart.lua; extra arguments go to it, e.g. --quick).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh build
exec build/lua/lsmlab run experiments/quickstart.lua "$@"
