#!/usr/bin/env bash
# The quickstart experiment: the same write-then-read workload on every
# registered compaction strategy (and every other engine), on the RAM
# device with scaled-down sizes; writes results/quickstart/ with the raw
# rows (runs.csv), a summary table (summary.csv, summary.md) and a figure
# (quickstart.gp -> quickstart.png). Usage: quickstart-run.sh [LSMLAB] [NUM]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/lua/lsmlab}
num=${2:-200000}
out=results/quickstart
mkdir -p "$out"
rm -f "$out/runs.csv"

common=(--benchmarks=fillrandom,overwrite,readrandom --num="$num" --key_size=16
	--value_size=100 --device=mem --seed=301 --csv="$out/runs.csv")
lsm_opts=(--write_buffer_size=1MiB --block_cache_size=1MiB)
# Sizes scaled down with the data set, for the strategies that have them.
strategy_opts() {
	case "$1" in
	leveled) echo --max_bytes_for_level_base=4MiB --target_file_size_base=1MiB ;;
	tiered | twcs) echo --min_sstable_size=1MiB ;;
	esac
}

# Every strategy and every engine the build has, from `lsmlab list`.
section() { "$bin" list | awk -v h="$1" '$0 ~ "^" h {s=1;next} /^[A-Z]/{s=0} s&&/^  [a-z]/{print $1}'; }
strategies=$(section Strategies)
engines=$(section Engines)

for st in $strategies; do
	echo "quickstart: lsm/$st" >&2
	# shellcheck disable=SC2046
	"$bin" bench "${common[@]}" "${lsm_opts[@]}" --engine=lsm --strategy="$st" \
		--label="lsm-$st" $(strategy_opts "$st") >"$out/lsm-$st.txt"
done
for en in $engines; do
	[ "$en" = lsm ] && continue
	echo "quickstart: $en" >&2
	"$bin" bench "${common[@]}" --engine="$en" --label="$en" >"$out/$en.txt"
done

# One summary row per configuration.
awk -F, '
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
	l = $col["label"]
	if (!(l in seen)) { seen[l] = 1; order[++n] = l }
	if ($col["benchmark"] == "fillrandom") fill[l] = $col["ops_per_sec"]
	if ($col["benchmark"] == "overwrite") over[l] = $col["ops_per_sec"]
	if ($col["benchmark"] == "readrandom") read[l] = $col["ops_per_sec"]
	wa[l] = $col["wa"]; wanw[l] = $col["wa_no_wal"]; sa[l] = $col["sa"]
	sap[l] = $col["sa_peak"]; raf[l] = $col["ra_found_ios"]; ran[l] = $col["ra_notfound_ios"]
}
END {
	print "config,fillrandom_ops_per_sec,overwrite_ops_per_sec,readrandom_ops_per_sec,wa,wa_no_wal,sa,sa_peak,ra_found_ios_per_get,ra_notfound_ios_per_get"
	for (i = 1; i <= n; i++) {
		l = order[i]
		print l "," fill[l] "," over[l] "," read[l] "," wa[l] "," wanw[l] "," sa[l] "," sap[l] "," raf[l] "," ran[l]
	}
}' "$out/runs.csv" >"$out/summary.csv"

{
	echo "# Quickstart: $num keys (16 B keys, 100 B values), fillrandom + overwrite + readrandom, RAM device"
	echo
	echo "Metric definitions: docs/metrics.md. Raw rows: runs.csv; full reports: *.txt."
	echo
	awk -F, 'NR == 1 { printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; print ""
		printf "|"; for (i = 1; i <= NF; i++) printf "---|"; print ""; next }
		{ printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; print "" }' "$out/summary.csv"
} >"$out/summary.md"

cat >"$out/quickstart.gp" <<GP
# Rendered by tools/quickstart-run.sh; re-render with: gnuplot quickstart.gp
set terminal pngcairo size 1000,700 font "sans,10"
set output "quickstart.png"
set datafile separator ","
set datafile columnheaders
set multiplot layout 2,2 title "lsmlab quickstart: $num keys × (16 B + 100 B), fillrandom + overwrite + readrandom, RAM device"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set key top center horizontal
set offsets graph 0.05, graph 0.05, graph 0.25, 0
set xtics rotate by -20
set yrange [0:*]
set title "Write amplification (device bytes / user bytes)"
set ylabel "WA (×)"
plot "summary.csv" using 5:xtic(1) title "all files", "" using 6 title "without WAL"
set title "Space amplification (device bytes / live bytes)"
set ylabel "SA (×)"
plot "summary.csv" using 7:xtic(1) title "end of run", "" using 8 title "peak"
set title "Device reads per point lookup"
set ylabel "I/Os per get"
plot "summary.csv" using 9:xtic(1) title "key found", "" using 10 title "key not found"
set title "Throughput (wall clock)"
set ylabel "kops/s"
plot "summary.csv" using (\$2/1000):xtic(1) title "fillrandom", "" using (\$3/1000) title "overwrite", "" using (\$4/1000) title "readrandom"
unset multiplot
GP

if command -v gnuplot >/dev/null; then
	(cd "$out" && gnuplot quickstart.gp)
	echo "quickstart: wrote $out/summary.md, $out/summary.csv and $out/quickstart.png" >&2
else
	echo "quickstart: gnuplot not found; wrote $out/quickstart.gp (render: cd $out && gnuplot quickstart.gp)" >&2
fi
cat "$out/summary.md"
