/*
 * tests/testutil.h - helpers shared by every test program: seeds, the
 * slow-run switch, a reference ordered map (the model that randomized tests
 * compare against), random bytes, and an array-backed internal iterator.
 *
 * Every test includes this after <stdarg.h>, <stddef.h>, <setjmp.h> and
 * <cmocka.h>, or lets this header include them (it does).
 */
#ifndef KV_TESTS_TESTUTIL_H
#define KV_TESTS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/device.h"
#include "core/iter.h"
#include "core/rng.h"
#include "core/slice.h"
#include "core/status.h"

/*
 * The run's seed: LSMLAB_SEED (decimal or 0x hex) if set, else
 * @default_seed. Prints "seed=N" to stderr so a failure can be replayed.
 */
uint64_t tu_seed(uint64_t default_seed);

/* True when LSMLAB_SLOW is set to something other than "" or "0". */
bool tu_slow(void);

/* Fill buf with n pseudo-random bytes (any byte value) from r. */
void tu_rand_bytes(struct kv_rng *r, char *buf, size_t n);

/*
 * The reference model: an ordered map of byte strings (bytewise order,
 * kv_slice_cmp) holding owned copies (KV_MEM_OTHER). A treap: O(log n)
 * expected per operation. Aborts the test on allocation failure.
 */
struct tu_refmap;

struct tu_refmap *tu_refmap_new(void);
/* Free the map and every copy. NULL is a no-op. */
void tu_refmap_free(struct tu_refmap *map);
/* Insert or replace k -> v (both copied). */
void tu_refmap_put(struct tu_refmap *map, struct kv_slice k, struct kv_slice v);
/* Remove k; true if it was present. */
bool tu_refmap_del(struct tu_refmap *map, struct kv_slice k);
/* Look k up; *v (may be NULL) is borrowed until the next put/del/free. */
bool tu_refmap_get(const struct tu_refmap *map, struct kv_slice k, struct kv_slice *v);
size_t tu_refmap_count(const struct tu_refmap *map);
/* Sum of key + value bytes of the live keys. */
uint64_t tu_refmap_live_bytes(const struct tu_refmap *map);

/*
 * In-order cursor. Valid until the map is modified; key/value borrowed
 * likewise. Usage:
 *   struct tu_refmap_cursor c;
 *   for (tu_refmap_seek(m, lo, &c); tu_refmap_cursor_valid(&c); tu_refmap_cursor_next(&c))
 */
struct tu_refmap_node;
struct tu_refmap_cursor {
	const struct tu_refmap *map;
	const struct tu_refmap_node *node;
};

/* Position at the first key >= lo (an empty lo: the first key). */
void tu_refmap_seek(const struct tu_refmap *map, struct kv_slice lo,
		    struct tu_refmap_cursor *cur);
bool tu_refmap_cursor_valid(const struct tu_refmap_cursor *cur);
void tu_refmap_cursor_next(struct tu_refmap_cursor *cur);
struct kv_slice tu_refmap_cursor_key(const struct tu_refmap_cursor *cur);
struct kv_slice tu_refmap_cursor_value(const struct tu_refmap_cursor *cur);

/*
 * An internal iterator over a caller-built array of entries, for testing
 * consumers of struct kv_iter (merge iterator, writers). The array must be
 * sorted in internal order (key asc, seq desc); it is borrowed (with its
 * bytes) until the iterator is closed. If fail_after >= 0, the iterator
 * fails with KV_EIO (message "tu_array_iter: injected error") when next()
 * or a seek would position it on entry index >= fail_after.
 */
struct tu_entry {
	struct kv_slice key;
	struct kv_slice value;
	uint64_t seq;
	enum kv_kind kind;
};

struct kv_iter *tu_array_iter_new(const struct tu_entry *entries, size_t n, long fail_after);

/*
 * Remove @dir and everything below it (no links followed), ignoring
 * errors: for test teardown of temporary directories.
 */
void tu_remove_tree(const char *dir);

/*
 * cmocka fixtures for tests that need one scratch directory: setup makes
 * a new one under /tmp (named in tu_tmpdir), teardown removes it and all
 * below it. Use as the per-test or the group setup/teardown.
 */
extern char tu_tmpdir[];
int tu_tmpdir_setup(void **state);
int tu_tmpdir_teardown(void **state);
/*
 * Flip the lowest bit of the byte at @off of file @name on @dev (opened
 * as @kind): damage for corruption tests. KV_OK or the device's status.
 */
int tu_flip_bit(struct kv_device *dev, const char *name, enum kv_file_kind kind, uint64_t off);
/* A cmocka test run in a fresh scratch directory (tu_tmpdir). */
#define TU_TMPDIR_TEST(f) cmocka_unit_test_setup_teardown(f, tu_tmpdir_setup, tu_tmpdir_teardown)

#endif
