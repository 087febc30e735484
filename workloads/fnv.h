/*
 * workloads/fnv.h - YCSB's FNV-1a-64 of a key number (REFERENCE.md
 * "Workload standards"): over the 8 little-endian bytes of the number,
 * offset basis 0xCBF29CE484222325, prime 1099511628211, the result made
 * non-negative as a signed 64-bit value (Java's Math.abs: -x for negative
 * x; 2^63 stays 2^63). fnv(0) = 6284781860667377211,
 * fnv(1) = 8517097267634966620.
 *
 * Used for YCSB key names ("user" + decimal of the hash) and for
 * scrambling zipfian ranks. A specified function, not a general hash.
 */
#ifndef KV_WORKLOADS_FNV_H
#define KV_WORKLOADS_FNV_H

#include <stdint.h>

#define KV_FNV64_OFFSET 0xCBF29CE484222325ULL
#define KV_FNV64_PRIME 1099511628211ULL

/* FNV-1a-64 of @n, made non-negative (see above). */
uint64_t kv_fnv1a64(uint64_t n);

#endif
