/*
 * core/options.c - option tables, configs and the value syntax.
 *
 * Decisions the header leaves open:
 *  - A numeric option whose min and max are both 0 is unbounded.
 *  - Leading/trailing blanks around a value are ignored, and blanks may
 *    separate a number from its unit ("4 MiB"). Units are case-insensitive:
 *    "k"/"kib" (and m, g, t, p) are binary, "kb" (and mb, gb, tb, pb) are
 *    decimal, so "4mb" is 4000000.
 *  - A fractional number with a unit is rounded to the nearest integer if it
 *    is within 1e-9 (relative) of one ("1.5s", "0.5KiB"); otherwise it is
 *    rejected as not a whole number.
 *  - Enum choices match case-insensitively.
 *  - A NULL default means the zero value of the type ("" for strings).
 *
 * struct kv_config invariants:
 *  1. count <= cap; names in entries[0..count) are distinct (strcmp).
 *  2. Every name and value is an owned KV_MEM_OTHER NUL-terminated copy.
 */
#include "core/options.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"

struct kv_config_entry {
	char *name;
	char *value;
};

struct kv_config {
	struct kv_config_entry *entries;
	size_t count;
	size_t cap;
};

static bool config_check(const struct kv_config *cfg)
{
	if (cfg->count > cfg->cap)
		return false;
	for (size_t i = 0; i < cfg->count; i++) {
		if (!cfg->entries[i].name || !cfg->entries[i].value)
			return false;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(cfg->entries[i].name, cfg->entries[j].name) == 0)
				return false;
		}
	}
	return true;
}

/* ---------------------------------------------------------------- configs */

struct kv_config *kv_config_new(void)
{
	return kv_calloc(KV_MEM_OTHER, sizeof(struct kv_config));
}

void kv_config_free(struct kv_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->count; i++) {
		kv_strfree(KV_MEM_OTHER, cfg->entries[i].name);
		kv_strfree(KV_MEM_OTHER, cfg->entries[i].value);
	}
	kv_free(KV_MEM_OTHER, cfg->entries, cfg->cap * sizeof(cfg->entries[0]));
	kv_free(KV_MEM_OTHER, cfg, sizeof(*cfg));
}

struct kv_config *kv_config_dup(const struct kv_config *cfg)
{
	struct kv_config *copy = kv_config_new();

	if (!copy)
		return NULL;
	for (size_t i = 0; i < cfg->count; i++) {
		if (kv_config_set(copy, cfg->entries[i].name, cfg->entries[i].value) != KV_OK) {
			kv_config_free(copy);
			return NULL;
		}
	}
	return copy;
}

static struct kv_config_entry *config_lookup(const struct kv_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->count; i++) {
		if (strcmp(cfg->entries[i].name, name) == 0)
			return &cfg->entries[i];
	}
	return NULL;
}

int kv_config_set(struct kv_config *cfg, const char *name, const char *value)
{
	struct kv_config_entry *e = config_lookup(cfg, name);
	char *vcopy, *ncopy;

	assert(config_check(cfg));
	vcopy = kv_strdup(KV_MEM_OTHER, value);
	if (!vcopy)
		return KV_ENOMEM;
	if (e) {
		kv_strfree(KV_MEM_OTHER, e->value);
		e->value = vcopy;
		return KV_OK;
	}
	if (cfg->count == cfg->cap) {
		size_t ncap = cfg->cap ? cfg->cap * 2 : 8;
		struct kv_config_entry *ne =
			kv_realloc(KV_MEM_OTHER, cfg->entries, cfg->cap * sizeof(*ne),
				   ncap * sizeof(*ne));
		if (!ne)
			goto out_free_value;
		cfg->entries = ne;
		cfg->cap = ncap;
	}
	ncopy = kv_strdup(KV_MEM_OTHER, name);
	if (!ncopy)
		goto out_free_value;
	cfg->entries[cfg->count].name = ncopy;
	cfg->entries[cfg->count].value = vcopy;
	cfg->count++;
	assert(config_check(cfg));
	return KV_OK;

out_free_value:
	kv_strfree(KV_MEM_OTHER, vcopy);
	return KV_ENOMEM;
}

