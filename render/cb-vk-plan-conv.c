/* cb-vk-plan-conv.c: how a Vulkan plan runs each convolution
 *
 * conv2d_tiled.comp with a tile chosen per op (docs/PERFORMANCE.md), or
 * conv2d.comp (CATBRUSH_VK_CONV=simple, or a device whose limits the tile
 * exceeds), and the tiled shader's variants (issue 21), each on by default
 * where it applies and off with its switch:
 *
 * - fused SPADE (CATBRUSH_VK_NO_FUSE=1): a SPADE normalisation read only
 *   by one convolution (conv_0, conv_1, conv_s) is computed in that
 *   convolution's patch load; the SPADE op gets no dispatch and its output
 *   no memory.
 * - split-K (CATBRUSH_VK_NO_SPLIT_K=1): a convolution whose grid of
 *   workgroups would leave the device idle (the 8x8 and 16x16 blocks of
 *   1024 channels: K = 9216, few pixels) sums ranges of K in separate
 *   workgroups into float partials (ops[n_ops + i], in the activation
 *   buffer's scratch area), then splitk_reduce.comp adds them in order with
 *   the bias and the activation (ops[i]).
 * - double-buffered tiles (CATBRUSH_VK_NO_DOUBLE_BUFFER=1), where twice
 *   the shared memory fits.
 * - vec4 weight loads (CATBRUSH_VK_NO_VEC4=1), when Cin * k * k % 4 == 0.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-vk-plan-private.h"

#include "model/cb-error.h"

static gboolean
switched_off (const char *name)
{
  return g_strcmp0 (g_getenv (name), "1") == 0;
}

/* The tile of conv2d_tiled.comp for a Cout x hw output (see the shader).
 * 64x64 tiles of 8x8 outputs per invocation for big images; on a GPU, for
 * the start grid (4-64 pixels), 16-pixel tiles, so the work is split over
 * output channels into enough workgroups to fill the device (a CPU device
 * has a few threads and prefers the big tile's reuse); 4-channel tiles for
 * conv_img (3 outputs). FALSE when the device cannot run the tile. */
static gboolean
choose_conv_tile (guint cout, guint hw, gboolean cpu_device, const VkPhysicalDeviceLimits *limits, CbVkSpec *spec)
{
  gint32 tm, tn, rm, rn, tk = 16;

  if (cout <= 8)
    tm = 4, rm = 4, tn = 128, rn = 4;
  else if (hw < (cpu_device ? 64u : 256u))
    tm = 32, rm = 4, tn = 16, rn = 4;
  else if (cout <= 32)
    tm = 32, rm = 4, tn = 64, rn = 8;
  else
    tm = 64, rm = 8, tn = 64, rn = 8;

  guint nx = (guint)(tn / rn), ny = (guint)(tm / rm), nt = nx * ny;
  guint shared = (guint)(tk * (tn + tm + 4)) * 4u;
  if (nt > limits->maxComputeWorkGroupInvocations || nx > limits->maxComputeWorkGroupSize[0]
      || ny > limits->maxComputeWorkGroupSize[1] || shared > limits->maxComputeSharedMemorySize)
    return FALSE;
  spec->wg_x = nx;
  spec->wg_y = ny;
  spec->tm = tm, spec->tn = tn, spec->rm = rm, spec->rn = rn, spec->tk = tk;
  /* the second set of tiles, where it fits */
  spec->double_buf = 2 * shared <= limits->maxComputeSharedMemorySize && !switched_off ("CATBRUSH_VK_NO_DOUBLE_BUFFER");
  return TRUE;
}

static gboolean
is_cpu_device (const CbVkPlan *plan)
{
  return plan->dev->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
}

guint
cb_vk_choose_split_k (guint groups, guint invocations, guint k, guint tk, guint compute_units, gboolean cpu_device)
{
  const char *force = g_getenv ("CATBRUSH_VK_SPLIT_K");
  guint64 want, have;
  guint s;

  /* every split gets at least 8 steps of tk rows, and there are at most 32
   * (the partials cost S x the output in memory traffic) */
  guint max_s = MIN (k / (8 * MAX (tk, 1)), 32u);
  if (force != NULL && *force != '\0')
    return CLAMP ((guint)g_ascii_strtoull (force, NULL, 10), 1u, MAX (k / MAX (tk, 1), 1u));
  if (max_s < 2)
    return 1;
  if (cpu_device)
    {
      /* a CPU device runs a workgroup per thread: 4 per thread balances the load */
      want = 4 * (guint64)compute_units;
      have = groups;
    }
  else
    {
      /* a grid of 4+ workgroups per compute unit fills a GPU; below that,
       * split until ~1024 invocations per compute unit are resident (what
       * hides memory latency) */
      if (groups >= 4 * (guint64)compute_units)
        return 1;
      want = 1024 * (guint64)compute_units;
      have = (guint64)groups * invocations;
    }
  if (have >= want || have == 0)
    return 1;
  s = (guint)MIN ((want + have - 1) / have, (guint64)max_s);
  return MAX (s, 1u);
}

