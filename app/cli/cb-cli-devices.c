/* cb-cli-devices.c: catbrush-cli devices — the Vulkan devices and which one is used
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/cli/cb-cli.h"

#include "render/cb-devices.h"

#include <stdio.h>

static char *
format_size (guint64 bytes)
{
  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

int
cb_cli_devices (int argc, char **argv)
{
  g_autofree char *device = NULL;
  g_autoptr (GError) error = NULL;
  int chosen = -1;
  const GOptionEntry entries[] = {
    { "device", 'd', 0, G_OPTION_ARG_STRING, &device, "Which device would be chosen for INDEX or NAME", "DEVICE" },
    { NULL },
  };

  if (!cb_cli_parse (&argc, &argv, "",
                     "Lists the Vulkan devices. Catbrush chooses a discrete GPU, else an integrated, virtual, then "
                     "CPU device; --device or CATBRUSH_DEVICE (an index or part of the name) overrides.",
                     entries))
    return CB_CLI_USAGE;

  g_autoptr (GArray) devices = cb_devices_list (device, &chosen, &error);
  if (devices == NULL)
    return cb_cli_fail (error);
  if (devices->len == 0)
    {
      printf ("No Vulkan devices. Install a driver for your GPU, or Mesa's CPU driver (apt install "
              "mesa-vulkan-drivers); Catbrush runs on the CPU meanwhile.\n");
      return CB_CLI_OK;
    }
  for (guint i = 0; i < devices->len; i++)
    {
      const CbDeviceInfo *d = &g_array_index (devices, CbDeviceInfo, i);
      printf ("%s %u: %s\n", (int)i == chosen ? "*" : " ", d->index, d->name);
      printf ("    type:    %s\n", cb_device_type_to_string (d->type));
      printf ("    driver:  %s (Vulkan %s, vendor 0x%04x, device 0x%04x)\n", d->driver, d->api_version, d->vendor_id,
              d->device_id);
      printf ("    memory:  ");
      for (guint h = 0; h < d->n_heaps; h++)
        {
          g_autofree char *size = format_size (d->heap_size[h]);
          printf ("%s%s%s", h > 0 ? ", " : "", size, d->heap_device_local[h] ? " device-local" : "");
        }
      printf ("\n    fp16:    shaderFloat16 %s, 16-bit storage %s\n", d->shader_float16 ? "yes" : "no",
              d->storage_16bit ? "yes" : "no");
      if (!d->usable)
        printf ("    unusable: Catbrush needs Vulkan 1.1 and a compute queue\n");
    }
  if (chosen >= 0)
    printf ("\n* = the device Catbrush uses%s\n", device != NULL ? " for --device" : "");
  else
    printf ("\nNo usable device%s; Catbrush runs on the CPU.\n", device != NULL ? " matches --device"
                                                                 : g_getenv ("CATBRUSH_DEVICE") != NULL
                                                                   ? " matches CATBRUSH_DEVICE"
                                                                   : "");
  return CB_CLI_OK;
}
