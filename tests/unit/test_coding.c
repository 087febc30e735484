/*
 * tests/unit/test_coding.c - fixed-width and varint encodings, zigzag.
 */
#include "tests/testutil.h"

#include <string.h>

#include "core/coding.h"
#include "core/rng.h"

static void test_fixed(void **state)
{
	char buf[8];

	(void)state;
	kv_put_u16(buf, 0x1234);
	assert_memory_equal(buf, "\x34\x12", 2);
	assert_int_equal(kv_get_u16(buf), 0x1234);
	kv_put_u32(buf, 0xdeadbeef);
	assert_memory_equal(buf, "\xef\xbe\xad\xde", 4);
	assert_true(kv_get_u32(buf) == 0xdeadbeef);
	kv_put_u64(buf, 0x0102030405060708ULL);
	assert_memory_equal(buf, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
	assert_true(kv_get_u64(buf) == 0x0102030405060708ULL);
	kv_put_u64(buf, UINT64_MAX);
	assert_true(kv_get_u64(buf) == UINT64_MAX);
	kv_put_u16(buf, 0xffff);
	assert_int_equal(kv_get_u16(buf), 0xffff);
	kv_put_u32(buf, 0x80000000u);
	assert_true(kv_get_u32(buf) == 0x80000000u);
}

static void roundtrip(uint64_t v)
{
	char buf[KV_VARINT64_MAX + 4];
	char *end = kv_put_varint64(buf, v);
	const char *p;
	uint64_t got = ~v;
	int len = (int)(end - buf);

	assert_int_equal(len, kv_varint_len(v));
	assert_true(len >= 1 && len <= KV_VARINT64_MAX);
	p = kv_get_varint64(buf, end, &got);
	assert_ptr_equal(p, end);
	assert_true(got == v);
	/* Every strict prefix is truncated. */
	for (int cut = 0; cut < len; cut++)
		assert_null(kv_get_varint64(buf, buf + cut, &got));
	/* varint32 accepts exactly the values that fit. */
	{
		uint32_t g32 = 0;
		p = kv_get_varint32(buf, end, &g32);
		if (v <= UINT32_MAX) {
			assert_ptr_equal(p, end);
			assert_true(g32 == v);
		} else {
			assert_null(p);
		}
	}
}

static void test_varint(void **state)
{
	struct kv_rng r;

	(void)state;
	for (int bits = 0; bits <= 64; bits++) {
		uint64_t v = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
		roundtrip(v);
		if (bits < 64)
			roundtrip(1ULL << bits);
	}
	roundtrip(0);
	roundtrip(127);
	roundtrip(128);
	roundtrip(UINT32_MAX);
	roundtrip((uint64_t)UINT32_MAX + 1);
	kv_rng_seed(&r, tu_seed(3));
	for (int i = 0; i < 100000; i++)
		roundtrip(kv_rng_next(&r) >> kv_rng_below(&r, 64));
	assert_int_equal(kv_varint_len(0), 1);
	assert_int_equal(kv_varint_len(127), 1);
	assert_int_equal(kv_varint_len(128), 2);
	assert_int_equal(kv_varint_len(UINT64_MAX), 10);
}

static void test_varint_bad(void **state)
{
	char buf[16];
	uint64_t v;

	(void)state;
	/* Empty input. */
	assert_null(kv_get_varint64(buf, buf, &v));
	/* Eleven continuation bytes: over-long. */
	memset(buf, 0x80, sizeof(buf));
	assert_null(kv_get_varint64(buf, buf + sizeof(buf), &v));
	/* Ten bytes, the last still continuing. */
	buf[10] = 0x00;
	assert_null(kv_get_varint64(buf, buf + 11, &v));
	/* Ten bytes whose last byte overflows 64 bits. */
	memset(buf, 0xff, 9);
	buf[9] = 0x02;
	assert_null(kv_get_varint64(buf, buf + 10, &v));
	buf[9] = 0x01;
	assert_non_null(kv_get_varint64(buf, buf + 10, &v));
	assert_true(v == UINT64_MAX);
	/* Decoding stops at the first complete value and never reads past limit. */
	buf[0] = 0x05;
	buf[1] = (char)0x80;
	assert_ptr_equal(kv_get_varint64(buf, buf + 2, &v), buf + 1);
	assert_int_equal(v, 5);
	assert_null(kv_get_varint64(buf + 1, buf + 2, &v));
	/* varint32 rejects 2^32. */
	{
		uint32_t v32;
		char *end = kv_put_varint64(buf, 1ULL << 32);
		assert_null(kv_get_varint32(buf, end, &v32));
	}
}

static void test_zigzag(void **state)
{
	struct kv_rng r;

	(void)state;
	assert_true(kv_zigzag(0) == 0);
	assert_true(kv_zigzag(-1) == 1);
	assert_true(kv_zigzag(1) == 2);
	assert_true(kv_zigzag(-2) == 3);
	assert_true(kv_zigzag(INT64_MAX) == UINT64_MAX - 1);
	assert_true(kv_zigzag(INT64_MIN) == UINT64_MAX);
	assert_true(kv_unzigzag(UINT64_MAX) == INT64_MIN);
	assert_true(kv_unzigzag(3) == -2);
	kv_rng_seed(&r, 11);
	for (int i = 0; i < 100000; i++) {
		int64_t v = (int64_t)(kv_rng_next(&r) >> kv_rng_below(&r, 64));
		if (i & 1)
			v = -v;
		assert_true(kv_unzigzag(kv_zigzag(v)) == v);
		/* Small magnitudes encode small. */
		assert_true(kv_zigzag(v) <= 2 * (uint64_t)(v < 0 ? -(v + 1) : v) + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_varint),
		cmocka_unit_test(test_varint_bad),
		cmocka_unit_test(test_zigzag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
