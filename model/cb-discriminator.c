/* cb-discriminator.c: the OASIS U-Net discriminator as an op graph
 *
 * residual_block_D (official OASIS, training/oasis.py), up_or_down -1 / +1:
 *   down, first:  dx = conv2(lrelu(conv1(x)));        shortcut = conv_s(pool(x))
 *   down:         dx = conv2(lrelu(conv1(lrelu(x)))); shortcut = pool(conv_s(x))
 *                 out = shortcut + pool(dx)
 *   up:           u = up2(x); dx = conv2(lrelu(conv1(lrelu(u)))); out = conv_s(u) + dx
 * conv_s only where fin != fout (its tensor exists); pool = avg_pool2d(2),
 * up2 = nearest ×2. lrelu(up2(x)) = up2(lrelu(x)), so one resize serves the
 * shortcut and dx. U-Net: up block i > 0 reads cat(skip, x).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-discriminator.h"
#include "cb-error.h"

#include <string.h>

typedef struct
{
  const CbModel *model;
  CbGraph *graph;
  GError **error;
  gboolean failed;
} Builder;

static const CbSafetensorsEntry *
lookup (const CbModel *model, const char *name)
{
  return cb_safetensors_lookup (model->weights, name);
}

const char *
cb_discriminator_prefix (const CbModel *model)
{
  return model->has_source_segmenter ? "S." : "D.";
}

/* the shape of a 4-D conv weight D.<path>.weight: [cout, cin, k, k] */
static gboolean
conv_shape (const CbModel *model, const char *path, guint k, guint *cout, guint *cin, GError **error)
{
  g_autofree char *name = g_strdup_printf ("%s%s.weight", cb_discriminator_prefix (model), path);
  return cb_model_conv_shape (model, name, k, "discriminator", cout, cin, error);
}

gboolean
cb_discriminator_get_config (const CbModel *model, CbDiscriminatorConfig *config, GError **error)
{
  g_return_val_if_fail (model != NULL && config != NULL, FALSE);
  memset (config, 0, sizeof *config);

  const char *prefix = cb_discriminator_prefix (model);
  g_autofree char *head_name = g_strdup_printf ("%slayer_up_last.weight", prefix);
  if (!(model->has_discriminator || model->has_source_segmenter) || lookup (model, head_name) == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED,
                   "The model %s has no discriminator (no D.* tensors): the segmentation and vision priors need it",
                   model->path);
      return FALSE;
    }

  guint k = 0;
  for (;; k++)
    {
      g_autofree char *name = g_strdup_printf ("%sbody_down.%u.conv2.1.weight", prefix, k);
      if (lookup (model, name) == NULL)
        break;
      if (k == CB_DISCRIMINATOR_MAX_BLOCKS)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "%s: the discriminator has more than %u down blocks",
                       model->path, CB_DISCRIMINATOR_MAX_BLOCKS);
          return FALSE;
        }
    }
  if (k < 2)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: the discriminator has %u down blocks; at least 2 are needed",
                   model->path, k);
      return FALSE;
    }
  config->n_blocks = k;
  config->channels[0] = 3;
  for (guint i = 0; i < k; i++)
    {
      g_autofree char *path = g_strdup_printf ("body_down.%u.conv1.%u", i, i == 0 ? 0 : 1);
      guint cout, cin;
      if (!conv_shape (model, path, 3, &cout, &cin, error))
        return FALSE;
      if (cin != config->channels[i])
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: %s%s.weight reads %u channels, the block before makes %u",
                       model->path, prefix, path, cin, config->channels[i]);
          return FALSE;
        }
      config->channels[i + 1] = cout;
    }

  g_autofree char *last_up = g_strdup_printf ("body_up.%u.conv1.2", k - 1);
  guint cin;
  if (!conv_shape (model, last_up, 3, &config->head, &cin, error))
    return FALSE;
  guint head_in;
  if (!conv_shape (model, "layer_up_last", 1, &config->n_outputs, &head_in, error))
    return FALSE;
  if (head_in != config->head)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                   "%s: %slayer_up_last reads %u channels, the last up block makes %u", model->path, prefix,
                   head_in, config->head);
      return FALSE;
    }
  if (config->n_outputs != model->gen.semantic_nc + 1)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH,
                   "%s: the discriminator has %u outputs; %u label channels + fake make %u", model->path,
                   config->n_outputs, model->gen.semantic_nc, model->gen.semantic_nc + 1);
      return FALSE;
    }
  return TRUE;
}

