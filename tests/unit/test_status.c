/*
 * tests/unit/test_status.c - status names and error slots.
 */
#include "tests/testutil.h"

#include <string.h>

#include "core/status.h"

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(kv_status_name(KV_OK), "KV_OK");
	assert_string_equal(kv_status_name(KV_NOTFOUND), "KV_NOTFOUND");
	assert_string_equal(kv_status_name(KV_EINVAL), "KV_EINVAL");
	assert_string_equal(kv_status_name(KV_ENOMEM), "KV_ENOMEM");
	assert_string_equal(kv_status_name(KV_EIO), "KV_EIO");
	assert_string_equal(kv_status_name(KV_ECORRUPT), "KV_ECORRUPT");
	assert_string_equal(kv_status_name(KV_ENOSPC), "KV_ENOSPC");
	assert_string_equal(kv_status_name(KV_ENOTSUP), "KV_ENOTSUP");
	assert_non_null(kv_status_name(-1000));
	assert_non_null(kv_status_name(77));
}

static void test_set_and_msg(void **state)
{
	struct kv_err err;

	(void)state;
	kv_err_clear(&err);
	assert_int_equal(err.code, KV_OK);
	assert_string_equal(kv_err_msg(&err), "KV_OK");
	assert_int_equal(kv_err_set(&err, KV_ECORRUPT, "file %s offset %d", "a.sst", 42),
			 KV_ECORRUPT);
	assert_int_equal(err.code, KV_ECORRUPT);
	assert_string_equal(kv_err_msg(&err), "file a.sst offset 42");
	/* NULL slot: only the code comes back. */
	assert_int_equal(kv_err_set(NULL, KV_EIO, "x"), KV_EIO);
	/* Empty message falls back to the status name. */
	kv_err_set(&err, KV_ENOSPC, "%s", "");
	assert_string_equal(kv_err_msg(&err), "KV_ENOSPC");
	assert_string_equal(kv_err_msg(NULL), "KV_OK");
}

static void test_truncation(void **state)
{
	struct kv_err err;
	char big[2000];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	kv_err_set(&err, KV_EINVAL, "%s", big);
	assert_int_equal(strlen(kv_err_msg(&err)), KV_ERR_MSG_BYTES - 1);
	kv_err_prefix(&err, "ctx");
	assert_int_equal(strlen(kv_err_msg(&err)), KV_ERR_MSG_BYTES - 1);
	assert_memory_equal(kv_err_msg(&err), "ctx: xxx", 8);
	kv_err_prefix(&err, "%s", big);
	assert_int_equal(strlen(kv_err_msg(&err)), KV_ERR_MSG_BYTES - 1);
}

static void test_prefix_and_copy(void **state)
{
	struct kv_err a, b;

	(void)state;
	kv_err_set(&a, KV_ECORRUPT, "bad checksum at offset %d", 4096);
	kv_err_prefix(&a, "sstable %06d", 7);
	assert_string_equal(kv_err_msg(&a), "sstable 000007: bad checksum at offset 4096");
	assert_int_equal(a.code, KV_ECORRUPT);
	kv_err_prefix(NULL, "nothing");

	kv_err_clear(&b);
	assert_int_equal(kv_err_copy(&b, &a), KV_ECORRUPT);
	assert_string_equal(kv_err_msg(&b), kv_err_msg(&a));
	assert_int_equal(kv_err_copy(NULL, &a), KV_ECORRUPT);
	assert_int_equal(kv_err_copy(&b, NULL), KV_OK);
	assert_int_equal(b.code, KV_OK);
	assert_int_equal(kv_err_copy(&a, &a), KV_ECORRUPT);

	/* Prefix on a slot without message uses the status name. */
	kv_err_set(&b, KV_EIO, "%s", "");
	kv_err_prefix(&b, "wal");
	assert_string_equal(kv_err_msg(&b), "wal: KV_EIO");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_set_and_msg),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_prefix_and_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
