/* cb-vk-pipeline.c: compute pipelines from the embedded SPIR-V
 *
 * All shaders share one descriptor set layout (CB_VK_BINDINGS storage
 * buffers) and one push-constant range, so every op binds the same way. A
 * pipeline is made once per (shader, specialization constants) through the
 * device's on-disk pipeline cache.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-vk.h"

#include "model/cb-error.h"
#include "shaders/cb-shaders-resources.h"

#include <stddef.h>

struct _CbVkPipelines
{
  VkDescriptorSetLayout set_layout;
  VkPipelineLayout layout;
  GHashTable *modules;   /* shader name -> VkShaderModule (boxed) */
  GHashTable *pipelines; /* key string -> VkPipeline (boxed) */
};

CbVkPipelines *
cb_vk_pipelines_new (CbVkDevice *dev, GError **error)
{
  VkDescriptorSetLayoutBinding bindings[CB_VK_BINDINGS];
  const VkPhysicalDeviceLimits *limits = &dev->props.limits;

  /* every real device offers far more; Vulkan's minimum is 4 */
  if (limits->maxPerStageDescriptorStorageBuffers < CB_VK_BINDINGS
      || limits->maxDescriptorSetStorageBuffers < CB_VK_BINDINGS)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED,
                   "This Vulkan device binds %u storage buffers per shader; Catbrush needs %u",
                   limits->maxPerStageDescriptorStorageBuffers, CB_VK_BINDINGS);
      return NULL;
    }
  CbVkPipelines *pipes = g_new0 (CbVkPipelines, 1);

  pipes->modules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  pipes->pipelines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < CB_VK_BINDINGS; i++)
    bindings[i] = (VkDescriptorSetLayoutBinding){
      .binding = i,
      .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
      .descriptorCount = 1,
      .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
    };
  VkDescriptorSetLayoutCreateInfo set_info = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
    .bindingCount = CB_VK_BINDINGS,
    .pBindings = bindings,
  };
  VkPushConstantRange push = {
    .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
    .offset = 0,
    .size = sizeof (CbVkPush),
  };
  G_STATIC_ASSERT (sizeof (CbVkPush) <= 128); /* the minimum every device offers */
  if (!cb_vk_check (dev->vk->vkCreateDescriptorSetLayout (dev->device, &set_info, NULL, &pipes->set_layout),
                    "Creating a descriptor set layout", error))
    {
      cb_vk_pipelines_free (dev, pipes);
      return NULL;
    }
  VkPipelineLayoutCreateInfo layout_info = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
    .setLayoutCount = 1,
    .pSetLayouts = &pipes->set_layout,
    .pushConstantRangeCount = 1,
    .pPushConstantRanges = &push,
  };
  if (!cb_vk_check (dev->vk->vkCreatePipelineLayout (dev->device, &layout_info, NULL, &pipes->layout),
                    "Creating a pipeline layout", error))
    {
      cb_vk_pipelines_free (dev, pipes);
      return NULL;
    }
  return pipes;
}

void
cb_vk_pipelines_free (CbVkDevice *dev, CbVkPipelines *pipes)
{
  GHashTableIter iter;
  gpointer value;

  if (pipes == NULL)
    return;
  g_hash_table_iter_init (&iter, pipes->pipelines);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    dev->vk->vkDestroyPipeline (dev->device, *(VkPipeline *)value, NULL);
  g_hash_table_iter_init (&iter, pipes->modules);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    dev->vk->vkDestroyShaderModule (dev->device, *(VkShaderModule *)value, NULL);
  g_hash_table_unref (pipes->pipelines);
  g_hash_table_unref (pipes->modules);
  if (pipes->layout != VK_NULL_HANDLE)
    dev->vk->vkDestroyPipelineLayout (dev->device, pipes->layout, NULL);
  if (pipes->set_layout != VK_NULL_HANDLE)
    dev->vk->vkDestroyDescriptorSetLayout (dev->device, pipes->set_layout, NULL);
  g_free (pipes);
}

VkDescriptorSetLayout
cb_vk_pipelines_get_set_layout (CbVkPipelines *pipes)
{
  return pipes->set_layout;
}

VkPipelineLayout
cb_vk_pipelines_get_layout (CbVkPipelines *pipes)
{
  return pipes->layout;
}

