/*
 * workloads/json.c - the streaming JSON writer (workloads/json.h).
 *
 * Invariants (json_check()):
 *  1. 0 <= depth <= KV_JSON_MAX_DEPTH.
 *  2. want_value implies depth > 0 and in_object[depth - 1].
 *  3. done implies depth == 0.
 */
#include "workloads/json.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/status.h"

static bool json_check(const struct kv_json *j)
{
	if (j->depth < 0 || j->depth > KV_JSON_MAX_DEPTH)
		return false;
	if (j->want_value && (j->depth == 0 || !j->in_object[j->depth - 1]))
		return false;
	return !j->done || j->depth == 0;
}

void kv_json_init(struct kv_json *j, FILE *out, bool pretty)
{
	j->out = out;
	j->pretty = pretty;
	j->depth = 0;
	j->want_value = false;
	j->done = false;
	assert(json_check(j));
}

static void newline_indent(struct kv_json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->out);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

/* Separator and indentation before a value (or a key, in an object). */
static void before_item(struct kv_json *j)
{
	assert(!j->done);
	if (j->depth == 0)
		return;
	if (j->has_items[j->depth - 1])
		fputc(',', j->out);
	j->has_items[j->depth - 1] = true;
	newline_indent(j);
}

static void before_value(struct kv_json *j)
{
	assert(json_check(j));
	if (j->want_value) {
		j->want_value = false;
		return;
	}
	assert(j->depth == 0 || !j->in_object[j->depth - 1]);
	before_item(j);
}

static void after_value(struct kv_json *j)
{
	if (j->depth == 0)
		j->done = true;
	assert(json_check(j));
}

static void begin(struct kv_json *j, bool object)
{
	before_value(j);
	assert(j->depth < KV_JSON_MAX_DEPTH);
	fputc(object ? '{' : '[', j->out);
	j->in_object[j->depth] = object;
	j->has_items[j->depth] = false;
	j->depth++;
}

static void end(struct kv_json *j, bool object)
{
	assert(json_check(j));
	assert(j->depth > 0 && j->in_object[j->depth - 1] == object && !j->want_value);
	j->depth--;
	if (j->has_items[j->depth])
		newline_indent(j);
	fputc(object ? '}' : ']', j->out);
	after_value(j);
}

void kv_json_begin_object(struct kv_json *j)
{
	begin(j, true);
}

void kv_json_end_object(struct kv_json *j)
{
	end(j, true);
}

void kv_json_begin_array(struct kv_json *j)
{
	begin(j, false);
}

void kv_json_end_array(struct kv_json *j)
{
	end(j, false);
}

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return len;
}

static void write_string(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	fputc('"', out);
	while (i < len) {
		unsigned char c = p[i];
		size_t n;

		switch (c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (c < 0x20) {
				fprintf(out, "\\u%04x", c);
			} else if (c < 0x80) {
				fputc(c, out);
			} else if ((n = utf8_len(p + i, len - i)) != 0) {
				fwrite(p + i, 1, n, out);
				i += n;
				continue;
			} else {
				fputs("\\ufffd", out);
			}
			break;
		}
		i++;
	}
	fputc('"', out);
}

void kv_json_key(struct kv_json *j, const char *key)
{
	assert(json_check(j));
	assert(j->depth > 0 && j->in_object[j->depth - 1] && !j->want_value);
	before_item(j);
	write_string(j->out, key, strlen(key));
	fputs(j->pretty ? ": " : ":", j->out);
	j->want_value = true;
}

void kv_json_string_n(struct kv_json *j, const char *s, size_t len)
{
	before_value(j);
	write_string(j->out, s, len);
	after_value(j);
}

void kv_json_string(struct kv_json *j, const char *s)
{
	if (!s) {
		kv_json_null(j);
		return;
	}
	kv_json_string_n(j, s, strlen(s));
}

void kv_json_uint(struct kv_json *j, uint64_t v)
{
	before_value(j);
	fprintf(j->out, "%" PRIu64, v);
	after_value(j);
}

void kv_json_int(struct kv_json *j, int64_t v)
{
	before_value(j);
	fprintf(j->out, "%" PRId64, v);
	after_value(j);
}

void kv_json_double(struct kv_json *j, double v)
{
	before_value(j);
	if (isfinite(v))
		fprintf(j->out, "%.17g", v);
	else
		fputs("null", j->out);
	after_value(j);
}

void kv_json_bool(struct kv_json *j, bool v)
{
	before_value(j);
	fputs(v ? "true" : "false", j->out);
	after_value(j);
}

void kv_json_null(struct kv_json *j)
{
	before_value(j);
	fputs("null", j->out);
	after_value(j);
}

void kv_json_kv_string(struct kv_json *j, const char *key, const char *s)
{
	kv_json_key(j, key);
	kv_json_string(j, s);
}

void kv_json_kv_uint(struct kv_json *j, const char *key, uint64_t v)
{
	kv_json_key(j, key);
	kv_json_uint(j, v);
}

void kv_json_kv_int(struct kv_json *j, const char *key, int64_t v)
{
	kv_json_key(j, key);
	kv_json_int(j, v);
}

void kv_json_kv_double(struct kv_json *j, const char *key, double v)
{
	kv_json_key(j, key);
	kv_json_double(j, v);
}

void kv_json_kv_bool(struct kv_json *j, const char *key, bool v)
{
	kv_json_key(j, key);
	kv_json_bool(j, v);
}

int kv_json_finish(struct kv_json *j)
{
	assert(json_check(j));
	if (j->depth != 0 || !j->done)
		return KV_EINVAL;
	fputc('\n', j->out);
	if (fflush(j->out) != 0 || ferror(j->out))
		return KV_EIO;
	return KV_OK;
}
