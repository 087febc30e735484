/*
 * tests/unit/test_ssd_device.c - devices/ssd.c: timing identities, data
 * round trip, extent allocation, TRIM on delete/truncate and with discard
 * off, determinism of counters and clock, presets and option overrides.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tests/testutil.h"

#include "core/alloc.h"
#include "core/rng.h"
#include "devices/nand_timing.h"
#include "devices/ssd.h"

static struct kv_device *open_ssd(const char *const *kv)
{
	struct kv_config *cfg = kv_config_new();
	struct kv_device *dev = NULL;
	struct kv_err err;

	assert_non_null(cfg);
	assert_int_equal(kv_config_set(cfg, "preset", "tiny"), KV_OK);
	for (size_t i = 0; kv && kv[i]; i += 2)
		assert_int_equal(kv_config_set(cfg, kv[i], kv[i + 1]), KV_OK);
	if (kv_dev_open(&kv_ssd_device_ops, cfg, NULL, &dev, &err) != KV_OK)
		fail_msg("open ssd: %s", kv_err_msg(&err));
	kv_config_free(cfg);
	return dev;
}

static void ok(struct kv_device *dev, int rc)
{
	if (rc != KV_OK)
		fail_msg("rc %d: %s", rc, kv_dev_errmsg(dev));
}

static void test_presets_and_overrides(void **state)
{
	struct kv_ssd_params p;
	struct kv_config *cfg = kv_config_new();
	struct kv_err err;

	(void)state;
	assert_int_equal(kv_ssd_params_load(NULL, &p, &err), KV_OK);
	assert_int_equal(p.preset, KV_SSD_CLIENT);
	assert_true(p.op == 0.07);
	assert_int_equal(kv_config_set(cfg, "preset", "enterprise"), KV_OK);
	assert_int_equal(kv_ssd_params_load(cfg, &p, &err), KV_OK);
	assert_true(p.op == 0.28);
	assert_int_equal(p.channels, 16);
	/* An explicit option beats the preset. */
	assert_int_equal(kv_config_set(cfg, "op", "0.5"), KV_OK);
	assert_int_equal(kv_config_set(cfg, "t_prog", "1ms"), KV_OK);
	assert_int_equal(kv_ssd_params_load(cfg, &p, &err), KV_OK);
	assert_true(p.op == 0.5);
	assert_int_equal(p.t_prog_ns, 1000000);
	assert_int_equal(p.channels, 16);
	/* OP definition: logical = physical / (1 + OP). */
	assert_int_equal(kv_ssd_logical_units(&p),
			 (uint64_t)((double)kv_ssd_physical_units(&p) / 1.5));
	/* Bad combinations are rejected naming the parameter. */
	assert_int_equal(kv_config_set(cfg, "unit_size", "3000"), KV_OK);
	assert_int_equal(kv_ssd_params_load(cfg, &p, &err), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&err), "unit_size"));
	assert_int_equal(kv_config_set(cfg, "unit_size", "4KiB"), KV_OK);
	assert_int_equal(kv_config_set(cfg, "op", "0.001"), KV_OK);
	assert_int_equal(kv_ssd_params_load(cfg, &p, &err), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&err), "spare"));
	kv_config_free(cfg);
}

/* A single 4 KiB read on an idle device takes cmd_overhead + tR + channel + host transfer. */
static void test_read_latency_identity(void **state)
{
	struct kv_device *dev = open_ssd(NULL);
	const struct kv_ssd_params *p = kv_ssd_device_params(dev);
	struct kv_file *f;
	char buf[4096], back[4096];
	uint64_t t0, expect;

	(void)state;
	memset(buf, 'x', sizeof(buf));
	ok(dev, kv_dev_create(dev, "a", KV_FILE_SST, &f));
	ok(dev, kv_dev_append(f, buf, sizeof(buf)));
	ok(dev, kv_dev_sync(f));
	t0 = kv_dev_now_ns(dev);
	ok(dev, kv_dev_read(f, 0, back, sizeof(back)));
	expect = p->cmd_overhead_ns + p->t_read_ns + kv_xfer_ns(4096, p->channel_bandwidth) +
		 kv_xfer_ns(4096, p->host_bandwidth);
	printf("  4 KiB read: %" PRIu64 " ns (expected %" PRIu64 ")\n", kv_dev_now_ns(dev) - t0,
	       expect);
	assert_int_equal(kv_dev_now_ns(dev) - t0, expect);
	assert_memory_equal(buf, back, sizeof(buf));
	/* A read of a unit still in the write buffer needs no NAND read. */
	ok(dev, kv_dev_append(f, buf, 100));
	t0 = kv_dev_now_ns(dev);
	ok(dev, kv_dev_read(f, 4096, back, 100));
	assert_int_equal(kv_dev_now_ns(dev) - t0, p->cmd_overhead_ns + kv_xfer_ns(100,
										  p->host_bandwidth));
	kv_dev_close_file(f);
	kv_dev_close(dev);
}

