/*
 * tests/unit/test_alloc.c - the allocator hook: per-component accounting,
 * peaks, failure injection, custom hooks.
 */
#include "tests/testutil.h"

#include <string.h>

#include "core/alloc.h"
#include "core/slice.h"
#include "core/status.h"

static void test_accounting(void **state)
{
	size_t base_mt = kv_mem_in_use(KV_MEM_MEMTABLE);
	size_t base_bc = kv_mem_in_use(KV_MEM_BLOCK_CACHE);
	size_t base_total = kv_mem_total_in_use();
	char *a, *b;

	(void)state;
	a = kv_malloc(KV_MEM_MEMTABLE, 100);
	assert_non_null(a);
	b = kv_calloc(KV_MEM_BLOCK_CACHE, 4096);
	assert_non_null(b);
	for (int i = 0; i < 4096; i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base_mt + 100);
	assert_int_equal(kv_mem_in_use(KV_MEM_BLOCK_CACHE), base_bc + 4096);
	assert_int_equal(kv_mem_total_in_use(), base_total + 4196);

	memset(a, 'a', 100);
	a = kv_realloc(KV_MEM_MEMTABLE, a, 100, 1000);
	assert_non_null(a);
	assert_int_equal(a[99], 'a');
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base_mt + 1000);
	a = kv_realloc(KV_MEM_MEMTABLE, a, 1000, 10);
	assert_non_null(a);
	assert_int_equal(a[9], 'a');
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base_mt + 10);

	kv_free(KV_MEM_MEMTABLE, a, 10);
	kv_free(KV_MEM_BLOCK_CACHE, b, 4096);
	kv_free(KV_MEM_BLOCK_CACHE, NULL, 123);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base_mt);
	assert_int_equal(kv_mem_in_use(KV_MEM_BLOCK_CACHE), base_bc);
	assert_int_equal(kv_mem_total_in_use(), base_total);
}

static void test_raw_hook_semantics(void **state)
{
	size_t base = kv_mem_in_use(KV_MEM_WORKLOAD);
	void *p;

	(void)state;
	/* new_size 0 frees, NULL ptr allocates. */
	p = kv_mem_alloc(KV_MEM_WORKLOAD, NULL, 0, 64);
	assert_non_null(p);
	assert_int_equal(kv_mem_in_use(KV_MEM_WORKLOAD), base + 64);
	assert_null(kv_mem_alloc(KV_MEM_WORKLOAD, p, 64, 0));
	assert_int_equal(kv_mem_in_use(KV_MEM_WORKLOAD), base);
	assert_null(kv_mem_alloc(KV_MEM_WORKLOAD, NULL, 0, 0));

	/* Zero-size conveniences give a real, freeable block. */
	p = kv_malloc(KV_MEM_WORKLOAD, 0);
	assert_non_null(p);
	kv_free(KV_MEM_WORKLOAD, p, 0);
	assert_int_equal(kv_mem_in_use(KV_MEM_WORKLOAD), base);
}

static void test_peaks(void **state)
{
	void *a, *b;
	size_t base;

	(void)state;
	kv_mem_reset_peaks();
	base = kv_mem_in_use(KV_MEM_COMPACTION);
	assert_int_equal(kv_mem_peak(KV_MEM_COMPACTION), base);
	a = kv_malloc(KV_MEM_COMPACTION, 1000);
	b = kv_malloc(KV_MEM_COMPACTION, 2000);
	assert_int_equal(kv_mem_peak(KV_MEM_COMPACTION), base + 3000);
	kv_free(KV_MEM_COMPACTION, a, 1000);
	assert_int_equal(kv_mem_peak(KV_MEM_COMPACTION), base + 3000);
	a = kv_malloc(KV_MEM_COMPACTION, 500);
	assert_int_equal(kv_mem_peak(KV_MEM_COMPACTION), base + 3000);
	kv_free(KV_MEM_COMPACTION, a, 500);
	kv_free(KV_MEM_COMPACTION, b, 2000);
	assert_int_equal(kv_mem_in_use(KV_MEM_COMPACTION), base);
	assert_int_equal(kv_mem_peak(KV_MEM_COMPACTION), base + 3000);
	kv_mem_reset_peaks();
	assert_int_equal(kv_mem_peak(KV_MEM_COMPACTION), base);
}

