/*
 * core/checksum.h - the checksum of every on-disk record: XXH3-64
 * (libxxhash), truncated to 32 bits where a format says so.
 */
#ifndef KV_CORE_CHECKSUM_H
#define KV_CORE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

uint64_t kv_checksum64(const void *p, size_t n);
uint32_t kv_checksum32(const void *p, size_t n);
/* 64-bit hash of a key for Bloom filters and hash tables (XXH3, seeded). */
uint64_t kv_hash64(const void *p, size_t n, uint64_t seed);

#endif
