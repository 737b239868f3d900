/* cb-vk.h: the Vulkan backend's private interface (render/ only)
 *
 * libvulkan is opened at run time (cb-vk-loader.c), so Catbrush starts and
 * falls back to the CPU on machines without it; every entry point goes
 * through the dispatch table CbVkFuncs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <gio/gio.h>
#include <gmodule.h>

#include "model/cb-graph.h"
#include "render/cb-devices.h"

G_BEGIN_DECLS

/* clang-format off */
#define CB_VK_GLOBAL_FUNCS(X) \
  X (vkCreateInstance) X (vkEnumerateInstanceLayerProperties) X (vkEnumerateInstanceExtensionProperties) \
  X (vkEnumerateInstanceVersion)

#define CB_VK_INSTANCE_FUNCS(X) \
  X (vkDestroyInstance) X (vkEnumeratePhysicalDevices) X (vkGetPhysicalDeviceProperties) \
  X (vkGetPhysicalDeviceProperties2) X (vkGetPhysicalDeviceFeatures2) X (vkGetPhysicalDeviceQueueFamilyProperties) \
  X (vkGetPhysicalDeviceMemoryProperties) X (vkEnumerateDeviceExtensionProperties) X (vkCreateDevice) \
  X (vkGetDeviceProcAddr) X (vkGetPhysicalDeviceMemoryProperties2)

#define CB_VK_DEBUG_FUNCS(X) X (vkCreateDebugUtilsMessengerEXT) X (vkDestroyDebugUtilsMessengerEXT)

#define CB_VK_DEVICE_FUNCS(X) \
  X (vkDestroyDevice) X (vkGetDeviceQueue) X (vkDeviceWaitIdle) X (vkQueueSubmit) \
  X (vkCreateBuffer) X (vkDestroyBuffer) X (vkGetBufferMemoryRequirements) X (vkBindBufferMemory) \
  X (vkAllocateMemory) X (vkFreeMemory) X (vkMapMemory) X (vkUnmapMemory) \
  X (vkFlushMappedMemoryRanges) X (vkInvalidateMappedMemoryRanges) \
  X (vkCreateShaderModule) X (vkDestroyShaderModule) X (vkCreateDescriptorSetLayout) \
  X (vkDestroyDescriptorSetLayout) X (vkCreatePipelineLayout) X (vkDestroyPipelineLayout) \
  X (vkCreateComputePipelines) X (vkDestroyPipeline) X (vkCreatePipelineCache) X (vkDestroyPipelineCache) \
  X (vkGetPipelineCacheData) X (vkCreateDescriptorPool) X (vkDestroyDescriptorPool) \
  X (vkAllocateDescriptorSets) X (vkUpdateDescriptorSets) X (vkCreateCommandPool) X (vkDestroyCommandPool) X (vkResetCommandPool) \
  X (vkAllocateCommandBuffers) X (vkFreeCommandBuffers) X (vkBeginCommandBuffer) X (vkEndCommandBuffer) \
  X (vkCmdBindPipeline) X (vkCmdBindDescriptorSets) X (vkCmdPushConstants) X (vkCmdDispatch) \
  X (vkCmdPipelineBarrier) X (vkCmdCopyBuffer) X (vkCmdWriteTimestamp) X (vkCmdResetQueryPool) \
  X (vkCreateQueryPool) X (vkDestroyQueryPool) X (vkGetQueryPoolResults) X (vkCreateFence) \
  X (vkDestroyFence) X (vkWaitForFences) X (vkResetFences)
/* clang-format on */

#define CB_VK_DECLARE(name) PFN_##name name;
typedef struct
{
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;
  CB_VK_GLOBAL_FUNCS (CB_VK_DECLARE)
  CB_VK_INSTANCE_FUNCS (CB_VK_DECLARE)
  CB_VK_DEBUG_FUNCS (CB_VK_DECLARE)
  CB_VK_DEVICE_FUNCS (CB_VK_DECLARE)
} CbVkFuncs;
#undef CB_VK_DECLARE

/* cb-vk-loader.c */
gboolean cb_vk_load_global (CbVkFuncs *vk, GModule **module, GError **error);
void cb_vk_load_instance (CbVkFuncs *vk, VkInstance instance);
void cb_vk_load_device (CbVkFuncs *vk, VkDevice device);
/* "VK_ERROR_OUT_OF_DEVICE_MEMORY" etc. */
const char *cb_vk_result_to_string (VkResult result);
/* Sets CB_ERROR_DEVICE "WHAT failed: VK_ERROR_..." and returns FALSE unless result is VK_SUCCESS. */
gboolean cb_vk_check (VkResult result, const char *what, GError **error);

