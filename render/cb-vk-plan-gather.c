/* cb-vk-plan-gather.c: convolutions over the label map as table gathers
 *
 * Gathers (DESIGN §6): a 3x3 convolution over the embedded label map (or
 * over its nearest resize) is table[rows] convolved, so per run a small
 * dispatch (gather_table.comp, or gather_table_sg.comp with subgroup
 * arithmetic) makes G[tap][row][co] from the weights and the table, and
 * the convolution becomes 9 loads per output (conv_gather.comp). G lives
 * in its own buffer, one slot per such op, at value id n_values + op; that
 * dispatch is ops[n_ops + op]. CATBRUSH_VK_NO_GATHER=1 runs them densely;
 * CATBRUSH_VK_NO_SUBGROUPS=1 keeps the plain G shader (use_subgroups()).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-vk-plan-private.h"

/* A 3x3 convolution whose input is EMBED's output, or a plain nearest
 * resize of it: sets the rows and table values and returns TRUE. */
static gboolean
find_gather (CbVkPlan *plan, const CbGraph *graph, const guint *producer, guint index, guint *rows, guint *table)
{
  const CbOp *op = cb_graph_op (graph, index);
  guint in;

  if (op->kind != CB_OP_CONV2D || op->kernel != 3 || op->act_in != CB_ACT_NONE || op->n_inputs < 2
      || (plan->fp16 && plan->elem[op->output] == 4) || cb_graph_value (graph, op->inputs[1])->kind != CB_VALUE_CONST)
    return FALSE;
  in = op->inputs[0];
  if (producer[in] != G_MAXUINT && cb_graph_op (graph, producer[in])->kind == CB_OP_RESIZE_NEAREST
      && cb_graph_op (graph, producer[in])->act == CB_ACT_NONE)
    in = cb_graph_op (graph, producer[in])->inputs[0];
  if (producer[in] == G_MAXUINT || cb_graph_op (graph, producer[in])->kind != CB_OP_EMBED)
    return FALSE;
  *rows = cb_graph_op (graph, producer[in])->inputs[0];
  *table = cb_graph_op (graph, producer[in])->inputs[1];
  /* the rows at full size are the embedding's size */
  return cb_graph_value (graph, *rows)->h == cb_graph_value (graph, in)->h
         && cb_graph_value (graph, *rows)->w == cb_graph_value (graph, in)->w;
}

/* Which convolutions run as gathers (before placing: they keep the rows
 * and the table alive until they run) */
void
cb_vk_plan_find_gathers (CbVkPlan *plan, const CbGraph *graph)
{
  g_autofree guint *producer = g_new (guint, MAX (plan->n_values, 1));
  gboolean enabled = g_strcmp0 (g_getenv ("CATBRUSH_VK_NO_GATHER"), "1") != 0;

  for (guint v = 0; v < plan->n_values; v++)
    producer[v] = G_MAXUINT;
  for (guint i = 0; i < plan->n_ops; i++)
    producer[cb_graph_op (graph, i)->output] = i;
  for (guint i = 0; i < plan->n_ops; i++)
    {
      guint rows, table;
      plan->gather_rows[i] = plan->gather_table[i] = CB_NO_VALUE;
      if (!enabled || !find_gather (plan, graph, producer, i, &rows, &table))
        continue;
      const CbOp *op = cb_graph_op (graph, i);
      VkDeviceSize bytes
        = (VkDeviceSize)9 * cb_graph_value (graph, table)->h * cb_graph_value (graph, op->output)->c * sizeof (float);
      if (bytes > plan->dev->props.limits.maxStorageBufferRange)
        continue;
      plan->gather_rows[i] = rows;
      plan->gather_table[i] = table;
      plan->n_gathers++;
    }
}

