/*
 * lua/setup.c - plug-in names and options to an open device and engine
 * (lua/setup.h).
 */
#include "lua/setup.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "devices/registry.h"
#include "strategies/registry.h"

#define LIST_BYTES 1024

const char *kv_setup_suggest(const char *s, const char *const *names, size_t n)
{
	const char *best = NULL, *prefix = NULL;
	size_t best_d = 3, len = strlen(s);

	for (size_t i = 0; i < n; i++) {
		size_t d;

		if (!names[i])
			continue;
		d = kv_edit_distance(s, names[i]);
		if (d < best_d && d < len) {
			best_d = d;
			best = names[i];
		}
		if (!prefix && len >= 3 && strncmp(names[i], s, len) == 0)
			prefix = names[i];
	}
	return best ? best : prefix;
}

/* ------------------------------------------------------ name resolution */

/* "a|b|c" of the names in a NULL-terminated registry of ops pointers. */
#define JOIN_NAMES(registry, buf, len)                                                     \
	do {                                                                               \
		size_t used_ = 0;                                                          \
		(buf)[0] = '\0';                                                           \
		for (size_t i_ = 0; (registry)[i_]; i_++) {                                \
			int n_ = snprintf((buf) + used_, (len) - used_, "%s%s",            \
					  i_ ? "|" : "", (registry)[i_]->name);            \
			if (n_ < 0 || (size_t)n_ >= (len) - used_)                         \
				break;                                                     \
			used_ += (size_t)n_;                                               \
		}                                                                          \
	} while (0)

void kv_setup_engine_names(char *buf, size_t len)
{
	JOIN_NAMES(kv_engine_registry, buf, len);
}

void kv_setup_device_names(char *buf, size_t len)
{
	JOIN_NAMES(kv_device_registry, buf, len);
}

void kv_setup_memtable_names(char *buf, size_t len)
{
	JOIN_NAMES(kv_memtable_registry, buf, len);
}

void kv_setup_strategy_names(char *buf, size_t len)
{
	JOIN_NAMES(kv_strategy_registry, buf, len);
}

static int unknown_name(const char *what, const char *plural, const char *name,
			const char *list, struct kv_err *err)
{
	return kv_err_set(err, KV_EINVAL, "unknown %s '%s'; registered %s: %s", what, name,
			  plural, list);
}

int kv_setup_init(struct kv_setup *s, const char *prefix, const struct kv_option *own,
		  struct kv_err *err)
{
	memset(s, 0, sizeof(*s));
	s->prefix = prefix;
	s->own = own;
	s->engine_cfg = kv_config_new();
	s->device_cfg = kv_config_new();
	if (!s->engine_cfg || !s->device_cfg)
		return kv_err_set(err, KV_ENOMEM, "out of memory");
	return KV_OK;
}

void kv_setup_free(struct kv_setup *s)
{
	kv_config_free(s->engine_cfg);
	kv_config_free(s->device_cfg);
	s->engine_cfg = s->device_cfg = NULL;
}

int kv_setup_resolve(struct kv_setup *s, const char *engine, const char *memtable,
		     const char *strategy, const char *device, struct kv_err *err)
{
	char list[LIST_BYTES];
	const struct kv_option *eo;

	s->engine = kv_engine_find(engine);
	if (!s->engine) {
		kv_setup_engine_names(list, sizeof(list));
		return unknown_name("engine", "engines", engine, list, err);
	}
	s->device = kv_device_find(device);
	if (!s->device) {
		kv_setup_device_names(list, sizeof(list));
		return unknown_name("device", "devices", device, list, err);
	}
	eo = s->engine->options;
	s->memtable = NULL;
	s->strategy = NULL;
	if (eo && kv_option_find(eo, "memtable")) {
		s->memtable = kv_memtable_find(memtable);
		if (!s->memtable) {
			kv_setup_memtable_names(list, sizeof(list));
			return unknown_name("memtable", "memtables", memtable, list, err);
		}
	}
	if (eo && kv_option_find(eo, "strategy")) {
		s->strategy = kv_strategy_find(strategy);
		if (!s->strategy) {
			kv_setup_strategy_names(list, sizeof(list));
			return unknown_name("strategy", "strategies", strategy, list, err);
		}
	}
	return KV_OK;
}