/* A Vulkan instance with the validation messages it collected. */
typedef struct
{
  GModule *module;
  CbVkFuncs vk;
  VkInstance instance;
  VkDebugUtilsMessengerEXT messenger;
  guint32 api_version; /* min (loader, 1.3): what the features we chain need */
  gboolean validation;
  gboolean messages_expected; /* a test that provokes messages: no critical */
  GMutex lock;
  GPtrArray *messages; /* char *, under lock */
} CbVkInstance;

/* cb-vk-caps.c */
gboolean cb_vk_has_device_extension (CbVkFuncs *vk, VkPhysicalDevice phys, const char *name);
typedef struct _CbVkDevice CbVkDevice;
/* Fills the device's subgroup and compute-unit fields (at creation). */
void cb_vk_device_query_caps (CbVkDevice *dev);

/* cb-vk-device.c */
CbVkInstance *cb_vk_instance_new (GError **error);
void cb_vk_instance_free (CbVkInstance *inst);
/* Fails (CB_ERROR_DEVICE, every message a g_critical: fatal in the tests)
 * when the validation layer said anything since the last call; clears the
 * messages. */
gboolean cb_vk_instance_check_messages (CbVkInstance *inst, const char *during, GError **error);
/* Describes every physical device (array of CbDeviceInfo); sets *chosen to the index one would get. */
GArray *cb_vk_instance_list_devices (CbVkInstance *inst, const char *request, int *chosen, GError **error);

typedef struct _CbVkPipelines CbVkPipelines;

/* The queue family to use: compute, preferably compute-only (a GPU's
 * asynchronous compute engine), then with timestamps; -1 if none. */
int cb_vk_choose_queue_family (const VkQueueFamilyProperties *fams, guint n);

/* One per physical device and process, shared (refcounted) by every
 * backend that asks for it. The queue, the command pool, the fence, the
 * pipelines and the allocation counters are used under lock: the plan's
 * functions take it. */
struct _CbVkDevice
{
  int ref_count; /* under cb-vk-device.c's shared_lock */
  GRecMutex lock;
  CbVkInstance *inst;
  CbVkFuncs *vk; /* &inst->vk */
  VkPhysicalDevice phys;
  VkPhysicalDeviceProperties props;
  VkPhysicalDeviceMemoryProperties mem_props;
  guint queue_family;
  VkDevice device;
  VkQueue queue;
  VkCommandPool cmd_pool; /* one-time command buffers (uploads); a plan has its own pool */
  VkFence fence;
  gboolean timestamps; /* the queue can write timestamps */
  guint64 timestamp_mask;
  gboolean fp16_storage; /* 16-bit storage enabled: plans may store fp16 */
  gboolean fp16_arith;   /* shaderFloat16 supported (not enabled: the shaders compute in float) */
  /* cb-vk-caps.c */
  guint subgroup_size;     /* VkPhysicalDeviceSubgroupProperties */
  gboolean subgroup_arith; /* basic + arithmetic subgroup operations in compute shaders */
  guint compute_units;     /* SMs / CUs from a vendor extension, else a guess by device type */
  VkPipelineCache pipeline_cache;
  char *pipeline_cache_path;
  gsize pipeline_cache_loaded_size;
  /* what the pipeline-cache test checks (cb_backend_get_pipeline_cache_stats) */
  gsize pipeline_cache_read;    /* bytes of the saved cache handed to the driver */
  gsize pipeline_cache_initial; /* the new cache's data size as the driver reports it */
  gboolean creation_feedback;   /* pipeline creation feedback: core in 1.3, else the EXT enabled */
  guint pipelines_created, pipelines_with_feedback, pipeline_cache_hits;
  CbVkPipelines *pipelines;
  char *description;
  char *request;          /* what cb_vk_device_new was asked for, to recreate it */
  gboolean memory_budget; /* VK_EXT_memory_budget is enabled */
  /* faults (docs/RELIABILITY.md, Device faults) */
  gboolean lost;       /* (atomic) a call returned VK_ERROR_DEVICE_LOST: every later submission fails */
  guint64 allocated;   /* bytes of device memory allocated through cb_vk_buffer_new, now */
  guint n_allocations; /* live vkAllocateMemory allocations */
};

/* request: NULL (CATBRUSH_DEVICE, else the best), an index, or a name
 * substring. Returns a new reference to the process' device for that
 * physical device (made on first use; a lost one is never handed out). */
