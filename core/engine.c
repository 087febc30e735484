/*
 * core/engine.c - the engine wrapper: argument checks and the measurements
 * every engine shares (DESIGN.md section 3). Read amplification is taken
 * as deltas of the device wrapper's read counters around each lookup, so
 * it counts exactly what crossed the device boundary.
 */
#include "core/engine.h"

#include <string.h>

#include "core/alloc.h"
#include "core/lsm/strategy.h"
#include "core/memtable/memtable.h"

static const char *const op_names[KV_OP__COUNT] = { "put", "get", "delete", "scan" };

const char *kv_op_name(enum kv_op op)
{
	return (unsigned)op < KV_OP__COUNT ? op_names[op] : "?";
}

/* Reads of this thread: background jobs of the engine do not count. */
static void dev_reads(const struct kv_device *dev, uint64_t *bytes, uint64_t *ios)
{
	(void)dev;
	kv_dev_thread_reads(ios, bytes);
}

int kv_engine_open(const struct kv_engine_ops *ops, const struct kv_engine_args *args,
		   struct kv_engine **out, struct kv_err *err)
{
	const struct kv_option *tables[4];
	size_t nt = 0;
	struct kv_engine *e;
	int r;

	*out = NULL;
	if (!ops || !args || !args->dev)
		return kv_err_set(err, KV_EINVAL, "engine open: missing engine or device");
	if (ops->options)
		tables[nt++] = ops->options;
	if (args->memtable && args->memtable->options)
		tables[nt++] = args->memtable->options;
	if (args->strategy && args->strategy->options)
		tables[nt++] = args->strategy->options;
	tables[nt] = NULL;
	if (args->cfg) {
		r = kv_config_check(args->cfg, tables, err);
		if (r != KV_OK)
			return r;
	}
	e = kv_calloc(KV_MEM_OTHER, ops->instance_size);
	if (!e)
		return kv_err_set(err, KV_ENOMEM, "engine open: out of memory");
	e->ops = ops;
	e->dev = args->dev;
	for (int i = 0; i < KV_OP__COUNT; i++)
		kv_hist_init(&e->stats.lat_ns[i]);
	r = ops->open(e, args);
	if (r != KV_OK) {
		kv_err_copy(err, &e->err);
		if (err && err->code == KV_OK)
			kv_err_set(err, r, "%s engine: open failed", ops->name);
		kv_free(KV_MEM_OTHER, e, ops->instance_size);
		return r;
	}
	*out = e;
	return KV_OK;
}

void kv_engine_close(struct kv_engine *e)
{
	if (!e)
		return;
	e->ops->close(e);
	kv_free(KV_MEM_OTHER, e, e->ops->instance_size);
}

static int check_key(struct kv_engine *e, struct kv_slice key)
{
	if (key.len == 0 || key.len > KV_MAX_KEY_BYTES || !key.data)
		return kv_err_set(&e->err, KV_EINVAL, "key length %zu outside 1..%u bytes",
				  key.len, KV_MAX_KEY_BYTES);
	return KV_OK;
}

int kv_engine_put(struct kv_engine *e, struct kv_slice key, struct kv_slice value)
{
	uint64_t t0;
	int r = check_key(e, key);

	if (r != KV_OK)
		return r;
	if (value.len > KV_MAX_VALUE_BYTES || (value.len && !value.data))
		return kv_err_set(&e->err, KV_EINVAL, "value length %zu above %u bytes",
				  value.len, KV_MAX_VALUE_BYTES);
	t0 = kv_dev_now_ns(e->dev);
	r = e->ops->put(e, key, value);
	kv_hist_add(&e->stats.lat_ns[KV_OP_PUT], kv_dev_now_ns(e->dev) - t0);
	if (r == KV_OK) {
		e->stats.ops[KV_OP_PUT]++;
		e->stats.user_key_bytes_written += key.len;
		e->stats.user_value_bytes_written += value.len;
	}
	return r;
}

int kv_engine_delete(struct kv_engine *e, struct kv_slice key)
{
	uint64_t t0;
	int r = check_key(e, key);

	if (r != KV_OK)
		return r;
	t0 = kv_dev_now_ns(e->dev);
	r = e->ops->del(e, key);
	kv_hist_add(&e->stats.lat_ns[KV_OP_DELETE], kv_dev_now_ns(e->dev) - t0);
	if (r == KV_OK) {
		e->stats.ops[KV_OP_DELETE]++;
		e->stats.user_key_bytes_written += key.len;
	}
	return r;
}

int kv_engine_get(struct kv_engine *e, struct kv_slice key, struct kv_slice *value)
{
	uint64_t t0, b0, n0, b1, n1;
	int r = check_key(e, key);

	if (r != KV_OK)
		return r;
	dev_reads(e->dev, &b0, &n0);
	t0 = kv_dev_now_ns(e->dev);
	r = e->ops->get(e, key, value);
	kv_hist_add(&e->stats.lat_ns[KV_OP_GET], kv_dev_now_ns(e->dev) - t0);
	dev_reads(e->dev, &b1, &n1);
	if (r == KV_OK) {
		e->stats.gets_found++;
		e->stats.get_found_bytes_read += b1 - b0;
		e->stats.get_found_reads += n1 - n0;
	} else if (r == KV_NOTFOUND) {
		e->stats.gets_notfound++;
		e->stats.get_notfound_bytes_read += b1 - b0;
		e->stats.get_notfound_reads += n1 - n0;
	}
	if (r >= 0)
		e->stats.ops[KV_OP_GET]++;
	return r;
}

