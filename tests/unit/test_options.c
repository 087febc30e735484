/*
 * tests/unit/test_options.c - option tables, configs and the value syntax.
 */
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/options.h"

struct opts {
	int64_t level0_files;
	uint64_t block_size;
	uint64_t flush_interval_ns;
	double bloom_bits;
	bool verify;
	int wal_sync;
	char name[KV_OPT_STRING_BYTES];
	int64_t any_int;
};

static const char *const sync_choices[] = { "none", "always", "bytes", NULL };

static const struct kv_option table[] = {
	{ .name = "level0_files", .type = KV_OPT_INT, .def = "4", .min = -10, .max = 1e6,
	  .unit = "files", .doc = "L0 trigger", .offset = offsetof(struct opts, level0_files) },
	{ .name = "block_size", .type = KV_OPT_BYTES, .def = "4KiB", .min = 256, .max = 1048576,
	  .unit = "bytes", .doc = "block", .offset = offsetof(struct opts, block_size) },
	{ .name = "flush_interval", .type = KV_OPT_DURATION, .def = "1s", .min = 0, .max = 864e11,
	  .unit = "ns", .doc = "flush", .offset = offsetof(struct opts, flush_interval_ns) },
	{ .name = "bloom_bits", .type = KV_OPT_DOUBLE, .def = "10", .min = 0, .max = 64,
	  .unit = "bits/key", .doc = "bloom", .offset = offsetof(struct opts, bloom_bits) },
	{ .name = "verify", .type = KV_OPT_BOOL, .def = "off", .doc = "verify",
	  .offset = offsetof(struct opts, verify) },
	{ .name = "wal_sync", .type = KV_OPT_ENUM, .def = "bytes", .choices = sync_choices,
	  .doc = "sync", .offset = offsetof(struct opts, wal_sync) },
	{ .name = "name", .type = KV_OPT_STRING, .def = "lsm", .doc = "name",
	  .offset = offsetof(struct opts, name) },
	{ .name = "any_int", .type = KV_OPT_INT, .def = NULL, .doc = "unbounded",
	  .offset = offsetof(struct opts, any_int) },
	{ .name = NULL },
};

static const struct kv_option other_table[] = {
	{ .name = "cache_size", .type = KV_OPT_BYTES, .def = "8MiB", .min = 0, .max = 1e12,
	  .unit = "bytes", .offset = 0 },
	{ .name = NULL },
};

static void expect_bytes(const char *s, uint64_t want)
{
	uint64_t v = 0;

	if (kv_parse_bytes(s, &v) != KV_OK)
		fail_msg("kv_parse_bytes('%s') failed", s);
	if (v != want)
		fail_msg("kv_parse_bytes('%s') = %llu, want %llu", s, (unsigned long long)v,
			 (unsigned long long)want);
}

static void expect_bad_bytes(const char *s)
{
	uint64_t v = 12345;

	if (kv_parse_bytes(s, &v) != KV_EINVAL)
		fail_msg("kv_parse_bytes('%s') accepted (%llu)", s, (unsigned long long)v);
	assert_int_equal(v, 12345);
}

static void test_parse_bytes(void **state)
{
	(void)state;
	expect_bytes("0", 0);
	expect_bytes("4096", 4096);
	expect_bytes("4MiB", 4ULL << 20);
	expect_bytes("4M", 4ULL << 20);
	expect_bytes("4mb", 4000000);
	expect_bytes("4MB", 4000000);
	expect_bytes("4 MiB", 4ULL << 20);
	expect_bytes(" 4k ", 4096);
	expect_bytes("4K", 4096);
	expect_bytes("4KB", 4000);
	expect_bytes("4KiB", 4096);
	expect_bytes("2G", 2ULL << 30);
	expect_bytes("2GB", 2000000000ULL);
	expect_bytes("1T", 1ULL << 40);
	expect_bytes("1e6", 1000000);
	expect_bytes("1.5e3", 1500);
	expect_bytes("0x10", 16);
	expect_bytes("0x10K", 16384);
	expect_bytes("1.5KiB", 1536);
	expect_bytes("0.5M", 512 * 1024);
	expect_bytes("18446744073709551615", UINT64_MAX);
	expect_bytes("16383PiB", 16383ULL << 50);
	expect_bytes("+7", 7);
	expect_bad_bytes("");
	expect_bad_bytes("   ");
	expect_bad_bytes("-1");
	expect_bad_bytes("-1K");
	expect_bad_bytes("abc");
	expect_bad_bytes("12x");
	expect_bad_bytes("12 KiB x");
	expect_bad_bytes("4MiBs");
	expect_bad_bytes("1.5");
	expect_bad_bytes("18446744073709551616");
	expect_bad_bytes("16384PiB");
	expect_bad_bytes("1e30");
	expect_bad_bytes("0x");
	expect_bad_bytes("0xfffffffffffffffff");
	expect_bad_bytes("inf");
	expect_bad_bytes("nan");
	expect_bad_bytes("4ms");
	expect_bad_bytes(NULL);
}

