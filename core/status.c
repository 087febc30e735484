/*
 * core/status.c - status names and per-handle error slots.
 */
#include "core/status.h"

#include <stdio.h>
#include <string.h>

const char *kv_status_name(int code)
{
	switch (code) {
	case KV_OK:
		return "KV_OK";
	case KV_NOTFOUND:
		return "KV_NOTFOUND";
	case KV_EINVAL:
		return "KV_EINVAL";
	case KV_ENOMEM:
		return "KV_ENOMEM";
	case KV_EIO:
		return "KV_EIO";
	case KV_ECORRUPT:
		return "KV_ECORRUPT";
	case KV_ENOSPC:
		return "KV_ENOSPC";
	case KV_ENOTSUP:
		return "KV_ENOTSUP";
	default:
		return "KV_E?";
	}
}

int kv_err_vset(struct kv_err *err, int code, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	if (fmt)
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	else
		err->msg[0] = '\0';
	return code;
}

int kv_err_set(struct kv_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kv_err_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int kv_err_copy(struct kv_err *dst, const struct kv_err *src)
{
	if (!src) {
		kv_err_clear(dst);
		return KV_OK;
	}
	if (dst && dst != src) {
		dst->code = src->code;
		memcpy(dst->msg, src->msg, sizeof(dst->msg));
	}
	return src->code;
}

/* Append up to the room left in dst (size cap, currently *used bytes). */
static void append_bounded(char *dst, size_t cap, size_t *used, const char *src)
{
	size_t n = strlen(src);

	if (*used + 1 >= cap)
		return;
	if (n > cap - 1 - *used)
		n = cap - 1 - *used;
	memcpy(dst + *used, src, n);
	*used += n;
	dst[*used] = '\0';
}

void kv_err_prefix(struct kv_err *err, const char *fmt, ...)
{
	char prefix[KV_ERR_MSG_BYTES];
	char old[KV_ERR_MSG_BYTES];
	size_t used = 0;
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	err->msg[0] = '\0';
	append_bounded(err->msg, sizeof(err->msg), &used, prefix);
	append_bounded(err->msg, sizeof(err->msg), &used, ": ");
	append_bounded(err->msg, sizeof(err->msg), &used,
		       old[0] ? old : kv_status_name(err->code));
}

void kv_err_clear(struct kv_err *err)
{
	if (!err)
		return;
	err->code = KV_OK;
	err->msg[0] = '\0';
}

const char *kv_err_msg(const struct kv_err *err)
{
	if (!err)
		return kv_status_name(KV_OK);
	if (err->msg[0] == '\0')
		return kv_status_name(err->code);
	return err->msg;
}