static guint
add_op (Builder *b, CbOp *op)
{
  if (b->failed)
    return CB_NO_VALUE;
  if (cb_graph_add_op (b->graph, op) == G_MAXUINT)
    {
      /* shape errors here are bugs in this file, already reported as criticals */
      g_set_error (b->error, CB_ERROR, CB_ERROR_INVALID, "Internal error building op “%s”", op->name);
      b->failed = TRUE;
    }
  return op->output;
}

/* conv D.<path> (k x k, stride 1, padding k / 2, bias) of in to cout channels */
static guint
add_conv (Builder *b, const char *path, guint in, guint cout, guint k, CbActivation act_in)
{
  if (b->failed)
    return CB_NO_VALUE;
  const CbValue *x = cb_graph_value (b->graph, in);
  guint cin = x->c, h = x->h, w = x->w;
  const char *prefix = cb_discriminator_prefix (b->model);
  g_autofree char *wname = g_strdup_printf ("%s%s.weight", prefix, path);
  g_autofree char *bname = g_strdup_printf ("%s%s.bias", prefix, path);
  const guint64 wshape[4] = { cout, cin, k, k };
  const guint64 bshape[1] = { cout };

  float *wdata = cb_model_get_weight (b->model, wname, 4, wshape, b->error);
  if (wdata == NULL)
    {
      b->failed = TRUE;
      return CB_NO_VALUE;
    }
  guint wv = cb_graph_add_const (b->graph, wname, 1, cout, cin * k * k, wdata);
  float *bdata = cb_model_get_weight (b->model, bname, 1, bshape, b->error);
  if (bdata == NULL)
    {
      b->failed = TRUE;
      return CB_NO_VALUE;
    }
  guint bv = cb_graph_add_const (b->graph, bname, 1, 1, cout, bdata);

  CbOp op;
  cb_op_init (&op, CB_OP_CONV2D, path);
  op.kernel = k;
  op.act_in = act_in;
  op.slope = 0.2f;
  op.inputs[0] = in;
  op.inputs[1] = wv;
  op.inputs[2] = bv;
  op.n_inputs = 3;
  op.output = cb_graph_add_temp (b->graph, path, cout, h, w);
  return add_op (b, &op);
}

static guint
add_simple (Builder *b, CbOpKind kind, const char *name, guint in0, guint in1, guint c, guint h, guint w)
{
  if (b->failed)
    return CB_NO_VALUE;
  CbOp op;
  cb_op_init (&op, kind, name);
  op.inputs[0] = in0;
  op.n_inputs = 1;
  if (in1 != CB_NO_VALUE)
    {
      op.inputs[1] = in1;
      op.n_inputs = 2;
    }
  op.output = cb_graph_add_temp (b->graph, name, c, h, w);
  return add_op (b, &op);
}

static guint
add_pool (Builder *b, const char *name, guint in)
{
  if (b->failed)
    return CB_NO_VALUE;
  const CbValue *x = cb_graph_value (b->graph, in);
  return add_simple (b, CB_OP_AVG_POOL2, name, in, CB_NO_VALUE, x->c, x->h / 2, x->w / 2);
}

/* the width of conv D.<path> (its weight's first dimension) */
static guint
conv_out (Builder *b, const char *path, guint k)
{
  guint cout = 0, cin;
  if (!b->failed && !conv_shape (b->model, path, k, &cout, &cin, b->error))
    b->failed = TRUE;
  return cout;
}

static gboolean
has_shortcut_conv (const Builder *b, const char *block)
{
  g_autofree char *name = g_strdup_printf ("%s%s.conv_s.weight", cb_discriminator_prefix (b->model), block);
  return lookup (b->model, name) != NULL;
}

static guint
add_down_block (Builder *b, guint i, guint x, guint fout)
{
  g_autofree char *block = g_strdup_printf ("body_down.%u", i);
  g_autofree char *conv1 = g_strdup_printf ("%s.conv1.%u", block, i == 0 ? 0 : 1);
  g_autofree char *conv2 = g_strdup_printf ("%s.conv2.1", block);
  g_autofree char *conv_s = g_strdup_printf ("%s.conv_s", block);
  g_autofree char *pool_dx = g_strdup_printf ("%s.pool", block);
  g_autofree char *pool_s = g_strdup_printf ("%s.shortcut.pool", block);
  gboolean first = i == 0;

  guint h1 = add_conv (b, conv1, x, fout, 3, first ? CB_ACT_NONE : CB_ACT_LEAKY_RELU);
  guint dx = add_conv (b, conv2, h1, fout, 3, CB_ACT_LEAKY_RELU);
  dx = add_pool (b, pool_dx, dx);

  guint s;
  gboolean learned = has_shortcut_conv (b, block);
  if (first)
    {
      s = add_pool (b, pool_s, x);
      if (learned)
        s = add_conv (b, conv_s, s, fout, 1, CB_ACT_NONE);
    }
  else
    {
      s = learned ? add_conv (b, conv_s, x, fout, 1, CB_ACT_NONE) : x;
      s = add_pool (b, pool_s, s);
    }
  if (b->failed)
    return CB_NO_VALUE;
  const CbValue *dv = cb_graph_value (b->graph, dx);
  return add_simple (b, CB_OP_ADD, block, s, dx, dv->c, dv->h, dv->w);
}