/* ------------------------------------------------------- option tables */

/* The option tables a plug-in option may come from, device last. */
static size_t plugin_tables(const struct kv_setup *s, const struct kv_option *tables[4],
			    bool is_device[4])
{
	size_t n = 0;

	if (s->engine->options) {
		is_device[n] = false;
		tables[n++] = s->engine->options;
	}
	if (s->memtable && s->memtable->options) {
		is_device[n] = false;
		tables[n++] = s->memtable->options;
	}
	if (s->strategy && s->strategy->options) {
		is_device[n] = false;
		tables[n++] = s->strategy->options;
	}
	if (s->device->options) {
		is_device[n] = true;
		tables[n++] = s->device->options;
	}
	return n;
}

/* Name a registered plug-in (other than the chosen ones) that has option @name. */
static bool owner_elsewhere(const char *name, char *buf, size_t len)
{
#define FIND_OWNER(registry, what)                                                         \
	for (size_t i_ = 0; (registry)[i_]; i_++) {                                        \
		if ((registry)[i_]->options && kv_option_find((registry)[i_]->options, name)) { \
			snprintf(buf, len, what " '%s'", (registry)[i_]->name);            \
			return true;                                                       \
		}                                                                          \
	}
	FIND_OWNER(kv_engine_registry, "engine")
	FIND_OWNER(kv_memtable_registry, "memtable")
	FIND_OWNER(kv_strategy_registry, "strategy")
	FIND_OWNER(kv_device_registry, "device")
#undef FIND_OWNER
	return false;
}

static int unknown_option(const struct kv_setup *s, const char *name, struct kv_err *err)
{
	const struct kv_option *tables[5];
	bool is_device[4];
	size_t nt = plugin_tables(s, tables, is_device), count = 0;
	const char **names;
	const char *sug, *p = s->prefix;
	char owner[128];
	int rc;

	if (s->own)
		tables[nt++] = s->own;
	for (size_t t = 0; t < nt; t++)
		for (const struct kv_option *o = tables[t]; o->name; o++)
			count++;
	names = kv_malloc(KV_MEM_OTHER, (count + 1) * sizeof(*names));
	if (!names)
		return kv_err_set(err, KV_EINVAL, "unknown option '%s%s'", p, name);
	count = 0;
	for (size_t t = 0; t < nt; t++)
		for (const struct kv_option *o = tables[t]; o->name; o++)
			names[count++] = o->name;
	sug = kv_setup_suggest(name, names, count);
	if (owner_elsewhere(name, owner, sizeof(owner)))
		rc = kv_err_set(err, KV_EINVAL,
				"unknown option '%s%s': it is an option of %s, which this run "
				"does not use", p, name, owner);
	else if (sug)
		rc = kv_err_set(err, KV_EINVAL, "unknown option '%s%s' (did you mean '%s%s'?)",
				p, name, p, sug);
	else
		rc = kv_err_set(err, KV_EINVAL,
				"unknown option '%s%s'; `lsmlab list` shows the options of every "
				"engine, memtable, strategy and device", p, name);
	kv_free(KV_MEM_OTHER, names, (count + 1) * sizeof(*names));
	return rc;
}

/* Check a value against @opt (bare flags, @value NULL: booleans only). */
static int check_value(const struct kv_setup *s, const struct kv_option *opt,
		       const char **value, struct kv_err *err)
{
	union {
		int64_t i;
		uint64_t u;
		double d;
		bool b;
		int e;
		char str[KV_OPT_STRING_BYTES];
	} scratch;

	if (!*value) {
		if (opt->type != KV_OPT_BOOL)
			return kv_err_set(err, KV_EINVAL, "option '%s%s' needs a value: %s%s=VALUE",
					  s->prefix, opt->name, s->prefix, opt->name);
		*value = "true";
	}
	return kv_option_parse(opt, *value, &scratch, err);
}

