/* cb-devices.h: the compute devices one can choose from (catbrush-cli devices)
 *
 * Plain data, no Vulkan types: app/ never touches Vulkan objects.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CB_DEVICE_OTHER,
  CB_DEVICE_CPU,
  CB_DEVICE_VIRTUAL_GPU,
  CB_DEVICE_INTEGRATED_GPU,
  CB_DEVICE_DISCRETE_GPU,
} CbDeviceType;

#define CB_DEVICE_MAX_HEAPS 16

typedef struct
{
  guint index;
  char *name;
  CbDeviceType type;
  char *driver;      /* driver name and info, e.g. "llvmpipe, Mesa 22.3.6 (LLVM 15.0.6)" */
  char *api_version; /* "1.3.230" */
  guint32 vendor_id, device_id;
  guint n_heaps;
  guint64 heap_size[CB_DEVICE_MAX_HEAPS];
  gboolean heap_device_local[CB_DEVICE_MAX_HEAPS];
  gboolean has_compute;    /* a queue family with compute */
  gboolean usable;         /* Vulkan >= 1.1 and compute: Catbrush can run on it */
  gboolean shader_float16; /* shaderFloat16 */
  gboolean storage_16bit;  /* storageBuffer16BitAccess */
} CbDeviceInfo;

const char *cb_device_type_to_string (CbDeviceType type); /* "discrete GPU", "CPU device", ... */

/* Lists the Vulkan devices (array of CbDeviceInfo, cleared with their strings
 * on free). *chosen: the index cb_backend_new (CB_BACKEND_VULKAN, request)
 * would use, or -1. request: as for cb_backend_new (NULL: CATBRUSH_DEVICE,
 * else the best). Fails (CB_ERROR_DEVICE) when Vulkan itself is missing. */
GArray *cb_devices_list (const char *request, int *chosen, GError **error);

G_END_DECLS
