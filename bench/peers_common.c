/*
 * bench/peers_common.c - what every peers adapter shares (bench/peers.h):
 * the matched configuration, the clock-only device, opening and closing,
 * and the bounded iterator over a library cursor.
 *
 * Invariants of struct peers_iter (checked by piter_check()):
 *  1. in_range implies the cursor has an entry, (key, value) is it, and
 *     key < hi when hi is bounded: valid(), key() and value() answer from
 *     the iterator without calling the cursor.
 *  2. lo and hi own copies of the bounds; lo_set / hi_set say whether a
 *     bound exists (a 0-byte bound is never given: keys have >= 1 byte).
 */
#include "bench/peers.h"

#include <assert.h>
#include <string.h>

#include "core/alloc.h"
#include "core/options.h"
#include "devices/file.h"

#define MIB (1024u * 1024u)

void peers_config_default(struct peers_config *c)
{
	*c = (struct peers_config){
		.write_buffer_bytes = 4 * MIB,
		.level0_trigger = 4,
		.level_base_bytes = 16 * MIB,
		.level_multiplier = 10.0,
		.target_file_bytes = 4 * MIB,
		.bloom_bits_per_key = 10,
		.block_bytes = 4096,
		.cache_bytes = 8 * MIB,
		.txn_ops = 1000,
		.statistics = true,
	};
}

int peers_open_nothing(struct kv_engine *e, const struct kv_engine_args *args)
{
	(void)e;
	(void)args;
	return KV_OK;
}

int peers_peer_open(const struct kv_engine_ops *ops, const char *dir, struct kv_device **dev,
		    struct kv_engine **eng, struct kv_err *err)
{
	struct kv_config *cfg = kv_config_new();
	struct kv_engine_args args = { 0 };
	int rc;

	assert(ops->open == peers_open_nothing);
	*dev = NULL;
	*eng = NULL;
	if (!cfg)
		return kv_err_set(err, KV_ENOMEM, "out of memory");
	/* Nothing is written through the device, so nothing is ever synced. */
	rc = kv_config_set(cfg, "fsync", "false");
	if (rc == KV_OK)
		rc = kv_dev_open(&kv_file_device_ops, cfg, dir, dev, err);
	else
		rc = kv_err_set(err, KV_ENOMEM, "out of memory");
	kv_config_free(cfg);
	if (rc != KV_OK)
		return rc;
	args.dev = *dev;
	rc = kv_engine_open(ops, &args, eng, err);
	if (rc != KV_OK) {
		kv_dev_close(*dev);
		*dev = NULL;
	}
	return rc;
}

int peers_open_failed(struct kv_device **dev, struct kv_engine **eng, int rc)
{
	peers_close(*eng, *dev);
	*eng = NULL;
	*dev = NULL;
	return rc;
}

int peers_lib_error(struct kv_engine *e, const char *lib, const char *what, char *msg,
		    void (*lib_free)(void *))
{
	int rc = kv_err_set(&e->err, KV_EIO, "%s %s: %s", lib, what, msg);

	lib_free(msg);
	return rc;
}

void peers_close(struct kv_engine *eng, struct kv_device *dev)
{
	kv_engine_close(eng);
	kv_dev_close(dev);
}

/* ----------------------------------------------------- bounded iterator */

struct peers_iter {
	struct kv_iter base;
	const struct peers_cursor_ops *cops;
	void *cur;
	struct kv_buf lo, hi;
	bool lo_set, hi_set;
	bool in_range;
	struct kv_slice key, value; /* the cursor's entry while in_range */
	int status;
	const char *msg;
};

static bool piter_check(const struct peers_iter *p)
{
	struct kv_slice k, v;

	if (p->in_range && !p->cops->entry(p->cur, &k, &v))
		return false;
	if (p->in_range && (!kv_slice_eq(k, p->key) || !kv_slice_eq(v, p->value)))
		return false;
	if (p->in_range && p->hi_set && kv_slice_cmp(p->key, kv_buf_slice(&p->hi)) >= 0)
		return false;
	return p->lo_set == (p->lo.len > 0) && p->hi_set == (p->hi.len > 0);
}