/* Sequential write bandwidth = lanes x page / tPROG within 5 %. */
static void seq_bandwidth(const char *planes)
{
	const char *const kv[] = { "planes_per_die", planes, NULL };
	struct kv_device *dev = open_ssd(kv);
	const struct kv_ssd_params *p = kv_ssd_device_params(dev);
	size_t chunk = 64 << 10, total = 24u << 20;
	char *buf = kv_malloc(KV_MEM_OTHER, chunk);
	struct kv_file *f;
	uint64_t t0, t1;
	double measured, expected;

	memset(buf, 7, chunk);
	ok(dev, kv_dev_create(dev, "seq", KV_FILE_SST, &f));
	t0 = kv_dev_now_ns(dev);
	for (size_t done = 0; done < total; done += chunk)
		ok(dev, kv_dev_append(f, buf, chunk));
	ok(dev, kv_dev_sync(f));
	t1 = kv_dev_now_ns(dev);
	measured = (double)total * 1e9 / (double)(t1 - t0);
	expected = (double)kv_ssd_lanes(p) * (double)p->page_size * 1e9 / (double)p->t_prog_ns;
	printf("  sequential write, %s plane(s)/die: %.1f MB/s (expected %.1f MB/s)\n", planes,
	       measured / 1e6, expected / 1e6);
	assert_true(measured > expected * 0.95 && measured < expected * 1.05);
	kv_dev_close_file(f);
	kv_free(KV_MEM_OTHER, buf, chunk);
	kv_dev_close(dev);
}

static void test_sequential_bandwidth(void **state)
{
	(void)state;
	seq_bandwidth("1");
	seq_bandwidth("2");
}

/* Random overwrites, appends, gaps and truncates read back exactly, across GC. */
static void test_round_trip_under_gc(void **state)
{
	struct kv_device *dev = open_ssd(NULL);
	size_t cap = 8u << 20;
	char *model = kv_calloc(KV_MEM_OTHER, cap), *buf = kv_malloc(KV_MEM_OTHER, 1u << 20);
	size_t len = 0;
	struct kv_rng r;
	struct kv_file *f;
	uint64_t seed = tu_seed(11);
	struct kv_ssd_counters c;

	(void)state;
	kv_rng_seed(&r, seed);
	ok(dev, kv_dev_create(dev, "data", KV_FILE_BTREE_PAGE, &f));
	for (int op = 0; op < 3000; op++) {
		uint64_t pick = kv_rng_below(&r, 10);
		size_t n = (size_t)kv_rng_below(&r, 64 << 10), off;
		if (pick < 6) {
			off = (size_t)kv_rng_below(&r, len + 8192);
			if (off + n > cap)
				n = cap - off;
			kv_rng_fill(&r, buf, n);
			ok(dev, kv_dev_write(f, off, buf, n));
			if (n && off > len)
				memset(model + len, 0, off - len);
			memcpy(model + off, buf, n);
			if (n && off + n > len)
				len = off + n;
		} else if (pick < 9) {
			off = (size_t)kv_rng_below(&r, len + 1);
			if (n > len - off)
				n = len - off;
			ok(dev, kv_dev_read(f, off, buf, n));
			if (memcmp(buf, model + off, n) != 0)
				fail_msg("op %d: read at %zu+%zu differs, seed=%" PRIu64, op, off, n,
					 seed);
		} else {
			size_t nl = (size_t)kv_rng_below(&r, cap);
			ok(dev, kv_dev_truncate(f, nl));
			if (nl > len)
				memset(model + len, 0, nl - len);
			len = nl;
		}
		if (op % 50 == 0)
			ok(dev, kv_dev_sync(f));
	}
	ok(dev, kv_dev_read(f, 0, buf, len < (1u << 20) ? len : (1u << 20)));
	assert_memory_equal(buf, model, len < (1u << 20) ? len : (1u << 20));
	kv_ssd_device_counters(dev, &c);
	assert_true(c.ftl.erases > 0); /* GC ran */
	assert_true(c.rmw_units > 0);
	assert_true(kv_ftl_verify(kv_ssd_device_ftl(dev)));
	kv_dev_close_file(f);
	kv_free(KV_MEM_OTHER, model, cap);
	kv_free(KV_MEM_OTHER, buf, 1u << 20);
	kv_dev_close(dev);
}

