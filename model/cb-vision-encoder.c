/* cb-vision-encoder.c: the vision prior's encoder (V.*) as an op graph
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-vision-encoder.h"
#include "cb-error.h"

#include <string.h>

/* the shape of V.<path>.weight, a k x k convolution with a bias: [cout, cin, k, k] */
static gboolean
conv_shape (const CbModel *model, const char *path, guint k, guint *cout, guint *cin, GError **error)
{
  g_autofree char *name = g_strdup_printf ("V.%s.weight", path);
  g_autofree char *bias = g_strdup_printf ("V.%s.bias", path);
  if (!cb_model_conv_shape (model, name, k, "vision encoder", cout, cin, error))
    return FALSE;
  if (!cb_model_has_tensor (model, bias))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: the vision encoder tensor “%s” is missing", model->path,
                   bias);
      return FALSE;
    }
  return TRUE;
}

gboolean
cb_vision_encoder_get_config (const CbModel *model, CbVisionEncoderConfig *config, GError **error)
{
  g_return_val_if_fail (model != NULL && config != NULL, FALSE);
  memset (config, 0, sizeof *config);

  if (!model->has_vision_encoder || !cb_model_has_tensor (model, "V.out.weight"))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "The model %s has no vision encoder (no V.* tensors)",
                   model->path);
      return FALSE;
    }
  JsonObject *root = json_node_get_object (model->config);
  JsonNode *node = json_object_get_member (root, "vision_encoder");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: V.* tensors but no catbrush.config “vision_encoder”",
                   model->path);
      return FALSE;
    }
  JsonNode *pools = json_object_get_member (json_node_get_object (node), "pools");
  if (pools == NULL || json_node_get_value_type (pools) != G_TYPE_INT64 || json_node_get_int (pools) < 0
      || json_node_get_int (pools) > CB_VISION_ENCODER_MAX_BLOCKS)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: vision_encoder.pools must be an integer from 0 to %d",
                   model->path, CB_VISION_ENCODER_MAX_BLOCKS);
      return FALSE;
    }
  config->pools = (guint)json_node_get_int (pools);

  guint cin = 3;
  for (guint i = 0;; i++)
    {
      g_autofree char *name = g_strdup_printf ("V.block.%u.weight", i);
      if (!cb_model_has_tensor (model, name))
        break;
      if (i == CB_VISION_ENCODER_MAX_BLOCKS)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "%s: the vision encoder has more than %d blocks",
                       model->path, CB_VISION_ENCODER_MAX_BLOCKS);
          return FALSE;
        }
      g_autofree char *path = g_strdup_printf ("block.%u", i);
      guint cout, in;
      if (!conv_shape (model, path, 3, &cout, &in, error))
        return FALSE;
      if (in != cin)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: V.%s.weight reads %u channels, the layer before makes %u",
                       model->path, path, in, cin);
          return FALSE;
        }
      config->widths[i] = cin = cout;
      config->n_blocks = i + 1;
    }
  if (config->pools > config->n_blocks)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: vision_encoder.pools is %u but the encoder has %u blocks",
                   model->path, config->pools, config->n_blocks);
      return FALSE;
    }
  guint in;
  if (!conv_shape (model, "out", 1, &config->n_features, &in, error))
    return FALSE;
  if (in != cin)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: V.out.weight reads %u channels, the last block makes %u",
                   model->path, in, cin);
      return FALSE;
    }
  return TRUE;
}

