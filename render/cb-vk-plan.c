/* cb-vk-plan.c: a graph on a Vulkan device, recorded once, replayed per run
 *
 * prepare: place every value in a few big buffers (constants packed into
 * blocks; inputs and temporaries in one activation buffer, reusing memory
 * once a value is dead), upload the constants, make the pipelines and
 * descriptor sets, and record one command buffer: input copies, one
 * dispatch per op with barriers only where an op touches memory an earlier,
 * unsynchronised op wrote (or read, for reused memory), output copy.
 * run: write the inputs into the upload buffer, submit, wait, read back.
 *
 * fp16 storage (DESIGN §6): where the device has 16-bit storage, values are
 * stored as float16 and every shader (NAME_f16.spv) loads them into float
 * and accumulates in float. Label rows (exact integers) and packed RGBA8
 * stay 32-bit, and so do SPADE's inputs with a wide range: gamma and beta
 * (written by NAME_f16o32 convolutions) and the batch-norm statistics
 * (docs/PERFORMANCE.md, fp16). The host converts inputs, constants and the
 * output.
 * CATBRUSH_FP16=0/1 overrides the default: fp16 on GPUs that support it,
 * fp32 on CPU devices (lavapipe: no gain, it converts in software).
 *
 * Gathers over the label map: cb-vk-plan-gather.c. Which kernel and
 * variant each convolution runs (tiles, fused SPADE, split-K, double
 * buffering, vec4 loads): cb-vk-plan-conv.c. An op may have a dispatch
 * before its own (ops[n_ops + i]: a G table, split-K partial sums) bound to
 * a slot of its own (n_values + i); a SPADE fused into its convolution has
 * none (shader NULL) and its output is never placed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-vk-plan-private.h"

#include "model/cb-error.h"
#include "model/cb-safetensors.h" /* cb_f32_to_f16, cb_f16_to_f32 */

#include <string.h>

#define CB_CONST_BLOCK ((VkDeviceSize)256 << 20)
#define CB_UPLOAD_CHUNK ((VkDeviceSize)16 << 20)

/* bytes of value v as stored on the device (elem[v]: 2 or 4 per element) */
static VkDeviceSize
value_bytes (const CbValue *v, const guint8 *elem, guint id)
{
  return (VkDeviceSize)v->c * v->h * v->w * elem[id];
}

/* Per value: 4 bytes, or 2 in fp16 mode except label rows (embed's first
 * input: exact integers), packed RGBA8 (to_rgba8's output) and SPADE's
 * gamma, beta, mean and var. NULL when a value kept in fp32 is written or
 * read by an op with no shader for that mix: the plan then runs in fp32. */
static guint8 *
element_sizes (const CbGraph *graph, gboolean fp16)
{
  guint n = graph->values->len;
  g_autofree guint8 *elem = g_new (guint8, MAX (n, 1));

  memset (elem, fp16 ? 2 : 4, MAX (n, 1));
  if (!fp16)
    return g_steal_pointer (&elem);
  for (guint i = 0; i < graph->ops->len; i++)
    {
      const CbOp *op = cb_graph_op (graph, i);
      if (op->kind == CB_OP_EMBED && op->n_inputs > 0)
        elem[op->inputs[0]] = 4;
      if (op->kind == CB_OP_TO_RGBA8)
        elem[op->output] = 4;
      for (guint k = 1; op->kind == CB_OP_SPADE_NORM && k < MIN (op->n_inputs, 5u); k++)
        if (op->inputs[k] != CB_NO_VALUE)
          elem[op->inputs[k]] = 4;
    }
  /* a kept value must come from a convolution (the _f16o32 shaders), the
   * host (input, constant), and go to SPADE's float bindings only */
  for (guint i = 0; i < graph->ops->len; i++)
    {
      const CbOp *op = cb_graph_op (graph, i);
      if (op->kind == CB_OP_SPADE_NORM || op->kind == CB_OP_TO_RGBA8)
        {
          if (op->kind == CB_OP_SPADE_NORM && op->n_inputs > 0 && elem[op->inputs[0]] != 2)
            return NULL;
          continue;
        }
      for (guint k = 0; k < op->n_inputs; k++)
        if (op->inputs[k] != CB_NO_VALUE && elem[op->inputs[k]] == 4 && !(op->kind == CB_OP_EMBED && k == 0))
          return NULL;
      if (elem[op->output] == 4 && op->kind != CB_OP_CONV2D)
        return NULL;
    }
  return g_steal_pointer (&elem);
}

/* n floats to storage of elem bytes each */
static void
store_floats (void *dst, const float *src, gsize n, guint elem)
{
  if (elem == 4)
    {
      memcpy (dst, src, n * 4);
      return;
    }
  guint16 *h = dst;
  for (gsize i = 0; i < n; i++)
    h[i] = cb_f32_to_f16 (src[i]);
}

/* ------------------------------------------------------------- placement */

typedef struct
{
  guint id;
  int def, last; /* op indices: written at def, last read at last */
  VkDeviceSize size;
} CbLive;

static int
compare_live_size (gconstpointer a, gconstpointer b)
{
  const CbLive *x = a, *y = b;

  if (x->size != y->size)
    return x->size > y->size ? -1 : 1;
  return x->id < y->id ? -1 : 1;
}

static int
compare_slot_offset (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const CbVkSlot *slots = user_data;
  VkDeviceSize x = slots[*(const guint *)a].offset, y = slots[*(const guint *)b].offset;

  return x < y ? -1 : x > y;
}