CbVkDevice *cb_vk_device_new (const char *request, GError **error);
/* Drops a reference; the last one destroys the device. */
void cb_vk_device_free (CbVkDevice *dev);
/* Around every use of the queue, command pool, fence and pipelines (recursive). */
void cb_vk_device_lock (CbVkDevice *dev);
void cb_vk_device_unlock (CbVkDevice *dev);
/* Writes the pipeline cache to disk (atomically) when it grew. */
void cb_vk_device_save_pipeline_cache (CbVkDevice *dev);
/* Records with cb, submits and waits. */
VkCommandBuffer cb_vk_device_begin_once (CbVkDevice *dev, GError **error);
gboolean cb_vk_device_submit_wait (CbVkDevice *dev, VkCommandBuffer cmd, GError **error);
/* Submits a recorded command buffer on the queue and waits for it (every
 * submission goes through here: fault injection, device loss). */
gboolean cb_vk_device_submit (CbVkDevice *dev, VkCommandBuffer cmd, const char *what, GError **error);
/* Records a failed result when it is a device fault: dev->lost, and the
 * calling thread's last fault. The device is shared by threads (windows, the
 * import dialog), so a fault belongs to the thread whose call met it. */
void cb_vk_device_note_result (CbVkDevice *dev, VkResult result);
/* The calling thread's last out-of-memory or device-lost result (VK_SUCCESS
 * when none), cleared. */
VkResult cb_vk_device_take_fault (void);
/* VK_EXT_memory_budget: usage and budget summed over the device-local heaps; FALSE without it. */
gboolean cb_vk_device_get_memory_budget (CbVkDevice *dev, guint64 *usage, guint64 *budget);

/* Fault injection (lavapipe never fails): CATBRUSH_VK_FAULT or
 * cb_vk_fault_configure(): comma-separated "alloc:N" (the Nth
 * vkAllocateMemory returns VK_ERROR_OUT_OF_DEVICE_MEMORY), "submit:N" (the
 * Nth vkQueueSubmit returns VK_ERROR_OUT_OF_DEVICE_MEMORY), "lost:N" (the
 * Nth vkQueueSubmit returns VK_ERROR_DEVICE_LOST and the device stays
 * lost); "N+" fails the Nth call and every later one. Counting starts at 1
 * when configured; the calls are counted process-wide. */
gboolean cb_vk_fault_configure (const char *spec, GError **error);
VkResult cb_vk_fault_on_alloc (void); /* VK_SUCCESS, or the result to inject */
VkResult cb_vk_fault_on_submit (void);

/* cb-vk-buffer.c: a buffer with its own memory; the plan suballocates from a few big ones. */
typedef enum
{
  CB_VK_MEMORY_DEVICE,   /* device-local, transfer source and destination */
  CB_VK_MEMORY_UPLOAD,   /* host-visible, written by the host */
  CB_VK_MEMORY_READBACK, /* host-visible, read by the host (cached when possible) */
} CbVkMemoryUse;

typedef struct
{
  VkBuffer buffer;
  VkDeviceMemory memory;
  VkDeviceSize size;
  void *map; /* host-visible buffers: persistently mapped */
  gboolean coherent;
  VkDeviceSize allocation; /* bytes of memory, counted in dev->allocated */
} CbVkBuffer;

CbVkBuffer *cb_vk_buffer_new (CbVkDevice *dev, VkDeviceSize size, CbVkMemoryUse use, GError **error);
void cb_vk_buffer_free (CbVkDevice *dev, CbVkBuffer *buf);
/* After the device wrote a readback buffer: make its bytes visible to the host. */
void cb_vk_buffer_invalidate (CbVkDevice *dev, CbVkBuffer *buf);
/* After the host wrote an upload buffer. */
void cb_vk_buffer_flush (CbVkDevice *dev, CbVkBuffer *buf);
/* Copies host bytes into a device buffer through a staging buffer (at prepare). */
gboolean cb_vk_buffer_upload (CbVkDevice *dev, CbVkBuffer *dst, VkDeviceSize offset, const void *data,
                              VkDeviceSize size, GError **error);

/* cb-vk-pipeline.c */
#define CB_VK_BINDINGS 8 /* binding 0 = output, 1..7 = inputs */

/* The specialization constants (constant_id 0..7, shaders/cb-common.glsl;
 * 8..12, the tile of shaders/conv2d_tiled.comp, 13..16 its variants).
 * Zero-initialise: every field is part of the pipeline key. */
