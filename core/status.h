/*
 * core/status.h - status codes and per-handle error messages.
 *
 * Every fallible function returns an int from a small closed set.
 * KV_OK is success, KV_NOTFOUND is a positive outcome (not an error),
 * negative values are errors. Details (errno, file, offset, option name)
 * go into a struct kv_err owned by the handle that failed, read back with
 * kv_err_msg().
 */
#ifndef KV_CORE_STATUS_H
#define KV_CORE_STATUS_H

#include <stdarg.h>
#include <stddef.h>

enum {
	KV_OK = 0,
	KV_NOTFOUND = 1,
	KV_EINVAL = -1,
	KV_ENOMEM = -2,
	KV_EIO = -3,
	KV_ECORRUPT = -4,
	KV_ENOSPC = -5,
	KV_ENOTSUP = -6,
};

#define KV_ERR_MSG_BYTES 512

/* A per-handle error slot: the code and message of the last failure. */
struct kv_err {
	int code;
	char msg[KV_ERR_MSG_BYTES];
};

/* Short constant name of a status code ("KV_ECORRUPT", ...). Never NULL. */
const char *kv_status_name(int code);

/*
 * Record an error in @err (may be NULL) and return @code, so callers can
 * write `return kv_err_set(err, KV_EINVAL, "...", ...)`. The message is
 * printf-formatted and truncated to fit.
 */
int kv_err_set(struct kv_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int kv_err_vset(struct kv_err *err, int code, const char *fmt, va_list ap);

/* Copy @src into @dst (either may be NULL); returns src->code. */
int kv_err_copy(struct kv_err *dst, const struct kv_err *src);

/* Prefix the message in @err with "prefix: " (context as errors bubble up). */
void kv_err_prefix(struct kv_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Clear the slot (code KV_OK, empty message). */
void kv_err_clear(struct kv_err *err);

/* The message, or the status name if no message was set. Never NULL. */
const char *kv_err_msg(const struct kv_err *err);

#endif
