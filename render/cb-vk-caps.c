/* cb-vk-caps.c: what a physical device offers the plan's kernel choices
 *
 * Subgroup operations (for gather_table_sg.comp) and an estimate of the
 * number of compute units (for split-K, render/cb-vk-plan-conv.c): core
 * Vulkan does not report the latter, so it comes from the vendors'
 * extensions where the driver has one (NVIDIA's SM count, AMD's compute
 * units), else a guess by device type.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-vk.h"

#include <string.h>

gboolean
cb_vk_has_device_extension (CbVkFuncs *vk, VkPhysicalDevice phys, const char *name)
{
  guint32 n = 0;
  gboolean found = FALSE;

  if (vk->vkEnumerateDeviceExtensionProperties (phys, NULL, &n, NULL) != VK_SUCCESS)
    return FALSE;
  g_autofree VkExtensionProperties *exts = g_new0 (VkExtensionProperties, MAX (n, 1));
  if (vk->vkEnumerateDeviceExtensionProperties (phys, NULL, &n, exts) != VK_SUCCESS)
    return FALSE;
  for (guint32 i = 0; i < n && !found; i++)
    found = strcmp (exts[i].extensionName, name) == 0;
  return found;
}

void
cb_vk_device_query_caps (CbVkDevice *dev)
{
  CbVkFuncs *vk = dev->vk;
  VkPhysicalDeviceSubgroupProperties sub = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES };
  VkPhysicalDeviceShaderSMBuiltinsPropertiesNV nv = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_SM_BUILTINS_PROPERTIES_NV,
  };
  VkPhysicalDeviceShaderCoreProperties2AMD amd = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_CORE_PROPERTIES_2_AMD,
  };
  VkPhysicalDeviceProperties2 props2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &sub };
  /* chained only where the device has the extension (a query needs no enabling) */
  gboolean has_nv = cb_vk_has_device_extension (vk, dev->phys, VK_NV_SHADER_SM_BUILTINS_EXTENSION_NAME);
  gboolean has_amd = cb_vk_has_device_extension (vk, dev->phys, VK_AMD_SHADER_CORE_PROPERTIES_2_EXTENSION_NAME);
  void **tail = &sub.pNext;

  if (has_nv)
    {
      *tail = &nv;
      tail = &nv.pNext;
    }
  if (has_amd)
    *tail = &amd;
  /* every usable device is 1.1+ (cb-vk-device.c), so is the instance */
  vk->vkGetPhysicalDeviceProperties2 (dev->phys, &props2);

  dev->subgroup_size = sub.subgroupSize;
  /* gather_table_sg.comp: subgroupAdd and gl_NumSubgroups in a compute shader */
  dev->subgroup_arith = (sub.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT)
                        && (sub.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT)
                        && (sub.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT) && sub.subgroupSize >= 1
                        && sub.subgroupSize <= dev->props.limits.maxComputeWorkGroupSize[0];

  if (has_nv && nv.shaderSMCount > 0)
    dev->compute_units = nv.shaderSMCount;
  else if (has_amd && amd.activeComputeUnitCount > 0)
    dev->compute_units = amd.activeComputeUnitCount;
  else if (dev->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU)
    dev->compute_units = g_get_num_processors (); /* lavapipe: a thread per core */
  else if (dev->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU)
    dev->compute_units = 64; /* a mid-range discrete GPU */
  else
    dev->compute_units = 16;
  g_debug ("Vulkan device: subgroup size %u, arithmetic %s, ~%u compute units", dev->subgroup_size,
           dev->subgroup_arith ? "yes" : "no", dev->compute_units);
}
