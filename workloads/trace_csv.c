/*
 * workloads/trace_csv.c - the lsmlab CSV trace: reader, recorder, format
 * detection, and the line reader shared by the trace readers
 * (workloads/trace.h, workloads/trace_reader.h).
 *
 * Grammar (one operation per line; blank lines and lines starting with #
 * are skipped; the first line may be the header "op,key,value_size"):
 *   read,KEY,0          delete,KEY,0          stats,,0
 *   update,KEY,SIZE     insert,KEY,SIZE       rmw,KEY,SIZE
 *   scan,KEY,LENGTH[,HI]                      range_delete,KEY,0,HI
 * KEY and HI are the key bytes with every byte outside '!'..'~' and each
 * of , % " # written as %XX (two hex digits). SIZE is the value length in
 * bytes (0..64 MiB), LENGTH the entries a scan reads (0: until HI or the
 * end). The values themselves are not in the trace: the runner generates
 * SIZE bytes from its seed, so the same seed replays a run exactly.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "core/alloc.h"
#include "core/engine.h"
#include "workloads/trace.h"
#include "workloads/trace_reader.h"

const char *const kv_trace_format_names[] = { "auto", "csv", "cs265", "bu", NULL };

/* ------------------------------------------------------- line reader */

int kv_line_open(struct kv_line_reader *r, const char *path, struct kv_err *err)
{
	memset(r, 0, sizeof(*r));
	r->buf.component = KV_MEM_WORKLOAD;
	r->f = fopen(path, "r");
	if (!r->f)
		return kv_err_set(err, errno == ENOENT ? KV_EINVAL : KV_EIO, "%s: %s", path,
				  strerror(errno));
	r->path = kv_strdup(KV_MEM_WORKLOAD, path);
	if (!r->path) {
		fclose(r->f);
		r->f = NULL;
		return kv_err_set(err, KV_ENOMEM, "out of memory");
	}
	return KV_OK;
}

void kv_line_close(struct kv_line_reader *r)
{
	if (r->f)
		fclose(r->f);
	if (r->path)
		kv_strfree(KV_MEM_WORKLOAD, r->path);
	kv_buf_free(&r->buf);
	memset(r, 0, sizeof(*r));
}

int kv_line_next(struct kv_line_reader *r, struct kv_err *err)
{
	char chunk[4096];
	bool any = false;

	r->buf.len = 0;
	while (fgets(chunk, sizeof(chunk), r->f)) {
		size_t n = strlen(chunk);

		any = true;
		if (kv_buf_append(&r->buf, chunk, n) != KV_OK)
			return kv_err_set(err, KV_ENOMEM, "%s: out of memory", r->path);
		if (n && chunk[n - 1] == '\n')
			break;
	}
	if (ferror(r->f))
		return kv_err_set(err, KV_EIO, "%s:%lu: read error: %s", r->path, r->line + 1,
				  strerror(errno));
	if (!any)
		return KV_NOTFOUND;
	r->line++;
	while (r->buf.len && (r->buf.data[r->buf.len - 1] == '\n' ||
			      r->buf.data[r->buf.len - 1] == '\r'))
		r->buf.len--;
	if (kv_buf_append(&r->buf, "", 1) != KV_OK)
		return kv_err_set(err, KV_ENOMEM, "%s: out of memory", r->path);
	r->buf.len--;
	return KV_OK;
}

int kv_line_error(const struct kv_line_reader *r, struct kv_err *err, const char *fmt, ...)
{
	char msg[KV_ERR_MSG_BYTES];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return kv_err_set(err, KV_EINVAL, "%s:%lu: %s", r->path, r->line, msg);
}

