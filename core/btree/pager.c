/*
 * core/btree/pager.c - logical pages over physical slots with shadow
 * writes, the page map and the meta records (core/btree/pager.h).
 *
 * Invariants (bt_pager_check):
 *  1. map[id] != 0 implies the cur bit of slot map[id] is set, and no two
 *     ids map to the same slot; map[0] == 0.
 *  2. cur = slots of mapped ids + slots of the durable map chain; dur =
 *     slots referenced by the last durable checkpoint (its pages and its
 *     map chain). A slot with the dur bit set is never written.
 *  3. Every slot on free_slots has neither bit set; slots without either
 *     bit are all on free_slots.
 *  4. The logical free extents are sorted, disjoint, non-adjacent, inside
 *     [1, nlogical), and hold only unmapped ids; the last one does not end
 *     at nlogical (trailing free ids are cut off).
 */
#include "core/btree/pager.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "core/alloc.h"
#include "core/btree/page.h"
#include "core/checksum.h"
#include "core/coding.h"

#define META_MAGIC 0x45455254424d534cull /* "LSMBTREE" */
#define META_CHECKSUM_OFF (BT_META_BYTES - 4)

struct extent {
	uint32_t start, len;
};

struct bt_pager {
	struct kv_device *dev;
	struct kv_file *pages, *meta;
	uint32_t page_bytes;
	uint64_t counter;

	uint32_t *map;       /* logical id -> slot (0: unmapped) */
	uint32_t nlogical;   /* ids 0..nlogical-1 exist */
	uint32_t map_cap;

	uint64_t *dur, *cur; /* bitmaps over slots 0..nslots */
	uint32_t nslots;
	size_t bit_words;

	uint32_t *free_slots;
	size_t nfree, free_cap;

	struct extent *ext;
	size_t next, ext_cap;

	uint32_t *map_slots; /* slots of the durable map chain */
	uint32_t nmap_slots, map_slots_cap;

	char *buf;           /* one page: map pages */

	/* Views (bt_pager_view): whether the device has given one on this
	   handle, and whether a fresh handle is wanted (see fetch). */
	bool views_ok, remap_wanted;
	uint64_t views_retry_at;   /* no view is asked for before page_reads gets here */
	uint64_t reads_at_remap;   /* page_reads at the last remap */
	struct bt_pager_stats st;
};

static bool bit(const uint64_t *b, uint32_t s) { return (b[s >> 6] >> (s & 63)) & 1; }
static void bit_set(uint64_t *b, uint32_t s) { b[s >> 6] |= 1ull << (s & 63); }
static void bit_clr(uint64_t *b, uint32_t s) { b[s >> 6] &= ~(1ull << (s & 63)); }

static uint64_t slot_off(const struct bt_pager *pg, uint32_t slot)
{
	return (uint64_t)(slot - 1) * pg->page_bytes;
}

static uint32_t map_entries_per_page(const struct bt_pager *pg)
{
	return bt_ovf_data_bytes(pg->page_bytes) / 4;
}

size_t bt_pager_page_bytes(const struct bt_pager *pg)
{
	return pg->page_bytes;
}

/* Make room for slot numbers up to @nslots in the bitmaps. */
static int grow_bits(struct bt_pager *pg, uint32_t nslots)
{
	size_t need = ((size_t)nslots >> 6) + 1, ncap;
	uint64_t *d, *c;

	if (need <= pg->bit_words)
		return KV_OK;
	ncap = pg->bit_words ? pg->bit_words * 2 : 64;
	while (ncap < need)
		ncap *= 2;
	d = kv_realloc(KV_MEM_BUFFER_POOL, pg->dur, pg->bit_words * 8, ncap * 8);
	if (!d)
		return KV_ENOMEM;
	pg->dur = d;
	c = kv_realloc(KV_MEM_BUFFER_POOL, pg->cur, pg->bit_words * 8, ncap * 8);
	if (!c)
		return KV_ENOMEM;
	pg->cur = c;
	memset(d + pg->bit_words, 0, (ncap - pg->bit_words) * 8);
	memset(c + pg->bit_words, 0, (ncap - pg->bit_words) * 8);
	pg->bit_words = ncap;
	return KV_OK;
}

