#!/usr/bin/env bash
# The peers comparison of docs/BENCHMARKS.md "Peers (issue 9)": installs the
# Debian packages (RocksDB, LevelDB, LMDB, SQLite), configures build-peers
# with -Dpeers=enabled, builds, runs bench/peers (arguments go to it, e.g.
# --quick, --reps=N, --db=DIR, --out=DIR; `--help` lists them), draws the
# figures with lsmlab.plot (bench/peers_plot.lua) and prints the markdown
# tables. Outputs: results/peers/ (or --out).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh librocksdb-dev libleveldb-dev liblmdb-dev libsqlite3-dev
dir=${PEERS_BUILD_DIR:-build-peers}
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" -Dpeers=enabled >/dev/null
else
	meson configure "$dir" -Dpeers=enabled >/dev/null
fi
ninja -C "$dir" bench/peers lua/lsmlab >/dev/null
out=results/peers
for a in "$@"; do
	case "$a" in
	--out=*) out=${a#--out=} ;;
	--help | -h) exec "$dir/bench/peers" --help ;;
	esac
done
mkdir -p "$out"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
changed=$(git status --porcelain 2>/dev/null | wc -l)
note="run $(date -u +%Y-%m-%dT%H:%MZ), commit $commit with $changed changed files in the tree"
note="$note, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
status=0
"$dir/bench/peers" --out="$out" --note="$note" "$@" || status=$?
"$dir/lua/lsmlab" run bench/peers_plot.lua --dir="$out" >/dev/null
echo "Figures: $out/peers_dbbench.png $out/peers_ycsb.png $out/peers_amp.png"
exit $status