static void test_fail_nth(void **state)
{
	void *p[5];
	size_t base = kv_mem_in_use(KV_MEM_OTHER);
	uint64_t count0 = kv_alloc_count();

	(void)state;
	for (long nth = 1; nth <= 5; nth++) {
		kv_alloc_fail_nth(nth);
		for (long i = 1; i <= 5; i++) {
			p[i - 1] = kv_malloc(KV_MEM_OTHER, (size_t)(16 * i));
			if (i == nth)
				assert_null(p[i - 1]);
			else
				assert_non_null(p[i - 1]);
		}
		assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), base + 16 * (15 - nth));
		for (long i = 1; i <= 5; i++)
			kv_free(KV_MEM_OTHER, p[i - 1], (size_t)(16 * i));
		assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), base);
	}
	kv_alloc_fail_nth(0);
	/* Failed attempts are counted too. */
	assert_int_equal(kv_alloc_count() - count0, 25);

	/* A failed realloc leaves the block and the counters untouched. */
	{
		char *q = kv_malloc(KV_MEM_OTHER, 8);
		assert_non_null(q);
		memcpy(q, "1234567", 8);
		kv_alloc_fail_nth(1);
		assert_null(kv_realloc(KV_MEM_OTHER, q, 8, 1 << 20));
		assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), base + 8);
		assert_string_equal(q, "1234567");
		/* Frees do not consume the countdown and still work. */
		kv_free(KV_MEM_OTHER, q, 8);
		assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), base);
	}

	/* Disabling: nothing fails. */
	kv_alloc_fail_nth(3);
	kv_alloc_fail_nth(0);
	for (int i = 0; i < 10; i++) {
		void *x = kv_malloc(KV_MEM_OTHER, 10);
		assert_non_null(x);
		kv_free(KV_MEM_OTHER, x, 10);
	}
}

/* A buffer operation under failure injection: KV_ENOMEM, then intact. */
static void test_buf_enomem(void **state)
{
	struct kv_buf b = { 0 };
	size_t base = kv_mem_in_use(KV_MEM_OTHER);

	(void)state;
	assert_int_equal(kv_buf_set(&b, "hello", 5), KV_OK);
	kv_alloc_fail_nth(1);
	assert_int_equal(kv_buf_reserve(&b, 1 << 20), KV_ENOMEM);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "hello", 5);
	kv_alloc_fail_nth(0);
	kv_buf_free(&b);
	assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), base);
}

static void test_buf(void **state)
{
	struct kv_buf b = { .component = KV_MEM_TABLE };
	size_t base = kv_mem_in_use(KV_MEM_TABLE);
	char chunk[100];

	(void)state;
	kv_buf_free(&b);
	for (int i = 0; i < 100; i++)
		chunk[i] = (char)i;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(kv_buf_append(&b, chunk, sizeof(chunk)), KV_OK);
	assert_int_equal(b.len, 100000);
	assert_true(b.cap >= b.len && b.cap < 2 * b.len + 64);
	assert_int_equal(kv_mem_in_use(KV_MEM_TABLE), base + b.cap);
	for (int i = 0; i < 1000; i++)
		assert_memory_equal(b.data + 100 * i, chunk, sizeof(chunk));
	assert_int_equal(kv_buf_set(&b, "ab", 2), KV_OK);
	assert_int_equal(kv_buf_slice(&b).len, 2);
	assert_int_equal(kv_buf_append(&b, NULL, 0), KV_OK);
	assert_int_equal(kv_buf_reserve(&b, SIZE_MAX), KV_ENOMEM);
	kv_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(kv_mem_in_use(KV_MEM_TABLE), base);
}