static void expect_dur(const char *s, uint64_t want)
{
	uint64_t v = 0;

	if (kv_parse_duration_ns(s, &v) != KV_OK)
		fail_msg("kv_parse_duration_ns('%s') failed", s);
	if (v != want)
		fail_msg("kv_parse_duration_ns('%s') = %llu, want %llu", s, (unsigned long long)v,
			 (unsigned long long)want);
}

static void test_parse_duration(void **state)
{
	uint64_t v;

	(void)state;
	expect_dur("0", 0);
	expect_dur("100", 100);
	expect_dur("100ns", 100);
	expect_dur("10us", 10000);
	expect_dur("10ms", 10000000);
	expect_dur("1.5s", 1500000000);
	expect_dur("2min", 120000000000ULL);
	expect_dur("1h", 3600000000000ULL);
	expect_dur("1d", 86400000000000ULL);
	expect_dur("0.25ms", 250000);
	expect_dur("1e3ms", 1000000000);
	expect_dur("0x10s", 16000000000ULL);
	assert_int_equal(kv_parse_duration_ns("-1s", &v), KV_EINVAL);
	assert_int_equal(kv_parse_duration_ns("1 fortnight", &v), KV_EINVAL);
	assert_int_equal(kv_parse_duration_ns("1.5ns", &v), KV_EINVAL);
	assert_int_equal(kv_parse_duration_ns("1000000000d", &v), KV_EINVAL);
	assert_int_equal(kv_parse_duration_ns("1sec", &v), KV_EINVAL);
	assert_int_equal(kv_parse_duration_ns("s", &v), KV_EINVAL);
}

static void test_parse_double_bool(void **state)
{
	double d;
	bool b;
	static const char *const yes[] = { "true", "TRUE", "yes", "on", "1", " On ", NULL };
	static const char *const no[] = { "false", "no", "OFF", "0", NULL };

	(void)state;
	assert_int_equal(kv_parse_double("3.25", &d), KV_OK);
	assert_true(d == 3.25);
	assert_int_equal(kv_parse_double("-1e-3", &d), KV_OK);
	assert_true(d == -1e-3);
	assert_int_equal(kv_parse_double(" 7 ", &d), KV_OK);
	assert_true(d == 7);
	assert_int_equal(kv_parse_double("0x10", &d), KV_OK);
	assert_true(d == 16);
	assert_int_equal(kv_parse_double("", &d), KV_EINVAL);
	assert_int_equal(kv_parse_double("1.5x", &d), KV_EINVAL);
	assert_int_equal(kv_parse_double("nan", &d), KV_EINVAL);
	assert_int_equal(kv_parse_double("inf", &d), KV_EINVAL);
	assert_int_equal(kv_parse_double("1e999", &d), KV_EINVAL);
	for (int i = 0; yes[i]; i++) {
		b = false;
		assert_int_equal(kv_parse_bool(yes[i], &b), KV_OK);
		assert_true(b);
	}
	for (int i = 0; no[i]; i++) {
		b = true;
		assert_int_equal(kv_parse_bool(no[i], &b), KV_OK);
		assert_false(b);
	}
	assert_int_equal(kv_parse_bool("maybe", &b), KV_EINVAL);
	assert_int_equal(kv_parse_bool("", &b), KV_EINVAL);
	assert_int_equal(kv_parse_bool("2", &b), KV_EINVAL);
	assert_int_equal(kv_parse_bool("truex", &b), KV_EINVAL);
}

static void expect_parse_error(const char *name, const char *value, const char *substr)
{
	const struct kv_option *o = kv_option_find(table, name);
	char out[KV_OPT_STRING_BYTES];
	struct kv_err err;

	assert_non_null(o);
	kv_err_clear(&err);
	if (kv_option_parse(o, value, out, &err) != KV_EINVAL)
		fail_msg("option %s accepted '%s'", name, value);
	assert_int_equal(err.code, KV_EINVAL);
	if (!strstr(kv_err_msg(&err), substr))
		fail_msg("message '%s' lacks '%s'", kv_err_msg(&err), substr);
}

