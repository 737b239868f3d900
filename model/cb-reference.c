/* cb-reference.c: the CPU reference of every op (DESIGN §1): plain loops,
 * obviously right, single precision with a fixed accumulation order.
 * Every backend is compared against these.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-graph.h"
#include "cb-error.h"

#include <math.h>
#include <string.h>

static inline float *
at (const CbTensor *t, guint c, guint y, guint x)
{
  return &t->data[((gsize)c * t->h + y) * t->w + x];
}

/* Rows are exact small integers stored as floats; anything outside [0, R)
 * (negative, NaN, too large) reads the last row, which is void's. */
static void
ref_embed (const CbTensor *rows, const CbTensor *table, CbTensor *out)
{
  guint n_rows = table->h, n_ch = table->w;
  for (guint y = 0; y < rows->h; y++)
    for (guint x = 0; x < rows->w; x++)
      {
        float r = *at (rows, 0, y, x);
        guint row = (r >= 0.0f && r < (float)n_rows) ? (guint)r : n_rows - 1;
        for (guint c = 0; c < n_ch; c++)
          *at (out, c, y, x) = table->data[(gsize)row * n_ch + c];
      }
}

static void
ref_resize_nearest (const CbTensor *in, CbTensor *out)
{
  for (guint c = 0; c < out->c; c++)
    for (guint y = 0; y < out->h; y++)
      {
        guint sy = cb_graph_nearest_index (y, in->h, out->h);
        for (guint x = 0; x < out->w; x++)
          {
            guint sx = cb_graph_nearest_index (x, in->w, out->w);
            *at (out, c, y, x) = *at (in, c, sy, sx);
          }
      }
}

/* out[co, y, x] = act(bias[co] + sum over (ci, ky, kx) in that order of
 * w[co, ci, ky, kx] * act_in(in[ci, y + ky - k/2, x + kx - k/2])), zero outside. */
static void
ref_conv2d (const CbOp *op, const CbTensor *in, const CbTensor *weight, const CbTensor *bias, CbTensor *out)
{
  guint k = op->kernel, pad = k / 2;
  guint cin = in->c, h = in->h, w = in->w;

  /* act_in(0) = 0 for every activation, so activating before padding is the same */
  g_autoptr (CbTensor) src = cb_tensor_copy (in);
  gsize n_in = cb_tensor_n_elements (src);
  for (gsize i = 0; i < n_in; i++)
    src->data[i] = cb_activate (op->act_in, op->slope, src->data[i]);

  for (guint co = 0; co < out->c; co++)
    {
      float b = bias != NULL ? bias->data[co] : 0.0f;
      for (guint y = 0; y < h; y++)
        for (guint x = 0; x < w; x++)
          *at (out, co, y, x) = b;

      for (guint ci = 0; ci < cin; ci++)
        for (guint ky = 0; ky < k; ky++)
          for (guint kx = 0; kx < k; kx++)
            {
              float wt = weight->data[(((gsize)co * cin + ci) * k + ky) * k + kx];
              /* the output columns whose source column x + kx - pad is inside */
              guint x_lo = kx < pad ? pad - kx : 0;
              guint x_hi = MIN (w, w + pad - kx);
              for (guint y = 0; y < h; y++)
                {
                  /* source row y + ky - pad, skipped when outside */
                  if (y + ky < pad || y + ky - pad >= h)
                    continue;
                  const float *srow = at (src, ci, y + ky - pad, 0);
                  float *orow = at (out, co, y, 0);
                  for (guint x = x_lo; x < x_hi; x++)
                    orow[x] += wt * srow[x + kx - pad];
                }
            }

      for (guint y = 0; y < h; y++)
        for (guint x = 0; x < w; x++)
          *at (out, co, y, x) = cb_activate (op->act, op->slope, *at (out, co, y, x));
    }
}

static void
ref_spade_norm (const CbOp *op, const CbTensor *x, const CbTensor *gamma, const CbTensor *beta, const CbTensor *mean,
                const CbTensor *var, CbTensor *out)
{
  for (guint c = 0; c < x->c; c++)
    {
      /* as PyTorch's batch_norm in eval mode: (x - mean) * (1 / sqrt(var + eps)) */
      float m = mean->data[c];
      float invstd = 1.0f / sqrtf (var->data[c] + op->eps);
      for (guint y = 0; y < x->h; y++)
        for (guint i = 0; i < x->w; i++)
          {
            float n = (*at (x, c, y, i) - m) * invstd;
            float v = n * (1.0f + *at (gamma, c, y, i)) + *at (beta, c, y, i);
            *at (out, c, y, i) = cb_activate (op->act, op->slope, v);
          }
    }
}