/* Growing files stay in few extents; preallocation goes at close. */
static void test_extent_allocation(void **state)
{
	struct kv_device *dev = open_ssd(NULL);
	struct kv_file *a, *b;
	struct kv_ssd_extent ext[64];
	char buf[1000];
	size_t na, nb;
	uint64_t units = 0;

	(void)state;
	memset(buf, 1, sizeof(buf));
	ok(dev, kv_dev_create(dev, "a.log", KV_FILE_WAL, &a));
	ok(dev, kv_dev_create(dev, "b.sst", KV_FILE_SST, &b));
	for (int i = 0; i < 4000; i++) { /* two files growing interleaved, 4 MB each */
		ok(dev, kv_dev_append(a, buf, sizeof(buf)));
		ok(dev, kv_dev_append(b, buf, sizeof(buf)));
	}
	na = kv_ssd_device_extents(dev, "a.log", ext, 64);
	nb = kv_ssd_device_extents(dev, "b.sst", ext, 64);
	printf("  extents after 4 MB interleaved: a %zu, b %zu\n", na, nb);
	assert_true(na <= 12 && nb <= 12);
	kv_dev_close_file(b);
	nb = kv_ssd_device_extents(dev, "b.sst", ext, 64);
	for (size_t i = 0; i < nb; i++)
		units += ext[i].units;
	assert_int_equal(units, (4000 * 1000 + 4095) / 4096);
	assert_int_equal(kv_ssd_device_extents(dev, "nope", ext, 64), 0);
	kv_dev_close_file(a);
	kv_dev_close(dev);
}

static uint64_t trimmed(struct kv_device *dev)
{
	struct kv_ssd_counters c;
	kv_ssd_device_counters(dev, &c);
	return c.ftl.trimmed_units;
}

static void test_trim_on_delete_and_truncate(void **state)
{
	for (int discard = 1; discard >= 0; discard--) {
		const char *const kv[] = { "discard", discard ? "true" : "false", NULL };
		struct kv_device *dev = open_ssd(kv);
		struct kv_file *f;
		char *buf = kv_calloc(KV_MEM_OTHER, 1 << 20);

		(void)state;
		ok(dev, kv_dev_create(dev, "t", KV_FILE_SST, &f));
		ok(dev, kv_dev_append(f, buf, 1 << 20));
		ok(dev, kv_dev_sync(f));
		ok(dev, kv_dev_truncate(f, 100 << 10));
		assert_int_equal(trimmed(dev), discard ? 256 - 25 : 0);
		kv_dev_close_file(f);
		ok(dev, kv_dev_remove(dev, "t"));
		assert_int_equal(trimmed(dev), discard ? 256 : 0);
		kv_free(KV_MEM_OTHER, buf, 1 << 20);
		kv_dev_close(dev);
	}
}

/*
 * Fill the device with a file and delete it, then overwrite a smaller
 * file at random: with discard on the deleted space is extra spare; with
 * discard off the FTL still holds it as valid and copies it in GC.
 */
static double churn_wa(bool discard)
{
	const char *const kv[] = { "discard", discard ? "true" : "false", NULL };
	struct kv_device *dev = open_ssd(kv);
	size_t chunk = 64 << 10, filler = 46u << 20, db = 30u << 20;
	char *buf = kv_calloc(KV_MEM_OTHER, chunk);
	struct kv_ssd_counters c0, c1;
	struct kv_file *f;
	struct kv_rng r;

	kv_rng_seed(&r, 5);
	ok(dev, kv_dev_create(dev, "filler", KV_FILE_OTHER, &f));
	for (size_t done = 0; done < filler; done += chunk)
		ok(dev, kv_dev_append(f, buf, chunk));
	ok(dev, kv_dev_sync(f));
	kv_dev_close_file(f);
	ok(dev, kv_dev_remove(dev, "filler"));
	ok(dev, kv_dev_create(dev, "db", KV_FILE_BTREE_PAGE, &f));
	for (size_t done = 0; done < db; done += chunk)
		ok(dev, kv_dev_append(f, buf, chunk));
	ok(dev, kv_dev_sync(f));
	kv_ssd_device_counters(dev, &c0);
	for (int i = 0; i < 60000; i++) {
		ok(dev, kv_dev_write(f, kv_rng_below(&r, db / 4096) * 4096, buf, 4096));
		if (i % 64 == 63)
			ok(dev, kv_dev_sync(f));
	}
	ok(dev, kv_dev_sync(f));
	kv_ssd_device_counters(dev, &c1);
	kv_dev_close_file(f);
	kv_free(KV_MEM_OTHER, buf, chunk);
	kv_dev_close(dev);
	return (double)(c1.ftl.pages_programmed - c0.ftl.pages_programmed) * 4096 /
	       (double)(c1.host_bytes_written - c0.host_bytes_written);
}