/* Places inputs and temporaries in one buffer; values whose lifetimes do not
 * overlap share memory (largest first, lowest fitting offset). Returns the size. */
static VkDeviceSize
place_activations (const CbVkPlan *plan, const CbGraph *graph, VkDeviceSize align)
{
  const guint8 *elem = plan->elem;
  const guint *gather_rows = plan->gather_rows, *gather_table = plan->gather_table;
  CbVkSlot *slots = plan->slots;
  guint n_values = graph->values->len, n_ops = graph->ops->len;
  g_autofree int *def = g_new (int, n_values);
  g_autofree int *last = g_new (int, n_values);
  g_autoptr (GArray) lives = g_array_new (FALSE, FALSE, sizeof (CbLive));
  g_autoptr (GArray) placed = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GArray) conflicts = g_array_new (FALSE, FALSE, sizeof (guint));
  VkDeviceSize total = 0;

  for (guint v = 0; v < n_values; v++)
    {
      def[v] = cb_graph_value (graph, v)->kind == CB_VALUE_INPUT ? -1 : G_MAXINT;
      last[v] = v == graph->output ? (int)n_ops : -1;
    }
  for (guint i = 0; i < n_ops; i++)
    {
      const CbOp *op = cb_graph_op (graph, i);
      for (guint k = 0; k < op->n_inputs; k++)
        if (op->inputs[k] != CB_NO_VALUE)
          last[op->inputs[k]] = MAX (last[op->inputs[k]], (int)i);
      def[op->output] = MIN (def[op->output], (int)i);
      /* a gather convolution reads the label rows and the table itself */
      if (gather_rows[i] != CB_NO_VALUE)
        {
          last[gather_rows[i]] = MAX (last[gather_rows[i]], (int)i);
          last[gather_table[i]] = MAX (last[gather_table[i]], (int)i);
        }
      /* a convolution with a fused SPADE reads its x, gamma and beta */
      if (plan->fused_norm[i] != G_MAXUINT)
        for (guint k = 0; k < 3; k++)
          {
            guint v = cb_graph_op (graph, plan->fused_norm[i])->inputs[k];
            last[v] = MAX (last[v], (int)i);
          }
    }
  for (guint v = 0; v < n_values; v++)
    {
      const CbValue *value = cb_graph_value (graph, v);
      if (value->kind == CB_VALUE_CONST || plan->elided[v])
        continue;
      if (def[v] == G_MAXINT)
        def[v] = -1; /* never written: treat as live from the start */
      CbLive live = { v, def[v], MAX (last[v], def[v]), cb_vk_align_up (MAX (value_bytes (value, elem, v), 4), align) };
      g_array_append_val (lives, live);
    }
  g_array_sort (lives, compare_live_size);

  for (guint i = 0; i < lives->len; i++)
    {
      const CbLive *a = &g_array_index (lives, CbLive, i);
      VkDeviceSize offset = 0;

      g_array_set_size (conflicts, 0);
      for (guint j = 0; j < placed->len; j++)
        {
          guint id = g_array_index (placed, guint, j);
          if (def[id] <= a->last && a->def <= last[id])
            g_array_append_val (conflicts, id);
        }
      g_array_sort_with_data (conflicts, compare_slot_offset, slots);
      for (guint j = 0; j < conflicts->len; j++)
        {
          const CbVkSlot *s = &slots[g_array_index (conflicts, guint, j)];
          if (offset + a->size <= s->offset)
            break;
          offset = MAX (offset, s->offset + s->size);
        }
      slots[a->id] = (CbVkSlot){ CB_ACTIVATIONS, offset, a->size };
      total = MAX (total, offset + a->size);
      g_array_append_val (placed, a->id);
    }
  return total;
}

/* ----------------------------------------------------------------- setup */