static void test_strings(void **state)
{
	size_t base = kv_mem_in_use(KV_MEM_OTHER);
	char *s, *t;

	(void)state;
	s = kv_strdup(KV_MEM_OTHER, "hello");
	assert_string_equal(s, "hello");
	assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), base + 6);
	t = kv_strndup(KV_MEM_OTHER, "hello world", 5);
	assert_string_equal(t, "hello");
	kv_strfree(KV_MEM_OTHER, s);
	kv_strfree(KV_MEM_OTHER, t);
	kv_strfree(KV_MEM_OTHER, NULL);
	t = kv_strndup(KV_MEM_OTHER, "ab", 10);
	assert_string_equal(t, "ab");
	kv_strfree(KV_MEM_OTHER, t);
	assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), base);
	kv_alloc_fail_nth(1);
	assert_null(kv_strdup(KV_MEM_OTHER, "x"));
	kv_alloc_fail_nth(0);
	assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), base);
}

static void test_component_names(void **state)
{
	(void)state;
	assert_string_equal(kv_mem_component_name(KV_MEM_OTHER), "other");
	assert_string_equal(kv_mem_component_name(KV_MEM_MEMTABLE), "memtable");
	assert_string_equal(kv_mem_component_name(KV_MEM_COMPACTION), "compaction");
	for (int c = 0; c < KV_MEM__COUNT; c++) {
		assert_non_null(kv_mem_component_name((enum kv_mem_component)c));
		for (int d = 0; d < c; d++)
			assert_string_not_equal(kv_mem_component_name((enum kv_mem_component)c),
						kv_mem_component_name((enum kv_mem_component)d));
	}
	assert_string_equal(kv_mem_component_name(KV_MEM__COUNT), "unknown");
}

struct counting_hook {
	int calls;
	int frees;
};

static void *counting_fn(void *ud, void *ptr, size_t old_size, size_t new_size)
{
	struct counting_hook *h = ud;
	static char arena[4][64];
	static int next;

	(void)old_size;
	h->calls++;
	if (new_size == 0) {
		h->frees++;
		return NULL;
	}
	if (new_size > 64 || ptr)
		return NULL;
	return arena[next++ % 4];
}

static void test_custom_hook(void **state)
{
	struct counting_hook h = { 0 };
	size_t base = kv_mem_in_use(KV_MEM_DEVICE);
	void *p;

	(void)state;
	kv_alloc_set_hook(counting_fn, &h);
	p = kv_malloc(KV_MEM_DEVICE, 32);
	assert_non_null(p);
	assert_null(kv_malloc(KV_MEM_DEVICE, 1000));
	assert_int_equal(kv_mem_in_use(KV_MEM_DEVICE), base + 32);
	/* Failure injection stacks on top of a custom hook. */
	kv_alloc_fail_nth(1);
	assert_null(kv_malloc(KV_MEM_DEVICE, 8));
	kv_alloc_fail_nth(0);
	kv_free(KV_MEM_DEVICE, p, 32);
	assert_int_equal(h.calls, 3);
	assert_int_equal(h.frees, 1);
	kv_alloc_set_hook(NULL, NULL);
	assert_int_equal(kv_mem_in_use(KV_MEM_DEVICE), base);
	p = kv_malloc(KV_MEM_DEVICE, 1000);
	assert_non_null(p);
	kv_free(KV_MEM_DEVICE, p, 1000);
	assert_int_equal(h.calls, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accounting),
		cmocka_unit_test(test_raw_hook_semantics),
		cmocka_unit_test(test_peaks),
		cmocka_unit_test(test_fail_nth),
		cmocka_unit_test(test_buf_enomem),
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_component_names),
		cmocka_unit_test(test_custom_hook),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
