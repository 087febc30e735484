/*
 * core/btree/page.c - slotted pages and cells (core/btree/page.h).
 *
 * Invariants of a slotted page (checked by page_check / bt_page_verify):
 *  1. 32 + 2 * ncells <= cell_start <= page_bytes.
 *  2. Every slot points at a cell inside [cell_start, page_bytes) that
 *     decodes within the page.
 *  3. The cell area holds exactly the cells plus `frag` bytes of holes:
 *     sum(cell sizes) + frag == page_bytes - cell_start.
 */
#include "core/btree/page.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "core/checksum.h"

static uint32_t get_cell_start(const char *p) { return kv_get_u32(p + BT_OFF_CELL_START); }
static uint32_t get_frag(const char *p) { return kv_get_u32(p + BT_OFF_FRAG); }

static void set_slot(char *p, uint32_t i, uint32_t off)
{
	kv_put_u16(p + BT_PAGE_HEADER_BYTES + 2 * i, (uint16_t)off);
}

void bt_page_init(char *p, size_t page_bytes, unsigned type, uint32_t id, unsigned level)
{
	memset(p, 0, page_bytes);
	kv_put_u32(p + BT_OFF_ID, id);
	p[BT_OFF_TYPE] = (char)type;
	kv_put_u16(p + BT_OFF_LEVEL, (uint16_t)level);
	kv_put_u32(p + BT_OFF_CELL_START, (uint32_t)page_bytes);
}

void bt_page_seal(char *p, size_t page_bytes)
{
	kv_put_u32(p + BT_OFF_CHECKSUM, kv_checksum32(p + 4, page_bytes - 4));
}

/* A varint32 length: one byte inline (the common case), else the general decoder. */
static inline const char *get_len(const char *q, const char *limit, uint32_t *v)
{
	if (q < limit && !((unsigned char)*q & 0x80)) {
		*v = (unsigned char)*q;
		return q + 1;
	}
	return kv_get_varint32(q, limit, v);
}

uint32_t bt_cell_decode(const char *cell, const char *limit, unsigned type, struct bt_cell *c)
{
	const char *q = cell;
	uint32_t klen, vlen = 0;

	c->child = 0;
	c->value = NULL;
	c->chain = 0;
	if (type == BT_PAGE_INTERNAL) {
		if (limit - q < 4)
			return 0;
		c->child = kv_get_u32(q);
		q += 4;
	}
	if (q >= limit)
		return 0;
	c->flags = (unsigned char)*q++;
	if (c->flags & ~(unsigned)BT_CELL_OVF)
		return 0;
	q = get_len(q, limit, &klen);
	if (!q || klen == 0 || klen > 65535)
		return 0;
	if (type == BT_PAGE_LEAF) {
		q = get_len(q, limit, &vlen);
		if (!q || vlen > (64u << 20))
			return 0;
	}
	c->klen = klen;
	c->vlen = vlen;
	c->key = q;
	if (c->flags & BT_CELL_OVF) {
		c->key_inline = klen < BT_KEY_PREFIX ? klen : BT_KEY_PREFIX;
		if ((size_t)(limit - q) < (size_t)c->key_inline + 4)
			return 0;
		q += c->key_inline;
		c->chain = kv_get_u32(q);
		if (c->chain == 0)
			return 0;
		q += 4;
	} else {
		c->key_inline = klen;
		if ((size_t)(limit - q) < (size_t)klen + vlen)
			return 0;
		q += klen;
		c->value = q;
		q += vlen;
	}
	c->size = (uint32_t)(q - cell);
	return c->size;
}

void bt_page_cell(const char *p, uint32_t i, struct bt_cell *c)
{
	uint32_t off = bt_page_cell_off(p, i);
	uint32_t n = bt_cell_decode(p + off, p + BT_MAX_PAGE_BYTES, bt_page_type(p), c);

	/* The page was verified on load; the bound above is only a backstop. */
	assert(n > 0);
	(void)n;
}

uint32_t bt_page_used_bytes(const char *p, size_t page_bytes)
{
	return (uint32_t)(page_bytes - BT_PAGE_HEADER_BYTES) - bt_page_free_bytes(p, page_bytes);
}

uint32_t bt_page_free_bytes(const char *p, size_t page_bytes)
{
	(void)page_bytes;
	return get_cell_start(p) - (BT_PAGE_HEADER_BYTES + 2 * bt_page_ncells(p)) + get_frag(p);
}