const char *kv_config_get(const struct kv_config *cfg, const char *name)
{
	const struct kv_config_entry *e = cfg ? config_lookup(cfg, name) : NULL;

	return e ? e->value : NULL;
}

size_t kv_config_count(const struct kv_config *cfg)
{
	return cfg ? cfg->count : 0;
}

void kv_config_entry(const struct kv_config *cfg, size_t i, const char **name,
		     const char **value)
{
	assert(i < cfg->count);
	if (name)
		*name = cfg->entries[i].name;
	if (value)
		*value = cfg->entries[i].value;
}

const struct kv_option *kv_option_find(const struct kv_option *table, const char *name)
{
	if (!table || !name)
		return NULL;
	for (const struct kv_option *o = table; o->name; o++) {
		if (strcmp(o->name, name) == 0)
			return o;
	}
	return NULL;
}

/* ------------------------------------------------------------ value syntax */

struct unit {
	const char *name;
	uint64_t mult;
};

static const struct unit byte_units[] = {
	{ "", 1 },
	{ "b", 1 },
	{ "k", 1ULL << 10 }, { "ki", 1ULL << 10 }, { "kib", 1ULL << 10 }, { "kb", 1000ULL },
	{ "m", 1ULL << 20 }, { "mi", 1ULL << 20 }, { "mib", 1ULL << 20 }, { "mb", 1000000ULL },
	{ "g", 1ULL << 30 }, { "gi", 1ULL << 30 }, { "gib", 1ULL << 30 },
	{ "gb", 1000000000ULL },
	{ "t", 1ULL << 40 }, { "ti", 1ULL << 40 }, { "tib", 1ULL << 40 },
	{ "tb", 1000000000000ULL },
	{ "p", 1ULL << 50 }, { "pi", 1ULL << 50 }, { "pib", 1ULL << 50 },
	{ "pb", 1000000000000000ULL },
	{ NULL, 0 },
};

static const struct unit duration_units[] = {
	{ "", 1 },
	{ "ns", 1 },
	{ "us", 1000ULL },
	{ "ms", 1000000ULL },
	{ "s", 1000000000ULL },
	{ "min", 60000000000ULL },
	{ "h", 3600000000000ULL },
	{ "d", 86400000000000ULL },
	{ NULL, 0 },
};

static const struct unit no_units[] = {
	{ "", 1 },
	{ NULL, 0 },
};

/*
 * A parsed scalar: magnitude (exact when is_int) or dval, with sign.
 * Returns NULL on success, else a short reason.
 */
struct number {
	bool neg;
	bool is_int;
	uint64_t ival;
	double dval;
};

