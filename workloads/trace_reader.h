/*
 * workloads/trace_reader.h - the line reader shared by the trace readers
 * (internal to workloads/trace_*.c).
 */
#ifndef KV_WORKLOADS_TRACE_READER_H
#define KV_WORKLOADS_TRACE_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/slice.h"
#include "core/status.h"

struct kv_line_reader {
	FILE *f;
	char *path;          /* owned copy, KV_MEM_WORKLOAD */
	unsigned long line;  /* number of the line last read (1-based) */
	struct kv_buf buf;   /* the line, NUL-terminated, without the newline */
};

/* Open @path. KV_EIO naming the file. */
int kv_line_open(struct kv_line_reader *r, const char *path, struct kv_err *err);
void kv_line_close(struct kv_line_reader *r);
/* Next line into r->buf: KV_OK, KV_NOTFOUND at EOF, KV_EIO/KV_ENOMEM. */
int kv_line_next(struct kv_line_reader *r, struct kv_err *err);
/* KV_EINVAL "PATH:LINE: " + message. */
int kv_line_error(const struct kv_line_reader *r, struct kv_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Split @s at runs of spaces/tabs into at most @max tokens; returns the count
   (max + 1 if there were more). Modifies @s. */
int kv_split_ws(char *s, char **tok, int max);
/* Parse a decimal int32 ("-5", "17"). */
bool kv_parse_i32(const char *s, int32_t *out);
/* Parse a decimal uint64 (digits only). */
bool kv_parse_u64(const char *s, uint64_t *out);

#endif