/* Is the tiled shader what conv op index gets? (as cb_vk_plan_setup_conv decides) */
static gboolean
runs_tiled (CbVkPlan *plan, const CbGraph *graph, const CbOp *op)
{
  CbVkSpec spec = { 0 };
  const CbValue *out = cb_graph_value (graph, op->output);

  return plan->conv_tiled && (op->kernel == 1 || op->kernel == 3)
         && choose_conv_tile (out->c, out->h * out->w, is_cpu_device (plan), &plan->dev->props.limits, &spec);
}

void
cb_vk_plan_find_fusions (CbVkPlan *plan, const CbGraph *graph)
{
  g_autofree guint *readers = g_new0 (guint, MAX (plan->n_values, 1));
  g_autofree guint *reader = g_new (guint, MAX (plan->n_values, 1));

  for (guint i = 0; i < plan->n_ops; i++)
    plan->fused_norm[i] = G_MAXUINT;
  if (switched_off ("CATBRUSH_VK_NO_FUSE"))
    return;
  for (guint i = 0; i < plan->n_ops; i++)
    {
      const CbOp *op = cb_graph_op (graph, i);
      for (guint k = 0; k < op->n_inputs; k++)
        if (op->inputs[k] != CB_NO_VALUE)
          {
            readers[op->inputs[k]]++;
            reader[op->inputs[k]] = i;
          }
    }
  for (guint n = 0; n < plan->n_ops; n++)
    {
      const CbOp *norm = cb_graph_op (graph, n);
      guint v = norm->output;
      if (norm->kind != CB_OP_SPADE_NORM || norm->n_inputs < 5 || v == plan->output || readers[v] != 1)
        continue;
      gboolean inputs_ok = TRUE;
      for (guint k = 0; k < 5; k++)
        inputs_ok = inputs_ok && norm->inputs[k] != CB_NO_VALUE;
      guint j = reader[v];
      const CbOp *conv = cb_graph_op (graph, j);
      /* one SLOPE constant serves both activations */
      gboolean slopes_ok
        = norm->act != CB_ACT_LEAKY_RELU || conv->act != CB_ACT_LEAKY_RELU || norm->slope == conv->slope;
      if (!inputs_ok || j <= n || conv->kind != CB_OP_CONV2D || conv->inputs[0] != v || conv->act_in != CB_ACT_NONE
          || !slopes_ok || plan->gather_rows[j] != CB_NO_VALUE || !runs_tiled (plan, graph, conv))
        continue;
      plan->fused_norm[j] = n;
      plan->elided[v] = TRUE;
      plan->variants[CB_VK_VARIANT_FUSED_SPADE]++;
    }
}

/* conv index as two dispatches: partial sums over s ranges of K
 * (ops[n_ops + index]), then splitk_reduce.comp (ops[index]) */
static void
setup_split (CbVkPlan *plan, const CbGraph *graph, guint index, guint s, guint k_len)
{
  const CbOp *op = cb_graph_op (graph, index);
  const CbValue *out = cb_graph_value (graph, op->output);
  CbVkOpDispatch *pre = &plan->ops[plan->n_ops + index], *d = &plan->ops[index];

  *pre = *d;
  pre->spec.split_k = VK_TRUE;
  pre->push.k_len = k_len;
  pre->groups_z = s;
  pre->bindings[0] = plan->n_values + index;
  pre->out_f32 = TRUE; /* float partials in an fp16 plan too */

  d->shader = "splitk_reduce";
  d->spec = (CbVkSpec){
    .wg_x = CB_WG_X,
    .wg_y = 1,
    .act = op->act,
    .slope = op->slope,
    .kernel = 1,
    .block = 1,
    .has_bias = op->n_inputs > 2 && op->inputs[2] != CB_NO_VALUE,
  };
  d->push = (CbVkPush){ .c = out->c, .h = out->h, .w = out->w, .n_rows = s };
  for (guint b = 0; b < CB_VK_BINDINGS; b++)
    d->bindings[b] = CB_NO_VALUE;
  d->bindings[0] = op->output;
  d->bindings[1] = plan->n_values + index;
  if (d->spec.has_bias)
    d->bindings[2] = op->inputs[2];
  d->groups_x = (out->h * out->w + CB_WG_X - 1) / CB_WG_X;
  d->groups_y = out->c;
  d->groups_z = 1;
  plan->split[index] = s;
  plan->slots[plan->n_values + index].size = (VkDeviceSize)s * out->c * out->h * out->w * sizeof (float);
  plan->variants[CB_VK_VARIANT_SPLIT_K]++;
}