static const char *skip_blanks(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

static const char *parse_number(const char *s, struct number *n, const char **end)
{
	const char *p = s;
	char *e;

	n->neg = false;
	n->is_int = false;
	n->ival = 0;
	n->dval = 0;
	if (*p == '+' || *p == '-') {
		n->neg = *p == '-';
		p++;
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		if (!isxdigit((unsigned char)p[2]))
			return "not a number";
		errno = 0;
		n->ival = strtoull(p + 2, &e, 16);
		if (errno == ERANGE)
			return "too large";
		n->is_int = true;
		n->dval = (double)n->ival;
		*end = e;
		return NULL;
	}
	if (!isdigit((unsigned char)p[0]) && !(p[0] == '.' && isdigit((unsigned char)p[1])))
		return "not a number";
	errno = 0;
	n->dval = strtod(p, &e);
	if (errno == ERANGE && fabs(n->dval) > 1.0)
		return "too large";
	*end = e;
	n->is_int = true;
	for (const char *q = p; q < e; q++) {
		if (!isdigit((unsigned char)*q))
			n->is_int = false;
	}
	if (n->is_int) {
		errno = 0;
		n->ival = strtoull(p, NULL, 10);
		if (errno == ERANGE)
			return "too large";
	}
	return NULL;
}

static const struct unit *find_unit(const struct unit *units, const char *s, size_t len)
{
	for (const struct unit *u = units; u->name; u++) {
		if (strlen(u->name) == len && strncasecmp(u->name, s, len) == 0)
			return u;
	}
	return NULL;
}

/*
 * Parse "<number>[blanks]<unit>" into a magnitude and sign. The result is
 * an exact integer magnitude (<= UINT64_MAX). Returns NULL or a reason.
 */
static const char *parse_scaled(const char *s, const struct unit *units, bool *neg,
				uint64_t *mag)
{
	struct number n;
	const char *p = skip_blanks(s), *end, *why;
	const struct unit *u;
	size_t ulen;

	why = parse_number(p, &n, &end);
	if (why)
		return why;
	p = skip_blanks(end);
	ulen = strlen(p);
	while (ulen > 0 && isspace((unsigned char)p[ulen - 1]))
		ulen--;
	u = find_unit(units, p, ulen);
	if (!u)
		return units == no_units ? "trailing characters" : "unknown unit";
	*neg = n.neg;
	if (n.is_int) {
		if (n.ival != 0 && u->mult > UINT64_MAX / n.ival)
			return "too large";
		*mag = n.ival * u->mult;
		return NULL;
	}
	{
		double x = n.dval * (double)u->mult;
		double r = nearbyint(x);

		if (!isfinite(x) || r >= 18446744073709551616.0)
			return "too large";
		if (fabs(x - r) > 1e-9 * (fabs(x) > 1.0 ? fabs(x) : 1.0))
			return "not a whole number";
		*mag = (uint64_t)r;
	}
	if (*mag == 0)
		*neg = false;
	return NULL;
}

static const char *parse_unsigned(const char *s, const struct unit *units, uint64_t *out)
{
	bool neg;
	uint64_t mag;
	const char *why = parse_scaled(s, units, &neg, &mag);

	if (why)
		return why;
	if (neg && mag != 0)
		return "negative";
	*out = mag;
	return NULL;
}

static const char *parse_int64(const char *s, int64_t *out)
{
	bool neg;
	uint64_t mag;
	const char *why = parse_scaled(s, no_units, &neg, &mag);

	if (why)
		return why;
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			return "too small";
		*out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > (uint64_t)INT64_MAX)
			return "too large";
		*out = (int64_t)mag;
	}
	return NULL;
}

static const char *parse_double(const char *s, double *out)
{
	const char *p = skip_blanks(s);
	char *e;
	double v;

	if (*p == '\0')
		return "not a number";
	errno = 0;
	v = strtod(p, &e);
	if (e == p)
		return "not a number";
	if (*skip_blanks(e) != '\0')
		return "trailing characters";
	if (!isfinite(v))
		return "not finite";
	*out = v;
	return NULL;
}

static const char *const bool_true[] = { "true", "yes", "on", "1", NULL };
static const char *const bool_false[] = { "false", "no", "off", "0", NULL };

static const char *parse_bool(const char *s, bool *out)
{
	const char *p = skip_blanks(s);
	size_t len = strlen(p);

	while (len > 0 && isspace((unsigned char)p[len - 1]))
		len--;
	for (int i = 0; bool_true[i]; i++) {
		if (strlen(bool_true[i]) == len && strncasecmp(bool_true[i], p, len) == 0) {
			*out = true;
			return NULL;
		}
		if (strlen(bool_false[i]) == len && strncasecmp(bool_false[i], p, len) == 0) {
			*out = false;
			return NULL;
		}
	}
	return "not a boolean";
}

int kv_parse_bytes(const char *s, uint64_t *out)
{
	return s && parse_unsigned(s, byte_units, out) == NULL ? KV_OK : KV_EINVAL;
}

int kv_parse_duration_ns(const char *s, uint64_t *out)
{
	return s && parse_unsigned(s, duration_units, out) == NULL ? KV_OK : KV_EINVAL;
}

int kv_parse_double(const char *s, double *out)
{
	return s && parse_double(s, out) == NULL ? KV_OK : KV_EINVAL;
}

int kv_parse_bool(const char *s, bool *out)
{
	return s && parse_bool(s, out) == NULL ? KV_OK : KV_EINVAL;
}

/* -------------------------------------------------------------- describe */

static bool unbounded(const struct kv_option *opt)
{
	return opt->min == 0 && opt->max == 0;
}

