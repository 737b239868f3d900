/* cb-graph.c: building op graphs, with shape checks, and counting their work
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-graph.h"

#include <string.h>

static void
cb_value_clear (gpointer p)
{
  CbValue *v = p;
  g_clear_pointer (&v->name, g_free);
  g_clear_pointer (&v->data, g_free);
}

static void
cb_op_clear (gpointer p)
{
  CbOp *op = p;
  g_clear_pointer (&op->name, g_free);
}

CbGraph *
cb_graph_new (void)
{
  CbGraph *graph = g_new0 (CbGraph, 1);
  graph->values = g_array_new (FALSE, TRUE, sizeof (CbValue));
  g_array_set_clear_func (graph->values, cb_value_clear);
  graph->ops = g_array_new (FALSE, TRUE, sizeof (CbOp));
  g_array_set_clear_func (graph->ops, cb_op_clear);
  graph->output = CB_NO_VALUE;
  return graph;
}

void
cb_graph_free (CbGraph *graph)
{
  if (graph == NULL)
    return;
  g_array_unref (graph->values);
  g_array_unref (graph->ops);
  g_free (graph);
}

static guint
cb_graph_add_value (CbGraph *graph, CbValueKind kind, const char *name, guint c, guint h, guint w, float *data)
{
  CbValue v = {
    .kind = kind,
    .c = c,
    .h = h,
    .w = w,
    .name = g_strdup (name != NULL ? name : ""),
    .data = data,
  };
  g_array_append_val (graph->values, v);
  return graph->values->len - 1;
}

guint
cb_graph_add_input (CbGraph *graph, const char *name, guint c, guint h, guint w)
{
  g_return_val_if_fail (graph != NULL, CB_NO_VALUE);
  g_return_val_if_fail (c > 0 && h > 0 && w > 0, CB_NO_VALUE);
  return cb_graph_add_value (graph, CB_VALUE_INPUT, name, c, h, w, NULL);
}

guint
cb_graph_add_const (CbGraph *graph, const char *name, guint c, guint h, guint w, float *data)
{
  g_return_val_if_fail (graph != NULL, CB_NO_VALUE);
  g_return_val_if_fail (c > 0 && h > 0 && w > 0, CB_NO_VALUE);
  g_return_val_if_fail (data != NULL, CB_NO_VALUE);
  return cb_graph_add_value (graph, CB_VALUE_CONST, name, c, h, w, data);
}

guint
cb_graph_add_temp (CbGraph *graph, const char *name, guint c, guint h, guint w)
{
  g_return_val_if_fail (graph != NULL, CB_NO_VALUE);
  g_return_val_if_fail (c > 0 && h > 0 && w > 0, CB_NO_VALUE);
  return cb_graph_add_value (graph, CB_VALUE_TEMP, name, c, h, w, NULL);
}

void
cb_op_init (CbOp *op, CbOpKind kind, const char *name)
{
  g_return_if_fail (op != NULL);
  memset (op, 0, sizeof *op);
  op->kind = kind;
  for (guint i = 0; i < CB_OP_MAX_INPUTS; i++)
    op->inputs[i] = CB_NO_VALUE;
  op->n_inputs = 0;
  op->output = CB_NO_VALUE;
  op->kernel = 1;
  op->act = CB_ACT_NONE;
  op->act_in = CB_ACT_NONE;
  op->slope = 0.2f;
  op->eps = 1e-5f;
  /* borrowed until cb_graph_add_op copies it */
  op->name = (char *)name;
}

static gboolean
same_shape (const CbValue *a, const CbValue *b)
{
  return a->c == b->c && a->h == b->h && a->w == b->w;
}

static gboolean
is_shape (const CbValue *v, guint c, guint h, guint w)
{
  return v->c == c && v->h == h && v->w == w;
}

static gboolean
act_valid (CbActivation act)
{
  return act == CB_ACT_NONE || act == CB_ACT_RELU || act == CB_ACT_LEAKY_RELU || act == CB_ACT_TANH;
}