static void test_option_parse_each_type(void **state)
{
	struct kv_err err;
	int64_t i;
	uint64_t u;
	double d;
	bool b;
	int e;
	char s[KV_OPT_STRING_BYTES];
	char big[400];

	(void)state;
	kv_err_clear(&err);
	assert_int_equal(kv_option_parse(kv_option_find(table, "level0_files"), "-10", &i, &err),
			 KV_OK);
	assert_int_equal(i, -10);
	assert_int_equal(kv_option_parse(kv_option_find(table, "level0_files"), "1e6", &i, &err),
			 KV_OK);
	assert_int_equal(i, 1000000);
	assert_int_equal(kv_option_parse(kv_option_find(table, "any_int"),
					 "-9223372036854775808", &i, &err), KV_OK);
	assert_true(i == INT64_MIN);
	assert_int_equal(kv_option_parse(kv_option_find(table, "any_int"),
					 "9223372036854775807", &i, &err), KV_OK);
	assert_true(i == INT64_MAX);
	assert_int_equal(kv_option_parse(kv_option_find(table, "any_int"), "-0x10", &i, &err),
			 KV_OK);
	assert_int_equal(i, -16);
	assert_int_equal(kv_option_parse(kv_option_find(table, "block_size"), "256", &u, &err),
			 KV_OK);
	assert_int_equal(u, 256);
	assert_int_equal(kv_option_parse(kv_option_find(table, "block_size"), "1MiB", &u, &err),
			 KV_OK);
	assert_int_equal(u, 1048576);
	assert_int_equal(kv_option_parse(kv_option_find(table, "flush_interval"), "10ms", &u,
					 &err), KV_OK);
	assert_int_equal(u, 10000000);
	assert_int_equal(kv_option_parse(kv_option_find(table, "bloom_bits"), "9.5", &d, &err),
			 KV_OK);
	assert_true(d == 9.5);
	assert_int_equal(kv_option_parse(kv_option_find(table, "verify"), "yes", &b, &err), KV_OK);
	assert_true(b);
	assert_int_equal(kv_option_parse(kv_option_find(table, "wal_sync"), "always", &e, &err),
			 KV_OK);
	assert_int_equal(e, 1);
	assert_int_equal(kv_option_parse(kv_option_find(table, "wal_sync"), "NONE", &e, &err),
			 KV_OK);
	assert_int_equal(e, 0);
	assert_int_equal(kv_option_parse(kv_option_find(table, "name"), "x y", s, &err), KV_OK);
	assert_string_equal(s, "x y");
	memset(big, 'a', KV_OPT_STRING_BYTES - 1);
	big[KV_OPT_STRING_BYTES - 1] = '\0';
	assert_int_equal(kv_option_parse(kv_option_find(table, "name"), big, s, &err), KV_OK);
	assert_int_equal(strlen(s), KV_OPT_STRING_BYTES - 1);
	assert_int_equal(err.code, KV_OK);

	/* Error messages name the option, the value and the allowed range. */
	expect_parse_error("block_size", "12",
			   "option 'block_size': value '12' is out of range; expected "
			   "256..1048576 bytes");
	expect_parse_error("block_size", "2MiB", "expected 256..1048576 bytes");
	expect_parse_error("block_size", "-4K", "'-4K'");
	expect_parse_error("block_size", "-4K", "256..1048576 bytes");
	expect_parse_error("block_size", "4 bananas", "option 'block_size'");
	expect_parse_error("level0_files", "-11", "expected -10..1000000 files");
	expect_parse_error("level0_files", "1.5", "option 'level0_files'");
	expect_parse_error("level0_files", "3x", "'3x'");
	expect_parse_error("any_int", "9223372036854775808", "option 'any_int'");
	expect_parse_error("any_int", "-9223372036854775809", "option 'any_int'");
	expect_parse_error("flush_interval", "2d", "expected 0..86400000000000 ns");
	expect_parse_error("flush_interval", "-1s", "option 'flush_interval'");
	expect_parse_error("bloom_bits", "65", "expected 0..64 bits/key");
	expect_parse_error("bloom_bits", "-0.5", "out of range");
	expect_parse_error("bloom_bits", "ten", "'ten'");
	expect_parse_error("verify", "maybe", "option 'verify': 'maybe' is not a boolean");
	expect_parse_error("wal_sync", "sometimes",
			   "option 'wal_sync': 'sometimes' is not one of none|always|bytes");
	expect_parse_error("wal_sync", "", "is not one of");
	big[KV_OPT_STRING_BYTES - 1] = 'a';
	big[KV_OPT_STRING_BYTES] = '\0';
	expect_parse_error("name", big, "option 'name'");
	expect_parse_error("name", big, "too long");
}