/* Structure of a slotted page; NULL if fine, else what is wrong. */
static const char *slotted_problem(const char *p, size_t page_bytes, uint32_t *bad_off)
{
	uint32_t n = bt_page_ncells(p), start = get_cell_start(p), frag = get_frag(p);
	uint64_t sum = 0;
	struct bt_cell c;

	*bad_off = BT_OFF_NCELLS;
	if ((uint64_t)BT_PAGE_HEADER_BYTES + 2ull * n > start || start > page_bytes)
		return "slot array overlaps the cell area";
	*bad_off = BT_OFF_FRAG;
	if (frag > page_bytes - start)
		return "hole bytes exceed the cell area";
	if (bt_page_type(p) == BT_PAGE_LEAF && bt_page_level(p) != 0)
		return "leaf page with a level above 0";
	if (bt_page_type(p) == BT_PAGE_INTERNAL &&
	    (bt_page_level(p) == 0 || bt_page_aux(p) == 0))
		return "internal page without a level or leftmost child";
	for (uint32_t i = 0; i < n; i++) {
		uint32_t off = bt_page_cell_off(p, i), sz;
		*bad_off = BT_PAGE_HEADER_BYTES + 2 * i;
		if (off < start || off >= page_bytes)
			return "slot points outside the cell area";
		sz = bt_cell_decode(p + off, p + page_bytes, bt_page_type(p), &c);
		*bad_off = off;
		if (sz == 0)
			return "malformed cell";
		if (bt_page_type(p) == BT_PAGE_INTERNAL && c.child == 0)
			return "internal cell without a child";
		sum += sz;
	}
	*bad_off = BT_OFF_CELL_START;
	if (sum + frag != page_bytes - start)
		return "cell bytes and holes do not add up to the cell area";
	return NULL;
}

int bt_page_verify(const char *p, size_t page_bytes, uint32_t want_id, unsigned want_type,
		   const char *file, uint64_t off, struct kv_err *err)
{
	uint32_t stored = kv_get_u32(p + BT_OFF_CHECKSUM), bad_off = 0;
	unsigned type = bt_page_type(p);
	const char *what = NULL;

	if (stored != kv_checksum32(p + 4, page_bytes - 4))
		return kv_err_set(err, KV_ECORRUPT,
				  "btree file '%s': page %" PRIu32 " at offset %" PRIu64
				  ": checksum mismatch", file, want_id, off);
	if (bt_page_id(p) != want_id) {
		what = "page id differs from the id it was read for";
		bad_off = BT_OFF_ID;
	} else if (want_type ? type != want_type
			     : (type != BT_PAGE_LEAF && type != BT_PAGE_INTERNAL &&
				type != BT_PAGE_OVERFLOW)) {
		what = "unexpected page type";
		bad_off = BT_OFF_TYPE;
	} else if (type == BT_PAGE_LEAF || type == BT_PAGE_INTERNAL) {
		what = slotted_problem(p, page_bytes, &bad_off);
	} else if (type == BT_PAGE_OVERFLOW && bt_page_aux(p) > bt_ovf_data_bytes(page_bytes)) {
		what = "overflow data length exceeds the page";
		bad_off = BT_OFF_AUX;
	} else if (type == BT_PAGE_MAP && bt_page_aux(p) > bt_ovf_data_bytes(page_bytes) / 4) {
		what = "map entry count exceeds the page";
		bad_off = BT_OFF_AUX;
	}
	if (what)
		return kv_err_set(err, KV_ECORRUPT,
				  "btree file '%s': page %" PRIu32 " at offset %" PRIu64 ": %s",
				  file, want_id, off + bad_off, what);
	return KV_OK;
}

void bt_page_compact(char *p, size_t page_bytes, char *scratch)
{
	uint32_t n = bt_page_ncells(p), wp = (uint32_t)page_bytes;
	struct bt_cell c;

	memcpy(scratch, p, page_bytes);
	for (uint32_t i = 0; i < n; i++) {
		bt_page_cell(scratch, i, &c);
		wp -= c.size;
		memcpy(p + wp, scratch + bt_page_cell_off(scratch, i), c.size);
		set_slot(p, i, wp);
	}
	kv_put_u32(p + BT_OFF_CELL_START, wp);
	kv_put_u32(p + BT_OFF_FRAG, 0);
}