static int format_bound(char *buf, size_t len, double v)
{
	if (v == floor(v) && fabs(v) < 1e21)
		return snprintf(buf, len, "%.0f", v);
	return snprintf(buf, len, "%g", v);
}

static void join_choices(const char *const *choices, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; choices && choices[i]; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? "|" : "", choices[i]);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

void kv_option_describe_range(const struct kv_option *opt, char *buf, size_t len)
{
	char lo[64], hi[64], list[KV_ERR_MSG_BYTES];
	const char *unit = opt->unit && opt->unit[0] ? opt->unit : NULL;

	if (len == 0)
		return;
	switch (opt->type) {
	case KV_OPT_BOOL:
		snprintf(buf, len, "true|false");
		return;
	case KV_OPT_ENUM:
		join_choices(opt->choices, list, sizeof(list));
		snprintf(buf, len, "one of %s", list);
		return;
	case KV_OPT_STRING:
		snprintf(buf, len, "a string of at most %d bytes", KV_OPT_STRING_BYTES - 1);
		return;
	case KV_OPT_INT:
	case KV_OPT_BYTES:
	case KV_OPT_DURATION:
	case KV_OPT_DOUBLE:
		break;
	}
	if (unbounded(opt)) {
		snprintf(buf, len, "any %s%s%s",
			 opt->type == KV_OPT_DOUBLE ? "number" :
			 opt->type == KV_OPT_INT ? "integer" : "non-negative integer",
			 unit ? " " : "", unit ? unit : "");
		return;
	}
	format_bound(lo, sizeof(lo), opt->min);
	format_bound(hi, sizeof(hi), opt->max);
	snprintf(buf, len, "%s..%s%s%s", lo, hi, unit ? " " : "", unit ? unit : "");
}

/* ----------------------------------------------------------------- parse */

size_t kv_option_size(enum kv_opt_type t)
{
	switch (t) {
	case KV_OPT_INT:
		return sizeof(int64_t);
	case KV_OPT_BYTES:
	case KV_OPT_DURATION:
		return sizeof(uint64_t);
	case KV_OPT_DOUBLE:
		return sizeof(double);
	case KV_OPT_BOOL:
		return sizeof(bool);
	case KV_OPT_ENUM:
		return sizeof(int);
	case KV_OPT_STRING:
		return KV_OPT_STRING_BYTES;
	}
	return 0;
}

static const char *type_noun(enum kv_opt_type t)
{
	switch (t) {
	case KV_OPT_INT:
		return "integer";
	case KV_OPT_BYTES:
		return "size";
	case KV_OPT_DURATION:
		return "duration";
	case KV_OPT_DOUBLE:
		return "number";
	case KV_OPT_BOOL:
		return "boolean";
	case KV_OPT_ENUM:
		return "choice";
	case KV_OPT_STRING:
		return "string";
	}
	return "value";
}

static int out_of_range(const struct kv_option *opt, const char *value, struct kv_err *err)
{
	char range[KV_ERR_MSG_BYTES];

	kv_option_describe_range(opt, range, sizeof(range));
	return kv_err_set(err, KV_EINVAL, "option '%s': value '%s' is out of range; expected %s",
			  opt->name, value, range);
}

static int bad_value(const struct kv_option *opt, const char *value, const char *why,
		     struct kv_err *err)
{
	char range[KV_ERR_MSG_BYTES];

	kv_option_describe_range(opt, range, sizeof(range));
	return kv_err_set(err, KV_EINVAL,
			  "option '%s': value '%s' is not a valid %s (%s); expected %s",
			  opt->name, value, type_noun(opt->type), why, range);
}

static bool in_range(const struct kv_option *opt, double v)
{
	return unbounded(opt) || (v >= opt->min && v <= opt->max);
}

int kv_option_parse(const struct kv_option *opt, const char *value, void *out,
		    struct kv_err *err)
{
	const char *why;