static int grow_map(struct bt_pager *pg, uint32_t n)
{
	uint32_t ncap;
	uint32_t *m;

	if (n <= pg->map_cap)
		return KV_OK;
	ncap = pg->map_cap ? pg->map_cap : 1024;
	while (ncap < n)
		ncap *= 2;
	m = kv_realloc(KV_MEM_BUFFER_POOL, pg->map, (size_t)pg->map_cap * 4, (size_t)ncap * 4);
	if (!m)
		return KV_ENOMEM;
	memset(m + pg->map_cap, 0, (size_t)(ncap - pg->map_cap) * 4);
	pg->map = m;
	pg->map_cap = ncap;
	return KV_OK;
}

static int push_free_slot(struct bt_pager *pg, uint32_t s)
{
	if (pg->nfree == pg->free_cap) {
		size_t nc = pg->free_cap ? pg->free_cap * 2 : 256;
		uint32_t *f = kv_realloc(KV_MEM_BUFFER_POOL, pg->free_slots, pg->free_cap * 4,
					 nc * 4);
		if (!f)
			return KV_ENOMEM;
		pg->free_slots = f;
		pg->free_cap = nc;
	}
	pg->free_slots[pg->nfree++] = s;
	return KV_OK;
}

/* A slot to write a page to: a free one or a new one at the end. */
static int alloc_slot(struct bt_pager *pg, uint32_t *out)
{
	int r;

	while (pg->nfree > 0) {
		uint32_t s = pg->free_slots[--pg->nfree];
		if (!bit(pg->dur, s) && !bit(pg->cur, s)) {
			bit_set(pg->cur, s);
			*out = s;
			return KV_OK;
		}
	}
	if (pg->nslots == UINT32_MAX - 1)
		return KV_ENOSPC;
	r = grow_bits(pg, pg->nslots + 1);
	if (r != KV_OK)
		return r;
	pg->nslots++;
	bit_set(pg->cur, pg->nslots);
	*out = pg->nslots;
	return KV_OK;
}

/* Give back a slot that is not durable (a failed write, a freed page). */
static void release_slot(struct bt_pager *pg, uint32_t s)
{
	bit_clr(pg->cur, s);
	if (!bit(pg->dur, s))
		(void)push_free_slot(pg, s); /* on ENOMEM the slot is found at the next checkpoint */
}

/* Rebuild the free slot list from the bitmaps. */
static int rebuild_free_slots(struct bt_pager *pg)
{
	pg->nfree = 0;
	for (uint32_t s = pg->nslots; s >= 1; s--)
		if (!bit(pg->dur, s) && !bit(pg->cur, s) && push_free_slot(pg, s) != KV_OK)
			return KV_ENOMEM;
	return KV_OK;
}

/* ---- logical ids: sorted free extents ---- */

static int ext_insert_at(struct bt_pager *pg, size_t i, uint32_t start, uint32_t len)
{
	if (pg->next == pg->ext_cap) {
		size_t nc = pg->ext_cap ? pg->ext_cap * 2 : 64;
		struct extent *e = kv_realloc(KV_MEM_BUFFER_POOL, pg->ext,
					      pg->ext_cap * sizeof(*e), nc * sizeof(*e));
		if (!e)
			return KV_ENOMEM;
		pg->ext = e;
		pg->ext_cap = nc;
	}
	memmove(pg->ext + i + 1, pg->ext + i, (pg->next - i) * sizeof(*pg->ext));
	pg->ext[i].start = start;
	pg->ext[i].len = len;
	pg->next++;
	return KV_OK;
}

static void ext_remove_at(struct bt_pager *pg, size_t i)
{
	memmove(pg->ext + i, pg->ext + i + 1, (pg->next - i - 1) * sizeof(*pg->ext));
	pg->next--;
}

