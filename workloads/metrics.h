/*
 * workloads/metrics.h - the definitions of the reported metrics, verbatim.
 *
 * Every report prints these strings, and docs/metrics.md quotes them; keep
 * the two identical. KV_METRIC_DEFS(X) expands X(id, term, definition) once
 * per metric, in report order.
 */
#ifndef KV_WORKLOADS_METRICS_H
#define KV_WORKLOADS_METRICS_H

#define KV_METRIC_DEFS(X)                                                                  \
	X(user_bytes, "user bytes written",                                               \
	  "sum of (key + value) bytes of puts + sum of key bytes of deletes")             \
	X(wa, "WA",                                                                        \
	  "device bytes written (every file kind, WAL included) / user bytes written; "    \
	  "also without WAL bytes, and split by file kind")                                \
	X(ra, "RA",                                                                        \
	  "device bytes and I/Os read per point lookup (get), split into found and "       \
	  "not-found lookups; taken around each get at the device wrapper")                \
	X(scan_ra, "scan RA", "device bytes read by scans / entries the scans returned")  \
	X(sa, "SA",                                                                        \
	  "bytes of live files on the device / logical live bytes (live keys x "           \
	  "(key + value) bytes, tracked exactly by the workload), at the end of the run")  \
	X(sa_peak, "peak SA",                                                              \
	  "peak bytes of live files on the device during the run / peak logical live "     \
	  "bytes during the run")                                                          \
	X(latency, "latency",                                                              \
	  "per operation in device time (virtual on modeled devices); p50/p90/p99/p99.9 "  \
	  "from a log-bucketed histogram (within 1.6 %), max exact")                       \
	X(level_wamp, "W-Amp (level)",                                                     \
	  "bytes written into the level / bytes read from the levels above it (Read-n); "  \
	  "Sum: all flush and compaction bytes written / user bytes written")

#endif