static gboolean
setup_op (CbVkPlan *plan, const CbGraph *graph, guint index, GError **error)
{
  const CbOp *op = cb_graph_op (graph, index);
  const CbValue *out = cb_graph_value (graph, op->output);
  const CbValue *in0 = op->n_inputs > 0 && op->inputs[0] != CB_NO_VALUE ? cb_graph_value (graph, op->inputs[0]) : NULL;
  CbVkOpDispatch *d = &plan->ops[index];
  const VkPhysicalDeviceLimits *limits = &plan->dev->props.limits;

  for (guint b = 0; b < CB_VK_BINDINGS; b++)
    d->bindings[b] = CB_NO_VALUE;
  d->bindings[0] = op->output;
  for (guint k = 0; k < op->n_inputs && k + 1 < CB_VK_BINDINGS; k++)
    d->bindings[k + 1] = op->inputs[k];

  d->spec = (CbVkSpec){
    .wg_x = CB_WG_X,
    .wg_y = 1,
    .act = op->act,
    .act_in = op->act_in,
    .slope = op->slope,
    .kernel = 3,
    .block = 1,
    .has_bias = VK_FALSE,
  };
  d->push = (CbVkPush){ .c = out->c, .h = out->h, .w = out->w };
  if (in0 != NULL)
    {
      d->push.in_c = in0->c;
      d->push.in_h = in0->h;
      d->push.in_w = in0->w;
    }

  switch (op->kind)
    {
    case CB_OP_EMBED:
      d->shader = "embed";
      d->push.n_rows = cb_graph_value (graph, op->inputs[1])->h;
      break;
    case CB_OP_RESIZE_NEAREST:
      d->shader = "resize_nearest";
      /* the reference's single-precision scale, computed here so the shader
       * needs no division (only correctly rounded in C) */
      d->push.scale_y = (float)in0->h / (float)out->h;
      d->push.scale_x = (float)in0->w / (float)out->w;
      break;
    case CB_OP_CONV2D:
      if (plan->gather_rows[index] != CB_NO_VALUE)
        cb_vk_plan_setup_gather (plan, graph, index);
      else if (!cb_vk_plan_setup_conv (plan, graph, index, error))
        return FALSE;
      /* a convolution writing a value kept in fp32 (gamma, beta): float output */
      d->out_f32 = plan->elem[op->output] == 4;
      return TRUE;
    case CB_OP_SPADE_NORM:
      if (plan->elided[op->output])
        {
          d->shader = NULL; /* fused into the convolution that reads it */
          return TRUE;
        }
      d->shader = "spade_norm";
      d->push.eps = op->eps;
      break;
    case CB_OP_ADD:
      d->shader = "add";
      break;
    case CB_OP_ACTIVATION:
      d->shader = "activation";
      break;
    case CB_OP_TO_RGBA8:
      d->shader = "to_rgba8";
      d->push.c = 1;
      break;
    case CB_OP_AVG_POOL2:
      d->shader = "avg_pool2";
      break;
    case CB_OP_CONCAT:
      /* in_c (a's channels) from the first input: the split point */
      d->shader = "concat";
      break;
    default:
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "Op %s: kind %d has no Vulkan shader", op->name,
                   (int)op->kind);
      return FALSE;
    }

  /* the element-wise grid: CB_WG_X pixels x 1 channel per workgroup */
  d->groups_x = (out->h * out->w + CB_WG_X - 1) / CB_WG_X;
  d->groups_y = d->push.c;
  d->groups_z = 1;
  if (d->groups_x > limits->maxComputeWorkGroupCount[0] || d->groups_y > limits->maxComputeWorkGroupCount[1])
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, "Op %s: %ux%ux%u is too large for one dispatch on this device",
                   op->name, out->c, out->h, out->w);
      return FALSE;
    }
  return TRUE;
}

static gboolean
place_constants (CbVkPlan *plan, const CbGraph *graph, VkDeviceSize align, GError **error)
{
  VkDeviceSize block_size = 0;
  guint block = 0;
  g_autoptr (GArray) sizes = g_array_new (FALSE, FALSE, sizeof (VkDeviceSize));

  /* pack in value order into blocks of CB_CONST_BLOCK (a bigger tensor gets its own) */
  for (guint v = 0; v < plan->n_values; v++)
    {
      const CbValue *value = cb_graph_value (graph, v);
      VkDeviceSize size;
      if (value->kind != CB_VALUE_CONST)
        continue;
      size = cb_vk_align_up (MAX (value_bytes (value, plan->elem, v), 4), align);
      if (block == 0 || block_size + size > CB_CONST_BLOCK)
        {
          if (block != 0)
            g_array_append_val (sizes, block_size);
          block = plan->buffers->len + sizes->len;
          block_size = 0;
        }
      plan->slots[v] = (CbVkSlot){ block, block_size, size };
      block_size += size;
    }
  if (block != 0)
    g_array_append_val (sizes, block_size);
  for (guint i = 0; i < sizes->len; i++)
    {
      CbVkBuffer *buf
        = cb_vk_buffer_new (plan->dev, g_array_index (sizes, VkDeviceSize, i), CB_VK_MEMORY_DEVICE, error);
      if (buf == NULL)
        return FALSE;
      g_ptr_array_add (plan->buffers, buf);
      plan->device_memory += buf->size;
    }
  return TRUE;
}

typedef struct
{
  CbVkPlan *plan;
  CbVkBuffer *staging;
  GArray *regions; /* VkBufferCopy */
  GArray *dsts;    /* buffer index of each region */
  VkDeviceSize fill;
} CbUpload;

static gboolean
upload_flush (CbUpload *up, GError **error)
{
  CbVkDevice *dev = up->plan->dev;
  VkCommandBuffer cmd;

  if (up->regions->len == 0)
    return TRUE;
  cmd = cb_vk_device_begin_once (dev, error);
  if (cmd == VK_NULL_HANDLE)
    return FALSE;
  cb_vk_buffer_flush (dev, up->staging);
  for (guint r = 0; r < up->regions->len; r++)
    {
      CbVkBuffer *dst = up->plan->buffers->pdata[g_array_index (up->dsts, guint, r)];
      dev->vk->vkCmdCopyBuffer (cmd, up->staging->buffer, dst->buffer, 1,
                                &g_array_index (up->regions, VkBufferCopy, r));
    }
  g_array_set_size (up->regions, 0);
  g_array_set_size (up->dsts, 0);
  up->fill = 0;
  return cb_vk_device_submit_wait (dev, cmd, error);
}

