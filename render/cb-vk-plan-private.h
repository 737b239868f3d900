/* cb-vk-plan-private.h: the Vulkan plan's insides, shared by its files
 * (cb-vk-plan.c: placement, recording, running; cb-vk-plan-conv.c: the
 * convolutions' kernels and variants; cb-vk-plan-gather.c: gathers over
 * the label map). render/ only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "render/cb-vk.h"

G_BEGIN_DECLS

#define CB_WG_X 64u
#define CB_ACTIVATIONS 0 /* buffers[0]; constants in buffers[1..] */

typedef struct
{
  guint c, h, w;
} CbShape;

typedef struct
{
  guint buffer; /* index in plan->buffers */
  VkDeviceSize offset, size;
} CbVkSlot;

/* One dispatch. Per op i: ops[i], and ops[n_ops + i] when it needs a
 * dispatch before (a gather's G table, a split-K convolution's partial
 * sums), bound to value n_values + i (its own slot). */
typedef struct
{
  const char *shader; /* NULL: no dispatch (a SPADE fused into its convolution) */
  gboolean out_f32;   /* fp16 plan: the NAME_f16o32 shader (float output) */
  CbVkSpec spec;
  CbVkPush push;
  guint groups_x, groups_y, groups_z;
  guint bindings[CB_VK_BINDINGS]; /* value ids; CB_NO_VALUE where unused */
} CbVkOpDispatch;

struct _CbVkPlan
{
  CbVkDevice *dev;
  guint n_ops;
  guint n_values;
  guint output;
  guint out_c, out_h, out_w;
  GPtrArray *buffers; /* CbVkBuffer * */
  CbVkSlot *slots;    /* per value, then per op (n_values + i: G table or split-K partials) */
  CbVkOpDispatch *ops;
  VkPipeline *pipelines;
  GArray *inputs;              /* value ids of the graph's inputs, in value order */
  VkDeviceSize *input_staging; /* offset of each input in upload */
  VkDeviceSize *input_bytes;
  CbShape *input_shape;
  CbVkBuffer *upload, *readback;
  VkDescriptorPool pool;
  VkDescriptorSet *sets;
  VkCommandPool cmd_pool; /* the plan's own: reset as a whole to re-record cmd */
  VkCommandBuffer cmd;
  VkQueryPool queries;
  gboolean conv_tiled; /* conv2d_tiled.comp; CATBRUSH_VK_CONV=simple: conv2d.comp */
  gboolean fp16;       /* float16 storage, the NAME_f16 shaders */
  guint *gather_rows;  /* per op: the label rows of a gather convolution, else CB_NO_VALUE */
  guint *gather_table; /* per op: its embedding table */
  guint n_gathers;
  guint *fused_norm;                         /* per op: the SPADE op fused into this convolution, else G_MAXUINT */
  gboolean *elided;                          /* per value: never written (a fused SPADE's output) */
  guint *split;                              /* per op: split-K factor (0 or 1: none) */
  VkDeviceSize scratch_offset, scratch_size; /* split-K partials, in the activation buffer */
  guint variants[CB_VK_N_VARIANTS];
  guint8 *elem; /* per value: bytes per element on the device */
  gboolean profiling;
  gboolean have_timings;
  double *op_ms;
  guint64 device_memory;
};

static inline VkDeviceSize
cb_vk_align_up (VkDeviceSize v, VkDeviceSize a)
{
  return (v + a - 1) / a * a;
}

/* cb-vk-plan-gather.c */
void cb_vk_plan_find_gathers (CbVkPlan *plan, const CbGraph *graph);
gboolean cb_vk_plan_place_gathers (CbVkPlan *plan, const CbGraph *graph, VkDeviceSize align, GError **error);
void cb_vk_plan_setup_gather (CbVkPlan *plan, const CbGraph *graph, guint index);

/* cb-vk-plan-conv.c */
/* Which SPADE ops are fused into the convolution that reads them (before placing). */
void cb_vk_plan_find_fusions (CbVkPlan *plan, const CbGraph *graph);
/* The convolution op index (kernel, variants, split-K); FALSE with error if it cannot run. */
gboolean cb_vk_plan_setup_conv (CbVkPlan *plan, const CbGraph *graph, guint index, GError **error);
/* After setup: the split-K partials' place in the activation buffer, after act_size. */
VkDeviceSize cb_vk_plan_place_scratch (CbVkPlan *plan, VkDeviceSize act_size, VkDeviceSize align);

G_END_DECLS