	if (!value)
		value = "";
	switch (opt->type) {
	case KV_OPT_INT: {
		int64_t v;
		why = parse_int64(value, &v);
		if (why)
			return bad_value(opt, value, why, err);
		if (!in_range(opt, (double)v))
			return out_of_range(opt, value, err);
		memcpy(out, &v, sizeof(v));
		return KV_OK;
	}
	case KV_OPT_BYTES:
	case KV_OPT_DURATION: {
		uint64_t v;
		why = parse_unsigned(value, opt->type == KV_OPT_BYTES ? byte_units :
					    duration_units, &v);
		if (why)
			return bad_value(opt, value, why, err);
		if (!in_range(opt, (double)v))
			return out_of_range(opt, value, err);
		memcpy(out, &v, sizeof(v));
		return KV_OK;
	}
	case KV_OPT_DOUBLE: {
		double v;
		why = parse_double(value, &v);
		if (why)
			return bad_value(opt, value, why, err);
		if (!in_range(opt, v))
			return out_of_range(opt, value, err);
		memcpy(out, &v, sizeof(v));
		return KV_OK;
	}
	case KV_OPT_BOOL: {
		bool v;
		if (parse_bool(value, &v))
			return kv_err_set(err, KV_EINVAL,
					  "option '%s': '%s' is not a boolean "
					  "(true|false|yes|no|on|off|1|0)", opt->name, value);
		memcpy(out, &v, sizeof(v));
		return KV_OK;
	}
	case KV_OPT_ENUM: {
		char list[KV_ERR_MSG_BYTES];
		const char *p = skip_blanks(value);
		size_t len = strlen(p);

		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		for (int i = 0; opt->choices && opt->choices[i]; i++) {
			if (strlen(opt->choices[i]) == len &&
			    strncasecmp(opt->choices[i], p, len) == 0) {
				memcpy(out, &i, sizeof(i));
				return KV_OK;
			}
		}
		join_choices(opt->choices, list, sizeof(list));
		return kv_err_set(err, KV_EINVAL, "option '%s': '%s' is not one of %s", opt->name,
				  value, list);
	}
	case KV_OPT_STRING: {
		size_t len = strlen(value);
		if (len >= KV_OPT_STRING_BYTES)
			return kv_err_set(err, KV_EINVAL,
					  "option '%s': value '%.40s...' is too long (%zu bytes; "
					  "at most %d)", opt->name, value, len,
					  KV_OPT_STRING_BYTES - 1);
		memcpy(out, value, len + 1);
		return KV_OK;
	}
	}
	return kv_err_set(err, KV_EINVAL, "option '%s': unknown option type %d", opt->name,
			  (int)opt->type);
}

int kv_options_load(const struct kv_option *table, const struct kv_config *cfg,
		    void *dst, struct kv_err *err)
{
	for (const struct kv_option *o = table; o->name; o++) {
		const char *v = kv_config_get(cfg, o->name);
		char *slot = (char *)dst + o->offset;
		int rc;

		if (v) {
			rc = kv_option_parse(o, v, slot, err);
			if (rc != KV_OK)
				return rc;
		} else if (o->def) {
			rc = kv_option_parse(o, o->def, slot, NULL);
			assert(rc == KV_OK && "bad default in an option table");
			(void)rc;
		} else {
			memset(slot, 0, kv_option_size(o->type));
		}
	}
	return KV_OK;
}

/* ------------------------------------------------------------- check */

#define EDIT_MAX_LEN 64

size_t kv_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[EDIT_MAX_LEN + 1][EDIT_MAX_LEN + 1];

	if (la > EDIT_MAX_LEN || lb > EDIT_MAX_LEN)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < best)
				best = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The closest known name to @key (edit distance <= 2, else a prefix match). */
static const char *suggest(const char *key, const struct kv_option *const *tables)
{
	const char *best = NULL, *prefix = NULL;
	size_t best_d = 3;

	for (size_t t = 0; tables[t]; t++) {
		for (const struct kv_option *o = tables[t]; o->name; o++) {
			size_t d = kv_edit_distance(key, o->name);
			if (d < best_d) {
				best_d = d;
				best = o->name;
			}
			if (!prefix && key[0] &&
			    (has_prefix(o->name, key) || has_prefix(key, o->name)))
				prefix = o->name;
		}
	}
	return best ? best : prefix;
}