static void
ref_add (const CbOp *op, const CbTensor *a, const CbTensor *b, CbTensor *out)
{
  gsize n = cb_tensor_n_elements (out);
  for (gsize i = 0; i < n; i++)
    out->data[i] = cb_activate (op->act, op->slope, a->data[i] + b->data[i]);
}

static void
ref_activation (const CbOp *op, const CbTensor *in, CbTensor *out)
{
  gsize n = cb_tensor_n_elements (out);
  for (gsize i = 0; i < n; i++)
    out->data[i] = cb_activate (op->act, op->slope, in->data[i]);
}

/* byte = floor(clamp((v + 1) / 2, 0, 1) * 255 + 0.5); NaN gives 0 */
static guint32
to_byte (float v)
{
  float u = (v + 1.0f) * 0.5f;
  if (!(u > 0.0f))
    u = 0.0f;
  if (u > 1.0f)
    u = 1.0f;
  return (guint32)floorf (u * 255.0f + 0.5f);
}

static void
ref_to_rgba8 (const CbTensor *in, CbTensor *out)
{
  for (guint y = 0; y < in->h; y++)
    for (guint x = 0; x < in->w; x++)
      {
        guint32 px = to_byte (*at (in, 0, y, x)) | to_byte (*at (in, 1, y, x)) << 8 | to_byte (*at (in, 2, y, x)) << 16
                     | (guint32)255 << 24;
        /* little-endian bytes R, G, B, A in the float's bits */
        px = GUINT32_TO_LE (px);
        memcpy (at (out, 0, y, x), &px, sizeof px);
      }
}

/* As PyTorch's avg_pool2d (kernel 2, stride 2, no padding): floor sizes, the
 * four inputs summed row by row, then divided by the kernel area. */
static void
ref_avg_pool2 (const CbOp *op, const CbTensor *in, CbTensor *out)
{
  for (guint c = 0; c < out->c; c++)
    for (guint y = 0; y < out->h; y++)
      for (guint x = 0; x < out->w; x++)
        {
          float sum = *at (in, c, 2 * y, 2 * x);
          sum += *at (in, c, 2 * y, 2 * x + 1);
          sum += *at (in, c, 2 * y + 1, 2 * x);
          sum += *at (in, c, 2 * y + 1, 2 * x + 1);
          *at (out, c, y, x) = cb_activate (op->act, op->slope, sum / 4.0f);
        }
}

static void
ref_concat (const CbOp *op, const CbTensor *a, const CbTensor *b, CbTensor *out)
{
  gsize na = cb_tensor_n_elements (a), nb = cb_tensor_n_elements (b);
  /* channel-major: a's channels are the first block of out, b's the second */
  for (gsize i = 0; i < na; i++)
    out->data[i] = cb_activate (op->act, op->slope, a->data[i]);
  for (gsize i = 0; i < nb; i++)
    out->data[na + i] = cb_activate (op->act, op->slope, b->data[i]);
}

static gboolean
tensor_matches (const CbTensor *t, const CbValue *v)
{
  return t != NULL && t->c == v->c && t->h == v->h && t->w == v->w;
}

void
cb_reference_op (const CbGraph *graph, const CbOp *op, const CbTensor *const *in, CbTensor *out)
{
  g_return_if_fail (graph != NULL && op != NULL && in != NULL && out != NULL);
  for (guint i = 0; i < op->n_inputs; i++)
    g_return_if_fail (tensor_matches (in[i], cb_graph_value (graph, op->inputs[i])));
  g_return_if_fail (tensor_matches (out, cb_graph_value (graph, op->output)));

  switch (op->kind)
    {
    case CB_OP_EMBED:
      ref_embed (in[0], in[1], out);
      break;
    case CB_OP_RESIZE_NEAREST:
      ref_resize_nearest (in[0], out);
      break;
    case CB_OP_CONV2D:
      ref_conv2d (op, in[0], in[1], op->n_inputs == 3 ? in[2] : NULL, out);
      break;
    case CB_OP_SPADE_NORM:
      ref_spade_norm (op, in[0], in[1], in[2], in[3], in[4], out);
      break;
    case CB_OP_ADD:
      ref_add (op, in[0], in[1], out);
      break;
    case CB_OP_ACTIVATION:
      ref_activation (op, in[0], out);
      break;
    case CB_OP_TO_RGBA8:
      ref_to_rgba8 (in[0], out);
      break;
    case CB_OP_AVG_POOL2:
      ref_avg_pool2 (op, in[0], out);
      break;
    case CB_OP_CONCAT:
      ref_concat (op, in[0], in[1], out);
      break;
    default:
      g_return_if_reached ();
    }
}

