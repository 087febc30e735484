#!/usr/bin/env bash
# The README's main job: install, build, run the quickstart experiment.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh build
exec tools/quickstart-run.sh build/lua/lsmlab