/* The shape rules of every op kind (see cb-graph.h); a failure is a bug in
 * the code that builds the graph, so it is reported as a critical. */
static gboolean
cb_op_check (const CbGraph *graph, const CbOp *op)
{
  guint n_values = graph->values->len;

  g_return_val_if_fail (op->n_inputs >= 1 && op->n_inputs <= CB_OP_MAX_INPUTS, FALSE);
  for (guint i = 0; i < op->n_inputs; i++)
    g_return_val_if_fail (op->inputs[i] < n_values, FALSE);
  g_return_val_if_fail (op->output < n_values, FALSE);
  g_return_val_if_fail (act_valid (op->act) && act_valid (op->act_in), FALSE);

  const CbValue *out = cb_graph_value (graph, op->output);
  const CbValue *in0 = cb_graph_value (graph, op->inputs[0]);
  /* only temporaries are written; an op never writes what it reads */
  g_return_val_if_fail (out->kind == CB_VALUE_TEMP, FALSE);
  for (guint i = 0; i < op->n_inputs; i++)
    g_return_val_if_fail (op->inputs[i] != op->output, FALSE);

  switch (op->kind)
    {
    case CB_OP_EMBED:
      {
        g_return_val_if_fail (op->n_inputs == 2, FALSE);
        const CbValue *table = cb_graph_value (graph, op->inputs[1]);
        g_return_val_if_fail (in0->c == 1, FALSE);
        g_return_val_if_fail (table->c == 1, FALSE);
        g_return_val_if_fail (is_shape (out, table->w, in0->h, in0->w), FALSE);
        return TRUE;
      }
    case CB_OP_RESIZE_NEAREST:
      g_return_val_if_fail (op->n_inputs == 1, FALSE);
      g_return_val_if_fail (out->c == in0->c, FALSE);
      return TRUE;
    case CB_OP_CONV2D:
      {
        g_return_val_if_fail (op->n_inputs == 2 || op->n_inputs == 3, FALSE);
        g_return_val_if_fail (op->kernel == 1 || op->kernel == 3, FALSE);
        const CbValue *weight = cb_graph_value (graph, op->inputs[1]);
        guint k2 = op->kernel * op->kernel;
        g_return_val_if_fail (out->h == in0->h && out->w == in0->w, FALSE);
        g_return_val_if_fail (is_shape (weight, 1, out->c, in0->c * k2), FALSE);
        if (op->n_inputs == 3)
          {
            const CbValue *bias = cb_graph_value (graph, op->inputs[2]);
            g_return_val_if_fail (is_shape (bias, 1, 1, out->c), FALSE);
          }
        return TRUE;
      }
    case CB_OP_SPADE_NORM:
      g_return_val_if_fail (op->n_inputs == 5, FALSE);
      g_return_val_if_fail (same_shape (out, in0), FALSE);
      g_return_val_if_fail (same_shape (cb_graph_value (graph, op->inputs[1]), in0), FALSE);
      g_return_val_if_fail (same_shape (cb_graph_value (graph, op->inputs[2]), in0), FALSE);
      g_return_val_if_fail (is_shape (cb_graph_value (graph, op->inputs[3]), 1, 1, in0->c), FALSE);
      g_return_val_if_fail (is_shape (cb_graph_value (graph, op->inputs[4]), 1, 1, in0->c), FALSE);
      g_return_val_if_fail (op->eps >= 0.0f, FALSE);
      return TRUE;
    case CB_OP_ADD:
      g_return_val_if_fail (op->n_inputs == 2, FALSE);
      g_return_val_if_fail (same_shape (out, in0), FALSE);
      g_return_val_if_fail (same_shape (cb_graph_value (graph, op->inputs[1]), in0), FALSE);
      return TRUE;
    case CB_OP_ACTIVATION:
      g_return_val_if_fail (op->n_inputs == 1, FALSE);
      g_return_val_if_fail (same_shape (out, in0), FALSE);
      return TRUE;
    case CB_OP_TO_RGBA8:
      g_return_val_if_fail (op->n_inputs == 1, FALSE);
      g_return_val_if_fail (in0->c == 3, FALSE);
      g_return_val_if_fail (is_shape (out, 1, in0->h, in0->w), FALSE);
      return TRUE;
    case CB_OP_AVG_POOL2:
      g_return_val_if_fail (op->n_inputs == 1, FALSE);
      g_return_val_if_fail (in0->h >= 2 && in0->w >= 2, FALSE);
      g_return_val_if_fail (is_shape (out, in0->c, in0->h / 2, in0->w / 2), FALSE);
      return TRUE;
    case CB_OP_CONCAT:
      {
        g_return_val_if_fail (op->n_inputs == 2, FALSE);
        const CbValue *in1 = cb_graph_value (graph, op->inputs[1]);
        g_return_val_if_fail (in1->h == in0->h && in1->w == in0->w, FALSE);
        g_return_val_if_fail (is_shape (out, in0->c + in1->c, in0->h, in0->w), FALSE);
        return TRUE;
      }
    default:
      g_return_val_if_reached (FALSE);
    }
}

