/*
 * core/iter.c - iterator helpers shared by every source: the error message
 * accessor and the empty iterator.
 */
#include "core/iter.h"

#include "core/alloc.h"
#include "core/status.h"

const char *kv_iter_errmsg(const struct kv_iter *it)
{
	const char *msg = NULL;

	if (it->ops->errmsg)
		msg = it->ops->errmsg(it);
	if (!msg)
		msg = kv_status_name(kv_iter_status(it));
	return msg;
}

struct empty_iter {
	struct kv_iter base;
	int status;
};

static void empty_seek_first(struct kv_iter *it)
{
	(void)it;
}

static void empty_seek(struct kv_iter *it, struct kv_slice target)
{
	(void)it;
	(void)target;
}

static bool empty_valid(const struct kv_iter *it)
{
	(void)it;
	return false;
}

static void empty_next(struct kv_iter *it)
{
	(void)it;
}

static struct kv_slice empty_slice(const struct kv_iter *it)
{
	(void)it;
	return kv_slice_make(NULL, 0);
}

static int empty_status(const struct kv_iter *it)
{
	return ((const struct empty_iter *)it)->status;
}

static void empty_close(struct kv_iter *it)
{
	kv_free(KV_MEM_OTHER, it, sizeof(struct empty_iter));
}

static const struct kv_iter_ops empty_iter_ops = {
	.name = "empty",
	.seek_first = empty_seek_first,
	.seek = empty_seek,
	.valid = empty_valid,
	.next = empty_next,
	.key = empty_slice,
	.value = empty_slice,
	.status = empty_status,
	.close = empty_close,
	.meta = NULL,
	.errmsg = NULL,
};

struct kv_iter *kv_empty_iter_new(int status)
{
	struct empty_iter *e = kv_malloc(KV_MEM_OTHER, sizeof(*e));

	if (!e)
		return NULL;
	e->base.ops = &empty_iter_ops;
	e->status = status;
	return &e->base;
}