/* Streams the constants through one staging buffer: a few submissions in all. */
static gboolean
upload_constants (CbVkPlan *plan, const CbGraph *graph, GError **error)
{
  CbUpload up = { plan, NULL, NULL, NULL, 0 };
  gboolean ok = TRUE;

  up.staging = cb_vk_buffer_new (plan->dev, CB_UPLOAD_CHUNK, CB_VK_MEMORY_UPLOAD, error);
  if (up.staging == NULL)
    return FALSE;
  up.regions = g_array_new (FALSE, FALSE, sizeof (VkBufferCopy));
  up.dsts = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint v = 0; ok && v < plan->n_values; v++)
    {
      const CbValue *value = cb_graph_value (graph, v);
      VkDeviceSize bytes, done = 0;

      if (value->kind != CB_VALUE_CONST)
        continue;
      guint elem = plan->elem[v];
      bytes = value_bytes (value, plan->elem, v);
      while (ok && done < bytes)
        {
          if (up.fill + 16 > up.staging->size)
            ok = upload_flush (&up, error);
          VkDeviceSize n = MIN (bytes - done, up.staging->size - up.fill);
          VkBufferCopy region = { up.fill, plan->slots[v].offset + done, n };
          /* n is a multiple of elem: the staging size and fill are multiples of 16 */
          store_floats ((char *)up.staging->map + up.fill, value->data + done / elem, n / elem, elem);
          g_array_append_val (up.regions, region);
          g_array_append_val (up.dsts, plan->slots[v].buffer);
          up.fill = cb_vk_align_up (up.fill + n, 16);
          done += n;
        }
    }
  if (ok)
    ok = upload_flush (&up, error);
  g_array_unref (up.regions);
  g_array_unref (up.dsts);
  cb_vk_buffer_free (plan->dev, up.staging);
  return ok;
}

static gboolean
make_descriptor_sets (CbVkPlan *plan, GError **error)
{
  CbVkDevice *dev = plan->dev;
  VkDescriptorPoolSize pool_size = {
    .type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
    .descriptorCount = MAX (2 * plan->n_ops, 1) * CB_VK_BINDINGS,
  };
  VkDescriptorPoolCreateInfo pool_info = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
    .maxSets = MAX (2 * plan->n_ops, 1), /* ops, then the gathers' G dispatches */
    .poolSizeCount = 1,
    .pPoolSizes = &pool_size,
  };

  if (plan->n_ops == 0)
    return TRUE;
  if (!cb_vk_check (dev->vk->vkCreateDescriptorPool (dev->device, &pool_info, NULL, &plan->pool),
                    "Creating a descriptor pool", error))
    return FALSE;
  g_autofree VkDescriptorSetLayout *layouts = g_new (VkDescriptorSetLayout, 2 * plan->n_ops);
  for (guint i = 0; i < 2 * plan->n_ops; i++)
    layouts[i] = cb_vk_pipelines_get_set_layout (dev->pipelines);
  VkDescriptorSetAllocateInfo alloc = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
    .descriptorPool = plan->pool,
    .descriptorSetCount = 2 * plan->n_ops,
    .pSetLayouts = layouts,
  };
  plan->sets = g_new0 (VkDescriptorSet, 2 * plan->n_ops);
  if (!cb_vk_check (dev->vk->vkAllocateDescriptorSets (dev->device, &alloc, plan->sets), "Allocating descriptor sets",
                    error))
    return FALSE;

  for (guint i = 0; i < 2 * plan->n_ops; i++)
    {
      VkDescriptorBufferInfo infos[CB_VK_BINDINGS];
      if (plan->ops[i].shader == NULL)
        continue; /* no gather at this op */
      VkWriteDescriptorSet writes[CB_VK_BINDINGS];
      for (guint b = 0; b < CB_VK_BINDINGS; b++)
        {
          /* unused bindings point at the output: every descriptor is valid */
          guint v = plan->ops[i].bindings[b] != CB_NO_VALUE ? plan->ops[i].bindings[b] : plan->ops[i].bindings[0];
          const CbVkSlot *s = &plan->slots[v];
          infos[b] = (VkDescriptorBufferInfo){
            .buffer = ((CbVkBuffer *)plan->buffers->pdata[s->buffer])->buffer,
            .offset = s->offset,
            .range = s->size,
          };
          writes[b] = (VkWriteDescriptorSet){
            .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
            .dstSet = plan->sets[i],
            .dstBinding = b,
            .descriptorCount = 1,
            .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
            .pBufferInfo = &infos[b],
          };
        }
      dev->vk->vkUpdateDescriptorSets (dev->device, CB_VK_BINDINGS, writes, 0, NULL);
    }
  return TRUE;
}

/* ------------------------------------------------------------- recording */

static void
memory_barrier (CbVkPlan *plan, VkPipelineStageFlags src_stage, VkAccessFlags src, VkPipelineStageFlags dst_stage,
                VkAccessFlags dst)
{
  VkMemoryBarrier barrier = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = src,
    .dstAccessMask = dst,
  };

  plan->dev->vk->vkCmdPipelineBarrier (plan->cmd, src_stage, dst_stage, 0, 1, &barrier, 0, NULL, 0, NULL);
}

typedef struct
{
  VkDeviceSize begin, end;
  gboolean write;
} CbAccess;

static gboolean
overlaps (const CbAccess *a, VkDeviceSize begin, VkDeviceSize end)
{
  return a->begin < end && begin < a->end;
}

/* Does op need a barrier against the accesses since the last one? Read
 * after write, write after write, and write after read (memory reuse). */
static gboolean
needs_barrier (CbVkPlan *plan, guint index, GArray *pending)
{
  const CbVkOpDispatch *d = &plan->ops[index];

  for (guint b = 0; b < CB_VK_BINDINGS; b++)
    {
      guint v = d->bindings[b];
      if (v == CB_NO_VALUE || plan->slots[v].buffer != CB_ACTIVATIONS)
        continue;
      VkDeviceSize begin = plan->slots[v].offset, end = begin + plan->slots[v].size;
      for (guint i = 0; i < pending->len; i++)
        {
          const CbAccess *a = &g_array_index (pending, CbAccess, i);
          if (overlaps (a, begin, end) && (a->write || b == 0))
            return TRUE;
        }
    }
  return FALSE;
}