int kv_split_ws(char *s, char **tok, int max)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return n;
		if (n == max)
			return max + 1;
		tok[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

bool kv_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d = (unsigned)(unsigned char)*s - '0';
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool kv_parse_i32(const char *s, int32_t *out)
{
	bool neg = *s == '-';
	uint64_t v;

	if (*s == '-' || *s == '+')
		s++;
	if (!kv_parse_u64(s, &v) || v > (neg ? 2147483648ULL : 2147483647ULL))
		return false;
	*out = neg ? (int32_t)(-(int64_t)v) : (int32_t)v;
	return true;
}

void kv_trace_int_key(int32_t k, char out[4])
{
	uint32_t u = (uint32_t)k ^ 0x80000000u;

	out[0] = (char)(u >> 24);
	out[1] = (char)(u >> 16);
	out[2] = (char)(u >> 8);
	out[3] = (char)u;
}

int32_t kv_trace_int_key_value(const char in[4])
{
	uint32_t u = ((uint32_t)(unsigned char)in[0] << 24) |
		     ((uint32_t)(unsigned char)in[1] << 16) |
		     ((uint32_t)(unsigned char)in[2] << 8) | (uint32_t)(unsigned char)in[3];

	return (int32_t)(u ^ 0x80000000u);
}

/* ------------------------------------------------------------ writer */

static bool needs_escape(unsigned char c)
{
	return c < 0x21 || c > 0x7e || c == ',' || c == '%' || c == '"' || c == '#';
}

static int write_key(FILE *f, struct kv_slice k)
{
	for (size_t i = 0; i < k.len; i++) {
		unsigned char c = (unsigned char)k.data[i];

		if (needs_escape(c) ? fprintf(f, "%%%02X", c) < 0 : putc(c, f) == EOF)
			return -1;
	}
	return 0;
}

int kv_trace_csv_write(FILE *f, const struct kv_wl_op *op)
{
	uint64_t third = 0;

	if (fputs(kv_wl_kind_name(op->kind), f) == EOF || putc(',', f) == EOF)
		return -1;
	if (op->kind != KV_WL_STATS && write_key(f, op->key) != 0)
		return -1;
	switch (op->kind) {
	case KV_WL_UPDATE:
	case KV_WL_INSERT:
	case KV_WL_RMW:
		third = op->value_len;
		break;
	case KV_WL_SCAN:
		third = op->scan_len;
		break;
	default:
		break;
	}
	if (fprintf(f, ",%llu", (unsigned long long)third) < 0)
		return -1;
	if ((op->kind == KV_WL_SCAN || op->kind == KV_WL_RANGE_DELETE) && op->hi.data) {
		if (putc(',', f) == EOF || write_key(f, op->hi) != 0)
			return -1;
	}
	return putc('\n', f) == EOF ? -1 : 0;
}

/* ------------------------------------------------------------ reader */

struct csv_source {
	struct kv_wl_source base;
	struct kv_line_reader in;
	struct kv_buf key, hi;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode a percent-encoded key field into @out; false if malformed. */
static bool decode_key(const char *s, struct kv_buf *out)
{
	out->len = 0;
	for (; *s; s++) {
		char c = *s;

		if (c == '%') {
			int h = hexval(s[1]), l = h >= 0 ? hexval(s[2]) : -1;
			if (h < 0 || l < 0)
				return false;
			c = (char)(h * 16 + l);
			s += 2;
		} else if (needs_escape((unsigned char)c)) {
			return false;
		}
		if (kv_buf_append(out, &c, 1) != KV_OK)
			return false;
	}
	return out->len >= 1 && out->len <= KV_MAX_KEY_BYTES;
}

static const char *const csv_ops =
	"read|update|insert|delete|scan|rmw|range_delete|stats";

static int csv_next(struct kv_wl_source *base, struct kv_wl_op *op, struct kv_err *err)
{
	struct csv_source *s = (struct csv_source *)base;
	char *f[5];
	int nf, kind = -1, rc;
	uint64_t third;

	for (;;) {
		char *p;

		rc = kv_line_next(&s->in, err);
		if (rc != KV_OK)
			return rc;
		p = s->in.buf.data;
		if (*p == '\0' || *p == '#')
			continue;
		if (s->in.line == 1 && strcmp(p, KV_TRACE_CSV_HEADER) == 0)
			continue;
		break;
	}
	nf = 0;
	for (char *p = s->in.buf.data; nf < 5;) {
		f[nf++] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = '\0';
		if (nf == 5)
			return kv_line_error(&s->in, err,
					     "expected at most 4 comma-separated fields "
					     "(op,key,value_size[,hi])");
	}
	for (int k = 0; k < KV_WL__COUNT; k++)
		if (strcmp(f[0], kv_wl_kind_name((enum kv_wl_kind)k)) == 0)
			kind = k;
	if (kind < 0)
		return kv_line_error(&s->in, err, "expected an operation (%s), got '%.40s'", csv_ops,
				     f[0]);
	if (kind == KV_WL_SCAN ? (nf < 3 || nf > 4) :
	    kind == KV_WL_RANGE_DELETE ? nf != 4 : nf != 3)
		return kv_line_error(&s->in, err, "expected %s, got %d field%s",
				     kind == KV_WL_SCAN ? "scan,key,length[,hi]" :
				     kind == KV_WL_RANGE_DELETE ? "range_delete,lo,0,hi" :
				     "3 fields op,key,value_size", nf, nf == 1 ? "" : "s");
	memset(op, 0, sizeof(*op));
	op->kind = (enum kv_wl_kind)kind;
	if (!kv_parse_u64(f[2], &third) || third > KV_MAX_VALUE_BYTES)
		return kv_line_error(&s->in, err,
				     "expected a decimal %s in 0..%u, got '%.40s'",
				     kind == KV_WL_SCAN ? "scan length" : "value_size",
				     KV_MAX_VALUE_BYTES, f[2]);
	if (kind == KV_WL_STATS) {
		if (f[1][0] != '\0' || third != 0)
			return kv_line_error(&s->in, err, "expected 'stats,,0'");
		op->key = kv_slice_make("", 0);
		return KV_OK;
	}
	if (!decode_key(f[1], &s->key))
		return kv_line_error(&s->in, err,
				     "expected a key of 1..%u bytes (bytes outside '!'..'~' and "
				     ", %% \" # as %%XX), got '%.40s'", KV_MAX_KEY_BYTES, f[1]);
	op->key = kv_buf_slice(&s->key);
	if (nf == 4) {
		if (!decode_key(f[3], &s->hi))
			return kv_line_error(&s->in, err,
					     "expected an upper bound key (1..%u bytes, %%XX "
					     "escapes), got '%.40s'", KV_MAX_KEY_BYTES, f[3]);
		op->hi = kv_buf_slice(&s->hi);
	}
	switch (kind) {
	case KV_WL_UPDATE:
	case KV_WL_INSERT:
	case KV_WL_RMW:
		op->value_len = (size_t)third;
		break;
	case KV_WL_SCAN:
		op->scan_len = third;
		break;
	default:
		if (third != 0)
			return kv_line_error(&s->in, err, "expected value_size 0 for %s, got %llu",
					     f[0], (unsigned long long)third);
		break;
	}
	return KV_OK;
}

static void csv_close(struct kv_wl_source *base)
{
	struct csv_source *s = (struct csv_source *)base;

	kv_line_close(&s->in);
	kv_buf_free(&s->key);
	kv_buf_free(&s->hi);
	kv_free(KV_MEM_WORKLOAD, s, sizeof(*s));
}

static const struct kv_wl_source_ops csv_ops_table = {
	.name = "csv", .next = csv_next, .close = csv_close,
};

int kv_trace_csv_open(const char *path, struct kv_wl_source **out, struct kv_err *err)
{
	struct csv_source *s = kv_calloc(KV_MEM_WORKLOAD, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return kv_err_set(err, KV_ENOMEM, "out of memory");
	rc = kv_line_open(&s->in, path, err);
	if (rc != KV_OK) {
		kv_free(KV_MEM_WORKLOAD, s, sizeof(*s));
		return rc;
	}
	s->key.component = s->hi.component = KV_MEM_WORKLOAD;
	s->base.ops = &csv_ops_table;
	*out = &s->base;
	return KV_OK;
}

/* --------------------------------------------------------- detection */

int kv_trace_detect(const char *path, enum kv_trace_format *fmt, struct kv_err *err)
{
	struct kv_line_reader in;
	int rc = kv_line_open(&in, path, err);

	if (rc != KV_OK)
		return rc;
	for (;;) {
		char *p, c;
		uint64_t n;

		rc = kv_line_next(&in, err);
		if (rc == KV_NOTFOUND) {
			rc = kv_err_set(err, KV_EINVAL,
					"%s: cannot detect the trace format of an empty file; "
					"give trace_format=csv|cs265|bu", path);
			break;
		}
		if (rc != KV_OK)
			break;
		p = in.buf.data;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		c = p[0];
		if (strchr(p, ',')) {
			*fmt = KV_TRACE_CSV;
		} else if (kv_parse_u64(p, &n)) {
			*fmt = KV_TRACE_BU; /* BU files may start with the operation count */
		} else if ((p[1] == '\0' || p[1] == ' ' || p[1] == '\t') && strchr("pgrdls", c)) {
			*fmt = KV_TRACE_CS265;
		} else if ((p[1] == '\0' || p[1] == ' ' || p[1] == '\t') && strchr("IUDRQS", c)) {
			*fmt = KV_TRACE_BU;
		} else {
			rc = kv_line_error(&in, err,
					   "expected a CSV trace line (op,key,value_size), a CS265 "
					   "command (p g r d l s) or a BU command (I U D R Q S); "
					   "cannot detect the format");
			break;
		}
		rc = KV_OK;
		break;
	}
	kv_line_close(&in);
	return rc;
}

int kv_trace_open(const char *path, enum kv_trace_format fmt, struct kv_wl_source **out,
		  struct kv_err *err)
{
	int rc;

	*out = NULL;
	if (fmt == KV_TRACE_AUTO) {
		rc = kv_trace_detect(path, &fmt, err);
		if (rc != KV_OK)
			return rc;
	}
	switch (fmt) {
	case KV_TRACE_CSV:
		return kv_trace_csv_open(path, out, err);
	case KV_TRACE_CS265:
		return kv_trace_cs265_open(path, out, err);
	case KV_TRACE_BU:
		return kv_trace_bu_open(path, out, err);
	default:
		return kv_err_set(err, KV_EINVAL, "unknown trace format %d", (int)fmt);
	}
}