/* Move the cursor (@target as in peers_cursor_ops.move), then take its
   entry and status. */
static void piter_move(struct peers_iter *p, const struct kv_slice *target)
{
	p->cops->move(p->cur, target);
	p->in_range = p->cops->entry(p->cur, &p->key, &p->value);
	p->status = p->cops->status(p->cur, &p->msg);
	if (p->status != KV_OK)
		p->in_range = false;
	if (p->in_range && p->hi_set)
		p->in_range = kv_slice_cmp(p->key, kv_buf_slice(&p->hi)) < 0;
	assert(piter_check(p));
}

static void piter_seek(struct kv_iter *it, struct kv_slice target)
{
	struct peers_iter *p = (struct peers_iter *)it;

	if (p->lo_set && (!target.data || kv_slice_cmp(target, kv_buf_slice(&p->lo)) < 0))
		target = kv_buf_slice(&p->lo);
	piter_move(p, &target);
}

static void piter_seek_first(struct kv_iter *it)
{
	piter_seek(it, kv_slice_make(NULL, 0));
}

static bool piter_valid(const struct kv_iter *it)
{
	return ((const struct peers_iter *)it)->in_range;
}

static void piter_next(struct kv_iter *it)
{
	struct peers_iter *p = (struct peers_iter *)it;

	assert(p->in_range);
	piter_move(p, NULL);
}

static struct kv_slice piter_key(const struct kv_iter *it)
{
	return ((const struct peers_iter *)it)->key;
}

static struct kv_slice piter_value(const struct kv_iter *it)
{
	return ((const struct peers_iter *)it)->value;
}
static int piter_status(const struct kv_iter *it)
{
	return ((const struct peers_iter *)it)->status;
}

static const char *piter_errmsg(const struct kv_iter *it)
{
	const struct peers_iter *p = (const struct peers_iter *)it;

	return p->msg ? p->msg : kv_status_name(p->status);
}

static void piter_close(struct kv_iter *it)
{
	struct peers_iter *p = (struct peers_iter *)it;

	p->cops->close(p->cur);
	kv_buf_free(&p->lo);
	kv_buf_free(&p->hi);
	kv_free(KV_MEM_OTHER, p, sizeof(*p));
}

static const struct kv_iter_ops peers_iter_ops = {
	.name = "peers",
	.seek_first = piter_seek_first,
	.seek = piter_seek,
	.valid = piter_valid,
	.next = piter_next,
	.key = piter_key,
	.value = piter_value,
	.status = piter_status,
	.close = piter_close,
	.meta = NULL,
	.errmsg = piter_errmsg,
};

int peers_iter_new(const struct peers_cursor_ops *ops, void *cur, struct kv_slice lo,
		   struct kv_slice hi, struct kv_iter **out, struct kv_err *err)
{
	struct peers_iter *p;

	*out = NULL;
	p = kv_calloc(KV_MEM_OTHER, sizeof(*p));
	if (!p)
		goto out_close_cursor;
	p->base.ops = &peers_iter_ops;
	p->cops = ops;
	p->cur = cur;
	p->lo_set = lo.data && lo.len;
	p->hi_set = hi.data && hi.len;
	if ((p->lo_set && kv_buf_set(&p->lo, lo.data, lo.len) != KV_OK) ||
	    (p->hi_set && kv_buf_set(&p->hi, hi.data, hi.len) != KV_OK)) {
		piter_close(&p->base);
		return kv_err_set(err, KV_ENOMEM, "scan: out of memory for the bounds");
	}
	piter_seek_first(&p->base);
	*out = &p->base;
	return KV_OK;

out_close_cursor:
	ops->close(cur);
	return kv_err_set(err, KV_ENOMEM, "scan: out of memory");
}