typedef struct
{
  guint32 wg_x, wg_y;
  gint32 act, act_in;
  float slope;
  gint32 kernel, block;
  VkBool32 has_bias;
  gint32 tm, tn, rm, rn, tk;
  VkBool32 fuse_spade, split_k, double_buf, vec4_w;
} CbVkSpec;

/* The push constants (shaders/cb-common.glsl). */
typedef struct
{
  guint32 c, h, w;
  guint32 in_c, in_h, in_w;
  guint32 n_rows;
  float scale_y, scale_x;
  float eps;
  guint32 k_len; /* split-K: reduction rows per split */
} CbVkPush;

CbVkPipelines *cb_vk_pipelines_new (CbVkDevice *dev, GError **error);
void cb_vk_pipelines_free (CbVkDevice *dev, CbVkPipelines *pipes);
VkDescriptorSetLayout cb_vk_pipelines_get_set_layout (CbVkPipelines *pipes);
VkPipelineLayout cb_vk_pipelines_get_layout (CbVkPipelines *pipes);
/* shader: the name in shaders/ ("conv2d"); pipelines are created once per (shader, spec). */
VkPipeline cb_vk_pipelines_get (CbVkDevice *dev, CbVkPipelines *pipes, const char *shader, const CbVkSpec *spec,
                                GError **error);

/* cb-vk-plan.c */
typedef struct _CbVkPlan CbVkPlan;

CbVkPlan *cb_vk_plan_new (CbVkDevice *dev, const CbGraph *graph, GError **error);
void cb_vk_plan_free (CbVkPlan *plan);
gboolean cb_vk_plan_run (CbVkPlan *plan, CbTensor *const *inputs, guint n_inputs, CbTensor *output, GError **error);
/* The same; a cancelled cancellable (checked once the device lock is held,
 * since another thread's pass may have held it) stops it before submission. */
gboolean cb_vk_plan_run_cancellable (CbVkPlan *plan, CbTensor *const *inputs, guint n_inputs, CbTensor *output,
                                     GCancellable *cancellable, GError **error);
gboolean cb_vk_plan_set_profiling (CbVkPlan *plan, gboolean enable, GError **error);
/* ms per op of the last profiled run (n_ops doubles), or NULL */
const double *cb_vk_plan_get_op_ms (CbVkPlan *plan);
guint64 cb_vk_plan_get_device_memory (const CbVkPlan *plan);
/* fp16 storage: only with 16-bit storage; CATBRUSH_FP16=0/1 overrides the
 * default (fp16 on GPUs, fp32 on CPU devices). Read when a plan is made. */
gboolean cb_vk_plan_default_fp16 (const CbVkDevice *dev);
gboolean cb_vk_plan_is_fp16 (const CbVkPlan *plan);
/* Convolutions over the label map run as table gathers (CATBRUSH_VK_NO_GATHER=1: none). */
guint cb_vk_plan_get_n_gathers (const CbVkPlan *plan);

/* The kernel variants of issue 21 (docs/PERFORMANCE.md), each with its
 * switch, read when a plan is made: */
typedef enum
{
  CB_VK_VARIANT_FUSED_SPADE,     /* SPADE in the next convolution's input load; CATBRUSH_VK_NO_FUSE=1 */
  CB_VK_VARIANT_SPLIT_K,         /* split-K + splitk_reduce.comp; CATBRUSH_VK_NO_SPLIT_K=1 */
  CB_VK_VARIANT_GATHER_SUBGROUP, /* gather_table_sg.comp (GPUs); CATBRUSH_VK_NO_SUBGROUPS=1, _SUBGROUPS=1 forces */
  CB_VK_VARIANT_DOUBLE_BUFFER,   /* double-buffered conv tiles; CATBRUSH_VK_NO_DOUBLE_BUFFER=1 */
  CB_VK_VARIANT_VEC4,            /* vec4 weight loads; CATBRUSH_VK_NO_VEC4=1 */
  CB_VK_N_VARIANTS
} CbVkVariant;

/* How many ops of the plan run that variant (what the tests check). */
guint cb_vk_plan_count_variant (const CbVkPlan *plan, CbVkVariant variant);
/* The split-K factor for a convolution of `groups` workgroups of
 * `invocations` each and a reduction of k rows in steps of tk, on a device
 * of `compute_units` (a CPU device: its threads): 1 when the grid fills the
 * device. CATBRUSH_VK_SPLIT_K=N forces N (tests on lavapipe, A/B). */
guint cb_vk_choose_split_k (guint groups, guint invocations, guint k, guint tk, guint compute_units,
                            gboolean cpu_device);

G_END_DECLS