int kv_config_check(const struct kv_config *cfg, const struct kv_option *const *tables,
		    struct kv_err *err)
{
	union {
		int64_t i;
		uint64_t u;
		double d;
		bool b;
		int e;
		char s[KV_OPT_STRING_BYTES];
	} scratch;

	for (size_t i = 0; i < kv_config_count(cfg); i++) {
		const char *name = cfg->entries[i].name;
		const char *value = cfg->entries[i].value;
		bool known = false;

		for (size_t t = 0; tables && tables[t]; t++) {
			const struct kv_option *o = kv_option_find(tables[t], name);
			int rc;

			if (!o)
				continue;
			known = true;
			rc = kv_option_parse(o, value, &scratch, err);
			if (rc != KV_OK)
				return rc;
		}
		if (!known) {
			const char *s = tables ? suggest(name, tables) : NULL;
			if (s)
				return kv_err_set(err, KV_EINVAL,
						  "unknown option '%s' (did you mean '%s'?)", name, s);
			return kv_err_set(err, KV_EINVAL, "unknown option '%s'", name);
		}
	}
	return KV_OK;
}

/* ------------------------------------------------------------- format */

static void format_scaled(uint64_t v, const struct unit *const *order, char *buf, size_t len)
{
	if (v != 0) {
		for (size_t i = 0; order[i]; i++) {
			if (v % order[i]->mult == 0) {
				snprintf(buf, len, "%llu%s", (unsigned long long)(v / order[i]->mult),
					 order[i]->name);
				return;
			}
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

void kv_option_format(const struct kv_option *opt, const void *src, char *buf, size_t len)
{
	static const struct unit b_pib = { "PiB", 1ULL << 50 }, b_tib = { "TiB", 1ULL << 40 },
				 b_gib = { "GiB", 1ULL << 30 }, b_mib = { "MiB", 1ULL << 20 },
				 b_kib = { "KiB", 1ULL << 10 };
	static const struct unit *const bytes_order[] = { &b_pib, &b_tib, &b_gib, &b_mib,
							  &b_kib, NULL };
	static const struct unit d_d = { "d", 86400000000000ULL }, d_h = { "h", 3600000000000ULL },
				 d_min = { "min", 60000000000ULL }, d_s = { "s", 1000000000ULL },
				 d_ms = { "ms", 1000000ULL }, d_us = { "us", 1000ULL },
				 d_ns = { "ns", 1 };
	static const struct unit *const dur_order[] = { &d_d, &d_h, &d_min, &d_s, &d_ms,
							&d_us, &d_ns, NULL };

	if (len == 0)
		return;
	switch (opt->type) {
	case KV_OPT_INT: {
		int64_t v;
		memcpy(&v, src, sizeof(v));
		snprintf(buf, len, "%lld", (long long)v);
		return;
	}
	case KV_OPT_BYTES: {
		uint64_t v;
		memcpy(&v, src, sizeof(v));
		format_scaled(v, bytes_order, buf, len);
		return;
	}
	case KV_OPT_DURATION: {
		uint64_t v;
		memcpy(&v, src, sizeof(v));
		format_scaled(v, dur_order, buf, len);
		return;
	}
	case KV_OPT_DOUBLE: {
		double v, back;
		memcpy(&v, src, sizeof(v));
		for (int prec = 6; prec <= 17; prec++) {
			snprintf(buf, len, "%.*g", prec, v);
			back = strtod(buf, NULL);
			if (back == v)
				return;
		}
		return;
	}
	case KV_OPT_BOOL: {
		bool v;
		memcpy(&v, src, sizeof(v));
		snprintf(buf, len, "%s", v ? "true" : "false");
		return;
	}
	case KV_OPT_ENUM: {
		int v;
		int n = 0;
		memcpy(&v, src, sizeof(v));
		while (opt->choices && opt->choices[n])
			n++;
		if (v >= 0 && v < n)
			snprintf(buf, len, "%s", opt->choices[v]);
		else
			snprintf(buf, len, "%d", v);
		return;
	}
	case KV_OPT_STRING:
		snprintf(buf, len, "%.*s", KV_OPT_STRING_BYTES - 1, (const char *)src);
		return;
	}
	buf[0] = '\0';
}
