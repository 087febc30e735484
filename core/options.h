/*
 * core/options.h - option tables and configs.
 *
 * Every plug-in declares a NULL-terminated (name == NULL) table of
 * struct kv_option. The table is the single source for validation (an
 * unknown key or out-of-range value is an error naming the key and the
 * allowed range), CLI flags, `lsmlab list`, generated docs and the config
 * echoed into results.
 *
 * A struct kv_config is an ordered list of name=value strings as the user
 * wrote them (CLI `--name=value`, Lua tables). kv_options_load() parses the
 * values a table knows into a C struct through the `offset` field; names
 * not present take the table's default.
 *
 * Value syntax: integers accept 1e6, 0x10, and for KV_OPT_BYTES the
 * suffixes K/KB/KiB/M/MB/MiB/G/GB/GiB/T (KB = 1000, KiB = K = 1024);
 * KV_OPT_DURATION accepts ns/us/ms/s/min/h/d (bare numbers are ns);
 * booleans accept true/false/yes/no/on/off/1/0; enums accept one of
 * `choices` (the stored value is the index).
 */
#ifndef KV_CORE_OPTIONS_H
#define KV_CORE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

enum kv_opt_type {
	KV_OPT_INT,      /* int64_t */
	KV_OPT_BYTES,    /* uint64_t, size suffixes */
	KV_OPT_DURATION, /* uint64_t nanoseconds, time suffixes */
	KV_OPT_DOUBLE,   /* double */
	KV_OPT_BOOL,     /* bool */
	KV_OPT_ENUM,     /* int, index into choices */
	KV_OPT_STRING,   /* char[KV_OPT_STRING_BYTES] */
};

#define KV_OPT_STRING_BYTES 256

struct kv_option {
	const char *name;
	enum kv_opt_type type;
	const char *def;             /* default, in the value syntax above */
	double min, max;             /* inclusive range for numeric types */
	const char *unit;            /* "bytes", "ns", "keys", "" ... */
	const char *doc;             /* one line */
	const char *const *choices;  /* KV_OPT_ENUM: NULL-terminated */
	size_t offset;               /* where kv_options_load() stores it */
};

struct kv_config;

/* A new empty config (caller frees with kv_config_free). NULL on ENOMEM. */
struct kv_config *kv_config_new(void);
void kv_config_free(struct kv_config *cfg);
struct kv_config *kv_config_dup(const struct kv_config *cfg);

/* Set (or replace) name=value; both copied. KV_OK or KV_ENOMEM. */
int kv_config_set(struct kv_config *cfg, const char *name, const char *value);
/* The raw value, or NULL if unset. Borrowed until the next set/free. */
const char *kv_config_get(const struct kv_config *cfg, const char *name);
size_t kv_config_count(const struct kv_config *cfg);
/* The i-th entry in insertion order. */
void kv_config_entry(const struct kv_config *cfg, size_t i, const char **name,
		     const char **value);

/* Find an option by name in a table; NULL if absent. */
const struct kv_option *kv_option_find(const struct kv_option *table, const char *name);

/*
 * Parse one value of @opt into *out (which points at storage of the
 * option's C type). On error fills @err naming the option, the bad value
 * and the allowed values/range, and returns KV_EINVAL.
 */
int kv_option_parse(const struct kv_option *opt, const char *value, void *out,
		    struct kv_err *err);

/*
 * Fill the struct at @dst from @cfg for every option of @table (defaults
 * for names not in cfg). Keys of cfg that the table does not know are
 * ignored here (see kv_config_check). KV_OK or KV_EINVAL with @err set.
 */
int kv_options_load(const struct kv_option *table, const struct kv_config *cfg,
		    void *dst, struct kv_err *err);

/*
 * Check that every key of @cfg is known to one of the NULL-terminated list
 * of @tables and that its value parses. An unknown key's message names it
 * and, when a close match exists, suggests it.
 */
int kv_config_check(const struct kv_config *cfg, const struct kv_option *const *tables,
		    struct kv_err *err);

/* Describe the allowed values of @opt ("4096..1073741824 bytes", "one of a|b") into buf. */
void kv_option_describe_range(const struct kv_option *opt, char *buf, size_t len);

/*
 * Bytes of the C type kv_options_load() stores for an option of type @t
 * (int64_t, uint64_t, double, bool, int for enums, KV_OPT_STRING_BYTES);
 * for code that copies option fields between structs by offset.
 */
size_t kv_option_size(enum kv_opt_type t);

/* Format the effective value of @opt stored at @src (for echoing configs). */
void kv_option_format(const struct kv_option *opt, const void *src, char *buf, size_t len);

/*
 * Optimal string alignment distance between two names (insertions,
 * deletions, substitutions, adjacent transpositions), for "did you mean"
 * suggestions; SIZE_MAX if either is longer than 64 bytes.
 */
size_t kv_edit_distance(const char *a, const char *b);

/* Parse helpers shared with the CLI and Lua. KV_OK or KV_EINVAL. */
int kv_parse_bytes(const char *s, uint64_t *out);
int kv_parse_duration_ns(const char *s, uint64_t *out);
int kv_parse_double(const char *s, double *out);
int kv_parse_bool(const char *s, bool *out);

#endif
