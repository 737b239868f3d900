/* cb-oasis.c: the OASIS generator as an op list, and its first layer (DESIGN §2)
 *
 * The structure and the names follow the official OASIS code
 * (models/generator.py, models/norms.py): fc, body.i (ResnetBlock_with_SPADE
 * with norm_0, norm_1, norm_s, conv_0, conv_1, conv_s), conv_img.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-oasis.h"
#include "cb-error.h"
#include "cb-noise.h"

#include <string.h>

typedef struct
{
  const CbModel *model;
  CbGraph *graph;
  GError **error;
  gboolean failed;
} Builder;

/* A constant from the model file ("G." + name), checked against its shape
 * (n_dims dims) and stored as c x h x w. */
static guint
add_weight (Builder *b, const char *name, guint n_dims, const guint64 *shape, guint c, guint h, guint w)
{
  if (b->failed)
    return CB_NO_VALUE;
  g_autofree char *full = g_strconcat ("G.", name, NULL);
  float *data = cb_model_get_weight (b->model, full, n_dims, shape, b->error);
  if (data == NULL)
    {
      b->failed = TRUE;
      return CB_NO_VALUE;
    }
  return cb_graph_add_const (b->graph, full, c, h, w, data);
}

static guint
add_op (Builder *b, CbOp *op)
{
  if (b->failed)
    return CB_NO_VALUE;
  guint index = cb_graph_add_op (b->graph, op);
  /* shape errors here are bugs in this file, already reported as criticals */
  if (index == G_MAXUINT)
    {
      g_set_error (b->error, CB_ERROR, CB_ERROR_INVALID, "Internal error building op “%s”", op->name);
      b->failed = TRUE;
    }
  return op->output;
}

/* conv `path` (k x k, stride 1, padding k / 2) of in to cout channels. */
static guint
add_conv (Builder *b, const char *op_name, const char *path, guint in, guint cout, guint k, gboolean bias,
          CbActivation act_in, CbActivation act)
{
  if (b->failed)
    return CB_NO_VALUE;
  const CbValue *x = cb_graph_value (b->graph, in);
  guint cin = x->c, h = x->h, w = x->w;

  g_autofree char *wname = g_strconcat (path, ".weight", NULL);
  const guint64 wshape[4] = { cout, cin, k, k };
  CbOp op;
  cb_op_init (&op, CB_OP_CONV2D, op_name);
  op.kernel = k;
  op.act_in = act_in;
  op.act = act;
  op.slope = 0.2f;
  op.inputs[0] = in;
  /* PyTorch's Cout x Cin x k x k is already the graph's 1 x Cout x Cin*k*k in memory */
  op.inputs[1] = add_weight (b, wname, 4, wshape, 1, cout, cin * k * k);
  op.n_inputs = 2;
  if (bias)
    {
      g_autofree char *bname = g_strconcat (path, ".bias", NULL);
      const guint64 bshape[1] = { cout };
      op.inputs[op.n_inputs++] = add_weight (b, bname, 1, bshape, 1, 1, cout);
    }
  if (b->failed)
    return CB_NO_VALUE;
  op.output = cb_graph_add_temp (b->graph, op_name, cout, h, w);
  return add_op (b, &op);
}

/* SPADE `path` on x with the label map seg (already at x's size):
 * bn(x) * (1 + mlp_gamma(a)) + mlp_beta(a), a = relu(mlp_shared(seg)). */
