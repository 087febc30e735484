/*
 * devices/name_table.c - the file namespace of the simulated devices (see
 * devices/name_table.h).
 */
#include "devices/name_table.h"

#include <assert.h>
#include <string.h>

#include "core/alloc.h"
#include "core/checksum.h"

#define MIN_BUCKETS 16

static uint64_t name_hash(const struct kv_name_table *t, const char *name)
{
	return kv_hash64(name, strlen(name), t->seed);
}

bool kv_names_check(const struct kv_name_table *t)
{
	if (!t->buckets || t->nbuckets < 1 || (t->nbuckets & (t->nbuckets - 1)) != 0)
		return false;
	return t->free_fn != NULL && t->device != NULL;
}

int kv_names_init(struct kv_name_table *t, const char *device, uint64_t seed,
		  kv_name_free_fn free_fn, void *ud, struct kv_err *err)
{
	memset(t, 0, sizeof(*t));
	t->device = device;
	t->seed = seed;
	t->free_fn = free_fn;
	t->ud = ud;
	t->buckets = kv_calloc(KV_MEM_DEVICE, MIN_BUCKETS * sizeof(*t->buckets));
	if (!t->buckets)
		return kv_err_set(err, KV_ENOMEM, "%s: out of memory", device);
	t->nbuckets = MIN_BUCKETS;
	assert(kv_names_check(t));
	return KV_OK;
}

void kv_names_destroy(struct kv_name_table *t)
{
	assert(t->open_handles == 0);
	for (size_t b = 0; t->buckets && b < t->nbuckets; b++) {
		struct kv_name_entry *e = t->buckets[b];

		while (e) {
			struct kv_name_entry *next = e->next;

			kv_strfree(KV_MEM_DEVICE, e->name);
			e->name = NULL;
			t->free_fn(t->ud, e);
			e = next;
		}
	}
	if (t->buckets)
		kv_free(KV_MEM_DEVICE, t->buckets, t->nbuckets * sizeof(*t->buckets));
	t->buckets = NULL;
	t->nbuckets = 0;
	t->count = 0;
}

struct kv_name_entry *kv_names_find(const struct kv_name_table *t, const char *name)
{
	uint64_t h = name_hash(t, name);

	for (struct kv_name_entry *e = t->buckets[h & (t->nbuckets - 1)]; e; e = e->next) {
		if (e->hash == h && strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

struct kv_name_entry *kv_names_lookup(const struct kv_name_table *t, const char *name,
				      const char *what, struct kv_err *err)
{
	struct kv_name_entry *e = kv_names_find(t, name);

	if (!e)
		kv_err_set(err, KV_NOTFOUND, "%s: %s '%s': no such file", t->device, what, name);
	return e;
}

int kv_names_set_name(const struct kv_name_table *t, struct kv_name_entry *e, const char *name)
{
	char *copy = kv_strdup(KV_MEM_DEVICE, name);

	if (!copy)
		return KV_ENOMEM;
	e->name = copy;
	e->hash = name_hash(t, name);
	return KV_OK;
}

/* Double the buckets once the table holds as many entries (best effort). */
static void table_grow(struct kv_name_table *t)
{
	size_t nb = t->nbuckets * 2;
	struct kv_name_entry **nbk;

	if (t->count < t->nbuckets)
		return;
	nbk = kv_calloc(KV_MEM_DEVICE, nb * sizeof(*nbk));
	if (!nbk)
		return; /* longer chains, still correct */
	for (size_t b = 0; b < t->nbuckets; b++) {
		struct kv_name_entry *e = t->buckets[b];

		while (e) {
			struct kv_name_entry *next = e->next;

			e->next = nbk[e->hash & (nb - 1)];
			nbk[e->hash & (nb - 1)] = e;
			e = next;
		}
	}
	kv_free(KV_MEM_DEVICE, t->buckets, t->nbuckets * sizeof(*t->buckets));
	t->buckets = nbk;
	t->nbuckets = nb;
}

void kv_names_link(struct kv_name_table *t, struct kv_name_entry *e)
{
	size_t b;

	assert(!e->linked && e->name);
	table_grow(t);
	b = e->hash & (t->nbuckets - 1);
	e->next = t->buckets[b];
	t->buckets[b] = e;
	e->linked = true;
	t->count++;
	assert(kv_names_check(t));
}

/* Take @e off its chain. */
static void detach(struct kv_name_table *t, struct kv_name_entry *e)
{
	struct kv_name_entry **pp = &t->buckets[e->hash & (t->nbuckets - 1)];

	assert(e->linked);
	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	e->next = NULL;
	e->linked = false;
	t->count--;
}

void kv_names_discard(struct kv_name_table *t, struct kv_name_entry *e)
{
	assert(!e->linked && e->handles == 0);
	kv_strfree(KV_MEM_DEVICE, e->name);
	e->name = NULL;
	t->free_fn(t->ud, e);
}

void kv_names_unlink(struct kv_name_table *t, struct kv_name_entry *e)
{
	detach(t, e);
	if (e->handles == 0)
		kv_names_discard(t, e);
}

int kv_names_rename(struct kv_name_table *t, const char *from, const char *to,
		    struct kv_err *err)
{
	struct kv_name_entry *e = kv_names_find(t, from);
	struct kv_name_entry *target;
	char *new_name;

	if (!e)
		return kv_err_set(err, KV_EIO, "%s: rename '%s' to '%s': no such file", t->device,
				  from, to);
	if (strcmp(from, to) == 0)
		return KV_OK;
	new_name = kv_strdup(KV_MEM_DEVICE, to);
	if (!new_name)
		return kv_err_set(err, KV_ENOMEM, "%s: out of memory renaming '%s' to '%s'",
				  t->device, from, to);
	target = kv_names_find(t, to);
	if (target)
		kv_names_unlink(t, target);
	detach(t, e);
	kv_strfree(KV_MEM_DEVICE, e->name);
	e->name = new_name;
	e->hash = name_hash(t, new_name);
	kv_names_link(t, e);
	return KV_OK;
}

void kv_names_list(const struct kv_name_table *t, void (*cb)(void *ud, const char *name),
		   void *ud)
{
	for (size_t b = 0; b < t->nbuckets; b++) {
		for (const struct kv_name_entry *e = t->buckets[b]; e; e = e->next)
			cb(ud, e->name);
	}
}

void kv_names_each(const struct kv_name_table *t, void (*fn)(void *ud, struct kv_name_entry *e),
		   void *ud)
{
	for (size_t b = 0; b < t->nbuckets; b++) {
		for (struct kv_name_entry *e = t->buckets[b]; e; e = e->next)
			fn(ud, e);
	}
}

bool kv_names_release(struct kv_name_table *t, struct kv_name_entry *e)
{
	assert(e->handles > 0 && t->open_handles > 0);
	e->handles--;
	t->open_handles--;
	return e->handles == 0;
}
