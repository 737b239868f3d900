/* cb-vk-loader.c: opens libvulkan at run time and fills the dispatch table
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-vk.h"

#include "model/cb-error.h"

#include <string.h>

gboolean
cb_vk_load_global (CbVkFuncs *vk, GModule **module, GError **error)
{
  static const char *const names[] = { "libvulkan.so.1", "libvulkan.so", "libvulkan.1.dylib", "vulkan-1.dll" };
  GModule *mod = NULL;
  gpointer sym = NULL;

  memset (vk, 0, sizeof *vk);
  for (gsize i = 0; i < G_N_ELEMENTS (names) && mod == NULL; i++)
    mod = g_module_open (names[i], G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (mod == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_DEVICE,
                   "Vulkan is not installed (libvulkan.so.1 not found): install the Vulkan loader and a "
                   "driver (Debian/Ubuntu: apt install libvulkan1 mesa-vulkan-drivers), or use the CPU backend");
      return FALSE;
    }
  if (!g_module_symbol (mod, "vkGetInstanceProcAddr", &sym) || sym == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_DEVICE, "The Vulkan loader %s has no vkGetInstanceProcAddr",
                   g_module_name (mod));
      g_module_close (mod);
      return FALSE;
    }
  /* ISO C has no object-to-function pointer cast; the bits are the same */
  G_STATIC_ASSERT (sizeof sym == sizeof vk->vkGetInstanceProcAddr);
  memcpy (&vk->vkGetInstanceProcAddr, &sym, sizeof sym);
#define CB_VK_LOAD(name) vk->name = (PFN_##name)vk->vkGetInstanceProcAddr (VK_NULL_HANDLE, #name);
  CB_VK_GLOBAL_FUNCS (CB_VK_LOAD)
#undef CB_VK_LOAD
  if (vk->vkCreateInstance == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_DEVICE, "The Vulkan loader %s is unusable (no vkCreateInstance)",
                   g_module_name (mod));
      g_module_close (mod);
      return FALSE;
    }
  *module = mod;
  return TRUE;
}

void
cb_vk_load_instance (CbVkFuncs *vk, VkInstance instance)
{
#define CB_VK_LOAD(name) vk->name = (PFN_##name)vk->vkGetInstanceProcAddr (instance, #name);
  CB_VK_INSTANCE_FUNCS (CB_VK_LOAD)
  CB_VK_DEBUG_FUNCS (CB_VK_LOAD)
#undef CB_VK_LOAD
}

void
cb_vk_load_device (CbVkFuncs *vk, VkDevice device)
{
  /* device-level pointers skip the loader's trampoline */
#define CB_VK_LOAD(name) vk->name = (PFN_##name)vk->vkGetDeviceProcAddr (device, #name);
  CB_VK_DEVICE_FUNCS (CB_VK_LOAD)
#undef CB_VK_LOAD
}

const char *
cb_vk_result_to_string (VkResult result)
{
  switch (result)
    {
#define CB_CASE(r)                                                                                                     \
  case r:                                                                                                              \
    return #r;
      CB_CASE (VK_SUCCESS)
      CB_CASE (VK_NOT_READY)
      CB_CASE (VK_TIMEOUT)
      CB_CASE (VK_INCOMPLETE)
      CB_CASE (VK_ERROR_OUT_OF_HOST_MEMORY)
      CB_CASE (VK_ERROR_OUT_OF_DEVICE_MEMORY)
      CB_CASE (VK_ERROR_INITIALIZATION_FAILED)
      CB_CASE (VK_ERROR_DEVICE_LOST)
      CB_CASE (VK_ERROR_MEMORY_MAP_FAILED)
      CB_CASE (VK_ERROR_LAYER_NOT_PRESENT)
      CB_CASE (VK_ERROR_EXTENSION_NOT_PRESENT)
      CB_CASE (VK_ERROR_FEATURE_NOT_PRESENT)
      CB_CASE (VK_ERROR_INCOMPATIBLE_DRIVER)
      CB_CASE (VK_ERROR_TOO_MANY_OBJECTS)
      CB_CASE (VK_ERROR_FORMAT_NOT_SUPPORTED)
      CB_CASE (VK_ERROR_FRAGMENTED_POOL)
      CB_CASE (VK_ERROR_OUT_OF_POOL_MEMORY)
      CB_CASE (VK_ERROR_INVALID_SHADER_NV)
#undef CB_CASE
    default:
      return "VK_ERROR_UNKNOWN";
    }
}

gboolean
cb_vk_check (VkResult result, const char *what, GError **error)
{
  if (result == VK_SUCCESS)
    return TRUE;
  if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY)
    g_set_error (error, CB_ERROR, CB_ERROR_DEVICE, "%s failed: %s (the model or size is too large for this device)",
                 what, cb_vk_result_to_string (result));
  else
    g_set_error (error, CB_ERROR, CB_ERROR_DEVICE, "%s failed: %s (%d)", what, cb_vk_result_to_string (result),
                 (int)result);
  return FALSE;
}