static void test_config(void **state)
{
	size_t base = kv_mem_in_use(KV_MEM_OTHER);
	struct kv_config *cfg, *copy;
	const char *n, *v;
	char name[32], value[32];

	(void)state;
	cfg = kv_config_new();
	assert_non_null(cfg);
	assert_int_equal(kv_config_count(cfg), 0);
	assert_null(kv_config_get(cfg, "a"));
	assert_int_equal(kv_config_set(cfg, "b", "1"), KV_OK);
	assert_int_equal(kv_config_set(cfg, "a", "2"), KV_OK);
	assert_int_equal(kv_config_set(cfg, "b", "3"), KV_OK);
	assert_int_equal(kv_config_count(cfg), 2);
	kv_config_entry(cfg, 0, &n, &v);
	assert_string_equal(n, "b");
	assert_string_equal(v, "3");
	kv_config_entry(cfg, 1, &n, &v);
	assert_string_equal(n, "a");
	assert_string_equal(v, "2");
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "key%d", i);
		snprintf(value, sizeof(value), "%d", i * 7);
		assert_int_equal(kv_config_set(cfg, name, value), KV_OK);
	}
	assert_int_equal(kv_config_count(cfg), 102);
	assert_string_equal(kv_config_get(cfg, "key57"), "399");
	copy = kv_config_dup(cfg);
	assert_non_null(copy);
	kv_config_free(cfg);
	assert_int_equal(kv_config_count(copy), 102);
	kv_config_entry(copy, 101, &n, &v);
	assert_string_equal(n, "key99");
	assert_string_equal(v, "693");

	/* ENOMEM leaves the config unchanged. */
	for (long nth = 1; nth <= 3; nth++) {
		kv_alloc_fail_nth(nth);
		int rc = kv_config_set(copy, "fresh", "v");
		kv_alloc_fail_nth(0);
		if (rc == KV_OK) {
			assert_string_equal(kv_config_get(copy, "fresh"), "v");
			break;
		}
		assert_int_equal(rc, KV_ENOMEM);
		assert_null(kv_config_get(copy, "fresh"));
		assert_int_equal(kv_config_count(copy), 102);
	}
	kv_config_free(copy);
	kv_config_free(NULL);
	assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), base);
}

static void test_load(void **state)
{
	struct kv_config *cfg = kv_config_new();
	struct kv_err err;
	struct opts o;

	(void)state;
	memset(&o, 0xff, sizeof(o));
	assert_int_equal(kv_options_load(table, cfg, &o, &err), KV_OK);
	assert_int_equal(o.level0_files, 4);
	assert_int_equal(o.block_size, 4096);
	assert_int_equal(o.flush_interval_ns, 1000000000);
	assert_true(o.bloom_bits == 10);
	assert_false(o.verify);
	assert_int_equal(o.wal_sync, 2);
	assert_string_equal(o.name, "lsm");
	assert_int_equal(o.any_int, 0);

	assert_int_equal(kv_config_set(cfg, "block_size", "64KiB"), KV_OK);
	assert_int_equal(kv_config_set(cfg, "verify", "on"), KV_OK);
	assert_int_equal(kv_config_set(cfg, "wal_sync", "none"), KV_OK);
	assert_int_equal(kv_config_set(cfg, "name", "mine"), KV_OK);
	assert_int_equal(kv_config_set(cfg, "unknown_key", "ignored by load"), KV_OK);
	assert_int_equal(kv_options_load(table, cfg, &o, &err), KV_OK);
	assert_int_equal(o.block_size, 65536);
	assert_true(o.verify);
	assert_int_equal(o.wal_sync, 0);
	assert_string_equal(o.name, "mine");
	assert_int_equal(o.level0_files, 4);

	assert_int_equal(kv_config_set(cfg, "block_size", "12"), KV_OK);
	assert_int_equal(kv_options_load(table, cfg, &o, &err), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&err), "block_size"));
	kv_config_free(cfg);
}

