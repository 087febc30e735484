/*
 * core/btree/page.h - the B+ tree's page formats: the common 32-byte
 * checksummed page header, slotted leaf and internal pages with
 * variable-length cells, and overflow pages. Byte tables in
 * docs/formats.md, "B+ tree".
 *
 * A page is a caller-owned buffer of page_bytes bytes. Functions here do
 * no I/O. Pages that come from a file are untrusted: bt_page_verify()
 * checks the checksum and the whole slotted structure, after which the
 * other functions may assume a well-formed page (they assert).
 *
 * Slotted layout: header, then the slot array (u16 cell offsets in key
 * order) growing up, free space, and cells packed from the end of the page
 * growing down. Deleting a cell leaves a hole counted in `frag`; an insert
 * that does not fit contiguously but fits in the total free space first
 * compacts the page.
 */
#ifndef KV_CORE_BTREE_PAGE_H
#define KV_CORE_BTREE_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/coding.h"
#include "core/slice.h"
#include "core/status.h"

#define BT_PAGE_HEADER_BYTES 32
#define BT_MIN_PAGE_BYTES 512u
#define BT_MAX_PAGE_BYTES 65536u
/* Bytes of a long key kept inline in its cell (the rest is in the chain). */
#define BT_KEY_PREFIX 32u

enum bt_page_type {
	BT_PAGE_LEAF = 1,
	BT_PAGE_INTERNAL = 2,
	BT_PAGE_OVERFLOW = 3,
	BT_PAGE_MAP = 4,
};

/* Header field offsets. */
#define BT_OFF_CHECKSUM 0
#define BT_OFF_ID 4
#define BT_OFF_TYPE 8
#define BT_OFF_LEVEL 10
#define BT_OFF_NCELLS 12
#define BT_OFF_CELL_START 16
#define BT_OFF_FRAG 20
#define BT_OFF_NEXT 24
#define BT_OFF_AUX 28

/* Cell flag: key and value (leaf) or key (internal) live in an overflow chain. */
#define BT_CELL_OVF 0x01

static inline uint32_t bt_page_id(const char *p) { return kv_get_u32(p + BT_OFF_ID); }
static inline unsigned bt_page_type(const char *p) { return (unsigned char)p[BT_OFF_TYPE]; }
static inline unsigned bt_page_level(const char *p) { return kv_get_u16(p + BT_OFF_LEVEL); }
static inline uint32_t bt_page_ncells(const char *p) { return kv_get_u32(p + BT_OFF_NCELLS); }
static inline uint32_t bt_page_next(const char *p) { return kv_get_u32(p + BT_OFF_NEXT); }
static inline uint32_t bt_page_aux(const char *p) { return kv_get_u32(p + BT_OFF_AUX); }
static inline void bt_page_set_next(char *p, uint32_t v) { kv_put_u32(p + BT_OFF_NEXT, v); }
static inline void bt_page_set_aux(char *p, uint32_t v) { kv_put_u32(p + BT_OFF_AUX, v); }
static inline bool bt_page_is_leaf(const char *p) { return bt_page_type(p) == BT_PAGE_LEAF; }

/* Offset of cell @i (i < ncells). */
static inline uint32_t bt_page_cell_off(const char *p, uint32_t i)
{
	return kv_get_u16(p + BT_PAGE_HEADER_BYTES + 2 * i);
}

/* A decoded cell; pointers borrow from the page. */
struct bt_cell {
	unsigned flags;
	uint32_t child;       /* internal cells: pages with keys >= this key */
	uint32_t klen;        /* full key length */
	uint32_t vlen;        /* leaf cells: full value length */
	const char *key;      /* inline key bytes: all of it, or a prefix if OVF */
	uint32_t key_inline;  /* bytes at key */
	const char *value;    /* leaf, not OVF: the value */
	uint32_t chain;       /* OVF: first page of the overflow chain */
	uint32_t size;        /* encoded cell bytes */
};

/* Largest cell kept in a page of @page_bytes (a quarter of the usable space). */
static inline uint32_t bt_max_local(size_t page_bytes)
{
	return (uint32_t)((page_bytes - BT_PAGE_HEADER_BYTES) / 4 - 2);
}

/* Data bytes of one overflow page. */
static inline uint32_t bt_ovf_data_bytes(size_t page_bytes)
{
	return (uint32_t)(page_bytes - BT_PAGE_HEADER_BYTES);
}

/* Pages of an overflow chain holding @bytes bytes (at least 1). */
static inline uint32_t bt_ovf_pages(size_t page_bytes, uint64_t bytes)
{
	uint64_t d = bt_ovf_data_bytes(page_bytes);
	return bytes == 0 ? 1 : (uint32_t)((bytes + d - 1) / d);
}