static guint
add_spade (Builder *b, const char *path, guint x, guint seg, CbActivation act)
{
  if (b->failed)
    return CB_NO_VALUE;
  const CbGeneratorConfig *gen = &b->model->gen;
  const CbValue *xv = cb_graph_value (b->graph, x);
  guint c = xv->c, h = xv->h, w = xv->w;

  g_autofree char *shared_name = g_strconcat (path, ".mlp_shared", NULL);
  g_autofree char *shared_path = g_strconcat (path, ".mlp_shared.0", NULL);
  g_autofree char *gamma_path = g_strconcat (path, ".mlp_gamma", NULL);
  g_autofree char *beta_path = g_strconcat (path, ".mlp_beta", NULL);
  guint actv = add_conv (b, shared_name, shared_path, seg, gen->spade_hidden, 3, TRUE, CB_ACT_NONE, CB_ACT_RELU);
  guint gamma = add_conv (b, gamma_path, gamma_path, actv, c, 3, TRUE, CB_ACT_NONE, CB_ACT_NONE);
  guint beta = add_conv (b, beta_path, beta_path, actv, c, 3, TRUE, CB_ACT_NONE, CB_ACT_NONE);

  g_autofree char *mean_name = g_strconcat (path, ".first_norm.running_mean", NULL);
  g_autofree char *var_name = g_strconcat (path, ".first_norm.running_var", NULL);
  const guint64 cshape[1] = { c };
  guint mean = add_weight (b, mean_name, 1, cshape, 1, 1, c);
  guint var = add_weight (b, var_name, 1, cshape, 1, 1, c);
  if (b->failed)
    return CB_NO_VALUE;

  CbOp op;
  cb_op_init (&op, CB_OP_SPADE_NORM, path);
  op.eps = gen->bn_eps;
  op.act = act;
  op.slope = 0.2f;
  op.inputs[0] = x;
  op.inputs[1] = gamma;
  op.inputs[2] = beta;
  op.inputs[3] = mean;
  op.inputs[4] = var;
  op.n_inputs = 5;
  op.output = cb_graph_add_temp (b->graph, path, c, h, w);
  return add_op (b, &op);
}

static guint
add_resize (Builder *b, const char *name, guint in, guint h, guint w)
{
  if (b->failed)
    return CB_NO_VALUE;
  CbOp op;
  cb_op_init (&op, CB_OP_RESIZE_NEAREST, name);
  op.inputs[0] = in;
  op.n_inputs = 1;
  op.output = cb_graph_add_temp (b->graph, name, cb_graph_value (b->graph, in)->c, h, w);
  return add_op (b, &op);
}

static gboolean
check_config (const CbGeneratorConfig *gen, GError **error)
{
  if (gen->n_blocks < 1 || gen->n_blocks > CB_MODEL_MAX_BLOCKS)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "The generator has %u blocks; 1 to %u are supported",
                   gen->n_blocks, CB_MODEL_MAX_BLOCKS);
      return FALSE;
    }
  for (guint i = 0; i <= gen->n_blocks; i++)
    if (gen->channels[i] == 0)
      {
        g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "The generator's width %u is 0", i);
        return FALSE;
      }
  if (gen->semantic_nc == 0 || gen->spade_hidden == 0 || gen->width == 0 || gen->height == 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                   "The generator's semantic_nc, spade_hidden, width and height must not be 0");
      return FALSE;
    }
  if (gen->dontcare_channel >= (int)gen->semantic_nc || gen->dontcare_channel < -1)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "The don't-care channel %d is not one of the %u label channels",
                   gen->dontcare_channel, gen->semantic_nc);
      return FALSE;
    }
  guint f = 1u << (gen->n_blocks - 1);
  if (gen->width % f != 0 || gen->height % f != 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "The generator's size %u×%u is not divisible by 2^%u", gen->width,
                   gen->height, gen->n_blocks - 1);
      return FALSE;
    }
  if (!(gen->bn_eps >= 0.0f))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "The generator's bn_eps %g is negative", (double)gen->bn_eps);
      return FALSE;
    }
  return TRUE;
}