static void
add_accesses (CbVkPlan *plan, guint index, GArray *pending)
{
  const CbVkOpDispatch *d = &plan->ops[index];

  for (guint b = 0; b < CB_VK_BINDINGS; b++)
    {
      guint v = d->bindings[b];
      if (v == CB_NO_VALUE || plan->slots[v].buffer != CB_ACTIVATIONS)
        continue;
      CbAccess a = { plan->slots[v].offset, plan->slots[v].offset + plan->slots[v].size, b == 0 };
      g_array_append_val (pending, a);
    }
}

static gboolean
record (CbVkPlan *plan, GError **error)
{
  CbVkDevice *dev = plan->dev;
  CbVkFuncs *vk = dev->vk;
  CbVkBuffer *acts = plan->buffers->pdata[CB_ACTIVATIONS];
  const CbVkSlot *out = &plan->slots[plan->output];
  g_autoptr (GArray) pending = g_array_new (FALSE, FALSE, sizeof (CbAccess));
  const VkPipelineStageFlags cs = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, tr = VK_PIPELINE_STAGE_TRANSFER_BIT;
  const VkAccessFlags sr = VK_ACCESS_SHADER_READ_BIT, sw = VK_ACCESS_SHADER_WRITE_BIT;
  const VkAccessFlags tw = VK_ACCESS_TRANSFER_WRITE_BIT, trd = VK_ACCESS_TRANSFER_READ_BIT;
  gboolean profile = plan->profiling && plan->queries != VK_NULL_HANDLE;

  if (plan->cmd_pool == VK_NULL_HANDLE)
    {
      VkCommandPoolCreateInfo pool_info = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
        .queueFamilyIndex = dev->queue_family,
      };
      if (!cb_vk_check (vk->vkCreateCommandPool (dev->device, &pool_info, NULL, &plan->cmd_pool),
                        "Creating a command pool", error))
        return FALSE;
    }
  /* re-recording (profiling on or off): reset the whole pool, not the buffer */
  if (plan->cmd != VK_NULL_HANDLE
      && !cb_vk_check (vk->vkResetCommandPool (dev->device, plan->cmd_pool, 0), "Resetting a command pool", error))
    return FALSE;
  if (plan->cmd == VK_NULL_HANDLE)
    {
      VkCommandBufferAllocateInfo alloc = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = plan->cmd_pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
      };
      if (!cb_vk_check (vk->vkAllocateCommandBuffers (dev->device, &alloc, &plan->cmd), "Allocating a command buffer",
                        error))
        return FALSE;
    }
  VkCommandBufferBeginInfo begin = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
  if (!cb_vk_check (vk->vkBeginCommandBuffer (plan->cmd, &begin), "Recording the forward pass", error))
    return FALSE;

  if (profile)
    vk->vkCmdResetQueryPool (plan->cmd, plan->queries, 0, plan->n_ops + 1);

  /* the previous run's shaders and copies are done with what we overwrite
   * now (the copies here, and the gathers' G tables) */
  memory_barrier (plan, cs | tr, sw | tw, tr | cs, tw | trd | sw);
  for (guint i = 0; i < plan->inputs->len; i++)
    {
      guint v = g_array_index (plan->inputs, guint, i);
      VkBufferCopy region = { plan->input_staging[i], plan->slots[v].offset, plan->input_bytes[i] };
      vk->vkCmdCopyBuffer (plan->cmd, plan->upload->buffer, acts->buffer, 1, &region);
    }
  memory_barrier (plan, tr, tw, cs, sr | sw);
  if (profile)
    vk->vkCmdWriteTimestamp (plan->cmd, cs, plan->queries, 0);

  for (guint i = 0; i < plan->n_ops; i++)
    {
      const CbVkOpDispatch *d = &plan->ops[i];
      const CbVkOpDispatch *pre = &plan->ops[plan->n_ops + i];

      if (d->shader == NULL)
        {
          /* fused into a later op: nothing to run, an empty interval when profiling */
          if (profile)
            vk->vkCmdWriteTimestamp (plan->cmd, cs, plan->queries, i + 1);
          continue;
        }
      if (pre->shader != NULL)
        {
          /* a gather's G table (reads the table input), a split-K convolution's partial sums */
          if (needs_barrier (plan, plan->n_ops + i, pending))
            memory_barrier (plan, cs, sw, cs, sr | sw);
          vk->vkCmdBindPipeline (plan->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, plan->pipelines[plan->n_ops + i]);
          vk->vkCmdBindDescriptorSets (plan->cmd, VK_PIPELINE_BIND_POINT_COMPUTE,
                                       cb_vk_pipelines_get_layout (dev->pipelines), 0, 1, &plan->sets[plan->n_ops + i],
                                       0, NULL);
          vk->vkCmdPushConstants (plan->cmd, cb_vk_pipelines_get_layout (dev->pipelines), VK_SHADER_STAGE_COMPUTE_BIT,
                                  0, sizeof pre->push, &pre->push);
          vk->vkCmdDispatch (plan->cmd, pre->groups_x, pre->groups_y, pre->groups_z);
          memory_barrier (plan, cs, sw, cs, sr | sw);
          g_array_set_size (pending, 0);
        }
      if (needs_barrier (plan, i, pending))
        {
          memory_barrier (plan, cs, sw, cs, sr | sw);
          g_array_set_size (pending, 0);
        }
      add_accesses (plan, i, pending);
      vk->vkCmdBindPipeline (plan->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, plan->pipelines[i]);
      vk->vkCmdBindDescriptorSets (plan->cmd, VK_PIPELINE_BIND_POINT_COMPUTE,
                                   cb_vk_pipelines_get_layout (dev->pipelines), 0, 1, &plan->sets[i], 0, NULL);
      vk->vkCmdPushConstants (plan->cmd, cb_vk_pipelines_get_layout (dev->pipelines), VK_SHADER_STAGE_COMPUTE_BIT, 0,
                              sizeof d->push, &d->push);
      vk->vkCmdDispatch (plan->cmd, d->groups_x, d->groups_y, d->groups_z);
      if (profile)
        {
          /* profiling serialises the ops so each time is its own */
          vk->vkCmdWriteTimestamp (plan->cmd, cs, plan->queries, i + 1);
          memory_barrier (plan, cs, sw, cs, sr | sw);
          g_array_set_size (pending, 0);
        }
    }

  memory_barrier (plan, cs, sw, tr, trd);
  VkBufferCopy region
    = { out->offset, 0, (VkDeviceSize)plan->out_c * plan->out_h * plan->out_w * plan->elem[plan->output] };
  vk->vkCmdCopyBuffer (plan->cmd, ((CbVkBuffer *)plan->buffers->pdata[out->buffer])->buffer, plan->readback->buffer, 1,
                       &region);
  memory_barrier (plan, tr, tw, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
  return cb_vk_check (vk->vkEndCommandBuffer (plan->cmd), "Recording the forward pass", error);
}

