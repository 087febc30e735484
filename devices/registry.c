/*
 * devices/registry.c - the table of device types (devices/registry.h).
 */
#include "devices/registry.h"

#include <string.h>

#include "devices/fault.h"
#include "devices/file.h"
#include "devices/mem.h"
#include "devices/ssd.h"

const struct kv_device_ops *const kv_device_registry[] = {
	&kv_file_device_ops,
	&kv_mem_device_ops,
	&kv_ssd_device_ops,
	&kv_fault_device_ops,
	NULL,
};

const struct kv_device_ops *kv_device_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; kv_device_registry[i]; i++) {
		if (strcmp(kv_device_registry[i]->name, name) == 0)
			return kv_device_registry[i];
	}
	return NULL;
}