static CbGraph *
build_generator (const CbModel *model, guint n_rows, gboolean noise_map, GError **error)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (n_rows >= 1, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  const CbGeneratorConfig *gen = &model->gen;
  if (!check_config (gen, error))
    return NULL;

  guint n = gen->n_blocks, H = gen->height, W = gen->width;
  guint n_ch = gen->z_dim + gen->semantic_nc;
  g_autoptr (CbGraph) graph = cb_graph_new ();
  Builder b = { .model = model, .graph = graph, .error = error };

  guint rows = cb_graph_add_input (graph, "rows", 1, H, W);
  guint table = cb_graph_add_input (graph, "table", 1, n_rows, n_ch);

  /* seg = concat(z, labels) at full resolution, one table row per pixel */
  CbOp op;
  cb_op_init (&op, CB_OP_EMBED, "seg");
  op.inputs[0] = rows;
  op.inputs[1] = table;
  op.n_inputs = 2;
  op.output = cb_graph_add_temp (graph, noise_map ? "seg_labels" : "seg", n_ch, H, W);
  guint seg = add_op (&b, &op);

  if (noise_map)
    {
      /* a spatial z (--noise-file): the table's z part is zero and the map,
       * zero on the label channels, is added; no per-class constancy then */
      guint noise = cb_graph_add_input (graph, "noise", n_ch, H, W);
      cb_op_init (&op, CB_OP_ADD, "seg");
      op.inputs[0] = seg;
      op.inputs[1] = noise;
      op.n_inputs = 2;
      op.output = cb_graph_add_temp (graph, "seg", n_ch, H, W);
      seg = add_op (&b, &op);
    }

  /* seg at the resolution of block i (start grid x 2^i), resized once from
   * the full map and shared by fc and every SPADE at that size, as each
   * F.interpolate(seg, size) in OASIS reads the full map */
  guint seg_at[CB_MODEL_MAX_BLOCKS];
  for (guint i = 0; i < n; i++)
    {
      guint f = 1u << (n - 1 - i);
      if (f == 1)
        seg_at[i] = seg;
      else
        {
          g_autofree char *name = g_strdup_printf ("seg_%ux%u", W / f, H / f);
          seg_at[i] = add_resize (&b, name, seg, H / f, W / f);
        }
    }

  guint x = add_conv (&b, "fc", "fc", seg_at[0], gen->channels[0], 3, TRUE, CB_ACT_NONE, CB_ACT_NONE);

  for (guint i = 0; i < n && !b.failed; i++)
    {
      guint fin = gen->channels[i], fout = gen->channels[i + 1], fmid = MIN (fin, fout);
      g_autofree char *block = g_strdup_printf ("body.%u", i);
      g_autofree char *norm_0 = g_strconcat (block, ".norm_0", NULL);
      g_autofree char *norm_1 = g_strconcat (block, ".norm_1", NULL);
      g_autofree char *norm_s = g_strconcat (block, ".norm_s", NULL);
      g_autofree char *conv_0 = g_strconcat (block, ".conv_0", NULL);
      g_autofree char *conv_1 = g_strconcat (block, ".conv_1", NULL);
      g_autofree char *conv_s = g_strconcat (block, ".conv_s", NULL);

      /* shortcut: conv_s(norm_s(x)) when the width changes, else x */
      guint x_s = x;
      if (fin != fout)
        {
          guint ns = add_spade (&b, norm_s, x, seg_at[i], CB_ACT_NONE);
          x_s = add_conv (&b, conv_s, conv_s, ns, fout, 1, FALSE, CB_ACT_NONE, CB_ACT_NONE);
        }
      /* dx = conv_1(lrelu(norm_1(conv_0(lrelu(norm_0(x)))))), the lrelus fused into the norms */
      guint a0 = add_spade (&b, norm_0, x, seg_at[i], CB_ACT_LEAKY_RELU);
      guint dx0 = add_conv (&b, conv_0, conv_0, a0, fmid, 3, TRUE, CB_ACT_NONE, CB_ACT_NONE);
      guint a1 = add_spade (&b, norm_1, dx0, seg_at[i], CB_ACT_LEAKY_RELU);
      guint dx = add_conv (&b, conv_1, conv_1, a1, fout, 3, TRUE, CB_ACT_NONE, CB_ACT_NONE);
      if (b.failed)
        break;

      cb_op_init (&op, CB_OP_ADD, block);
      op.inputs[0] = x_s;
      op.inputs[1] = dx;
      op.n_inputs = 2;
      const CbValue *dv = cb_graph_value (graph, dx);
      op.output = cb_graph_add_temp (graph, block, fout, dv->h, dv->w);
      x = add_op (&b, &op);

      if (i + 1 < n)
        {
          g_autofree char *up = g_strconcat (block, ".up", NULL);
          x = add_resize (&b, up, x, dv->h * 2, dv->w * 2);
        }
    }

  x = add_conv (&b, "conv_img", "conv_img", x, 3, 3, TRUE, CB_ACT_LEAKY_RELU, CB_ACT_TANH);
  if (b.failed)
    return NULL;
  graph->output = x;
  return g_steal_pointer (&graph);
}

CbGraph *
cb_oasis_build_generator (const CbModel *model, guint n_rows, GError **error)
{
  return build_generator (model, n_rows, FALSE, error);
}

CbGraph *
cb_oasis_build_generator_with_noise_map (const CbModel *model, guint n_rows, GError **error)
{
  return build_generator (model, n_rows, TRUE, error);
}

