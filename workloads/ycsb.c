/*
 * workloads/ycsb.c - the YCSB .properties reader (workloads/named.h).
 *
 * Property names are YCSB's, verbatim; each maps to a runner option (the
 * value is checked by that option's parser, so the allowed range is the
 * runner's). Properties YCSB defines but lsmlab has no use for are
 * accepted only where ignoring them cannot change the workload (table,
 * readallfields, writeallfields, workload=...CoreWorkload); anything else
 * is an error naming the property and the line.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/slice.h"
#include "workloads/named.h"
#include "workloads/runner.h"

#define LINE_BYTES 4096

struct prop_map {
	const char *ycsb;
	const char *option; /* NULL: accepted and ignored */
};

static const struct prop_map props[] = {
	{ "recordcount", "recordcount" },
	{ "operationcount", "operationcount" },
	{ "readproportion", "read_proportion" },
	{ "updateproportion", "update_proportion" },
	{ "insertproportion", "insert_proportion" },
	{ "scanproportion", "scan_proportion" },
	{ "readmodifywriteproportion", "rmw_proportion" },
	{ "deleteproportion", "delete_proportion" },
	{ "requestdistribution", "distribution" },
	{ "maxscanlength", "max_scan_length" },
	{ "scanlengthdistribution", "scan_length_dist" },
	{ "insertorder", "insert_order" },
	{ "fieldcount", "fieldcount" },
	{ "fieldlength", "fieldlength" },
	{ "fieldlengthdistribution", "value_size_dist" },
	{ "zipfianconstant", "theta" },
	{ "hotspotdatafraction", "hotspot_data_fraction" },
	{ "hotspotopnfraction", "hotspot_op_fraction" },
	{ "exponential.percentile", "exponential_percentile" },
	{ "exponential.frac", "exponential_frac" },
	{ "workload", NULL },
	{ "table", NULL },
	{ "readallfields", NULL },
	{ "writeallfields", NULL },
};

#define NPROPS (sizeof(props) / sizeof(props[0]))

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
			   end[-1] == '\n'))
		*--end = '\0';
	return s;
}

static int bad(const char *path, unsigned line, struct kv_err *err, const char *what,
	       const char *detail)
{
	return kv_err_set(err, KV_EINVAL, "%s:%u: %s%s", path, line, what, detail);
}

/* Check one property and store it into @cfg under its option name. */
static int apply(const char *path, unsigned line, const char *name, const char *value,
		 struct kv_config *cfg, struct kv_err *err)
{
	const struct prop_map *m = NULL;
	const struct kv_option *opt;
	union {
		int64_t i;
		double d;
		int e;
		bool b;
		char s[KV_OPT_STRING_BYTES];
	} scratch;
	struct kv_err perr;
	char names[1024];
	size_t used = 0;

	for (size_t i = 0; i < NPROPS; i++)
		if (strcmp(props[i].ycsb, name) == 0)
			m = &props[i];
	if (!m) {
		names[0] = '\0';
		for (size_t i = 0; i < NPROPS && used < sizeof(names); i++)
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
						 i ? ", " : "", props[i].ycsb);
		return kv_err_set(err, KV_EINVAL, "%s:%u: unknown property '%s'; expected one of %s",
				  path, line, name, names);
	}
	if (!m->option) {
		if (strcmp(name, "workload") == 0 &&
		    strcmp(value, "site.ycsb.workloads.CoreWorkload") != 0 &&
		    strcmp(value, "com.yahoo.ycsb.workloads.CoreWorkload") != 0)
			return kv_err_set(err, KV_EINVAL,
					  "%s:%u: property 'workload': expected "
					  "site.ycsb.workloads.CoreWorkload (or com.yahoo.ycsb."
					  "workloads.CoreWorkload), got '%s'", path, line, value);
		return KV_OK;
	}
	if (strcmp(name, "requestdistribution") == 0) {
		/* YCSB's "zipfian" request distribution is the scrambled one. */
		if (strcmp(value, "zipfian") == 0)
			value = "scrambled";
		else if (strcmp(value, "uniform") != 0 && strcmp(value, "latest") != 0 &&
			 strcmp(value, "hotspot") != 0 && strcmp(value, "exponential") != 0 &&
			 strcmp(value, "sequential") != 0)
			return kv_err_set(err, KV_EINVAL,
					  "%s:%u: property 'requestdistribution': expected one of "
					  "uniform|zipfian|latest|hotspot|exponential|sequential, "
					  "got '%s'", path, line, value);
	}
	if (strcmp(name, "fieldlengthdistribution") == 0 && strcmp(value, "constant") != 0 &&
	    strcmp(value, "uniform") != 0)
		return kv_err_set(err, KV_EINVAL,
				  "%s:%u: property 'fieldlengthdistribution': expected constant or "
				  "uniform (lsmlab sizes whole values), got '%s'", path, line,
				  value);
	if (strcmp(name, "scanlengthdistribution") == 0 && strcmp(value, "uniform") != 0 &&
	    strcmp(value, "zipfian") != 0)
		return kv_err_set(err, KV_EINVAL,
				  "%s:%u: property 'scanlengthdistribution': expected uniform or "
				  "zipfian, got '%s'", path, line, value);
	if (strcmp(name, "insertorder") == 0 && strcmp(value, "hashed") != 0 &&
	    strcmp(value, "ordered") != 0)
		return kv_err_set(err, KV_EINVAL,
				  "%s:%u: property 'insertorder': expected hashed or ordered, got "
				  "'%s'", path, line, value);
	opt = kv_option_find(kv_runner_options, m->option);
	kv_err_clear(&perr);
	if (kv_option_parse(opt, value, &scratch, &perr) != KV_OK)
		return kv_err_set(err, KV_EINVAL, "%s:%u: property '%s': %s", path, line, name,
				  kv_err_msg(&perr));
	if (kv_config_set(cfg, m->option, value) != KV_OK)
		return kv_err_set(err, KV_ENOMEM, "out of memory");
	return KV_OK;
}

int kv_ycsb_read_properties(const char *path, struct kv_config *cfg, struct kv_err *err)
{
	char buf[LINE_BYTES];
	unsigned line = 0;
	int rc = KV_OK;
	FILE *f = fopen(path, "r");

	if (!f)
		return kv_err_set(err, errno == ENOENT ? KV_EINVAL : KV_EIO, "%s: %s", path,
				  strerror(errno));
	while (fgets(buf, sizeof(buf), f)) {
		char *s, *sep, *name, *value;
		size_t n = strlen(buf);

		line++;
		if (n == sizeof(buf) - 1 && buf[n - 1] != '\n') {
			rc = bad(path, line, err, "expected a line of at most 4094 bytes", "");
			goto out_close;
		}
		s = trim(buf);
		if (*s == '\0' || *s == '#' || *s == '!')
			continue;
		sep = s + strcspn(s, "=: \t");
		if (*sep == '\0' || sep == s) {
			rc = bad(path, line, err, "expected name=value, got: ", s);
			goto out_close;
		}
		name = s;
		value = sep + 1;
		*sep = '\0';
		name = trim(name);
		value = trim(value);
		if (*value == '=' || *value == ':')
			value = trim(value + 1);
		if (*value == '\0') {
			rc = kv_err_set(err, KV_EINVAL, "%s:%u: expected a value for property '%s'",
					path, line, name);
			goto out_close;
		}
		rc = apply(path, line, name, value, cfg, err);
		if (rc != KV_OK)
			goto out_close;
	}
	if (ferror(f))
		rc = kv_err_set(err, KV_EIO, "%s: read error: %s", path, strerror(errno));
out_close:
	fclose(f);
	return rc;
}