static void test_discard_off_pitfall(void **state)
{
	double on, off;

	(void)state;
	on = churn_wa(true);
	off = churn_wa(false);
	printf("  file churn device WA: discard on %.3f, off %.3f\n", on, off);
	assert_true(off > on * 1.2);
}

struct rep {
	double v[128];
	int n;
};

static void rep_cb(void *ud, const char *name, double value)
{
	struct rep *r = ud;
	(void)name;
	if (r->n < 128)
		r->v[r->n++] = value;
}

static void run_mixed(struct kv_device *dev, uint64_t seed, uint64_t *clock)
{
	struct kv_rng r;
	struct kv_file *f[3];
	char *buf = kv_malloc(KV_MEM_OTHER, 32768);

	kv_rng_seed(&r, seed);
	for (int i = 0; i < 3; i++) {
		char name[8];
		snprintf(name, sizeof(name), "m%d", i);
		ok(dev, kv_dev_create(dev, name, KV_FILE_OTHER, &f[i]));
	}
	for (int op = 0; op < 20000; op++) {
		struct kv_file *x = f[kv_rng_below(&r, 3)];
		size_t n = 1 + (size_t)kv_rng_below(&r, 32767);
		uint64_t size;
		ok(dev, kv_dev_size(x, &size));
		switch (kv_rng_below(&r, 6)) {
		case 0:
		case 1:
			ok(dev, kv_dev_append(x, buf, n));
			break;
		case 2:
			ok(dev, kv_dev_write(x, kv_rng_below(&r, size + 1), buf, n));
			break;
		case 3:
			if (size > n)
				ok(dev, kv_dev_read(x, kv_rng_below(&r, size - n), buf, n));
			break;
		case 4:
			ok(dev, kv_dev_sync(x));
			break;
		default:
			if (size > (4u << 20))
				ok(dev, kv_dev_truncate(x, kv_rng_below(&r, size)));
		}
	}
	*clock = kv_dev_now_ns(dev);
	for (int i = 0; i < 3; i++)
		kv_dev_close_file(f[i]);
	kv_free(KV_MEM_OTHER, buf, 32768);
}

/* Same seed and config: bit-identical counters, latencies and clock. */
static void test_determinism(void **state)
{
	struct rep rep[2];
	uint64_t clock[2];
	struct kv_ssd_counters c[2];

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct kv_device *dev = open_ssd(NULL);
		memset(&rep[i], 0, sizeof(rep[i]));
		run_mixed(dev, 77, &clock[i]);
		kv_dev_report(dev, rep_cb, &rep[i]);
		kv_ssd_device_counters(dev, &c[i]);
		assert_true(kv_ftl_verify(kv_ssd_device_ftl(dev)));
		kv_dev_close(dev);
	}
	printf("  clock after the mixed run: %" PRIu64 " ns, %d report values\n", clock[0],
	       rep[0].n);
	assert_true(c[0].ftl.erases > 0);
	assert_int_equal(clock[0], clock[1]);
	assert_int_equal(rep[0].n, rep[1].n);
	assert_memory_equal(rep[0].v, rep[1].v, sizeof(rep[0].v));
	assert_memory_equal(&c[0], &c[1], sizeof(c[0]));
}

static void test_enospc(void **state)
{
	struct kv_device *dev = open_ssd(NULL);
	struct kv_file *f;
	char *buf = kv_calloc(KV_MEM_OTHER, 1 << 20);
	int rc = KV_OK, i;

	(void)state;
	ok(dev, kv_dev_create(dev, "big", KV_FILE_SST, &f));
	for (i = 0; i < 200 && rc == KV_OK; i++)
		rc = kv_dev_append(f, buf, 1 << 20);
	assert_int_equal(rc, KV_ENOSPC);
	assert_non_null(strstr(kv_dev_errmsg(dev), "no space left"));
	kv_dev_close_file(f);
	ok(dev, kv_dev_remove(dev, "big"));
	ok(dev, kv_dev_create(dev, "again", KV_FILE_SST, &f));
	ok(dev, kv_dev_append(f, buf, 1 << 20));
	kv_dev_close_file(f);
	kv_free(KV_MEM_OTHER, buf, 1 << 20);
	kv_dev_close(dev);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presets_and_overrides),
		cmocka_unit_test(test_read_latency_identity),
		cmocka_unit_test(test_sequential_bandwidth),
		cmocka_unit_test(test_round_trip_under_gc),
		cmocka_unit_test(test_extent_allocation),
		cmocka_unit_test(test_trim_on_delete_and_truncate),
		cmocka_unit_test(test_discard_off_pitfall),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_enospc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
