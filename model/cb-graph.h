/* cb-graph.h: a network as a list of ops over numbered values (DESIGN §1)
 *
 * Values are dense C x H x W float tensors (batch 1) except the label rows
 * input, which holds one row index per pixel as floats (exact up to 2^24).
 * Constants (weights) are owned by the graph; inputs are given per run.
 * Every backend (the CPU reference, Vulkan, the CPU backend) runs the same
 * op list and must agree with the reference.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-tensor.h"

#include <math.h>

G_BEGIN_DECLS

typedef enum
{
  CB_VALUE_INPUT,
  CB_VALUE_CONST,
  CB_VALUE_TEMP,
} CbValueKind;

typedef enum
{
  CB_ACT_NONE,
  CB_ACT_RELU,
  CB_ACT_LEAKY_RELU, /* slope in the op */
  CB_ACT_TANH,
} CbActivation;

typedef enum
{
  /* out[c, y, x] = table[rows[y, x], c]; in: rows (1 x H x W), table (1 x R x C);
   * a row outside [0, R) (negative, NaN, too large) reads the last row (void's) */
  CB_OP_EMBED,
  /* out = in resized to out's H x W (PyTorch nearest, docs/FORMATS.md); ×2 upsampling too */
  CB_OP_RESIZE_NEAREST,
  /* out = act(conv(act_in(in), weight) + bias); k x k, stride 1, zero padding k / 2;
   * in: x, weight (Cout x Cin x k x k, stored as 1 x Cout x Cin*k*k), bias (1 x 1 x Cout) or none */
  CB_OP_CONV2D,
  /* out = act((x - mean) / sqrt(var + eps) * (1 + gamma) + beta);
   * in: x, gamma, beta (same shape as x), mean, var (1 x 1 x C) */
  CB_OP_SPADE_NORM,
  /* out = a + b */
  CB_OP_ADD,
  /* out = act(in) */
  CB_OP_ACTIVATION,
  /* out (1 x H x W) = RGBA8 packed little-endian into the float's bits:
   * byte k = round(clamp((in[k] + 1) / 2, 0, 1) * 255), alpha 255; in: 3 x H x W.
   * round = floor(v * 255 + 0.5) in float; NaN gives 0. */
  CB_OP_TO_RGBA8,
  /* out = act(2x2 average, stride 2) as torch.nn.functional.avg_pool2d (in, 2): out is
   * floor(H / 2) x floor(W / 2), an odd last row/column is dropped; sum in the order
   * (y, x), (y, x+1), (y+1, x), (y+1, x+1), then divided by 4 */
  CB_OP_AVG_POOL2,
  /* out = act(channels of a, then channels of b) (torch.cat on dim 1); a, b: same H x W */
  CB_OP_CONCAT,
} CbOpKind;

#define CB_OP_MAX_INPUTS 5
#define CB_NO_VALUE G_MAXUINT

typedef struct
{
  CbValueKind kind;
  guint c, h, w;
  char *name;  /* tensor name for constants, a readable name otherwise */
  float *data; /* constants only; owned */
} CbValue;

typedef struct
{
  CbOpKind kind;
  guint inputs[CB_OP_MAX_INPUTS]; /* CB_NO_VALUE where absent */
  guint n_inputs;
  guint output;
  guint kernel;        /* conv: 1 or 3 */
  CbActivation act;    /* fused activation on the output */
  CbActivation act_in; /* conv: activation applied to the input as it is read */
  float slope;         /* leaky ReLU slope (act and act_in) */
  float eps;           /* spade norm */
  char *name;          /* e.g. "body.0.norm_0.mlp_gamma", for profiles */
} CbOp;

typedef struct
{
  GArray *values; /* CbValue */
  GArray *ops;    /* CbOp */
  guint output;   /* the value the graph produces */
} CbGraph;

CbGraph *cb_graph_new (void);
void cb_graph_free (CbGraph *graph);

guint cb_graph_add_input (CbGraph *graph, const char *name, guint c, guint h, guint w);
/* takes ownership of data (g_malloc'd, c*h*w floats) */
guint cb_graph_add_const (CbGraph *graph, const char *name, guint c, guint h, guint w, float *data);
guint cb_graph_add_temp (CbGraph *graph, const char *name, guint c, guint h, guint w);
/* appends an op (its name is copied); returns its index, or G_MAXUINT when its
 * shapes are wrong (g_return_val_if_fail). Sets graph->output to the op's output. */
guint cb_graph_add_op (CbGraph *graph, const CbOp *op);

static inline CbValue *
cb_graph_value (const CbGraph *graph, guint id)
{
  return &g_array_index (graph->values, CbValue, id);
}
static inline CbOp *
cb_graph_op (const CbGraph *graph, guint index)
{
  return &g_array_index (graph->ops, CbOp, index);
}

/* One activation, as every backend's scalar path applies it. */
static inline float
cb_activate (CbActivation act, float slope, float v)
{
  switch (act)
    {
    case CB_ACT_RELU:
      return v > 0.0f ? v : 0.0f;
    case CB_ACT_LEAKY_RELU:
      return v > 0.0f ? v : v * slope;
    case CB_ACT_TANH:
      return tanhf (v);
    case CB_ACT_NONE:
    default:
      return v;
    }
}

/* Initialises an op with no inputs and defaults (kernel 1, no activations,
 * slope 0.2, eps 1e-5); name is borrowed until cb_graph_add_op copies it. */
void cb_op_init (CbOp *op, CbOpKind kind, const char *name);

/* Multiply-accumulates of one op: convolutions Cout*Cin*k*k*H*W, SPADE norm 2 per
 * element, 2x2 average pooling 4 per output element, the others 0. Bytes: every input read once plus the output written
 * once (float32), the floor any backend pays. */
guint64 cb_op_count_macs (const CbGraph *graph, const CbOp *op);
guint64 cb_op_count_bytes (const CbGraph *graph, const CbOp *op);
const char *cb_op_kind_to_string (CbOpKind kind);

/* The PyTorch nearest source index along one axis (docs/FORMATS.md): the
 * scale is in / out in single precision, the product is a float too. Shared
 * here so that model/ code and backends need not depend on label-map code. */
static inline guint
cb_graph_nearest_index (guint dst, guint in_size, guint out_size)
{
  float scale = (float)in_size / (float)out_size;
  guint src = (guint)floorf ((float)dst * scale);
  return MIN (src, in_size - 1);
}

/* The CPU reference: plain loops, obviously right. inputs[i] is the tensor
 * for the i-th input value in value order. Returns the graph's output. */
CbTensor *cb_graph_run_reference (const CbGraph *graph, CbTensor *const *inputs, guint n_inputs, GError **error);
/* The same, calling between_ops (when not NULL) before every op: it returns
 * FALSE with error set to stop the run (a cancelled pass). */
typedef gboolean (*CbGraphBetweenOpsFunc) (gpointer data, guint op, GError **error);
CbTensor *cb_graph_run_reference_full (const CbGraph *graph, CbTensor *const *inputs, guint n_inputs,
                                       CbGraphBetweenOpsFunc between_ops, gpointer data, GError **error);
/* Runs one op of the reference on given tensors (for op tests). */
void cb_reference_op (const CbGraph *graph, const CbOp *op, const CbTensor *const *in, CbTensor *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbGraph, cb_graph_free)

G_END_DECLS