/* G of every gather convolution, in a buffer of its own */
gboolean
cb_vk_plan_place_gathers (CbVkPlan *plan, const CbGraph *graph, VkDeviceSize align, GError **error)
{
  VkDeviceSize size = 0;

  for (guint i = 0; i < plan->n_ops; i++)
    {
      if (plan->gather_rows[i] == CB_NO_VALUE)
        continue;
      VkDeviceSize bytes = (VkDeviceSize)9 * cb_graph_value (graph, plan->gather_table[i])->h
                           * cb_graph_value (graph, cb_graph_op (graph, i)->output)->c * sizeof (float);
      plan->slots[plan->n_values + i] = (CbVkSlot){ plan->buffers->len, size, cb_vk_align_up (bytes, align) };
      size += cb_vk_align_up (bytes, align);
    }
  if (size == 0)
    return TRUE;
  CbVkBuffer *buf = cb_vk_buffer_new (plan->dev, size, CB_VK_MEMORY_DEVICE, error);
  if (buf == NULL)
    return FALSE;
  g_ptr_array_add (plan->buffers, buf);
  plan->device_memory += buf->size;
  return TRUE;
}

/* The two dispatches of gather convolution index: G, then the gathers. */
/* gather_table_sg.comp: where the device has subgroup arithmetic, on GPUs.
 * Not on CPU devices: lavapipe runs subgroup operations lane by lane (1.8x
 * slower there, docs/PERFORMANCE.md); CATBRUSH_VK_SUBGROUPS=1 uses it
 * anyway (the tests), CATBRUSH_VK_NO_SUBGROUPS=1 never. */
static gboolean
use_subgroups (const CbVkDevice *dev)
{
  if (!dev->subgroup_arith || g_strcmp0 (g_getenv ("CATBRUSH_VK_NO_SUBGROUPS"), "1") == 0)
    return FALSE;
  return dev->props.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU
         || g_strcmp0 (g_getenv ("CATBRUSH_VK_SUBGROUPS"), "1") == 0;
}

void
cb_vk_plan_setup_gather (CbVkPlan *plan, const CbGraph *graph, guint index)
{
  const CbOp *op = cb_graph_op (graph, index);
  const CbValue *out = cb_graph_value (graph, op->output);
  const CbValue *rows = cb_graph_value (graph, plan->gather_rows[index]);
  const CbValue *table = cb_graph_value (graph, plan->gather_table[index]);
  CbVkOpDispatch *pre = &plan->ops[plan->n_ops + index], *d = &plan->ops[index];
  guint g = plan->n_values + index;

  for (guint b = 0; b < CB_VK_BINDINGS; b++)
    pre->bindings[b] = d->bindings[b] = CB_NO_VALUE;
  pre->shader = "gather_table";
  pre->spec = (CbVkSpec){ .wg_x = CB_WG_X, .wg_y = 1, .kernel = 3, .block = 1 };
  pre->push = (CbVkPush){ .c = out->c, .in_c = table->w, .n_rows = table->h };
  pre->bindings[0] = g;
  pre->bindings[1] = op->inputs[1];
  pre->bindings[2] = plan->gather_table[index];
  pre->groups_x = (out->c + CB_WG_X - 1) / CB_WG_X;
  pre->groups_y = table->h * 9;
  pre->groups_z = 1;
  if (use_subgroups (plan->dev))
    {
      /* a workgroup of one subgroup per BLOCK channels of one (row, tap) */
      pre->shader = "gather_table_sg";
      pre->spec.wg_x = plan->dev->subgroup_size;
      pre->spec.block = 4;
      pre->groups_x = (out->c + 3) / 4;
      plan->variants[CB_VK_VARIANT_GATHER_SUBGROUP]++;
    }

  d->shader = "conv_gather";
  d->spec = (CbVkSpec){
    .wg_x = CB_WG_X,
    .wg_y = 1,
    .act = op->act,
    .slope = op->slope,
    .kernel = 3,
    .block = 1,
    .has_bias = op->n_inputs > 2 && op->inputs[2] != CB_NO_VALUE,
  };
  d->push = (CbVkPush){
    .c = out->c,
    .h = out->h,
    .w = out->w,
    .in_h = rows->h,
    .in_w = rows->w,
    .n_rows = table->h,
    /* resize_nearest's single-precision scale (1 without a resize) */
    .scale_y = (float)rows->h / (float)out->h,
    .scale_x = (float)rows->w / (float)out->w,
  };
  d->bindings[0] = op->output;
  d->bindings[1] = plan->gather_rows[index];
  d->bindings[2] = g;
  if (d->spec.has_bias)
    d->bindings[3] = op->inputs[2];
  d->groups_x = (out->h * out->w + CB_WG_X - 1) / CB_WG_X;
  d->groups_y = out->c;
  d->groups_z = 1;
}