int kv_setup_option(struct kv_setup *s, const char *name, const char *value,
		    struct kv_err *err)
{
	const struct kv_option *tables[4];
	bool is_device[4], to_engine = false, to_device = false;
	size_t nt = plugin_tables(s, tables, is_device);
	int rc;

	for (size_t t = 0; t < nt; t++) {
		const struct kv_option *o = kv_option_find(tables[t], name);
		if (!o)
			continue;
		rc = check_value(s, o, &value, err);
		if (rc != KV_OK)
			return rc;
		if (is_device[t])
			to_device = true;
		else
			to_engine = true;
	}
	if (!to_engine && !to_device)
		return unknown_option(s, name, err);
	if (to_engine && kv_config_set(s->engine_cfg, name, value) != KV_OK)
		return kv_err_set(err, KV_ENOMEM, "out of memory");
	if (to_device && kv_config_set(s->device_cfg, name, value) != KV_OK)
		return kv_err_set(err, KV_ENOMEM, "out of memory");
	return KV_OK;
}

int kv_setup_finish(struct kv_setup *s, uint64_t seed, struct kv_err *err)
{
	const struct kv_option *tables[4];
	bool is_device[4];
	size_t nt = plugin_tables(s, tables, is_device);
	char buf[32];

	if ((s->memtable && kv_config_set(s->engine_cfg, "memtable", s->memtable->name)) ||
	    (s->strategy && kv_config_set(s->engine_cfg, "strategy", s->strategy->name)))
		return kv_err_set(err, KV_ENOMEM, "out of memory");
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)seed);
	for (size_t t = 0; t < nt; t++) {
		const struct kv_option *o = kv_option_find(tables[t], "seed");
		struct kv_config *cfg = is_device[t] ? s->device_cfg : s->engine_cfg;
		const char *value = buf;

		if (!o)
			continue;
		if (check_value(s, o, &value, err) != KV_OK)
			return KV_EINVAL;
		if (kv_config_set(cfg, "seed", buf) != KV_OK)
			return kv_err_set(err, KV_ENOMEM, "out of memory");
	}
	return KV_OK;
}

int kv_setup_open(const struct kv_setup *s, const char *path, struct kv_device **dev,
		  struct kv_engine **eng, struct kv_err *err)
{
	struct kv_engine_args ea;
	int rc;

	*eng = NULL;
	rc = kv_dev_open(s->device, s->device_cfg, path, dev, err);
	if (rc != KV_OK) {
		kv_err_prefix(err, "device %s: ", s->device->name);
		return rc;
	}
	ea = (struct kv_engine_args){ .cfg = s->engine_cfg, .dev = *dev,
				      .memtable = s->memtable, .strategy = s->strategy };
	rc = kv_engine_open(s->engine, &ea, eng, err);
	if (rc != KV_OK) {
		kv_err_prefix(err, "engine %s: ", s->engine->name);
		kv_dev_close(*dev);
		*dev = NULL;
	}
	return rc;
}

size_t kv_setup_report_configs(const struct kv_setup *s, struct kv_report_config *c)
{
	size_t n = 0;

	c[n++] = (struct kv_report_config){ "engine", s->engine->name, s->engine->options,
					    s->engine_cfg };
	if (s->memtable)
		c[n++] = (struct kv_report_config){ "memtable", s->memtable->name,
						    s->memtable->options, s->engine_cfg };
	if (s->strategy)
		c[n++] = (struct kv_report_config){ "strategy", s->strategy->name,
						    s->strategy->options, s->engine_cfg };
	c[n++] = (struct kv_report_config){ "device", s->device->name, s->device->options,
					    s->device_cfg };
	return n;
}
