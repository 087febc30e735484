/*
 * devices/registry.h - every device type, by name.
 *
 * Names are resolved to ops tables at the edge (CLI, Lua) through this
 * NULL-terminated table; core/ never names a concrete device. Adding a
 * device is one new file plus one line in devices/registry.c.
 */
#ifndef KV_DEVICES_REGISTRY_H
#define KV_DEVICES_REGISTRY_H

#include "core/device.h"

/* All device types, NULL-terminated, in the order `lsmlab list` shows them. */
extern const struct kv_device_ops *const kv_device_registry[];

/* The device type called @name, or NULL if there is none. */
const struct kv_device_ops *kv_device_find(const char *name);

#endif