/* Add [start, start+len) to the free extents, merging neighbours. */
static void ext_free(struct bt_pager *pg, uint32_t start, uint32_t len)
{
	size_t lo = 0, hi = pg->next;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (pg->ext[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && pg->ext[lo - 1].start + pg->ext[lo - 1].len == start) {
		pg->ext[lo - 1].len += len;
		if (lo < pg->next && pg->ext[lo - 1].start + pg->ext[lo - 1].len == pg->ext[lo].start) {
			pg->ext[lo - 1].len += pg->ext[lo].len;
			ext_remove_at(pg, lo);
		}
		lo--;
	} else if (lo < pg->next && start + len == pg->ext[lo].start) {
		pg->ext[lo].start = start;
		pg->ext[lo].len += len;
	} else if (ext_insert_at(pg, lo, start, len) != KV_OK) {
		return; /* ids leak until reopen (rebuilt from the map) */
	}
	if (lo == pg->next - 1 && pg->ext[lo].start + pg->ext[lo].len == pg->nlogical) {
		pg->nlogical = pg->ext[lo].start;
		ext_remove_at(pg, lo);
	}
}

int bt_pager_alloc(struct bt_pager *pg, uint32_t n, uint32_t *first)
{
	assert(n > 0);
	for (size_t i = 0; i < pg->next; i++) {
		if (pg->ext[i].len >= n) {
			*first = pg->ext[i].start;
			pg->ext[i].start += n;
			pg->ext[i].len -= n;
			if (pg->ext[i].len == 0)
				ext_remove_at(pg, i);
			return KV_OK;
		}
	}
	if ((uint64_t)pg->nlogical + n >= UINT32_MAX)
		return KV_ENOSPC;
	if (grow_map(pg, pg->nlogical + n) != KV_OK)
		return KV_ENOMEM;
	*first = pg->nlogical;
	pg->nlogical += n;
	return KV_OK;
}

void bt_pager_free(struct bt_pager *pg, uint32_t first, uint32_t n)
{
	assert(first > 0 && (uint64_t)first + n <= pg->nlogical);
	for (uint32_t id = first; id < first + n; id++) {
		uint32_t s = pg->map[id];
		if (s) {
			pg->map[id] = 0;
			release_slot(pg, s);
		}
	}
	ext_free(pg, first, n);
}

bool bt_pager_is_allocated(const struct bt_pager *pg, uint32_t id)
{
	if (id == 0 || id >= pg->nlogical)
		return false;
	for (size_t i = 0; i < pg->next; i++)
		if (id >= pg->ext[i].start && id - pg->ext[i].start < pg->ext[i].len)
			return false;
	return true;
}

/* ---- page I/O ---- */

/*
 * The bytes of page @id: with @want_view, a view into the device's mapping
 * of the page file where it offers one (no read call); else, or without
 * one, read into @buf. *out points at them; nothing is verified here.
 */
static int fetch(struct bt_pager *pg, uint32_t id, char *buf, bool want_view, const char **out,
		 struct kv_err *err)
{
	uint32_t s = id < pg->nlogical ? pg->map[id] : 0;
	const void *view = buf;
	int r;

	if (s == 0)
		return kv_err_set(err, KV_ECORRUPT,
				  "btree file '%s': reference to page %" PRIu32
				  ", which is not in the page map", BT_PAGES_FILE, id);
	want_view = want_view && pg->st.page_reads >= pg->views_retry_at;
	r = want_view ? kv_dev_map(pg->pages, slot_off(pg, s), pg->page_bytes, &view) : KV_ENOTSUP;
	if (r == KV_OK) {
		pg->views_ok = true;
		/* The page is about to be checksummed whole: ask for all of its
		   cache lines at once rather than one miss after another. */
		for (uint32_t o = 0; o < pg->page_bytes; o += 64)
			__builtin_prefetch((const char *)view + o);
	} else if (r == KV_ENOTSUP) {
		if (want_view) {
			/* No view (none on this device, mmap off, the mapping budget
			   spent, or the mappings of a grown file used up): ask again
			   only after a file's worth of page reads, so a refusal costs
			   the device's check (a stat call) once per nslots reads. */
			pg->views_retry_at = pg->st.page_reads + pg->nslots + 1;
			/* Views worked on this handle and stopped: a fresh handle maps
			   the file at its current size; at most once per nslots reads. */
			if (pg->views_ok && pg->st.page_reads - pg->reads_at_remap >= pg->nslots)
				pg->remap_wanted = true;
		}
		view = buf;
		r = kv_dev_read(pg->pages, slot_off(pg, s), buf, pg->page_bytes);
	}
	if (r != KV_OK)
		return kv_err_set(err, r, "btree file '%s': read of page %" PRIu32
				  " at offset %" PRIu64 ": %s", BT_PAGES_FILE, id,
				  slot_off(pg, s), kv_dev_errmsg(pg->dev));
	pg->st.page_reads++;
	*out = view;
	return KV_OK;
}

/*
 * Writers' reads are always read calls: the page is copied anyway, and
 * mapping the file for them as it grows would leave a chain of mappings
 * whose pages each count in RSS once per mapping (2.5x the page file
 * after a 2M-key fillrandom); only readers' views map it.
 */
int bt_pager_read(struct bt_pager *pg, uint32_t id, char *buf, unsigned want_type,
		  struct kv_err *err)
{
	const char *p;
	int r = fetch(pg, id, buf, false, &p, err);

	if (r != KV_OK)
		return r;
	return bt_page_verify(buf, pg->page_bytes, id, want_type, BT_PAGES_FILE,
			      slot_off(pg, pg->map[id]), err);
}

int bt_pager_view(struct bt_pager *pg, uint32_t id, char *buf, unsigned want_type,
		  const char **out, struct kv_err *err)
{
	const char *p;
	int r = fetch(pg, id, buf, true, &p, err);

	if (r != KV_OK)
		return r;
	r = bt_page_verify(p, pg->page_bytes, id, want_type, BT_PAGES_FILE,
			   slot_off(pg, pg->map[id]), err);
	if (r == KV_OK)
		*out = p;
	return r;
}

bool bt_pager_remap_wanted(const struct bt_pager *pg)
{
	return pg->remap_wanted;
}

void bt_pager_remap(struct bt_pager *pg)
{
	struct kv_file *f;

	pg->remap_wanted = false;
	pg->views_ok = false;
	pg->views_retry_at = 0;
	pg->reads_at_remap = pg->st.page_reads;
	/* The new handle takes over writing; the old one (and its mappings)
	   goes. If the open fails, the old handle stays (reads use pread). */
	if (kv_dev_open_file(pg->dev, BT_PAGES_FILE, KV_FILE_BTREE_PAGE, &f) != KV_OK)
		return;
	kv_dev_close_file(pg->pages);
	pg->pages = f;
}

int bt_pager_write(struct bt_pager *pg, uint32_t id, char *buf, struct kv_err *err)
{
	uint32_t old = pg->map[id], s = old;
	int r;

	assert(id > 0 && id < pg->nlogical && bt_page_id(buf) == id);
	bt_page_seal(buf, pg->page_bytes);
	if (old == 0 || bit(pg->dur, old)) {
		r = alloc_slot(pg, &s);
		if (r != KV_OK)
			return kv_err_set(err, r, "btree file '%s': no slot for page %" PRIu32,
					  BT_PAGES_FILE, id);
	}
	r = kv_dev_write(pg->pages, slot_off(pg, s), buf, pg->page_bytes);
	if (r != KV_OK) {
		if (s != old)
			release_slot(pg, s);
		return kv_err_set(err, r, "btree file '%s': write of page %" PRIu32
				  " at offset %" PRIu64 ": %s", BT_PAGES_FILE, id,
				  slot_off(pg, s), kv_dev_errmsg(pg->dev));
	}
	pg->st.page_writes++;
	if (s != old) {
		pg->st.writes_relocated++;
		if (old)
			release_slot(pg, old);
		pg->map[id] = s;
	} else {
		pg->st.writes_in_place++;
	}
	return KV_OK;
}

/* ---- meta records ---- */

static void meta_encode(char *b, const struct bt_meta *m, const struct bt_pager *pg,
			uint32_t map_head, uint32_t map_pages)
{
	memset(b, 0, BT_META_BYTES);
	kv_put_u64(b + 0, META_MAGIC);
	kv_put_u32(b + 8, BT_FORMAT_VERSION);
	kv_put_u32(b + 12, pg->page_bytes);
	kv_put_u64(b + 16, m->counter);
	kv_put_u64(b + 24, m->ckpt_seq);
	kv_put_u32(b + 32, m->root);
	kv_put_u32(b + 36, m->height);
	kv_put_u32(b + 40, pg->nlogical);
	kv_put_u32(b + 44, pg->nslots);
	kv_put_u32(b + 48, map_head);
	kv_put_u32(b + 52, map_pages);
	kv_put_u64(b + 56, m->entries);
	kv_put_u64(b + 64, m->leaf_pages);
	kv_put_u64(b + 72, m->internal_pages);
	kv_put_u64(b + 80, m->overflow_pages);
	kv_put_u64(b + 88, m->leaf_used_bytes);
	kv_put_u32(b + META_CHECKSUM_OFF, kv_checksum32(b, META_CHECKSUM_OFF));
}

struct meta_rec {
	struct bt_meta m;
	uint32_t nlogical, nslots, map_head, map_pages;
};

static bool meta_decode(const char *b, struct meta_rec *out)
{
	uint32_t ps;

	if (kv_get_u64(b) != META_MAGIC || kv_get_u32(b + 8) != BT_FORMAT_VERSION ||
	    kv_get_u32(b + META_CHECKSUM_OFF) != kv_checksum32(b, META_CHECKSUM_OFF))
		return false;
	ps = kv_get_u32(b + 12);
	if (ps < BT_MIN_PAGE_BYTES || ps > BT_MAX_PAGE_BYTES || (ps & (ps - 1)))
		return false;
	memset(out, 0, sizeof(*out));
	out->m.page_bytes = ps;
	out->m.counter = kv_get_u64(b + 16);
	out->m.ckpt_seq = kv_get_u64(b + 24);
	out->m.root = kv_get_u32(b + 32);
	out->m.height = kv_get_u32(b + 36);
	out->nlogical = kv_get_u32(b + 40);
	out->nslots = kv_get_u32(b + 44);
	out->map_head = kv_get_u32(b + 48);
	out->map_pages = kv_get_u32(b + 52);
	out->m.entries = kv_get_u64(b + 56);
	out->m.leaf_pages = kv_get_u64(b + 64);
	out->m.internal_pages = kv_get_u64(b + 72);
	out->m.overflow_pages = kv_get_u64(b + 80);
	out->m.leaf_used_bytes = kv_get_u64(b + 88);
	return out->nlogical >= 1 && out->map_head <= out->nslots;
}

static int push_map_slot(struct bt_pager *pg, uint32_t slot)
{
	if (pg->nmap_slots == pg->map_slots_cap) {
		uint32_t nc = pg->map_slots_cap ? pg->map_slots_cap * 2 : 16;
		uint32_t *m = kv_realloc(KV_MEM_BUFFER_POOL, pg->map_slots,
					 (size_t)pg->map_slots_cap * 4, (size_t)nc * 4);
		if (!m)
			return KV_ENOMEM;
		pg->map_slots = m;
		pg->map_slots_cap = nc;
	}
	pg->map_slots[pg->nmap_slots++] = slot;
	return KV_OK;
}

/* Load the map chain of a meta record into map/cur. */
static int load_map(struct bt_pager *pg, const struct meta_rec *mr, struct kv_err *err)
{
	uint32_t per = map_entries_per_page(pg), slot = mr->map_head, id = 0;
	uint64_t total = 0;
	int r;

	r = grow_map(pg, mr->nlogical);
	if (r == KV_OK)
		r = grow_bits(pg, mr->nslots);
	if (r != KV_OK)
		return kv_err_set(err, r, "btree: out of memory loading the page map");
	pg->nlogical = mr->nlogical;
	pg->nslots = mr->nslots;
	for (uint32_t i = 0; i < mr->map_pages; i++) {
		uint32_t n;
		if (slot == 0 || slot > pg->nslots || bit(pg->cur, slot))
			return kv_err_set(err, KV_ECORRUPT,
					  "btree file '%s': map page %" PRIu32
					  " has a bad slot %" PRIu32, BT_PAGES_FILE, i, slot);
		r = kv_dev_read(pg->pages, slot_off(pg, slot), pg->buf, pg->page_bytes);
		if (r != KV_OK)
			return kv_err_set(err, KV_ECORRUPT,
					  "btree file '%s': map page %" PRIu32
					  " at offset %" PRIu64 " unreadable: %s", BT_PAGES_FILE, i,
					  slot_off(pg, slot), kv_dev_errmsg(pg->dev));
		r = bt_page_verify(pg->buf, pg->page_bytes, i, BT_PAGE_MAP, BT_PAGES_FILE,
				   slot_off(pg, slot), err);
		if (r != KV_OK)
			return r;
		bit_set(pg->cur, slot);
		if (push_map_slot(pg, slot) != KV_OK)
			return kv_err_set(err, KV_ENOMEM, "btree: out of memory");
		n = bt_page_aux(pg->buf);
		if (n > per || (uint64_t)id + n > pg->nlogical)
			return kv_err_set(err, KV_ECORRUPT, "btree file '%s': map page %" PRIu32
					  " at offset %" PRIu64 ": bad entry count",
					  BT_PAGES_FILE, i, slot_off(pg, slot));
		for (uint32_t k = 0; k < n; k++, id++) {
			uint32_t s = kv_get_u32(pg->buf + BT_PAGE_HEADER_BYTES + 4 * k);
			if (s == 0)
				continue;
			if (id == 0 || s > pg->nslots || bit(pg->cur, s))
				return kv_err_set(err, KV_ECORRUPT,
						  "btree file '%s': map page %" PRIu32
						  " at offset %" PRIu64 ": entry for page %" PRIu32
						  " names a bad or shared slot %" PRIu32, BT_PAGES_FILE,
						  i, slot_off(pg, slot) + BT_PAGE_HEADER_BYTES + 4 * k,
						  id, s);
			pg->map[id] = s;
			bit_set(pg->cur, s);
		}
		total += n;
		slot = bt_page_next(pg->buf);
	}
	if (total != pg->nlogical)
		return kv_err_set(err, KV_ECORRUPT,
				  "btree file '%s': the map holds %" PRIu64 " entries, the meta "
				  "record says %" PRIu32, BT_PAGES_FILE, total, pg->nlogical);
	memcpy(pg->dur, pg->cur, pg->bit_words * 8);
	/* Free ids: the unmapped ones. */
	for (uint32_t i = 1; i < pg->nlogical;) {
		uint32_t j = i;
		if (pg->map[i]) {
			i++;
			continue;
		}
		while (j < pg->nlogical && !pg->map[j])
			j++;
		if (j == pg->nlogical) {
			pg->nlogical = i;
			break;
		}
		if (ext_insert_at(pg, pg->next, i, j - i) != KV_OK)
			return kv_err_set(err, KV_ENOMEM, "btree: out of memory");
		i = j;
	}
	if (rebuild_free_slots(pg) != KV_OK)
		return kv_err_set(err, KV_ENOMEM, "btree: out of memory");
	return KV_OK;
}

/* ---- open, checkpoint, close ---- */

static void meta_from_rec(struct bt_meta *m, const struct meta_rec *mr)
{
	*m = mr->m;
}

int bt_pager_open(struct kv_device *dev, uint32_t page_bytes, struct bt_pager **out,
		  struct bt_meta *meta, bool *created, struct kv_err *err)
{
	struct bt_pager *pg;
	char recs[2 * BT_META_BYTES];
	struct meta_rec mr[2];
	bool ok[2] = { false, false };
	uint64_t size = 0;
	int r, best;

	*out = NULL;
	*created = false;
	pg = kv_calloc(KV_MEM_BUFFER_POOL, sizeof(*pg));
	if (!pg)
		return kv_err_set(err, KV_ENOMEM, "btree: out of memory");
	pg->dev = dev;
	r = kv_dev_open_file(dev, BT_META_FILE, KV_FILE_BTREE_PAGE, &pg->meta);
	if (r == KV_OK)
		r = kv_dev_size(pg->meta, &size);
	if (r == KV_NOTFOUND || (r == KV_OK && size == 0)) {
		kv_dev_close_file(pg->meta);
		pg->meta = NULL;
		*created = true;
	} else if (r != KV_OK) {
		kv_err_set(err, r, "btree file '%s': open: %s", BT_META_FILE, kv_dev_errmsg(dev));
		goto out_fail;
	}
	if (*created) {
		if (page_bytes < BT_MIN_PAGE_BYTES || page_bytes > BT_MAX_PAGE_BYTES ||
		    (page_bytes & (page_bytes - 1))) {
			r = kv_err_set(err, KV_EINVAL, "option 'page_size': %" PRIu32
				       " is not a power of two in 512..65536", page_bytes);
			goto out_fail;
		}
		pg->page_bytes = page_bytes;
		r = kv_dev_create(dev, BT_PAGES_FILE, KV_FILE_BTREE_PAGE, &pg->pages);
		if (r == KV_OK)
			r = kv_dev_create(dev, BT_META_FILE, KV_FILE_BTREE_PAGE, &pg->meta);
		if (r != KV_OK) {
			kv_err_set(err, r, "btree: creating the store: %s", kv_dev_errmsg(dev));
			goto out_fail;
		}
		memset(meta, 0, sizeof(*meta));
		meta->page_bytes = page_bytes;
		pg->nlogical = 1;
		r = grow_map(pg, 1);
		if (r == KV_OK)
			r = grow_bits(pg, 0);
		if (r != KV_OK) {
			kv_err_set(err, r, "btree: out of memory");
			goto out_fail;
		}
	} else {
		memset(recs, 0, sizeof(recs));
		r = kv_dev_read(pg->meta, 0, recs, size < sizeof(recs) ? size : sizeof(recs));
		if (r != KV_OK) {
			kv_err_set(err, r, "btree file '%s': read: %s", BT_META_FILE,
				   kv_dev_errmsg(dev));
			goto out_fail;
		}
		ok[0] = meta_decode(recs, &mr[0]);
		ok[1] = meta_decode(recs + BT_META_BYTES, &mr[1]);
		if (!ok[0] && !ok[1]) {
			r = kv_err_set(err, KV_ECORRUPT, "btree file '%s': no valid meta record at "
				       "offset 0 or %u", BT_META_FILE, BT_META_BYTES);
			goto out_fail;
		}
		best = !ok[0] || (ok[1] && mr[1].m.counter > mr[0].m.counter) ? 1 : 0;
		pg->page_bytes = mr[best].m.page_bytes;
		pg->counter = mr[best].m.counter;
		meta_from_rec(meta, &mr[best]);
		pg->buf = kv_malloc(KV_MEM_BUFFER_POOL, pg->page_bytes);
		if (!pg->buf) {
			r = kv_err_set(err, KV_ENOMEM, "btree: out of memory");
			goto out_fail;
		}
		r = kv_dev_open_file(dev, BT_PAGES_FILE, KV_FILE_BTREE_PAGE, &pg->pages);
		if (r != KV_OK) {
			r = kv_err_set(err, r == KV_NOTFOUND ? KV_ECORRUPT : r,
				       "btree file '%s': open: %s", BT_PAGES_FILE,
				       r == KV_NOTFOUND ? "missing" : kv_dev_errmsg(dev));
			goto out_fail;
		}
		r = load_map(pg, &mr[best], err);
		if (r != KV_OK)
			goto out_fail;
	}
	if (!pg->buf) {
		pg->buf = kv_malloc(KV_MEM_BUFFER_POOL, pg->page_bytes);
		if (!pg->buf) {
			r = kv_err_set(err, KV_ENOMEM, "btree: out of memory");
			goto out_fail;
		}
	}
	assert(bt_pager_check(pg));
	*out = pg;
	return KV_OK;
out_fail:
	bt_pager_close(pg);
	return r;
}

int bt_pager_checkpoint(struct bt_pager *pg, struct bt_meta *meta, struct kv_err *err)
{
	uint32_t per = map_entries_per_page(pg);
	uint32_t npages = (pg->nlogical + per - 1) / per, *slots;
	char rec[BT_META_BYTES];
	struct bt_meta m = *meta;
	uint32_t done = 0;
	int r = KV_OK;

	assert(bt_pager_check(pg));
	slots = kv_malloc(KV_MEM_BUFFER_POOL, (size_t)npages * 4);
	if (!slots)
		return kv_err_set(err, KV_ENOMEM, "btree checkpoint: out of memory");
	for (; done < npages; done++) {
		r = alloc_slot(pg, &slots[done]);
		if (r != KV_OK) {
			kv_err_set(err, r, "btree checkpoint: no slot for the map");
			goto out_release;
		}
	}
	for (uint32_t i = 0; i < npages; i++) {
		uint32_t first = i * per, n = pg->nlogical - first < per ? pg->nlogical - first : per;
		bt_page_init(pg->buf, pg->page_bytes, BT_PAGE_MAP, i, 0);
		bt_page_set_next(pg->buf, i + 1 < npages ? slots[i + 1] : 0);
		bt_page_set_aux(pg->buf, n);
		for (uint32_t k = 0; k < n; k++)
			kv_put_u32(pg->buf + BT_PAGE_HEADER_BYTES + 4 * k, pg->map[first + k]);
		bt_page_seal(pg->buf, pg->page_bytes);
		r = kv_dev_write(pg->pages, slot_off(pg, slots[i]), pg->buf, pg->page_bytes);
		if (r != KV_OK) {
			kv_err_set(err, r, "btree file '%s': map write at offset %" PRIu64 ": %s",
				   BT_PAGES_FILE, slot_off(pg, slots[i]), kv_dev_errmsg(pg->dev));
			goto out_release;
		}
		pg->st.map_pages_written++;
	}
	r = kv_dev_sync(pg->pages);
	if (r != KV_OK) {
		kv_err_set(err, r, "btree file '%s': sync: %s", BT_PAGES_FILE,
			   kv_dev_errmsg(pg->dev));
		goto out_release;
	}
	m.counter = pg->counter + 1;
	m.page_bytes = pg->page_bytes;
	meta_encode(rec, &m, pg, npages ? slots[0] : 0, npages);
	r = kv_dev_write(pg->meta, (m.counter & 1) * BT_META_BYTES, rec, sizeof(rec));
	if (r == KV_OK)
		r = kv_dev_sync(pg->meta);
	if (r != KV_OK) {
		/* The record may or may not be durable: the caller stops writing. */
		kv_err_set(err, r, "btree file '%s': meta write: %s", BT_META_FILE,
			   kv_dev_errmsg(pg->dev));
		goto out_release;
	}
	pg->st.meta_writes++;
	pg->st.checkpoints++;
	pg->counter = m.counter;
	meta->counter = m.counter;
	/* The new checkpoint is durable: the old map chain and every slot only
	   it referenced are free now. */
	for (uint32_t i = 0; i < pg->nmap_slots; i++)
		bit_clr(pg->cur, pg->map_slots[i]);
	pg->nmap_slots = 0;
	for (uint32_t i = 0; i < npages; i++)
		(void)push_map_slot(pg, slots[i]); /* capacity: cannot fail after the first */
	memcpy(pg->dur, pg->cur, pg->bit_words * 8);
	kv_free(KV_MEM_BUFFER_POOL, slots, (size_t)npages * 4);
	if (rebuild_free_slots(pg) != KV_OK)
		pg->nfree = 0; /* slots are found again by the next checkpoint */
	assert(bt_pager_check(pg));
	return KV_OK;
out_release:
	for (uint32_t i = 0; i < done; i++)
		release_slot(pg, slots[i]);
	kv_free(KV_MEM_BUFFER_POOL, slots, (size_t)npages * 4);
	return r;
}

void bt_pager_close(struct bt_pager *pg)
{
	if (!pg)
		return;
	kv_dev_close_file(pg->pages);
	kv_dev_close_file(pg->meta);
	kv_free(KV_MEM_BUFFER_POOL, pg->map, (size_t)pg->map_cap * 4);
	kv_free(KV_MEM_BUFFER_POOL, pg->dur, pg->bit_words * 8);
	kv_free(KV_MEM_BUFFER_POOL, pg->cur, pg->bit_words * 8);
	kv_free(KV_MEM_BUFFER_POOL, pg->free_slots, pg->free_cap * 4);
	kv_free(KV_MEM_BUFFER_POOL, pg->ext, pg->ext_cap * sizeof(*pg->ext));
	kv_free(KV_MEM_BUFFER_POOL, pg->map_slots, (size_t)pg->map_slots_cap * 4);
	kv_free(KV_MEM_BUFFER_POOL, pg->buf, pg->buf ? pg->page_bytes : 0);
	kv_free(KV_MEM_BUFFER_POOL, pg, sizeof(*pg));
}

uint64_t bt_pager_counter(const struct bt_pager *pg)
{
	return pg->counter;
}

void bt_pager_get_stats(const struct bt_pager *pg, struct bt_pager_stats *out)
{
	*out = pg->st;
}

void bt_pager_space(const struct bt_pager *pg, uint64_t *slots, uint64_t *free_slots,
		    uint64_t *logical_ids)
{
	uint64_t f = 0;
	for (uint32_t s = 1; s <= pg->nslots; s++)
		f += !bit(pg->dur, s) && !bit(pg->cur, s);
	*slots = pg->nslots;
	*free_slots = f;
	*logical_ids = pg->nlogical;
}

bool bt_pager_check(const struct bt_pager *pg)
{
	if (pg->nlogical > pg->map_cap || (pg->map_cap && pg->map[0] != 0))
		return false;
	for (size_t i = 0; i < pg->next; i++) {
		const struct extent *e = &pg->ext[i];
		if (e->len == 0 || e->start == 0 || (uint64_t)e->start + e->len >= pg->nlogical)
			return false;
		if (i > 0 && pg->ext[i - 1].start + pg->ext[i - 1].len >= e->start)
			return false;
	}
	for (size_t i = 0; i < pg->nfree; i++) {
		uint32_t s = pg->free_slots[i];
		if (s == 0 || s > pg->nslots)
			return false;
	}
	return true;
}