int bt_page_insert(char *p, size_t page_bytes, uint32_t idx, const char *cell, uint32_t len,
		   char *scratch)
{
	uint32_t n = bt_page_ncells(p), start = get_cell_start(p);
	uint32_t gap = start - (BT_PAGE_HEADER_BYTES + 2 * n);
	char *slots = p + BT_PAGE_HEADER_BYTES;

	assert(idx <= n);
	if (gap < len + 2) {
		if (!scratch || gap + get_frag(p) < len + 2)
			return KV_ENOSPC;
		bt_page_compact(p, page_bytes, scratch);
		start = get_cell_start(p);
	}
	start -= len;
	memcpy(p + start, cell, len);
	memmove(slots + 2 * (idx + 1), slots + 2 * idx, 2 * (size_t)(n - idx));
	set_slot(p, idx, start);
	kv_put_u32(p + BT_OFF_NCELLS, n + 1);
	kv_put_u32(p + BT_OFF_CELL_START, start);
	return KV_OK;
}

void bt_page_remove(char *p, size_t page_bytes, uint32_t idx)
{
	uint32_t n = bt_page_ncells(p), off = bt_page_cell_off(p, idx);
	char *slots = p + BT_PAGE_HEADER_BYTES;
	struct bt_cell c;

	(void)page_bytes;
	assert(idx < n);
	bt_page_cell(p, idx, &c);
	memmove(slots + 2 * idx, slots + 2 * (idx + 1), 2 * (size_t)(n - idx - 1));
	kv_put_u32(p + BT_OFF_NCELLS, n - 1);
	if (off == get_cell_start(p))
		kv_put_u32(p + BT_OFF_CELL_START, off + c.size);
	else
		kv_put_u32(p + BT_OFF_FRAG, get_frag(p) + c.size);
}

void bt_page_set_cells(char *p, size_t page_bytes, const char *const *cells,
		       const uint32_t *sizes, uint32_t n)
{
	uint32_t wp = (uint32_t)page_bytes;

	for (uint32_t i = 0; i < n; i++) {
		assert(wp >= sizes[i] && wp - sizes[i] >= BT_PAGE_HEADER_BYTES + 2 * (i + 1));
		wp -= sizes[i];
		memcpy(p + wp, cells[i], sizes[i]);
		set_slot(p, i, wp);
	}
	kv_put_u32(p + BT_OFF_NCELLS, n);
	kv_put_u32(p + BT_OFF_CELL_START, wp);
	kv_put_u32(p + BT_OFF_FRAG, 0);
}

static uint32_t vlen32(uint32_t v)
{
	return (uint32_t)kv_varint_len(v);
}

uint32_t bt_leaf_cell_size(uint32_t klen, uint32_t vlen, bool ovf)
{
	uint32_t h = 1 + vlen32(klen) + vlen32(vlen);
	if (ovf)
		return h + (klen < BT_KEY_PREFIX ? klen : BT_KEY_PREFIX) + 4;
	return h + klen + vlen;
}

uint32_t bt_leaf_cell_encode(char *out, struct kv_slice key, struct kv_slice value, bool ovf,
			     uint32_t chain)
{
	char *q = out;

	*q++ = (char)(ovf ? BT_CELL_OVF : 0);
	q = kv_put_varint64(q, key.len);
	q = kv_put_varint64(q, value.len);
	if (ovf) {
		size_t pl = key.len < BT_KEY_PREFIX ? key.len : BT_KEY_PREFIX;
		memcpy(q, key.data, pl);
		q += pl;
		kv_put_u32(q, chain);
		q += 4;
	} else {
		memcpy(q, key.data, key.len);
		q += key.len;
		if (value.len)
			memcpy(q, value.data, value.len);
		q += value.len;
	}
	return (uint32_t)(q - out);
}

uint32_t bt_internal_cell_size(uint32_t klen, bool ovf)
{
	uint32_t h = 4 + 1 + vlen32(klen);
	if (ovf)
		return h + (klen < BT_KEY_PREFIX ? klen : BT_KEY_PREFIX) + 4;
	return h + klen;
}

uint32_t bt_internal_cell_encode(char *out, uint32_t child, struct kv_slice key, bool ovf,
				 uint32_t chain)
{
	char *q = out;

	kv_put_u32(q, child);
	q += 4;
	*q++ = (char)(ovf ? BT_CELL_OVF : 0);
	q = kv_put_varint64(q, key.len);
	if (ovf) {
		size_t pl = key.len < BT_KEY_PREFIX ? key.len : BT_KEY_PREFIX;
		memcpy(q, key.data, pl);
		q += pl;
		kv_put_u32(q, chain);
		q += 4;
	} else {
		memcpy(q, key.data, key.len);
		q += key.len;
	}
	return (uint32_t)(q - out);
}
