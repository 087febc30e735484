/*
 * core/lsm/sstable_format.h - constants of the SSTable file format shared
 * by sstable_writer.c and sstable_reader.c (private to them and their
 * tests). Byte layout: docs/formats.md, "SSTable".
 */
#ifndef KV_CORE_LSM_SSTABLE_FORMAT_H
#define KV_CORE_LSM_SSTABLE_FORMAT_H

#include <stdint.h>

#define KV_SST_FOOTER_BYTES 64
#define KV_SST_MAGIC UINT64_C(0x6c736d6c61625353)
#define KV_SST_FORMAT_VERSION 1

/* Footer field offsets. */
#define KV_SST_FOOTER_FILTER 0
#define KV_SST_FOOTER_PROPS 16
#define KV_SST_FOOTER_INDEX 32
#define KV_SST_FOOTER_VERSION 48
#define KV_SST_FOOTER_MAGIC 52
#define KV_SST_FOOTER_CHECKSUM 60

/* Numeric fields of the properties block in format version 1. */
#define KV_SST_PROPS_FIELDS 12

/* Writer: pending output is appended to the file once it reaches this. */
#define KV_SST_APPEND_BYTES (64u * 1024u)

/* Reader: read-ahead window of iterators that do not fill the cache. */
#define KV_SST_READAHEAD_BYTES (256u * 1024u)

/* Bounds on writer options (untrusted: from user configs). */
#define KV_SST_MAX_BLOCK_BYTES (UINT32_C(1) << 30)
#define KV_SST_MAX_RESTART_INTERVAL 65536u
#define KV_SST_MAX_BLOOM_BITS 64u

#endif