/* conv V.<path> with bias and act; CB_NO_VALUE with error set when a tensor is wrong */
static guint
add_conv (CbGraph *graph, const CbModel *model, const char *path, guint in, guint cout, guint k, CbActivation act,
          GError **error)
{
  const CbValue *x = cb_graph_value (graph, in);
  guint cin = x->c, h = x->h, w = x->w;
  g_autofree char *wname = g_strdup_printf ("V.%s.weight", path);
  g_autofree char *bname = g_strdup_printf ("V.%s.bias", path);
  const guint64 wshape[4] = { cout, cin, k, k };
  const guint64 bshape[1] = { cout };
  float *wdata = cb_model_get_weight (model, wname, 4, wshape, error);
  if (wdata == NULL)
    return CB_NO_VALUE;
  guint wv = cb_graph_add_const (graph, wname, 1, cout, cin * k * k, wdata);
  float *bdata = cb_model_get_weight (model, bname, 1, bshape, error);
  if (bdata == NULL)
    return CB_NO_VALUE;
  guint bv = cb_graph_add_const (graph, bname, 1, 1, cout, bdata);

  g_autofree char *name = g_strdup_printf ("V.%s", path);
  CbOp op;
  cb_op_init (&op, CB_OP_CONV2D, name);
  op.kernel = k;
  op.act = act;
  op.inputs[0] = in;
  op.inputs[1] = wv;
  op.inputs[2] = bv;
  op.n_inputs = 3;
  op.output = cb_graph_add_temp (graph, name, cout, h, w);
  return cb_graph_add_op (graph, &op) == G_MAXUINT ? CB_NO_VALUE : op.output;
}

static guint
add_one (CbGraph *graph, CbOpKind kind, const char *name, guint in, guint c, guint h, guint w)
{
  CbOp op;
  cb_op_init (&op, kind, name);
  op.inputs[0] = in;
  op.n_inputs = 1;
  op.output = cb_graph_add_temp (graph, name, c, h, w);
  return cb_graph_add_op (graph, &op) == G_MAXUINT ? CB_NO_VALUE : op.output;
}

CbGraph *
cb_vision_encoder_build (const CbModel *model, guint width, guint height, GError **error)
{
  g_return_val_if_fail (model != NULL, NULL);
  CbVisionEncoderConfig config;
  if (!cb_vision_encoder_get_config (model, &config, error))
    return NULL;
  if ((width >> config.pools) == 0 || (height >> config.pools) == 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID,
                   "The vision encoder of %s needs photos of at least %u×%u, not %u×%u", model->path,
                   1u << config.pools, 1u << config.pools, width, height);
      return NULL;
    }

  g_autoptr (CbGraph) graph = cb_graph_new ();
  guint x = cb_graph_add_input (graph, "photo", 3, height, width);
  for (guint i = 0; i < config.n_blocks && x != CB_NO_VALUE; i++)
    {
      g_autofree char *path = g_strdup_printf ("block.%u", i);
      x = add_conv (graph, model, path, x, config.widths[i], 3, CB_ACT_RELU, error);
      if (x != CB_NO_VALUE && i < config.pools)
        {
          const CbValue *v = cb_graph_value (graph, x);
          g_autofree char *name = g_strdup_printf ("V.block.%u.pool", i);
          x = add_one (graph, CB_OP_AVG_POOL2, name, x, v->c, v->h / 2, v->w / 2);
        }
    }
  if (x != CB_NO_VALUE)
    x = add_conv (graph, model, "out", x, config.n_features, 1, CB_ACT_NONE, error);
  if (x != CB_NO_VALUE && config.pools > 0)
    x = add_one (graph, CB_OP_RESIZE_NEAREST, "V.resize", x, config.n_features, height, width);
  if (x == CB_NO_VALUE)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "Internal error building the vision encoder of %s",
                     model->path);
      return NULL;
    }
  graph->output = x;
  return g_steal_pointer (&graph);
}

float *
cb_vision_encoder_source_prototypes (const CbModel *model, guint n_source, guint n_features, GError **error)
{
  const CbSafetensorsEntry *e = cb_safetensors_lookup (model->weights, "P.source_prototypes");
  if (!model->has_source_prototypes || e == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: the vision encoder comes without P.source_prototypes",
                   model->path);
      return NULL;
    }
  if (e->n_dims != 2 || e->shape[0] != n_source || e->shape[1] != n_features)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                   "%s: P.source_prototypes must be %u×%u (source classes × the encoder's features)", model->path,
                   n_source, n_features);
      return NULL;
    }
  return cb_safetensors_entry_to_f32 (e);
}