static guint
add_up_block (Builder *b, guint i, guint x)
{
  g_autofree char *block = g_strdup_printf ("body_up.%u", i);
  g_autofree char *conv1 = g_strdup_printf ("%s.conv1.2", block);
  g_autofree char *conv2 = g_strdup_printf ("%s.conv2.1", block);
  g_autofree char *conv_s = g_strdup_printf ("%s.conv_s", block);
  g_autofree char *up = g_strdup_printf ("%s.up", block);

  guint fout = conv_out (b, conv1, 3);
  if (b->failed)
    return CB_NO_VALUE;
  const CbValue *xv = cb_graph_value (b->graph, x);
  guint u = add_simple (b, CB_OP_RESIZE_NEAREST, up, x, CB_NO_VALUE, xv->c, xv->h * 2, xv->w * 2);
  guint h1 = add_conv (b, conv1, u, fout, 3, CB_ACT_LEAKY_RELU);
  guint dx = add_conv (b, conv2, h1, fout, 3, CB_ACT_LEAKY_RELU);
  guint s = has_shortcut_conv (b, block) ? add_conv (b, conv_s, u, fout, 1, CB_ACT_NONE) : u;
  if (b->failed)
    return CB_NO_VALUE;
  if (cb_graph_value (b->graph, s)->c != fout)
    {
      g_set_error (b->error, CB_ERROR, CB_ERROR_FORMAT,
                   "%s: %s%s changes the width (%u to %u) but has no conv_s shortcut", b->model->path,
                   cb_discriminator_prefix (b->model), block,
                   cb_graph_value (b->graph, u)->c, fout);
      b->failed = TRUE;
      return CB_NO_VALUE;
    }
  const CbValue *dv = cb_graph_value (b->graph, dx);
  return add_simple (b, CB_OP_ADD, block, s, dx, dv->c, dv->h, dv->w);
}

CbGraph *
cb_discriminator_build (const CbModel *model, guint width, guint height, gboolean with_features, GError **error)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  CbDiscriminatorConfig config;
  if (!cb_discriminator_get_config (model, &config, error))
    return NULL;
  guint k = config.n_blocks, f = 1u << k;
  if (width == 0 || height == 0 || width % f != 0 || height % f != 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID,
                   "The discriminator of %s needs a size divisible by 2^%u = %u; %u×%u is not", model->path, k, f,
                   width, height);
      return NULL;
    }

  g_autoptr (CbGraph) graph = cb_graph_new ();
  Builder b = { .model = model, .graph = graph, .error = error };
  guint skips[CB_DISCRIMINATOR_MAX_BLOCKS];

  guint x = cb_graph_add_input (graph, "photo", 3, height, width);
  for (guint i = 0; i < k && !b.failed; i++)
    {
      x = add_down_block (&b, i, x, config.channels[i + 1]);
      skips[i] = x;
    }
  x = add_up_block (&b, 0, x);
  for (guint i = 1; i < k && !b.failed; i++)
    {
      /* the U-Net skip: cat(skips[-i-1], x) on channels */
      g_autofree char *name = g_strdup_printf ("body_up.%u.cat", i);
      const CbValue *sv = cb_graph_value (graph, skips[k - 1 - i]);
      const CbValue *xv = cb_graph_value (graph, x);
      x = add_simple (&b, CB_OP_CONCAT, name, skips[k - 1 - i], x, sv->c + xv->c, xv->h, xv->w);
      x = add_up_block (&b, i, x);
    }
  guint logits = add_conv (&b, "layer_up_last", x, config.n_outputs, 1, CB_ACT_NONE);
  if (b.failed)
    return NULL;
  if (with_features)
    {
      const CbValue *xv = cb_graph_value (graph, x);
      logits = add_simple (&b, CB_OP_CONCAT, "logits+features", logits, x, config.n_outputs + xv->c, xv->h, xv->w);
      if (b.failed)
        return NULL;
    }
  graph->output = logits;
  return g_steal_pointer (&graph);
}