static void test_check(void **state)
{
	const struct kv_option *const tables[] = { table, other_table, NULL };
	struct kv_config *cfg = kv_config_new();
	struct kv_err err;

	(void)state;
	assert_int_equal(kv_config_check(cfg, tables, &err), KV_OK);
	assert_int_equal(kv_config_set(cfg, "block_size", "8KiB"), KV_OK);
	assert_int_equal(kv_config_set(cfg, "cache_size", "1GiB"), KV_OK);
	assert_int_equal(kv_config_check(cfg, tables, &err), KV_OK);

	assert_int_equal(kv_config_set(cfg, "blok_size", "8KiB"), KV_OK);
	assert_int_equal(kv_config_check(cfg, tables, &err), KV_EINVAL);
	assert_string_equal(kv_err_msg(&err),
			    "unknown option 'blok_size' (did you mean 'block_size'?)");
	kv_config_free(cfg);

	cfg = kv_config_new();
	assert_int_equal(kv_config_set(cfg, "cahce_size", "1"), KV_OK); /* transposition */
	assert_int_equal(kv_config_check(cfg, tables, &err), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&err), "did you mean 'cache_size'"));
	kv_config_free(cfg);

	cfg = kv_config_new();
	assert_int_equal(kv_config_set(cfg, "bloom", "1"), KV_OK); /* prefix */
	assert_int_equal(kv_config_check(cfg, tables, &err), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&err), "did you mean 'bloom_bits'"));
	kv_config_free(cfg);

	cfg = kv_config_new();
	assert_int_equal(kv_config_set(cfg, "zzzzzzzz", "1"), KV_OK);
	assert_int_equal(kv_config_check(cfg, tables, &err), KV_EINVAL);
	assert_string_equal(kv_err_msg(&err), "unknown option 'zzzzzzzz'");
	kv_config_free(cfg);

	cfg = kv_config_new();
	assert_int_equal(kv_config_set(cfg, "cache_size", "-1"), KV_OK);
	assert_int_equal(kv_config_check(cfg, tables, &err), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&err), "option 'cache_size'"));
	kv_config_free(cfg);
}

static void expect_format(const char *name, const char *value, const char *want)
{
	const struct kv_option *o = kv_option_find(table, name);
	char store[KV_OPT_STRING_BYTES], store2[KV_OPT_STRING_BYTES], buf[300];
	struct kv_err err;

	assert_int_equal(kv_option_parse(o, value, store, &err), KV_OK);
	kv_option_format(o, store, buf, sizeof(buf));
	assert_string_equal(buf, want);
	/* The formatted value parses back to the same stored value. */
	memset(store2, 0, sizeof(store2));
	assert_int_equal(kv_option_parse(o, buf, store2, &err), KV_OK);
	kv_option_format(o, store2, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_format_describe(void **state)
{
	char buf[200];

	(void)state;
	expect_format("block_size", "4096", "4KiB");
	expect_format("block_size", "1000", "1000");
	expect_format("block_size", "1MiB", "1MiB");
	expect_format("flush_interval", "1500ms", "1500ms");
	expect_format("flush_interval", "120s", "2min");
	expect_format("flush_interval", "0", "0");
	expect_format("flush_interval", "7", "7ns");
	expect_format("level0_files", "-3", "-3");
	expect_format("bloom_bits", "9.5", "9.5");
	expect_format("bloom_bits", "0.1", "0.1");
	expect_format("verify", "1", "true");
	expect_format("wal_sync", "Always", "always");
	expect_format("name", "hello", "hello");

	kv_option_describe_range(kv_option_find(table, "block_size"), buf, sizeof(buf));
	assert_string_equal(buf, "256..1048576 bytes");
	kv_option_describe_range(kv_option_find(table, "wal_sync"), buf, sizeof(buf));
	assert_string_equal(buf, "one of none|always|bytes");
	kv_option_describe_range(kv_option_find(table, "verify"), buf, sizeof(buf));
	assert_string_equal(buf, "true|false");
	kv_option_describe_range(kv_option_find(table, "any_int"), buf, sizeof(buf));
	assert_string_equal(buf, "any integer");
	/* Truncation is safe. */
	kv_option_describe_range(kv_option_find(table, "block_size"), buf, 5);
	assert_string_equal(buf, "256.");
}

static void test_find(void **state)
{
	(void)state;
	assert_ptr_equal(kv_option_find(table, "verify"), &table[4]);
	assert_null(kv_option_find(table, "verif"));
	assert_null(kv_option_find(table, ""));
	assert_null(kv_option_find(NULL, "verify"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_bytes),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_parse_double_bool),
		cmocka_unit_test(test_option_parse_each_type),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_format_describe),
		cmocka_unit_test(test_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
