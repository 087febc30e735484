/*
 * devices/name_table.h - the file namespace of the simulated devices (the
 * RAM device, devices/mem.c, and the modeled SSD, devices/ssd.c).
 *
 * A chained hash table of named entries. A device's file record embeds
 * struct kv_name_entry as its FIRST member (so the entry pointer is the
 * record pointer). The table owns the names (KV_MEM_DEVICE) and counts
 * open handles; the device owns the records and frees them through the
 * free callback given to kv_names_init(), which the table calls when an
 * entry is both out of the namespace and has no open handle (or at
 * kv_names_destroy()).
 *
 * Invariants (kv_names_check):
 *  1. nbuckets is a power of two; every linked entry is on the chain of
 *     bucket (hash & (nbuckets - 1)), hash = kv_hash64(name, seed); no
 *     name is linked twice; count is the number of linked entries.
 *  2. An entry leaves the table when removed or renamed over, then lives
 *     on as an orphan while handles remain; open_handles is the sum of
 *     handles over all entries, linked or orphaned.
 * Messages name the device by the label given to kv_names_init()
 * ("mem device: open 'x': no such file"). Not thread-safe.
 */
#ifndef KV_DEVICES_NAME_TABLE_H
#define KV_DEVICES_NAME_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

struct kv_name_entry {
	struct kv_name_entry *next; /* bucket chain */
	char *name;                 /* KV_MEM_DEVICE, strlen + 1 */
	uint64_t hash;
	uint32_t handles; /* open handles */
	bool linked;      /* in the namespace (else an orphan) */
};

/* Frees the device's record holding @e (its name is already freed). */
typedef void (*kv_name_free_fn)(void *ud, struct kv_name_entry *e);

struct kv_name_table {
	struct kv_name_entry **buckets;
	size_t nbuckets;
	size_t count;        /* linked entries */
	size_t open_handles; /* handles over all entries */
	uint64_t seed;
	const char *device; /* "mem device": message prefix */
	kv_name_free_fn free_fn;
	void *ud;
};

/*
 * An empty table. @device (a static string) prefixes messages; @free_fn
 * with @ud frees records. KV_OK, or KV_ENOMEM with "<device>: out of
 * memory" in @err; the table is then empty and kv_names_destroy() safe.
 */
int kv_names_init(struct kv_name_table *t, const char *device, uint64_t seed,
		  kv_name_free_fn free_fn, void *ud, struct kv_err *err);

/*
 * Free every linked entry (through free_fn) and the bucket array.
 * Requires no open handle (asserted). Safe on a zeroed or failed table.
 */
void kv_names_destroy(struct kv_name_table *t);

/* The linked entry named @name, or NULL. */
struct kv_name_entry *kv_names_find(const struct kv_name_table *t, const char *name);

/*
 * The linked entry named @name, or NULL with KV_NOTFOUND and
 * "<device>: <what> '<name>': no such file" in @err.
 */
struct kv_name_entry *kv_names_lookup(const struct kv_name_table *t, const char *name,
				      const char *what, struct kv_err *err);

/*
 * Give the new, unlinked entry @e (zeroed by the caller) a copy of @name.
 * KV_OK or KV_ENOMEM (no message; @e unchanged).
 */
int kv_names_set_name(const struct kv_name_table *t, struct kv_name_entry *e, const char *name);

/* Link the unlinked entry @e (whose name is not linked yet). Never fails. */
void kv_names_link(struct kv_name_table *t, struct kv_name_entry *e);

/*
 * Take @e out of the namespace; it is freed now when it has no open
 * handle, else when the last one closes (kv_names_release()).
 */
void kv_names_unlink(struct kv_name_table *t, struct kv_name_entry *e);

/*
 * Rename @from to @to, replacing (unlinking) an entry named @to. KV_OK
 * (nothing happens when from == to), KV_EIO when @from does not exist,
 * KV_ENOMEM; errors have a message in @err naming both names.
 */
int kv_names_rename(struct kv_name_table *t, const char *from, const char *to,
		    struct kv_err *err);

/* Call cb(ud, name) for every linked entry (in table order). */
void kv_names_list(const struct kv_name_table *t, void (*cb)(void *ud, const char *name),
		   void *ud);

/* Call fn(ud, e) for every linked entry (in table order); fn must not link or unlink. */
void kv_names_each(const struct kv_name_table *t, void (*fn)(void *ud, struct kv_name_entry *e),
		   void *ud);

/*
 * Free the unlinked entry @e that has no open handle: its name, then its
 * record through free_fn (for a record that never got linked, or an
 * orphan whose last handle closed).
 */
void kv_names_discard(struct kv_name_table *t, struct kv_name_entry *e);

/* A handle of @e was opened. */
static inline void kv_names_hold(struct kv_name_table *t, struct kv_name_entry *e)
{
	e->handles++;
	t->open_handles++;
}

/*
 * A handle of @e was closed. True when it was the last one: the caller
 * then frees an orphan (!e->linked) with kv_names_discard().
 */
bool kv_names_release(struct kv_name_table *t, struct kv_name_entry *e);

/* Cheap invariants (O(1)), for asserts. */
bool kv_names_check(const struct kv_name_table *t);

#endif
