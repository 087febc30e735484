/*
 * workloads/fnv.c - YCSB's FNV-1a-64 of a key number (workloads/fnv.h).
 */
#include "workloads/fnv.h"

uint64_t kv_fnv1a64(uint64_t n)
{
	uint64_t h = KV_FNV64_OFFSET;

	for (int i = 0; i < 8; i++) {
		h ^= n & 0xff;
		h *= KV_FNV64_PRIME;
		n >>= 8;
	}
	/* Java Math.abs on the signed value, in unsigned arithmetic. */
	if (h >> 63)
		h = (uint64_t)0 - h;
	return h;
}