guint
cb_graph_add_op (CbGraph *graph, const CbOp *op)
{
  g_return_val_if_fail (graph != NULL, G_MAXUINT);
  g_return_val_if_fail (op != NULL, G_MAXUINT);
  if (!cb_op_check (graph, op))
    return G_MAXUINT;

  CbOp copy = *op;
  copy.name = g_strdup (op->name != NULL ? op->name : cb_op_kind_to_string (op->kind));
  g_array_append_val (graph->ops, copy);
  /* the last op's output is the graph's output unless the builder says otherwise */
  graph->output = op->output;
  return graph->ops->len - 1;
}

static guint64
value_elements (const CbValue *v)
{
  return (guint64)v->c * v->h * v->w;
}

guint64
cb_op_count_macs (const CbGraph *graph, const CbOp *op)
{
  g_return_val_if_fail (graph != NULL && op != NULL, 0);
  const CbValue *out = cb_graph_value (graph, op->output);
  switch (op->kind)
    {
    case CB_OP_CONV2D:
      {
        const CbValue *in = cb_graph_value (graph, op->inputs[0]);
        return value_elements (out) * in->c * op->kernel * op->kernel;
      }
    case CB_OP_SPADE_NORM:
      /* (x - mean) * invstd, then * (1 + gamma) + beta: two per element */
      return 2 * value_elements (out);
    case CB_OP_AVG_POOL2:
      /* four additions per output element */
      return 4 * value_elements (out);
    case CB_OP_EMBED:
    case CB_OP_RESIZE_NEAREST:
    case CB_OP_ADD:
    case CB_OP_ACTIVATION:
    case CB_OP_TO_RGBA8:
    case CB_OP_CONCAT:
    default:
      return 0;
    }
}

guint64
cb_op_count_bytes (const CbGraph *graph, const CbOp *op)
{
  g_return_val_if_fail (graph != NULL && op != NULL, 0);
  /* every input read once and the output written once: the floor any backend pays */
  guint64 n = value_elements (cb_graph_value (graph, op->output));
  for (guint i = 0; i < op->n_inputs; i++)
    n += value_elements (cb_graph_value (graph, op->inputs[i]));
  return n * sizeof (float);
}

const char *
cb_op_kind_to_string (CbOpKind kind)
{
  switch (kind)
    {
    case CB_OP_EMBED:
      return "embed";
    case CB_OP_RESIZE_NEAREST:
      return "resize_nearest";
    case CB_OP_CONV2D:
      return "conv2d";
    case CB_OP_SPADE_NORM:
      return "spade_norm";
    case CB_OP_ADD:
      return "add";
    case CB_OP_ACTIVATION:
      return "activation";
    case CB_OP_TO_RGBA8:
      return "to_rgba8";
    case CB_OP_AVG_POOL2:
      return "avg_pool2";
    case CB_OP_CONCAT:
      return "concat";
    default:
      return "unknown";
    }
}