/* ------------------------------------------------------------------- API */

gboolean
cb_vk_plan_default_fp16 (const CbVkDevice *dev)
{
  const char *env = g_getenv ("CATBRUSH_FP16");

  if (!dev->fp16_storage)
    return FALSE;
  if (env != NULL && *env != '\0')
    return g_strcmp0 (env, "0") != 0;
  return dev->props.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU;
}

gboolean
cb_vk_plan_is_fp16 (const CbVkPlan *plan)
{
  return plan->fp16;
}

static void plan_free_locked (CbVkPlan *plan);

static CbVkPlan *
plan_new_locked (CbVkDevice *dev, const CbGraph *graph, GError **error)
{
  g_autoptr (GError) local = NULL;
  const VkPhysicalDeviceLimits *limits = &dev->props.limits;
  VkDeviceSize align = MAX (limits->minStorageBufferOffsetAlignment, 16);
  VkDeviceSize act_size, upload_size;
  CbVkPlan *plan = g_new0 (CbVkPlan, 1);
  const CbValue *out;

  plan->dev = dev;
  plan->n_ops = graph->ops->len;
  plan->n_values = graph->values->len;
  plan->output = graph->output;
  out = cb_graph_value (graph, graph->output);
  plan->out_c = out->c;
  plan->out_h = out->h;
  plan->out_w = out->w;
  plan->buffers = g_ptr_array_new ();
  plan->slots = g_new0 (CbVkSlot, plan->n_values + plan->n_ops); /* values, then per op */
  plan->ops = g_new0 (CbVkOpDispatch, 2 * plan->n_ops);          /* ops, then the dispatches before them */
  plan->pipelines = g_new0 (VkPipeline, 2 * plan->n_ops);
  plan->gather_rows = g_new0 (guint, MAX (plan->n_ops, 1));
  plan->gather_table = g_new0 (guint, MAX (plan->n_ops, 1));
  plan->fused_norm = g_new0 (guint, MAX (plan->n_ops, 1));
  plan->split = g_new0 (guint, MAX (plan->n_ops, 1));
  plan->elided = g_new0 (gboolean, MAX (plan->n_values, 1));
  plan->op_ms = g_new0 (double, plan->n_ops);
  plan->inputs = g_array_new (FALSE, FALSE, sizeof (guint));
  plan->conv_tiled = g_strcmp0 (g_getenv ("CATBRUSH_VK_CONV"), "simple") != 0;
  plan->fp16 = cb_vk_plan_default_fp16 (dev);
  plan->elem = element_sizes (graph, plan->fp16);
  if (plan->elem == NULL)
    {
      g_debug ("This graph keeps fp32 values no fp16 shader can take; it runs in fp32");
      plan->fp16 = FALSE;
      plan->elem = element_sizes (graph, FALSE);
    }

  for (guint v = 0; v < plan->n_values; v++)
    {
      const CbValue *value = cb_graph_value (graph, v);
      if (value_bytes (value, plan->elem, v) > limits->maxStorageBufferRange)
        {
          g_set_error (&local, CB_ERROR, CB_ERROR_LIMIT,
                       "%s (%u×%u×%u) is larger than this device can bind (%u MiB): use a smaller size", value->name,
                       value->c, value->h, value->w, limits->maxStorageBufferRange >> 20);
          goto fail;
        }
      if (value->kind == CB_VALUE_INPUT)
        g_array_append_val (plan->inputs, v);
    }
  plan->input_staging = g_new0 (VkDeviceSize, MAX (plan->inputs->len, 1));
  plan->input_bytes = g_new0 (VkDeviceSize, MAX (plan->inputs->len, 1));
  plan->input_shape = g_new0 (CbShape, MAX (plan->inputs->len, 1));
  upload_size = 0;
  for (guint i = 0; i < plan->inputs->len; i++)
    {
      const CbValue *value = cb_graph_value (graph, g_array_index (plan->inputs, guint, i));
      plan->input_staging[i] = upload_size;
      plan->input_bytes[i] = value_bytes (value, plan->elem, g_array_index (plan->inputs, guint, i));
      plan->input_shape[i] = (CbShape){ value->c, value->h, value->w };
      upload_size = cb_vk_align_up (upload_size + plan->input_bytes[i], 16);
    }

  /* what each op runs, then the activations (buffers[0]: values, then the
   * split-K scratch area), then the constant blocks */
  cb_vk_plan_find_gathers (plan, graph);
  cb_vk_plan_find_fusions (plan, graph);
  for (guint i = 0; i < plan->n_ops; i++)
    if (!setup_op (plan, graph, i, &local))
      goto fail;
  act_size = place_activations (plan, graph, align);
  act_size = cb_vk_plan_place_scratch (plan, act_size, align);
  CbVkBuffer *acts = cb_vk_buffer_new (dev, MAX (act_size, 16), CB_VK_MEMORY_DEVICE, &local);
  if (acts == NULL)
    goto fail;
  g_ptr_array_add (plan->buffers, acts);
  plan->device_memory += acts->size;
  if (!place_constants (plan, graph, align, &local) || !upload_constants (plan, graph, &local)
      || !cb_vk_plan_place_gathers (plan, graph, align, &local))
    goto fail;

  plan->upload = cb_vk_buffer_new (dev, MAX (upload_size, 16), CB_VK_MEMORY_UPLOAD, &local);
  if (plan->upload == NULL)
    goto fail;
  plan->readback
    = cb_vk_buffer_new (dev, MAX (value_bytes (out, plan->elem, plan->output), 16), CB_VK_MEMORY_READBACK, &local);
  if (plan->readback == NULL)
    goto fail;
  plan->device_memory += plan->upload->size + plan->readback->size;

  for (guint i = 0; i < 2 * plan->n_ops; i++)
    {
      const CbVkOpDispatch *d = &plan->ops[i];
      if (d->shader == NULL)
        continue;
      const char *variant = !plan->fp16 ? "" : d->out_f32 ? "_f16o32" : "_f16";
      g_autofree char *shader = g_strconcat (d->shader, variant, NULL);
      plan->pipelines[i] = cb_vk_pipelines_get (dev, dev->pipelines, shader, &d->spec, &local);
      if (plan->pipelines[i] == VK_NULL_HANDLE)
        goto fail;
    }
  cb_vk_device_save_pipeline_cache (dev);
  if (!make_descriptor_sets (plan, &local) || !record (plan, &local))
    goto fail;
  if (!cb_vk_instance_check_messages (dev->inst, "prepare", &local))
    goto fail;
  return plan;

fail:
  g_propagate_error (error, g_steal_pointer (&local));
  plan_free_locked (plan);
  /* a failed prepare may have been caused by, or caused, validation messages */
  cb_vk_instance_check_messages (dev->inst, "prepare", NULL);
  return NULL;
}