gboolean
cb_vk_plan_setup_conv (CbVkPlan *plan, const CbGraph *graph, guint index, GError **error)
{
  const CbOp *op = cb_graph_op (graph, index);
  const CbValue *out = cb_graph_value (graph, op->output);
  const CbValue *in0 = cb_graph_value (graph, op->inputs[0]);
  CbVkOpDispatch *d = &plan->ops[index];
  const VkPhysicalDeviceLimits *limits = &plan->dev->props.limits;
  guint channels_per_y, tile_pixels = CB_WG_X;
  guint hw = out->h * out->w, K = in0->c * op->kernel * op->kernel;

  d->spec.kernel = (gint32)op->kernel;
  d->spec.has_bias = op->n_inputs > 2 && op->inputs[2] != CB_NO_VALUE;
  if (op->kernel != 1 && op->kernel != 3)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "Op %s: %ux%u convolutions are not supported", op->name,
                   op->kernel, op->kernel);
      return FALSE;
    }
  if (plan->conv_tiled && choose_conv_tile (out->c, hw, is_cpu_device (plan), limits, &d->spec))
    {
      d->shader = "conv2d_tiled";
      tile_pixels = (guint)d->spec.tn;
      channels_per_y = (guint)d->spec.tm;
      if (d->spec.double_buf)
        plan->variants[CB_VK_VARIANT_DOUBLE_BUFFER]++;
      /* the weight slots are 16-byte aligned, rows of K floats start at multiples of 4 */
      if (K % 4 == 0 && d->spec.tk % 4 == 0 && !switched_off ("CATBRUSH_VK_NO_VEC4"))
        {
          d->spec.vec4_w = VK_TRUE;
          plan->variants[CB_VK_VARIANT_VEC4]++;
        }
    }
  else
    {
      d->shader = "conv2d";
      /* a block of output channels per invocation reuses each input load */
      d->spec.block = out->c >= 8 ? 8 : out->c >= 4 ? 4 : 1;
      channels_per_y = (guint)d->spec.block;
    }

  guint n = plan->fused_norm[index];
  if (n != G_MAXUINT)
    {
      /* in, weight, bias, gamma, beta, mean, var: the SPADE's x in place of its output */
      const CbOp *norm = cb_graph_op (graph, n);
      d->spec.fuse_spade = VK_TRUE;
      d->spec.act_in = norm->act;
      if (norm->act == CB_ACT_LEAKY_RELU)
        d->spec.slope = norm->slope;
      d->push.eps = norm->eps;
      d->bindings[1] = norm->inputs[0];
      d->bindings[2] = op->inputs[1];
      d->bindings[3] = d->spec.has_bias ? op->inputs[2] : CB_NO_VALUE;
      for (guint k = 1; k < 5; k++)
        d->bindings[3 + k] = norm->inputs[k];
    }

  d->groups_x = (hw + tile_pixels - 1) / tile_pixels;
  d->groups_y = (out->c + channels_per_y - 1) / channels_per_y;
  d->groups_z = 1;
  if (d->groups_x > limits->maxComputeWorkGroupCount[0] || d->groups_y > limits->maxComputeWorkGroupCount[1])
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, "Op %s: %ux%ux%u is too large for one dispatch on this device",
                   op->name, out->c, out->h, out->w);
      return FALSE;
    }

  if (g_strcmp0 (d->shader, "conv2d_tiled") == 0 && !switched_off ("CATBRUSH_VK_NO_SPLIT_K"))
    {
      guint tk = (guint)d->spec.tk;
      guint s = cb_vk_choose_split_k (d->groups_x * d->groups_y, d->spec.wg_x * d->spec.wg_y, K, tk,
                                      plan->dev->compute_units, is_cpu_device (plan));
      /* whole steps per split, and no empty split */
      guint k_len = (guint)cb_vk_align_up ((K + s - 1) / MAX (s, 1), tk);
      s = (K + k_len - 1) / k_len;
      VkDeviceSize bytes = (VkDeviceSize)s * out->c * hw * sizeof (float);
      if (s > 1 && s <= limits->maxComputeWorkGroupCount[2] && bytes <= limits->maxStorageBufferRange)
        setup_split (plan, graph, index, s, k_len);
    }
  return TRUE;
}

VkDeviceSize
cb_vk_plan_place_scratch (CbVkPlan *plan, VkDeviceSize act_size, VkDeviceSize align)
{
  VkDeviceSize offset = cb_vk_align_up (act_size, align), size = 0;

  /* split convolutions run one after another: one area serves them all */
  for (guint i = 0; i < plan->n_ops; i++)
    if (plan->split[i] > 1)
      {
        CbVkSlot *s = &plan->slots[plan->n_values + i];
        s->buffer = CB_ACTIVATIONS;
        s->offset = offset;
        s->size = cb_vk_align_up (s->size, align);
        size = MAX (size, s->size);
      }
  plan->scratch_offset = offset;
  plan->scratch_size = size;
  return size > 0 ? offset + size : act_size;
}