CbTensor *
cb_graph_run_reference (const CbGraph *graph, CbTensor *const *inputs, guint n_inputs, GError **error)
{
  return cb_graph_run_reference_full (graph, inputs, n_inputs, NULL, NULL, error);
}

CbTensor *
cb_graph_run_reference_full (const CbGraph *graph, CbTensor *const *inputs, guint n_inputs,
                             CbGraphBetweenOpsFunc between_ops, gpointer data, GError **error)
{
  g_return_val_if_fail (graph != NULL, NULL);
  g_return_val_if_fail (n_inputs == 0 || inputs != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  guint n_values = graph->values->len, n_ops = graph->ops->len;
  if (graph->output >= n_values)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "The graph has no output");
      return NULL;
    }

  /* views[v]: the tensor of value v; owned[v] when the run allocated it */
  g_autofree CbTensor **views = g_new0 (CbTensor *, n_values);
  g_autofree gboolean *owned = g_new0 (gboolean, n_values);
  g_autofree CbTensor *consts = g_new0 (CbTensor, n_values);
  g_autofree guint *last_use = g_new0 (guint, n_values);
  CbTensor *result = NULL;

  guint next_input = 0;
  for (guint v = 0; v < n_values; v++)
    {
      const CbValue *value = cb_graph_value (graph, v);
      last_use[v] = G_MAXUINT;
      if (value->kind == CB_VALUE_INPUT)
        {
          if (next_input >= n_inputs || !tensor_matches (inputs[next_input], value))
            {
              if (next_input < n_inputs && inputs[next_input] != NULL)
                g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "Input “%s” is %u×%u×%u, the graph needs %u×%u×%u",
                             value->name, inputs[next_input]->c, inputs[next_input]->h, inputs[next_input]->w, value->c,
                             value->h, value->w);
              else
                g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "Input “%s” is missing", value->name);
              return NULL;
            }
          views[v] = inputs[next_input++];
        }
      else if (value->kind == CB_VALUE_CONST)
        {
          /* a borrowed view of the constant's data */
          consts[v] = (CbTensor){ .c = value->c, .h = value->h, .w = value->w, .data = value->data };
          views[v] = &consts[v];
        }
    }
  if (next_input != n_inputs)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "%u inputs given, the graph has %u", n_inputs, next_input);
      return NULL;
    }

  for (guint i = 0; i < n_ops; i++)
    {
      const CbOp *op = cb_graph_op (graph, i);
      for (guint j = 0; j < op->n_inputs; j++)
        last_use[op->inputs[j]] = i;
    }

  gboolean ok = TRUE;
  for (guint i = 0; i < n_ops && ok; i++)
    {
      const CbOp *op = cb_graph_op (graph, i);
      const CbTensor *in[CB_OP_MAX_INPUTS] = { NULL };
      if (between_ops != NULL && !between_ops (data, i, error))
        {
          ok = FALSE;
          break;
        }
      for (guint j = 0; j < op->n_inputs; j++)
        {
          in[j] = views[op->inputs[j]];
          if (in[j] == NULL)
            {
              g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "Op %u (%s) reads “%s” before it is written", i, op->name,
                           cb_graph_value (graph, op->inputs[j])->name);
              ok = FALSE;
              break;
            }
        }
      if (!ok)
        break;

      const CbValue *ov = cb_graph_value (graph, op->output);
      if (views[op->output] == NULL)
        {
          views[op->output] = cb_tensor_new (ov->c, ov->h, ov->w);
          owned[op->output] = TRUE;
        }
      cb_reference_op (graph, op, in, views[op->output]);

      /* free temporaries after their last reader, except the graph's output */
      for (guint j = 0; j < op->n_inputs; j++)
        {
          guint v = op->inputs[j];
          if (owned[v] && last_use[v] == i && v != graph->output)
            {
              g_clear_pointer (&views[v], cb_tensor_free);
              owned[v] = FALSE;
            }
        }
    }

  if (ok)
    {
      if (views[graph->output] == NULL)
        g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "The graph's output “%s” is never written",
                     cb_graph_value (graph, graph->output)->name);
      else if (owned[graph->output])
        {
          result = views[graph->output];
          views[graph->output] = NULL;
          owned[graph->output] = FALSE;
        }
      else
        result = cb_tensor_copy (views[graph->output]);
    }

  for (guint v = 0; v < n_values; v++)
    if (owned[v])
      cb_tensor_free (views[v]);
  return result;
}