static void
plan_free_locked (CbVkPlan *plan)
{
  CbVkDevice *dev = plan->dev;

  dev->vk->vkDeviceWaitIdle (dev->device);
  if (plan->cmd_pool != VK_NULL_HANDLE)
    dev->vk->vkDestroyCommandPool (dev->device, plan->cmd_pool, NULL); /* frees cmd */
  if (plan->queries != VK_NULL_HANDLE)
    dev->vk->vkDestroyQueryPool (dev->device, plan->queries, NULL);
  if (plan->pool != VK_NULL_HANDLE)
    dev->vk->vkDestroyDescriptorPool (dev->device, plan->pool, NULL);
  for (guint i = 0; i < plan->buffers->len; i++)
    cb_vk_buffer_free (dev, plan->buffers->pdata[i]);
  g_ptr_array_unref (plan->buffers);
  cb_vk_buffer_free (dev, plan->upload);
  cb_vk_buffer_free (dev, plan->readback);
  g_array_unref (plan->inputs);
  g_free (plan->input_staging);
  g_free (plan->input_bytes);
  g_free (plan->input_shape);
  g_free (plan->elem);
  g_free (plan->sets);
  g_free (plan->slots);
  g_free (plan->gather_rows);
  g_free (plan->gather_table);
  g_free (plan->fused_norm);
  g_free (plan->split);
  g_free (plan->elided);
  g_free (plan->ops);
  g_free (plan->pipelines);
  g_free (plan->op_ms);
  g_free (plan);
}

