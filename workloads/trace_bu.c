/*
 * workloads/trace_bu.c - the BU workload format (workloads/trace.h).
 *
 * Grammar (one command per line, fields separated by spaces or tabs;
 * blank lines are skipped; keys and values are decimal int32). The first
 * line may be a lone operation count, as BU's generators write it.
 *   I KEY VALUE...   insert (one or more int32 values)  -> insert
 *   U KEY VALUE...   update                             -> update
 *   D KEY            point delete                       -> delete
 *   R LOW HIGH       range delete of keys in [LOW, HIGH] -> range_delete
 *   Q KEY            point query                        -> read
 *   S LOW HIGH       range scan of keys in [LOW, HIGH]  -> scan
 * Ranges are inclusive of HIGH (BU's templatedb); lsmlab passes HIGH + 1
 * as the exclusive bound (none when HIGH is INT32_MAX). A value of n ints
 * is stored as 4n little-endian bytes.
 */
#include <string.h>

#include "core/alloc.h"
#include "workloads/trace.h"
#include "workloads/trace_reader.h"

#define MAX_INTS 64

struct bu_source {
	struct kv_wl_source base;
	struct kv_line_reader in;
	char key[4], hi[4];
	char value[4 * MAX_INTS];
};

static int bu_next(struct kv_wl_source *base, struct kv_wl_op *op, struct kv_err *err)
{
	struct bu_source *s = (struct bu_source *)base;
	char *t[MAX_INTS + 2];
	int n, rc;
	int32_t a, b;
	uint64_t count;

	for (;;) {
		rc = kv_line_next(&s->in, err);
		if (rc != KV_OK)
			return rc;
		n = kv_split_ws(s->in.buf.data, t, MAX_INTS + 2);
		if (n == 0)
			continue;
		if (s->in.line == 1 && n == 1 && kv_parse_u64(t[0], &count)) {
			base->total_ops = count;
			continue;
		}
		break;
	}
	memset(op, 0, sizeof(*op));
	if (strlen(t[0]) != 1 || !strchr("IUDRQS", t[0][0]))
		return kv_line_error(&s->in, err, "expected a command I|U|D|R|Q|S, got '%.40s'",
				     t[0]);
	switch (t[0][0]) {
	case 'I':
	case 'U':
		if (n < 3 || n > MAX_INTS + 2 || !kv_parse_i32(t[1], &a))
			return kv_line_error(&s->in, err,
					     "expected '%c KEY VALUE...' (int32 KEY, 1..%d int32 "
					     "values)", t[0][0], MAX_INTS);
		for (int i = 2; i < n; i++) {
			uint32_t u;

			if (!kv_parse_i32(t[i], &b))
				return kv_line_error(&s->in, err,
						     "expected '%c KEY VALUE...' (int32 KEY, 1..%d "
						     "int32 values), got value '%.40s'", t[0][0],
						     MAX_INTS, t[i]);
			u = (uint32_t)b;
			s->value[4 * (i - 2)] = (char)u;
			s->value[4 * (i - 2) + 1] = (char)(u >> 8);
			s->value[4 * (i - 2) + 2] = (char)(u >> 16);
			s->value[4 * (i - 2) + 3] = (char)(u >> 24);
		}
		op->kind = t[0][0] == 'I' ? KV_WL_INSERT : KV_WL_UPDATE;
		op->value_len = 4 * (size_t)(n - 2);
		op->value = kv_slice_make(s->value, op->value_len);
		break;
	case 'D':
	case 'Q':
		if (n != 2 || !kv_parse_i32(t[1], &a))
			return kv_line_error(&s->in, err, "expected '%c KEY' (an int32 KEY)", t[0][0]);
		op->kind = t[0][0] == 'D' ? KV_WL_DELETE : KV_WL_READ;
		break;
	default: /* R, S */
		if (n != 3 || !kv_parse_i32(t[1], &a) || !kv_parse_i32(t[2], &b))
			return kv_line_error(&s->in, err, "expected '%c LOW HIGH' (int32 LOW and HIGH)",
					     t[0][0]);
		op->kind = t[0][0] == 'R' ? KV_WL_RANGE_DELETE : KV_WL_SCAN;
		if (b != INT32_MAX) {
			kv_trace_int_key(b + 1, s->hi);
			op->hi = kv_slice_make(s->hi, 4);
		}
		break;
	}
	kv_trace_int_key(a, s->key);
	op->key = kv_slice_make(s->key, 4);
	return KV_OK;
}

static void bu_close(struct kv_wl_source *base)
{
	struct bu_source *s = (struct bu_source *)base;

	kv_line_close(&s->in);
	kv_free(KV_MEM_WORKLOAD, s, sizeof(*s));
}

static const struct kv_wl_source_ops bu_ops = {
	.name = "bu", .next = bu_next, .close = bu_close,
};

int kv_trace_bu_open(const char *path, struct kv_wl_source **out, struct kv_err *err)
{
	struct bu_source *s = kv_calloc(KV_MEM_WORKLOAD, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return kv_err_set(err, KV_ENOMEM, "out of memory");
	rc = kv_line_open(&s->in, path, err);
	if (rc != KV_OK) {
		kv_free(KV_MEM_WORKLOAD, s, sizeof(*s));
		return rc;
	}
	s->base.ops = &bu_ops;
	*out = &s->base;
	return KV_OK;
}
