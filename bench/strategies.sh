#!/usr/bin/env bash
# The compaction-strategy comparison of docs/BENCHMARKS.md "Compaction
# strategies (issue 4)": fillrandom then overwrite then readrandom of N keys
# (16 B keys, 100 B values) with the Foundation configuration on the file
# device, once per strategy, side by side in one run; prints a markdown table
# (bench/strategies_table.py) of WA, SA final and peak, RA and throughput,
# with leveled's closed-form WA of REFERENCE.md beside the measurement.
#   bench/strategies.sh [--num=N] [--strategies=a,b,...] [--out=DIR] [--db=DIR]
# Build first (tools/quickstart.sh or ninja -C build); LSMLAB overrides the
# binary (default build/lua/lsmlab).
set -euo pipefail
cd "$(dirname "$0")/.."
num=2000000
strategies=leveled,tiered,universal,twcs,fifo
out=results/strategies
db=/tmp/lsmlab-strategies-db
for a in "$@"; do
	case "$a" in
	--num=*) num=${a#--num=} ;;
	--strategies=*) strategies=${a#--strategies=} ;;
	--out=*) out=${a#--out=} ;;
	--db=*) db=${a#--db=} ;;
	*) echo "strategies.sh: unknown argument '$a' (expected --num, --strategies, --out, --db)" >&2
	   exit 2 ;;
	esac
done
bin=${LSMLAB:-build/lua/lsmlab}
[ -x "$bin" ] || { echo "strategies.sh: $bin not built (run tools/quickstart.sh)" >&2; exit 2; }
mkdir -p "$out"
# The Foundation configuration (docs/BENCHMARKS.md "Foundation"); each
# strategy keeps its reference system's defaults except the sizes the
# Foundation scales down (leveled level sizes, universal's file size).
common=(--benchmarks=fillrandom,overwrite,readrandom "--num=$num" --key_size=16 --value_size=100
	--device=file "--db=$db" --write_buffer_size=4MiB --bloom_bits_per_key=10
	--block_size=4KiB --block_cache_size=8MiB --verify=false)
declare -A extra=(
	[leveled]="--level0_file_num_compaction_trigger=4 --max_bytes_for_level_base=16MiB --max_bytes_for_level_multiplier=10 --target_file_size_base=4MiB"
	[universal]="--target_file_size_base=4MiB"
)
jsons=()
IFS=, read -ra list <<<"$strategies"
for s in "${list[@]}"; do
	# shellcheck disable=SC2086 # the extra options are words
	"$bin" bench "${common[@]}" "--strategy=$s" \
		${extra[$s]:-} "--json=$out/$s.json" "--compaction_log=$out/$s.jobs.csv" \
		>"$out/$s.txt"
	jsons+=("$out/$s.json")
done
rm -rf "$db"
python3 bench/strategies_table.py "${jsons[@]}" | tee "$out/summary.md"