/* Initialise an empty page of @type with @id, @level (0 = leaf). */
void bt_page_init(char *p, size_t page_bytes, unsigned type, uint32_t id, unsigned level);
/* Compute and store the checksum (before writing the page out). */
void bt_page_seal(char *p, size_t page_bytes);
/*
 * Check a page read from a file: checksum, id == @want_id, type (any of
 * leaf/internal/overflow when @want_type is 0), and for slotted pages every
 * slot and cell within bounds and the space accounting exact. KV_OK or
 * KV_ECORRUPT with a message naming @file and @off.
 */
int bt_page_verify(const char *p, size_t page_bytes, uint32_t want_id, unsigned want_type,
		   const char *file, uint64_t off, struct kv_err *err);

/* Bytes in use by slots and cells (not the header, not free space). */
uint32_t bt_page_used_bytes(const char *p, size_t page_bytes);
/* Free bytes in total (contiguous gap + holes). */
uint32_t bt_page_free_bytes(const char *p, size_t page_bytes);

/* Decode cell @i of a verified slotted page. */
void bt_page_cell(const char *p, uint32_t i, struct bt_cell *c);
/* Pointer to the encoded bytes of cell @i. */
static inline const char *bt_page_cell_bytes(const char *p, uint32_t i)
{
	return p + bt_page_cell_off(p, i);
}
/*
 * The key of cell @i of a verified leaf or internal page @p (@type its
 * type), for the binary search: true with *key and *klen when the whole
 * key is inline, false when it spills into an overflow chain (then decode
 * the cell with bt_page_cell). Reads only the cell's first bytes; relies
 * on the verification (flags and varints well formed, within the page).
 */
static inline bool bt_page_cell_key(const char *p, unsigned type, uint32_t i,
				    const char **key, uint32_t *klen)
{
	const unsigned char *q = (const unsigned char *)p + bt_page_cell_off(p, i);
	uint32_t n = 0;
	unsigned shift = 0, b;

	if (type == BT_PAGE_INTERNAL)
		q += 4; /* child */
	if (*q++ & BT_CELL_OVF)
		return false;
	do {
		b = *q++;
		n |= (uint32_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (type == BT_PAGE_LEAF)
		while (*q++ & 0x80)
			; /* vlen */
	*key = (const char *)q;
	*klen = n;
	return true;
}

/* The child of internal cell @i of a verified internal page. */
static inline uint32_t bt_page_cell_child(const char *p, uint32_t i)
{
	return kv_get_u32(p + bt_page_cell_off(p, i));
}

/*
 * Decode an encoded cell of page type @type in [cell, limit). Returns the
 * cell size, or 0 if it is malformed or runs past @limit.
 */
uint32_t bt_cell_decode(const char *cell, const char *limit, unsigned type, struct bt_cell *c);

/*
 * Insert the encoded cell (@len bytes) as cell @idx (0..ncells), shifting
 * later slots. Compacts the page first if needed, using @scratch (a page
 * buffer). KV_OK, or KV_ENOSPC when the page cannot hold it (unchanged).
 */
int bt_page_insert(char *p, size_t page_bytes, uint32_t idx, const char *cell, uint32_t len,
		   char *scratch);
/* Remove cell @idx (its bytes become a hole). */
void bt_page_remove(char *p, size_t page_bytes, uint32_t idx);
/* Rewrite the cells contiguously at the end of the page (removes holes). */
void bt_page_compact(char *p, size_t page_bytes, char *scratch);
/*
 * Replace the cells of @p with @n cells given as pointers and sizes (which
 * must not point into @p). Header id/type/level/next/aux are kept.
 * The cells must fit (asserted).
 */
void bt_page_set_cells(char *p, size_t page_bytes, const char *const *cells,
		       const uint32_t *sizes, uint32_t n);

/* Encoded size of a leaf cell; @ovf says whether it spills. */
uint32_t bt_leaf_cell_size(uint32_t klen, uint32_t vlen, bool ovf);
/*
 * Encode a leaf cell at @out: inline (chain 0) with the whole key and
 * value, or OVF with the key prefix and @chain. Returns its size.
 */
uint32_t bt_leaf_cell_encode(char *out, struct kv_slice key, struct kv_slice value, bool ovf,
			     uint32_t chain);
/* Encoded size / encoding of an internal cell (child, key or prefix + chain). */
uint32_t bt_internal_cell_size(uint32_t klen, bool ovf);
uint32_t bt_internal_cell_encode(char *out, uint32_t child, struct kv_slice key, bool ovf,
				 uint32_t chain);
/* Rewrite the child of an encoded internal cell. */
static inline void bt_internal_cell_set_child(char *cell, uint32_t child)
{
	kv_put_u32(cell, child);
}

#endif