static gboolean
plan_run_locked (CbVkPlan *plan, CbTensor *const *inputs, guint n_inputs, CbTensor *output, GError **error)
{
  CbVkDevice *dev = plan->dev;
  CbVkFuncs *vk = dev->vk;
  gboolean ok;

  if (n_inputs != plan->inputs->len)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "The graph takes %u inputs, %u given", plan->inputs->len,
                   n_inputs);
      return FALSE;
    }
  for (guint i = 0; i < n_inputs; i++)
    {
      const CbShape *shape = &plan->input_shape[i];
      if (inputs[i]->c != shape->c || inputs[i]->h != shape->h || inputs[i]->w != shape->w)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "Input %u is %u×%u×%u, the graph takes %u×%u×%u", i,
                       inputs[i]->c, inputs[i]->h, inputs[i]->w, shape->c, shape->h, shape->w);
          return FALSE;
        }
    }
  if (output->c != plan->out_c || output->h != plan->out_h || output->w != plan->out_w)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "The output tensor is %u×%u×%u, the graph makes %u×%u×%u",
                   output->c, output->h, output->w, plan->out_c, plan->out_h, plan->out_w);
      return FALSE;
    }

  for (guint i = 0; i < n_inputs; i++)
    store_floats ((char *)plan->upload->map + plan->input_staging[i], inputs[i]->data, cb_tensor_n_elements (inputs[i]),
                  plan->elem[g_array_index (plan->inputs, guint, i)]);
  cb_vk_buffer_flush (dev, plan->upload);

  ok = cb_vk_device_submit (dev, plan->cmd, "Running the forward pass", error);
  if (ok)
    {
      cb_vk_buffer_invalidate (dev, plan->readback);
      gsize n = cb_tensor_n_elements (output);
      if (plan->elem[plan->output] == 2)
        {
          const guint16 *h = plan->readback->map;
          for (gsize i = 0; i < n; i++)
            output->data[i] = cb_f16_to_f32 (h[i]);
        }
      else
        memcpy (output->data, plan->readback->map, n * sizeof (float));
    }
  plan->have_timings = FALSE;
  if (ok && plan->profiling && plan->queries != VK_NULL_HANDLE)
    {
      g_autofree guint64 *ts = g_new0 (guint64, plan->n_ops + 1);
      if (vk->vkGetQueryPoolResults (dev->device, plan->queries, 0, plan->n_ops + 1,
                                     (plan->n_ops + 1) * sizeof (guint64), ts, sizeof (guint64),
                                     VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT)
          == VK_SUCCESS)
        {
          for (guint i = 0; i < plan->n_ops; i++)
            plan->op_ms[i]
              = (double)((ts[i + 1] - ts[i]) & dev->timestamp_mask) * dev->props.limits.timestampPeriod * 1e-6;
          plan->have_timings = TRUE;
        }
    }
  if (!cb_vk_instance_check_messages (dev->inst, "a run", ok ? error : NULL))
    ok = FALSE;
  return ok;
}

static gboolean
plan_set_profiling_locked (CbVkPlan *plan, gboolean enable, GError **error)
{
  CbVkDevice *dev = plan->dev;

  enable = enable && dev->timestamps;
  if (enable == plan->profiling)
    return TRUE;
  if (enable && plan->queries == VK_NULL_HANDLE)
    {
      VkQueryPoolCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
        .queryType = VK_QUERY_TYPE_TIMESTAMP,
        .queryCount = plan->n_ops + 1,
      };
      if (!cb_vk_check (dev->vk->vkCreateQueryPool (dev->device, &info, NULL, &plan->queries),
                        "Creating a timestamp query pool", error))
        return FALSE;
    }
  plan->profiling = enable;
  plan->have_timings = FALSE;
  /* timestamps and serialising barriers live in the recorded commands */
  dev->vk->vkDeviceWaitIdle (dev->device);
  return record (plan, error) && cb_vk_instance_check_messages (dev->inst, "profiling setup", error);
}

const double *
cb_vk_plan_get_op_ms (CbVkPlan *plan)
{
  return plan->have_timings ? plan->op_ms : NULL;
}

guint64
cb_vk_plan_get_device_memory (const CbVkPlan *plan)
{
  return plan->device_memory;
}

/* The device is shared by every backend of the process (its threads):
 * each plan call holds its lock. */
CbVkPlan *
cb_vk_plan_new (CbVkDevice *dev, const CbGraph *graph, GError **error)
{
  cb_vk_device_lock (dev);
  CbVkPlan *plan = plan_new_locked (dev, graph, error);
  cb_vk_device_unlock (dev);
  return plan;
}

void
cb_vk_plan_free (CbVkPlan *plan)
{
  if (plan == NULL)
    return;
  CbVkDevice *dev = plan->dev;
  cb_vk_device_lock (dev);
  plan_free_locked (plan);
  cb_vk_device_unlock (dev);
}

gboolean
cb_vk_plan_run (CbVkPlan *plan, CbTensor *const *inputs, guint n_inputs, CbTensor *output, GError **error)
{
  return cb_vk_plan_run_cancellable (plan, inputs, n_inputs, output, NULL, error);
}

gboolean
cb_vk_plan_run_cancellable (CbVkPlan *plan, CbTensor *const *inputs, guint n_inputs, CbTensor *output,
                            GCancellable *cancellable, GError **error)
{
  cb_vk_device_lock (plan->dev);
  gboolean ok = !g_cancellable_set_error_if_cancelled (cancellable, error)
                && plan_run_locked (plan, inputs, n_inputs, output, error);
  cb_vk_device_unlock (plan->dev);
  return ok;
}

gboolean
cb_vk_plan_set_profiling (CbVkPlan *plan, gboolean enable, GError **error)
{
  cb_vk_device_lock (plan->dev);
  gboolean ok = plan_set_profiling_locked (plan, enable, error);
  cb_vk_device_unlock (plan->dev);
  return ok;
}

guint
cb_vk_plan_get_n_gathers (const CbVkPlan *plan)
{
  return plan->n_gathers;
}

guint
cb_vk_plan_count_variant (const CbVkPlan *plan, CbVkVariant variant)
{
  g_return_val_if_fail (variant < CB_VK_N_VARIANTS, 0);
  return plan->variants[variant];
}