/*
 * The measuring scan iterator: counts entries returned and, at close, the
 * device bytes read since the scan was opened.
 */
struct scan_iter {
	struct kv_iter base;
	struct kv_iter *inner;
	struct kv_engine *e;
	uint64_t t0, b0, n0;
	uint64_t entries;
};

static void si_seek_first(struct kv_iter *it)
{
	struct scan_iter *s = (struct scan_iter *)it;
	kv_iter_seek_first(s->inner);
	if (kv_iter_valid(s->inner))
		s->entries++;
}

static void si_seek(struct kv_iter *it, struct kv_slice t)
{
	struct scan_iter *s = (struct scan_iter *)it;
	kv_iter_seek(s->inner, t);
	if (kv_iter_valid(s->inner))
		s->entries++;
}

static bool si_valid(const struct kv_iter *it)
{
	const struct scan_iter *s = (const struct scan_iter *)it;
	return kv_iter_valid(s->inner);
}

static void si_next(struct kv_iter *it)
{
	struct scan_iter *s = (struct scan_iter *)it;
	kv_iter_next(s->inner);
	if (kv_iter_valid(s->inner))
		s->entries++;
}

static struct kv_slice si_key(const struct kv_iter *it)
{
	return kv_iter_key(((const struct scan_iter *)it)->inner);
}

static struct kv_slice si_value(const struct kv_iter *it)
{
	return kv_iter_value(((const struct scan_iter *)it)->inner);
}

static int si_status(const struct kv_iter *it)
{
	return kv_iter_status(((const struct scan_iter *)it)->inner);
}

static const char *si_errmsg(const struct kv_iter *it)
{
	return kv_iter_errmsg(((const struct scan_iter *)it)->inner);
}

static void si_close(struct kv_iter *it)
{
	struct scan_iter *s = (struct scan_iter *)it;
	struct kv_engine *e = s->e;
	uint64_t b1, n1;

	kv_iter_close(s->inner);
	dev_reads(e->dev, &b1, &n1);
	e->stats.scan_entries += s->entries;
	e->stats.scan_bytes_read += b1 - s->b0;
	e->stats.scan_reads += n1 - s->n0;
	kv_hist_add(&e->stats.lat_ns[KV_OP_SCAN], kv_dev_now_ns(e->dev) - s->t0);
	e->stats.ops[KV_OP_SCAN]++;
	kv_free(KV_MEM_OTHER, s, sizeof(*s));
}

static const struct kv_iter_ops scan_iter_ops = {
	.name = "scan",
	.seek_first = si_seek_first,
	.seek = si_seek,
	.valid = si_valid,
	.next = si_next,
	.key = si_key,
	.value = si_value,
	.status = si_status,
	.close = si_close,
	.meta = NULL,
	.errmsg = si_errmsg,
};

int kv_engine_scan(struct kv_engine *e, struct kv_slice lo, struct kv_slice hi,
		   struct kv_iter **out)
{
	struct scan_iter *s;
	int r;

	*out = NULL;
	s = kv_calloc(KV_MEM_OTHER, sizeof(*s));
	if (!s)
		return kv_err_set(&e->err, KV_ENOMEM, "scan: out of memory");
	s->base.ops = &scan_iter_ops;
	s->e = e;
	dev_reads(e->dev, &s->b0, &s->n0);
	s->t0 = kv_dev_now_ns(e->dev);
	r = e->ops->scan(e, lo, hi, &s->inner);
	if (r != KV_OK) {
		kv_free(KV_MEM_OTHER, s, sizeof(*s));
		return r;
	}
	if (kv_iter_valid(s->inner))
		s->entries = 1;
	*out = &s->base;
	return KV_OK;
}

int kv_engine_sync(struct kv_engine *e)
{
	return e->ops->sync(e);
}

int kv_engine_flush(struct kv_engine *e)
{
	return e->ops->flush(e);
}

int kv_engine_compact_all(struct kv_engine *e)
{
	return e->ops->compact_all(e);
}

int kv_engine_check(struct kv_engine *e)
{
	return e->ops->check ? e->ops->check(e) : KV_OK;
}

bool kv_engine_wait_idle(struct kv_engine *e)
{
	return e->ops->wait_idle ? e->ops->wait_idle(e) : false;
}

void kv_engine_report(struct kv_engine *e,
		      void (*cb)(void *ud, const char *name, double value), void *ud)
{
	if (e->ops->report)
		e->ops->report(e, cb, ud);
}

const struct kv_engine_stats *kv_engine_stats(const struct kv_engine *e)
{
	return &e->stats;
}

const char *kv_engine_errmsg(const struct kv_engine *e)
{
	return kv_err_msg(&e->err);
}