CbTensor *
cb_oasis_noise_input (const CbModel *model, const float *z_map)
{
  const CbGeneratorConfig *gen = &model->gen;
  CbTensor *t = cb_tensor_new (gen->z_dim + gen->semantic_nc, gen->height, gen->width);

  memcpy (t->data, z_map, sizeof (float) * gen->z_dim * gen->height * gen->width);
  return t;
}

/* The number of real source classes S' (the don't-care channel excluded). */
static guint
n_source_classes (const CbModel *model)
{
  return model->gen.semantic_nc - (model->gen.dontcare_channel >= 0 ? 1 : 0);
}

CbEmbedTable *
cb_embed_table_new (const CbModel *model, const float *affinity, guint n_target, const CbSeeds *seeds)
{
  g_return_val_if_fail (model != NULL, NULL);
  guint n_source = n_source_classes (model);
  /* no matrix: the source classes themselves */
  g_return_val_if_fail (affinity != NULL || n_target == n_source, NULL);
  g_return_val_if_fail (
    seeds == NULL || seeds->n_class_seeds == 0 || (seeds->has_class_seed != NULL && seeds->class_seed != NULL), NULL);

  guint z_dim = model->gen.z_dim;
  CbEmbedTable *t = g_new0 (CbEmbedTable, 1);
  t->n_rows = n_target + 1;
  t->n_channels = z_dim + model->gen.semantic_nc;
  t->table = g_new0 (float, (gsize)t->n_rows * t->n_channels);

  g_autofree float *z_global = g_new0 (float, MAX (z_dim, 1));
  if (seeds != NULL && seeds->global_z != NULL)
    memcpy (z_global, seeds->global_z, z_dim * sizeof (float));
  else
    cb_noise_vector (seeds != NULL ? seeds->seed : 0, 0, z_dim, z_global);

  for (guint r = 0; r < t->n_rows; r++)
    {
      float *row = &t->table[(gsize)r * t->n_channels];
      float *labels = row + z_dim;
      gboolean is_void = r == n_target;

      if (!is_void && seeds != NULL && r < seeds->n_class_seeds && seeds->has_class_seed[r])
        {
          /* local re-sampling: only this class' vector changes */
          guint64 id = seeds->class_ids != NULL ? seeds->class_ids[r] : r;
          cb_noise_vector (seeds->class_seed[r], id + 1, z_dim, row);
        }
      else
        memcpy (row, z_global, z_dim * sizeof (float));

      if (is_void)
        {
          /* void: one-hot on the don't-care channel, or nothing at all */
          if (model->gen.dontcare_channel >= 0)
            labels[model->gen.dontcare_channel] = 1.0f;
        }
      else
        for (guint s = 0; s < n_source; s++)
          {
            float a = affinity != NULL ? affinity[(gsize)r * n_source + s] : (r == s ? 1.0f : 0.0f);
            labels[cb_model_source_channel (model, s)] = a;
          }
    }
  return t;
}

void
cb_embed_table_free (CbEmbedTable *table)
{
  if (table == NULL)
    return;
  g_free (table->table);
  g_free (table);
}

CbTensor *
cb_oasis_label_rows (const CbModel *model, const CbLabelMap *map, const CbClassSet *target)
{
  g_return_val_if_fail (model != NULL && map != NULL, NULL);
  g_return_val_if_fail (map->width > 0 && map->height > 0, NULL);
  const CbClassSet *classes = target != NULL ? target : model->classes;
  g_return_val_if_fail (classes != NULL, NULL);

  /* id -> row: the class' index in the target set, void and unknown ids -> T */
  guint n_target = cb_class_set_get_n_classes (classes);
  float lut[256];
  for (guint id = 0; id < 256; id++)
    {
      int index = id == CB_VOID_ID ? -1 : cb_class_set_index_of_id (classes, id);
      lut[id] = (float)(index < 0 ? n_target : (guint)index);
    }

  guint H = model->gen.height, W = model->gen.width;
  CbTensor *rows = cb_tensor_new (1, H, W);
  for (guint y = 0; y < H; y++)
    {
      guint sy = cb_graph_nearest_index (y, map->height, H);
      for (guint x = 0; x < W; x++)
        {
          guint sx = cb_graph_nearest_index (x, map->width, W);
          rows->data[(gsize)y * W + x] = lut[map->ids[(gsize)sy * map->width + sx]];
        }
    }
  return rows;
}
