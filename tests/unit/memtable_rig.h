/*
 * tests/unit/memtable_rig.h - opening a memtable kind with options, for
 * the kind-specific tests (test_skiplist, test_memtables_extra). Static
 * inline so each test includes only what it uses.
 */
#ifndef KV_TESTS_UNIT_MEMTABLE_RIG_H
#define KV_TESTS_UNIT_MEMTABLE_RIG_H

#include "tests/testutil.h"

#include "core/memtable/memtable.h"
#include "core/options.h"

/*
 * A memtable of kind @ops configured by the NULL-terminated name/value
 * pairs @kv (NULL: none). *rc gets kv_memtable_create's status and @err
 * its message; returns the table (caller destroys) or NULL on failure.
 */
static inline struct kv_memtable *mtr_open_cfg(const struct kv_memtable_ops *ops,
					       const char *const *kv, struct kv_err *err, int *rc)
{
	struct kv_config *cfg = kv_config_new();
	struct kv_memtable *mt = NULL;

	assert_non_null(cfg);
	for (size_t i = 0; kv && kv[i]; i += 2)
		assert_int_equal(kv_config_set(cfg, kv[i], kv[i + 1]), KV_OK);
	kv_err_clear(err);
	*rc = kv_memtable_create(ops, cfg, &mt, err);
	kv_config_free(cfg);
	return mt;
}

#endif
