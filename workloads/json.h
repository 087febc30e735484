/*
 * workloads/json.h - a tiny streaming JSON writer for result files.
 *
 * Output is valid JSON (RFC 8259) whatever the input: strings are escaped
 * (", \, control characters; bytes that are not valid UTF-8 become
 * U+FFFD), integers are written exactly, doubles with %.17g (round-trip
 * exact), and non-finite doubles (NaN, +-inf) as null.
 *
 * Usage: kv_json_init(), then a sequence of begin/end object/array, key and
 * value calls, then kv_json_finish(). Inside an object every value is
 * preceded by kv_json_key() (or use the kv_json_kv_* shortcuts). Misuse
 * (a value without a key inside an object, unbalanced ends, nesting deeper
 * than KV_JSON_MAX_DEPTH) is a programming error and asserts.
 *
 * Ownership: @out is borrowed until kv_json_finish(); the writer holds no
 * heap memory.
 */
#ifndef KV_WORKLOADS_JSON_H
#define KV_WORKLOADS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KV_JSON_MAX_DEPTH 32

struct kv_json {
	FILE *out;
	bool pretty;      /* newlines and two-space indents */
	int depth;        /* open containers */
	bool in_object[KV_JSON_MAX_DEPTH];
	bool has_items[KV_JSON_MAX_DEPTH];
	bool want_value;  /* a key was written, its value is next */
	bool done;        /* the top-level value is complete */
};

/* Start a document on @out; @pretty adds newlines and two-space indents. */
void kv_json_init(struct kv_json *j, FILE *out, bool pretty);

/* Open / close a container; a container is itself a value. */
void kv_json_begin_object(struct kv_json *j);
void kv_json_end_object(struct kv_json *j);
void kv_json_begin_array(struct kv_json *j);
void kv_json_end_array(struct kv_json *j);

/* The name of the next member; only inside an object. */
void kv_json_key(struct kv_json *j, const char *key);

/* Scalar values; a NULL string is written as null. */
void kv_json_string(struct kv_json *j, const char *s);
/* @len bytes of @s (may hold NULs, which are escaped). */
void kv_json_string_n(struct kv_json *j, const char *s, size_t len);
void kv_json_uint(struct kv_json *j, uint64_t v);
void kv_json_int(struct kv_json *j, int64_t v);
void kv_json_double(struct kv_json *j, double v);
void kv_json_bool(struct kv_json *j, bool v);
void kv_json_null(struct kv_json *j);

/* key + value shortcuts. */
void kv_json_kv_string(struct kv_json *j, const char *key, const char *s);
void kv_json_kv_uint(struct kv_json *j, const char *key, uint64_t v);
void kv_json_kv_int(struct kv_json *j, const char *key, int64_t v);
void kv_json_kv_double(struct kv_json *j, const char *key, double v);
void kv_json_kv_bool(struct kv_json *j, const char *key, bool v);

/*
 * End the document (a final newline) and flush. KV_OK, KV_EINVAL if the
 * document is incomplete (open containers), KV_EIO if writing failed.
 */
int kv_json_finish(struct kv_json *j);

#endif