static VkShaderModule
get_module (CbVkDevice *dev, CbVkPipelines *pipes, const char *shader, GError **error)
{
  VkShaderModule *module = g_hash_table_lookup (pipes->modules, shader);
  g_autoptr (GBytes) code = NULL;
  g_autofree char *path = NULL;
  gsize size = 0;
  const void *data;

  if (module != NULL)
    return *module;
  /* looked up in our own resource: no global registration, works from a static library */
  path = g_strdup_printf ("/org/catbrush/shaders/%s.spv", shader);
  code = g_resource_lookup_data (cb_shaders_get_resource (), path, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (code == NULL)
    return VK_NULL_HANDLE;
  data = g_bytes_get_data (code, &size);
  if (size == 0 || size % 4 != 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_DEVICE, "The embedded shader %s is damaged", path);
      return VK_NULL_HANDLE;
    }
  /* pCode must be 4-byte aligned; resource data need not be */
  g_autofree guint32 *words = g_memdup2 (data, size);
  VkShaderModuleCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
    .codeSize = size,
    .pCode = words,
  };
  module = g_new0 (VkShaderModule, 1);
  if (!cb_vk_check (dev->vk->vkCreateShaderModule (dev->device, &info, NULL, module), "Creating a shader module",
                    error))
    {
      g_free (module);
      return VK_NULL_HANDLE;
    }
  g_hash_table_insert (pipes->modules, g_strdup (shader), module);
  return *module;
}

VkPipeline
cb_vk_pipelines_get (CbVkDevice *dev, CbVkPipelines *pipes, const char *shader, const CbVkSpec *spec, GError **error)
{
  g_autofree char *key = g_strdup_printf (
    "%s/%u,%u/%d,%d,%a/%d,%d,%u/%d,%d,%d,%d,%d/%u,%u,%u,%u", shader, spec->wg_x, spec->wg_y, spec->act, spec->act_in,
    (double)spec->slope, spec->kernel, spec->block, (guint)spec->has_bias, spec->tm, spec->tn, spec->rm, spec->rn,
    spec->tk, (guint)spec->fuse_spade, (guint)spec->split_k, (guint)spec->double_buf, (guint)spec->vec4_w);
  VkPipeline *pipeline = g_hash_table_lookup (pipes->pipelines, key);
  VkShaderModule module;

  if (pipeline != NULL)
    return *pipeline;
  module = get_module (dev, pipes, shader, error);
  if (module == VK_NULL_HANDLE)
    return VK_NULL_HANDLE;

#define CB_ENTRY(id, field)                                                                                            \
  {                                                                                                                    \
    id, offsetof (CbVkSpec, field), sizeof (((CbVkSpec *)0)->field)                                                    \
  }
  static const VkSpecializationMapEntry entries[] = {
    CB_ENTRY (0, wg_x),    CB_ENTRY (1, wg_y),        CB_ENTRY (2, act),      CB_ENTRY (3, act_in),
    CB_ENTRY (4, slope),   CB_ENTRY (5, kernel),      CB_ENTRY (6, block),    CB_ENTRY (7, has_bias),
    CB_ENTRY (8, tm),      CB_ENTRY (9, tn),          CB_ENTRY (10, rm),      CB_ENTRY (11, rn),
    CB_ENTRY (12, tk),     CB_ENTRY (13, fuse_spade), CB_ENTRY (14, split_k), CB_ENTRY (15, double_buf),
    CB_ENTRY (16, vec4_w),
  };
#undef CB_ENTRY
  VkSpecializationInfo spec_info = {
    .mapEntryCount = G_N_ELEMENTS (entries),
    .pMapEntries = entries,
    .dataSize = sizeof *spec,
    .pData = spec,
  };
  VkComputePipelineCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
    .stage = {
      .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
      .stage = VK_SHADER_STAGE_COMPUTE_BIT,
      .module = module,
      .pName = "main",
      .pSpecializationInfo = &spec_info,
    },
    .layout = pipes->layout,
  };
  VkPipelineCreationFeedbackEXT feedback = { 0 };
  VkPipelineCreationFeedbackCreateInfoEXT feedback_info = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_CREATION_FEEDBACK_CREATE_INFO_EXT,
    .pPipelineCreationFeedback = &feedback,
  };
  if (dev->creation_feedback)
    info.pNext = &feedback_info;
  pipeline = g_new0 (VkPipeline, 1);
  if (!cb_vk_check (dev->vk->vkCreateComputePipelines (dev->device, dev->pipeline_cache, 1, &info, NULL, pipeline),
                    "Creating a compute pipeline", error))
    {
      g_free (pipeline);
      return VK_NULL_HANDLE;
    }
  dev->pipelines_created++;
  if (feedback.flags & VK_PIPELINE_CREATION_FEEDBACK_VALID_BIT_EXT)
    {
      dev->pipelines_with_feedback++;
      if (feedback.flags & VK_PIPELINE_CREATION_FEEDBACK_APPLICATION_PIPELINE_CACHE_HIT_BIT_EXT)
        dev->pipeline_cache_hits++;
    }
  g_hash_table_insert (pipes->pipelines, g_steal_pointer (&key), pipeline);
  return *pipeline;
}
