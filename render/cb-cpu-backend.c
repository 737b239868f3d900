/* cb-cpu-backend.c: the native CPU backend: plan, prepare, run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-cpu-backend.h"

#include "model/cb-error.h"
#include "render/cb-cpu-bf16.h"
#include "render/cb-cpu-conv.h"
#include "render/cb-cpu-threads.h"

#include <math.h>
#include <string.h>

/* tiles per job of a dense convolution: 512 positions, so the input a job
 * reads stays in the caches while its panels sweep over it */
#define TILE_CHUNK 32
/* pixel groups of NR per job of a boundary GEMM: the packed inputs
 * (hidden * 9 * NR * 4 floats, 288 KiB for hidden 128) stay in L2 while
 * every weight panel passes over them */
#define GEMM_GROUPS 4
/* an incremental run computes a step whole when what changed is more than
 * this share of its output (docs/PERFORMANCE.md: measured, not guessed) */
#define CB_CPU_INCREMENTAL_MAX 0.9
/* a partial step of fewer MACs runs on the calling thread: waking the
 * others costs more than it saves (on a loaded machine, milliseconds) */
#define SERIAL_MACS 4e6

/* A rectangle of a value's pixels, half-open; empty when x0 >= x1 or y0 >= y1. */
typedef struct
{
  guint x0, y0, x1, y1;
} Rect;

typedef enum
{
  STEP_SKIP, /* folded into another step, or its output is never read */
  STEP_EMBED,
  STEP_RESIZE,
  STEP_CONV,
  STEP_GATHER,
  STEP_SPADE,
  STEP_SPADE_FUSED,
  STEP_ADD,
  STEP_ACT,
  STEP_RGBA,
  STEP_POOL,
  STEP_CONCAT,
} StepKind;

/* A label map value: EMBED(rows, table), resized or not. Each run makes its
 * row map (row index per pixel, border = n_rows: the zero row of the tables). */
typedef struct
{
  guint value;
  guint rows_value, table_cache;
  guint h, w, src_h, src_w;
  guint n_rows;
  gint32 *rowmap;   /* (h + 2) x (w + 2) */
  guint8 *interior; /* h x w: the 5 x 5 neighbourhood is one row and inside the image */
  guint8 *present;  /* n_rows: the row occurs */
  guint8 *present_interior;
  gboolean interior_done; /* this run */
  gint32 *kept_rowmap;    /* incremental runs: the last kept run's */
} LabelSrc;

/* The table input of the EMBEDs: a copy of the last one, to see changes. */
typedef struct
{
  guint value;
  gsize n;
  float *copy;
  guint gen; /* bumped when the table changes: cached rows go stale */
} TableCache;

typedef struct
{
  StepKind kind;
  const CbOp *op;

  /* STEP_CONV */
  CbCpuConvWeights cw;
  CbCpuGeom geom;
  gboolean chunked; /* large image: jobs are tile chunks over all panels, channels blocked */
  gboolean bf16;    /* runs on cw16 instead of cw */
  CbCpuConvBf16 cw16;

  /* STEP_GATHER, and mlp_shared of STEP_SPADE_FUSED */
  CbCpuGather gt;
  guint label; /* LabelSrc index */
  guint *row_gen;

  /* STEP_SPADE_FUSED: gb = [γ; β] conv over a = relu(mlp_shared(seg)) */
  CbCpuConvWeights gb_cw; /* 2C outputs */
  CbCpuConvBf16 gb16;     /* the same in bf16, K = hidden * 9 inputs (options.bf16) */
  guint c, hidden, gb_pad;
  float *gb_wsum; /* hidden x gb_pad: the 9 taps summed, for constant regions */
  float *gb_bias; /* gb_pad */
  float *rowtab;  /* n_rows x gb_pad: γ | β of a region of one row */
  guint *rowtab_gen;
  gint32 *bpix; /* the pixels not interior this run (h * w + NR) */
  guint n_bpix;
  guint8 *need_row; /* h: rows of a the boundary pixels read */
  guint *a_rows;    /* the needed rows, listed */
  guint n_a_rows;
  const float *mean, *var;
  guint64 folded_macs; /* of the convolutions folded in */

  /* STEP_RESIZE */
  guint *sy, *sx;
} Step;

struct _CbCpuPlan
{
  const CbGraph *graph;
  CbCpuOptions options;
  CbCpuPool *pool;
  guint n_inputs;

  Step *steps;
  float **ptr;    /* per value, this run */
  gsize *slot_of; /* per value: arena slot + 1, 0 = none */
  float **slots;  /* the arena */
  guint n_slots;
  guint *input_order; /* value of the i-th input */

  LabelSrc *labels;
  guint n_labels;
  TableCache *tables;
  guint n_tables;

  float *pad;          /* padded input of the current convolution */
  float *gb;           /* γ | β of the boundary pixels of the current SPADE */
  float **thread_pack; /* per thread: GEMM_GROUPS packed pixel groups, or a chunk's partial sums */
  float **thread_scratch;
  float *hidden_vec; /* one hidden vector (main thread) */

  /* incremental runs (cb_cpu_plan_set_incremental) */
  gboolean incremental, aside;
  gboolean kept_valid; /* kept[] holds the last kept run's values */
  float **kept;        /* per value computed as a tensor: its own buffer, kept between runs */
  float **input_copy;  /* per input: what the last kept run was given */
  Rect *dirty;         /* per value: what differs from the last kept run */
  guint *tiles;        /* the tiles of a partial convolution */
  double max_fraction; /* a step larger than this share of its output runs whole */
  double recomputed;   /* the last run: the MAC-weighted share of the network computed */
  gboolean serial;     /* this step is a small part of an incremental run: no hand-offs */

  double *op_ms;
  CbCpuBetweenOpsFunc between_ops; /* cancellation (cb-backend.c) */
  gpointer between_ops_data;
  guint64 memory;
  guint n_gathers, n_fused;
};

void
cb_cpu_options_init (CbCpuOptions *options)
{
  memset (options, 0, sizeof *options);
  options->no_gather = g_strcmp0 (g_getenv ("CATBRUSH_CPU_NO_GATHER"), "1") == 0;
  options->no_spade_const = g_strcmp0 (g_getenv ("CATBRUSH_CPU_NO_SPADE_CONST"), "1") == 0;
  options->bf16 = cb_cpu_bf16_requested ();
}

char *
cb_cpu_describe (guint n_threads)
{
  static const char *const names[] = { "portable", "AVX2+FMA", "AVX-512" };
  const char *isa = names[cb_cpu_isa_level ()];
  if (n_threads == 0)
    {
      g_autoptr (CbCpuPool) pool = cb_cpu_pool_new (0);
      n_threads = cb_cpu_pool_get_n_threads (pool);
    }
  return g_strdup_printf ("CPU · %u thread%s · %s%s", n_threads, n_threads == 1 ? "" : "s", isa,
                          cb_cpu_bf16_requested () ? " · bf16" : "");
}

/* ---- graph analysis ---- */

static guint
producer_of (const CbGraph *graph, guint value)
{
  for (guint i = 0; i < graph->ops->len; i++)
    if (cb_graph_op (graph, i)->output == value)
      return i;
  return G_MAXUINT;
}

static guint
count_readers (const CbGraph *graph, guint value)
{
  guint n = 0;
  for (guint i = 0; i < graph->ops->len; i++)
    {
      const CbOp *op = cb_graph_op (graph, i);
      for (guint j = 0; j < op->n_inputs; j++)
        n += op->inputs[j] == value;
    }
  return n + (graph->output == value);
}

static gboolean
is_given (const CbGraph *graph, guint value)
{
  CbValueKind kind = cb_graph_value (graph, value)->kind;
  return kind == CB_VALUE_INPUT || kind == CB_VALUE_CONST;
}

/* The LabelSrc of value, when it is EMBED(rows, table) or a nearest resize
 * of one, with rows and table given (inputs or constants); else G_MAXUINT. */
static guint
find_label (CbCpuPlan *plan, guint value)
{
  const CbGraph *graph = plan->graph;
  guint p = producer_of (graph, value);
  if (p == G_MAXUINT)
    return G_MAXUINT;
  const CbOp *op = cb_graph_op (graph, p);
  if (op->kind == CB_OP_RESIZE_NEAREST)
    {
      p = producer_of (graph, op->inputs[0]);
      if (p == G_MAXUINT)
        return G_MAXUINT;
      op = cb_graph_op (graph, p);
    }
  if (op->kind != CB_OP_EMBED || !is_given (graph, op->inputs[0]) || !is_given (graph, op->inputs[1]))
    return G_MAXUINT;

  for (guint i = 0; i < plan->n_labels; i++)
    if (plan->labels[i].value == value)
      return i;

  const CbValue *v = cb_graph_value (graph, value);
  const CbValue *rows = cb_graph_value (graph, op->inputs[0]);
  const CbValue *table = cb_graph_value (graph, op->inputs[1]);
  guint tc = 0;
  while (tc < plan->n_tables && plan->tables[tc].value != op->inputs[1])
    tc++;
  if (tc == plan->n_tables)
    {
      plan->tables = g_renew (TableCache, plan->tables, plan->n_tables + 1);
      plan->tables[tc] = (TableCache){ .value = op->inputs[1], .n = (gsize)table->h * table->w };
      plan->tables[tc].copy = g_new0 (float, MAX (plan->tables[tc].n, 1));
      plan->n_tables++;
    }
  plan->labels = g_renew (LabelSrc, plan->labels, plan->n_labels + 1);
  LabelSrc *ls = &plan->labels[plan->n_labels];
  *ls = (LabelSrc){ .value = value,
                    .rows_value = op->inputs[0],
                    .table_cache = tc,
                    .h = v->h,
                    .w = v->w,
                    .src_h = rows->h,
                    .src_w = rows->w,
                    .n_rows = table->h };
  ls->rowmap = g_new (gint32, (gsize)(v->h + 2) * (v->w + 2));
  ls->interior = g_new0 (guint8, (gsize)v->h * v->w);
  ls->present = g_new0 (guint8, table->h);
  ls->present_interior = g_new0 (guint8, table->h);
  plan->memory += (gsize)(v->h + 2) * (v->w + 2) * 4 + (gsize)v->h * v->w;
  return plan->n_labels++;
}

/* A gather-able conv: its input is a label map and the op is plain enough. */
static gboolean
is_label_conv (CbCpuPlan *plan, const CbOp *op, guint *label)
{
  if (plan->options.no_gather || op->kind != CB_OP_CONV2D || (op->kernel != 1 && op->kernel != 3))
    return FALSE;
  *label = find_label (plan, op->inputs[0]);
  return *label != G_MAXUINT;
}

static const float *
const_data (const CbGraph *graph, guint value)
{
  const CbValue *v = cb_graph_value (graph, value);
  return v->kind == CB_VALUE_CONST ? v->data : NULL;
}

static void
init_gather (CbCpuPlan *plan, Step *s, const CbOp *op, guint label)
{
  const CbGraph *graph = plan->graph;
  const CbValue *out = cb_graph_value (graph, op->output);
  const CbValue *in = cb_graph_value (graph, op->inputs[0]);
  s->label = label;
  cb_cpu_gather_init (&s->gt, const_data (graph, op->inputs[1]),
                      op->n_inputs == 3 ? const_data (graph, op->inputs[2]) : NULL, out->c, in->c, op->kernel,
                      plan->labels[label].n_rows, op->act_in, op->slope);
  s->row_gen = g_new0 (guint, plan->labels[label].n_rows);
  plan->memory += (gsize)op->kernel * op->kernel * (plan->labels[label].n_rows + 1 + in->c) * s->gt.cout_pad * 4;
}

/* SPADE_NORM(x, conv_γ(a), conv_β(a)), a = relu(conv(seg)) over a label map,
 * every intermediate read by this SPADE only: fold the three convolutions into it. */
static gboolean
try_fuse_spade (CbCpuPlan *plan, guint index)
{
  const CbGraph *graph = plan->graph;
  const CbOp *op = cb_graph_op (graph, index);
  if (plan->options.no_gather || plan->options.no_spade_const || op->n_inputs != 5)
    return FALSE;
  if (!is_given (graph, op->inputs[3]) || !is_given (graph, op->inputs[4])
      || cb_graph_value (graph, op->inputs[3])->kind != CB_VALUE_CONST
      || cb_graph_value (graph, op->inputs[4])->kind != CB_VALUE_CONST)
    return FALSE;

  guint pg = producer_of (graph, op->inputs[1]), pb = producer_of (graph, op->inputs[2]);
  if (pg == G_MAXUINT || pb == G_MAXUINT || pg == pb)
    return FALSE;
  const CbOp *g = cb_graph_op (graph, pg), *b = cb_graph_op (graph, pb);
  for (guint i = 0; i < 2; i++)
    {
      const CbOp *c = i == 0 ? g : b;
      if (c->kind != CB_OP_CONV2D || c->kernel != 3 || c->act != CB_ACT_NONE || c->act_in != CB_ACT_NONE
          || c->n_inputs != 3 || count_readers (graph, c->output) != 1
          || cb_graph_value (graph, c->inputs[1])->kind != CB_VALUE_CONST
          || cb_graph_value (graph, c->inputs[2])->kind != CB_VALUE_CONST)
        return FALSE;
    }
  if (g->inputs[0] != b->inputs[0] || count_readers (graph, g->inputs[0]) != 2)
    return FALSE;
  guint ps = producer_of (graph, g->inputs[0]);
  if (ps == G_MAXUINT)
    return FALSE;
  const CbOp *sh = cb_graph_op (graph, ps);
  guint label;
  if (sh->act != CB_ACT_RELU || sh->kernel != 3 || !is_label_conv (plan, sh, &label)
      || cb_graph_value (graph, sh->inputs[1])->kind != CB_VALUE_CONST
      || (sh->n_inputs == 3 && cb_graph_value (graph, sh->inputs[2])->kind != CB_VALUE_CONST))
    return FALSE;
  const CbValue *xv = cb_graph_value (graph, op->inputs[0]);
  if (plan->labels[label].h != xv->h || plan->labels[label].w != xv->w)
    return FALSE;

  Step *s = &plan->steps[index];
  guint c = xv->c, hidden = cb_graph_value (graph, sh->output)->c;
  s->kind = STEP_SPADE_FUSED;
  s->c = c;
  s->hidden = hidden;
  init_gather (plan, s, sh, label);

  /* [γ; β] as one convolution of 2C outputs */
  g_autofree float *w = g_new (float, (gsize)2 * c * hidden * 9);
  g_autofree float *bias = g_new (float, (gsize)2 * c);
  memcpy (w, const_data (graph, g->inputs[1]), sizeof (float) * c * hidden * 9);
  memcpy (w + (gsize)c * hidden * 9, const_data (graph, b->inputs[1]), sizeof (float) * c * hidden * 9);
  memcpy (bias, const_data (graph, g->inputs[2]), sizeof (float) * c);
  memcpy (bias + c, const_data (graph, b->inputs[2]), sizeof (float) * c);
  cb_cpu_conv_weights_init (&s->gb_cw, w, bias, 2 * c, hidden, 3);
  if (plan->options.bf16)
    cb_cpu_conv_bf16_init (&s->gb16, w, bias, 2 * c, hidden * 9, 1);
  cb_cpu_geom_init (&s->geom, xv->h, xv->w, 1);

  /* a region of one row: γ = bias + (Σ_taps W) · a */
  s->gb_pad = (2 * c + CB_CPU_VEC - 1) / CB_CPU_VEC * CB_CPU_VEC;
  s->gb_wsum = g_new0 (float, (gsize)hidden * s->gb_pad);
  s->gb_bias = g_new0 (float, s->gb_pad);
  memcpy (s->gb_bias, bias, sizeof (float) * 2 * c);
  for (guint co = 0; co < 2 * c; co++)
    for (guint ci = 0; ci < hidden; ci++)
      {
        float sum = 0.0f;
        for (guint t = 0; t < 9; t++)
          sum += w[((gsize)co * hidden + ci) * 9 + t];
        s->gb_wsum[(gsize)ci * s->gb_pad + co] = sum;
      }
  guint n_rows = plan->labels[label].n_rows;
  s->rowtab = g_new0 (float, (gsize)n_rows * s->gb_pad);
  s->rowtab_gen = g_new0 (guint, n_rows);
  s->bpix = g_new (gint32, (gsize)xv->h * xv->w + CB_CPU_NR);
  s->need_row = g_new0 (guint8, xv->h);
  s->a_rows = g_new (guint, xv->h);
  s->mean = const_data (graph, op->inputs[3]);
  s->var = const_data (graph, op->inputs[4]);
  plan->memory
    += ((gsize)s->gb_cw.n_panels * s->gb_cw.mr * (hidden * 9 + 1) + (gsize)(hidden + n_rows) * s->gb_pad) * 4;

  s->folded_macs = cb_op_count_macs (graph, sh) + cb_op_count_macs (graph, g) + cb_op_count_macs (graph, b);
  plan->steps[ps].kind = STEP_SKIP;
  plan->steps[pg].kind = STEP_SKIP;
  plan->steps[pb].kind = STEP_SKIP;
  plan->n_fused++;
  return TRUE;
}

static void
step_clear (Step *s)
{
  cb_cpu_conv_weights_clear (&s->cw);
  cb_cpu_conv_bf16_clear (&s->cw16);
  cb_cpu_geom_clear (&s->geom);
  cb_cpu_gather_clear (&s->gt);
  cb_cpu_conv_weights_clear (&s->gb_cw);
  cb_cpu_conv_bf16_clear (&s->gb16);
  g_free (s->row_gen);
  g_free (s->gb_wsum);
  g_free (s->gb_bias);
  g_free (s->rowtab);
  g_free (s->rowtab_gen);
  g_free (s->bpix);
  g_free (s->need_row);
  g_free (s->a_rows);
  g_free (s->sy);
  g_free (s->sx);
}

void
cb_cpu_plan_free (CbCpuPlan *plan)
{
  if (plan == NULL)
    return;
  if (plan->steps != NULL)
    for (guint i = 0; i < plan->graph->ops->len; i++)
      step_clear (&plan->steps[i]);
  g_free (plan->steps);
  g_free (plan->ptr);
  g_free (plan->slot_of);
  for (guint i = 0; i < plan->n_slots; i++)
    g_free (plan->slots[i]);
  g_free (plan->slots);
  g_free (plan->input_order);
  for (guint i = 0; i < plan->n_labels; i++)
    {
      g_free (plan->labels[i].rowmap);
      g_free (plan->labels[i].interior);
      g_free (plan->labels[i].present);
      g_free (plan->labels[i].present_interior);
      g_free (plan->labels[i].kept_rowmap);
    }
  g_free (plan->labels);
  for (guint i = 0; i < plan->n_tables; i++)
    g_free (plan->tables[i].copy);
  g_free (plan->tables);
  g_free (plan->pad);
  g_free (plan->gb);
  for (guint i = 0; plan->pool != NULL && i < cb_cpu_pool_get_n_threads (plan->pool); i++)
    {
      if (plan->thread_scratch != NULL)
        g_free (plan->thread_scratch[i]);
      if (plan->thread_pack != NULL)
        g_free (plan->thread_pack[i]);
    }
  g_free (plan->thread_scratch);
  g_free (plan->thread_pack);
  g_free (plan->hidden_vec);
  for (guint v = 0; plan->kept != NULL && v < plan->graph->values->len; v++)
    g_free (plan->kept[v]);
  g_free (plan->kept);
  for (guint i = 0; plan->input_copy != NULL && i < plan->n_inputs; i++)
    g_free (plan->input_copy[i]);
  g_free (plan->input_copy);
  g_free (plan->dirty);
  g_free (plan->tiles);
  g_free (plan->op_ms);
  cb_cpu_pool_free (plan->pool);
  g_free (plan);
}

/* the values a step reads as tensors (not folded or gathered ones) */
static guint
step_data_inputs (const CbCpuPlan *plan, guint index, guint *out)
{
  const CbOp *op = cb_graph_op (plan->graph, index);
  switch (plan->steps[index].kind)
    {
    case STEP_SKIP:
    case STEP_GATHER:
      return 0;
    case STEP_CONV:
    case STEP_SPADE_FUSED:
      out[0] = op->inputs[0];
      return 1;
    default:
      for (guint j = 0; j < op->n_inputs; j++)
        out[j] = op->inputs[j];
      return op->n_inputs;
    }
}

CbCpuPlan *
cb_cpu_plan_new (const CbGraph *graph, const CbCpuOptions *options, GError **error)
{
  g_autoptr (CbCpuPlan) plan = g_new0 (CbCpuPlan, 1);
  guint n_values = graph->values->len, n_ops = graph->ops->len;
  gsize pad_floats = 0, gb_floats = 0, scratch_floats = CB_CPU_VEC, hidden_floats = CB_CPU_VEC, pack_floats = 0;

  g_return_val_if_fail (graph != NULL, NULL);
  if (graph->output >= n_values)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "The graph has no output");
      return NULL;
    }
  plan->graph = graph;
  if (options != NULL)
    plan->options = *options;
  else
    cb_cpu_options_init (&plan->options);
  if (plan->options.bf16 && !cb_cpu_bf16_supported ())
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED,
                   "bf16 convolutions need AVX-512 with AVX512_BF16; the kernels in use are %s: "
                   "unset CATBRUSH_CPU_PRECISION or run fp32",
                   cb_cpu_isa ());
      return NULL;
    }
  plan->pool = cb_cpu_pool_new (plan->options.n_threads);
  guint n_threads = cb_cpu_pool_get_n_threads (plan->pool);

  for (guint v = 0; v < n_values; v++)
    plan->n_inputs += cb_graph_value (graph, v)->kind == CB_VALUE_INPUT;
  plan->input_order = g_new (guint, MAX (plan->n_inputs, 1));
  for (guint v = 0, i = 0; v < n_values; v++)
    if (cb_graph_value (graph, v)->kind == CB_VALUE_INPUT)
      plan->input_order[i++] = v;

  plan->steps = g_new0 (Step, n_ops);
  plan->op_ms = g_new0 (double, MAX (n_ops, 1));
  for (guint i = 0; i < n_ops; i++)
    {
      const CbOp *op = cb_graph_op (graph, i);
      Step *s = &plan->steps[i];
      s->op = op;
      for (guint j = 0; j < op->n_inputs; j++)
        if (op->inputs[j] >= n_values)
          {
            g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "Op %u (%s) reads a value that does not exist", i,
                         op->name);
            return NULL;
          }
      switch (op->kind)
        {
        case CB_OP_EMBED:
          s->kind = STEP_EMBED;
          break;
        case CB_OP_RESIZE_NEAREST:
          s->kind = STEP_RESIZE;
          break;
        case CB_OP_CONV2D:
          s->kind = STEP_CONV;
          if (op->kernel != 1 && op->kernel != 3)
            {
              g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "Op %s: %u×%u convolutions are not supported",
                           op->name, op->kernel, op->kernel);
              return NULL;
            }
          if (cb_graph_value (graph, op->inputs[1])->kind != CB_VALUE_CONST
              || (op->n_inputs == 3 && cb_graph_value (graph, op->inputs[2])->kind != CB_VALUE_CONST))
            {
              g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "Op %s: the CPU backend needs constant weights",
                           op->name);
              return NULL;
            }
          break;
        case CB_OP_SPADE_NORM:
          s->kind = STEP_SPADE;
          break;
        case CB_OP_ADD:
          s->kind = STEP_ADD;
          break;
        case CB_OP_ACTIVATION:
          s->kind = STEP_ACT;
          break;
        case CB_OP_TO_RGBA8:
          s->kind = STEP_RGBA;
          break;
        case CB_OP_AVG_POOL2:
          s->kind = STEP_POOL;
          break;
        case CB_OP_CONCAT:
          s->kind = STEP_CONCAT;
          break;
        default:
          g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "Op %s: unknown kind %d", op->name, op->kind);
          return NULL;
        }
    }

  /* the network's structure: fused SPADEs first (they claim their convolutions), then gathers */
  for (guint i = 0; i < n_ops; i++)
    if (plan->steps[i].kind == STEP_SPADE)
      try_fuse_spade (plan, i);
  for (guint i = 0; i < n_ops; i++)
    {
      guint label;
      if (plan->steps[i].kind == STEP_CONV && is_label_conv (plan, cb_graph_op (graph, i), &label))
        {
          plan->steps[i].kind = STEP_GATHER;
          init_gather (plan, &plan->steps[i], cb_graph_op (graph, i), label);
        }
    }
  for (guint i = 0; i < n_ops; i++)
    plan->n_gathers += plan->steps[i].kind == STEP_GATHER || plan->steps[i].kind == STEP_SPADE_FUSED;

  /* which values are read as tensors: backwards from the output */
  g_autofree gboolean *needed = g_new0 (gboolean, n_values);
  needed[graph->output] = TRUE;
  for (guint i = n_ops; i-- > 0;)
    {
      Step *s = &plan->steps[i];
      if (!needed[s->op->output])
        {
          s->kind = STEP_SKIP;
          continue;
        }
      guint in[CB_OP_MAX_INPUTS];
      guint n = step_data_inputs (plan, i, in);
      for (guint j = 0; j < n; j++)
        needed[in[j]] = TRUE;
    }

  /* kernels' own data */
  for (guint i = 0; i < n_ops; i++)
    {
      Step *s = &plan->steps[i];
      const CbOp *op = s->op;
      const CbValue *out = cb_graph_value (graph, op->output);
      if (s->kind == STEP_CONV)
        {
          const CbValue *in = cb_graph_value (graph, op->inputs[0]);
          cb_cpu_geom_init (&s->geom, in->h, in->w, op->kernel / 2);
          if (plan->options.bf16)
            {
              s->bf16 = TRUE;
              cb_cpu_conv_bf16_init (&s->cw16, const_data (graph, op->inputs[1]),
                                     op->n_inputs == 3 ? const_data (graph, op->inputs[2]) : NULL, out->c, in->c,
                                     op->kernel);
              pad_floats = MAX (pad_floats, cb_cpu_geom_floats (&s->geom, s->cw16.n_pairs));
              guint chunks16 = (s->geom.n_tiles + TILE_CHUNK - 1) / TILE_CHUNK;
              s->chunked
                = chunks16 >= 4 * n_threads && in->c > CB_CPU_KB && s->cw16.n_panels * CB_CPU_MR_BF16 <= 64 * CB_CPU_MR;
              if (s->chunked)
                pack_floats = MAX (pack_floats, (gsize)s->cw16.n_panels * TILE_CHUNK * CB_CPU_MR_BF16 * CB_CPU_NR);
              plan->memory
                += (gsize)s->cw16.n_panels * CB_CPU_MR_BF16 * (s->cw16.n_pairs * op->kernel * op->kernel + 1) * 4;
              continue;
            }
          cb_cpu_conv_weights_init (&s->cw, const_data (graph, op->inputs[1]),
                                    op->n_inputs == 3 ? const_data (graph, op->inputs[2]) : NULL, out->c, in->c,
                                    op->kernel);
          pad_floats = MAX (pad_floats, cb_cpu_geom_floats (&s->geom, in->c));
          /* enough chunks for every thread, and enough channels to block */
          guint chunks = (s->geom.n_tiles + TILE_CHUNK - 1) / TILE_CHUNK;
          s->chunked = chunks >= 4 * n_threads && in->c > CB_CPU_KB && s->cw.n_panels * s->cw.mr <= 64 * CB_CPU_MR;
          if (s->chunked)
            pack_floats = MAX (pack_floats, (gsize)s->cw.n_panels * TILE_CHUNK * s->cw.mr * CB_CPU_NR);
          plan->memory += (gsize)s->cw.n_panels * s->cw.mr * (in->c * op->kernel * op->kernel + 1) * 4;
        }
      else if (s->kind == STEP_SPADE_FUSED)
        {
          pad_floats = MAX (pad_floats, cb_cpu_geom_floats (&s->geom, s->hidden));
          gb_floats = MAX (gb_floats, (gsize)2 * s->c * out->h * out->w);
          scratch_floats = MAX (scratch_floats, (gsize)CB_CPU_VEC * s->gt.cout_pad);
          hidden_floats = MAX (hidden_floats, s->gt.cout_pad);
          /* bf16: the pairs after the floats */
          pack_floats
            = MAX (pack_floats, (gsize)s->hidden * 9 * CB_CPU_NR * GEMM_GROUPS * (plan->options.bf16 ? 2 : 1));
        }
      else if (s->kind == STEP_GATHER)
        scratch_floats = MAX (scratch_floats, (gsize)CB_CPU_VEC * s->gt.cout_pad);
      else if (s->kind == STEP_RESIZE)
        {
          const CbValue *in = cb_graph_value (graph, op->inputs[0]);
          s->sy = g_new (guint, out->h);
          s->sx = g_new (guint, out->w);
          for (guint y = 0; y < out->h; y++)
            s->sy[y] = cb_graph_nearest_index (y, in->h, out->h);
          for (guint x = 0; x < out->w; x++)
            s->sx[x] = cb_graph_nearest_index (x, in->w, out->w);
        }
    }
  plan->pad = g_new0 (float, MAX (pad_floats, 1));
  plan->gb = g_new0 (float, MAX (gb_floats, 1));
  plan->hidden_vec = g_new0 (float, hidden_floats);
  plan->thread_scratch = g_new0 (float *, n_threads);
  plan->thread_pack = g_new0 (float *, n_threads);
  for (guint t = 0; t < n_threads; t++)
    {
      plan->thread_scratch[t] = g_new0 (float, scratch_floats);
      plan->thread_pack[t] = g_new0 (float, MAX (pack_floats, 1));
    }
  plan->memory += (pad_floats + gb_floats + hidden_floats + (scratch_floats + pack_floats) * n_threads) * 4;

  /* temporaries: an arena slot from the value's first write to its last read */
  g_autofree guint *last_use = g_new0 (guint, n_values);
  for (guint i = 0; i < n_ops; i++)
    {
      guint in[CB_OP_MAX_INPUTS];
      guint n = step_data_inputs (plan, i, in);
      for (guint j = 0; j < n; j++)
        last_use[in[j]] = i;
    }
  plan->ptr = g_new0 (float *, n_values);
  plan->slot_of = g_new0 (gsize, n_values);
  g_autoptr (GArray) slot_size = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr (GArray) slot_free = g_array_new (FALSE, FALSE, sizeof (gboolean));
  for (guint i = 0; i < n_ops; i++)
    {
      const Step *s = &plan->steps[i];
      guint v = s->op->output;
      const CbValue *value = cb_graph_value (graph, v);
      if (s->kind == STEP_SKIP || v == graph->output || value->kind != CB_VALUE_TEMP || plan->slot_of[v] != 0)
        continue;
      gsize size = (gsize)value->c * value->h * value->w, best = G_MAXSIZE;
      for (guint k = 0; k < slot_size->len; k++)
        if (g_array_index (slot_free, gboolean, k) && g_array_index (slot_size, gsize, k) >= size
            && (best == G_MAXSIZE || g_array_index (slot_size, gsize, k) < g_array_index (slot_size, gsize, best)))
          best = k;
      if (best == G_MAXSIZE)
        {
          /* grow the largest free slot rather than adding one */
          for (guint k = 0; k < slot_size->len; k++)
            if (g_array_index (slot_free, gboolean, k)
                && (best == G_MAXSIZE || g_array_index (slot_size, gsize, k) > g_array_index (slot_size, gsize, best)))
              best = k;
          if (best == G_MAXSIZE)
            {
              gboolean f = FALSE;
              g_array_append_val (slot_size, size);
              g_array_append_val (slot_free, f);
              best = slot_size->len - 1;
            }
          g_array_index (slot_size, gsize, best) = size;
        }
      g_array_index (slot_free, gboolean, best) = FALSE;
      plan->slot_of[v] = best + 1;
      /* inputs whose last reader this is give their slot back (after the output took one) */
      guint in[CB_OP_MAX_INPUTS];
      guint n = step_data_inputs (plan, i, in);
      for (guint j = 0; j < n; j++)
        if (plan->slot_of[in[j]] != 0 && last_use[in[j]] == i)
          g_array_index (slot_free, gboolean, plan->slot_of[in[j]] - 1) = TRUE;
      /* a value no one reads (but still computed) frees at once */
      if (last_use[v] <= i)
        g_array_index (slot_free, gboolean, best) = TRUE;
    }
  plan->n_slots = slot_size->len;
  plan->slots = g_new0 (float *, MAX (plan->n_slots, 1));
  for (guint k = 0; k < plan->n_slots; k++)
    {
      gsize size = g_array_index (slot_size, gsize, k);
      plan->slots[k] = g_new0 (float, MAX (size, 1));
      plan->memory += size * 4;
    }
  return g_steal_pointer (&plan);
}

/* cb_cpu_pool_run(), or its jobs one after another on this thread (plan->serial) */
static void
pool_run (CbCpuPlan *plan, guint n_jobs, CbCpuJobFunc func, gpointer data)
{
  if (!plan->serial)
    {
      cb_cpu_pool_run (plan->pool, n_jobs, func, data);
      return;
    }
  for (guint j = 0; j < n_jobs; j++)
    func (data, j, 0);
}

/* ---- run: label maps ---- */

static void
prepare_labels (CbCpuPlan *plan)
{
  for (guint t = 0; t < plan->n_tables; t++)
    {
      TableCache *tc = &plan->tables[t];
      const float *data = plan->ptr[tc->value];
      if (tc->gen == 0 || memcmp (tc->copy, data, tc->n * sizeof (float)) != 0)
        {
          memcpy (tc->copy, data, tc->n * sizeof (float));
          tc->gen++;
        }
    }
  for (guint i = 0; i < plan->n_labels; i++)
    {
      LabelSrc *ls = &plan->labels[i];
      const float *rows = plan->ptr[ls->rows_value];
      guint rw = ls->w + 2;
      for (gsize k = 0; k < (gsize)(ls->h + 2) * rw; k++)
        ls->rowmap[k] = (gint32)ls->n_rows;
      memset (ls->present, 0, ls->n_rows);
      for (guint y = 0; y < ls->h; y++)
        {
          guint sy = cb_graph_nearest_index (y, ls->src_h, ls->h);
          for (guint x = 0; x < ls->w; x++)
            {
              float r = rows[(gsize)sy * ls->src_w + cb_graph_nearest_index (x, ls->src_w, ls->w)];
              /* as EMBED: anything outside [0, R) reads the last row */
              guint row = (r >= 0.0f && r < (float)ls->n_rows) ? (guint)r : ls->n_rows - 1;
              ls->rowmap[(gsize)(y + 1) * rw + x + 1] = (gint32)row;
              ls->present[row] = 1;
            }
        }
      ls->interior_done = FALSE;
    }
}

/* interior: the 5 x 5 neighbourhood is inside the image and one row, so
 * relu(mlp_shared) over the 3 x 3 neighbourhood and γ/β over that are the row's constants */
static void
label_interior (LabelSrc *ls)
{
  guint h = ls->h, w = ls->w, rw = w + 2;
  if (ls->interior_done)
    return;
  memset (ls->interior, 0, (gsize)h * w);
  memset (ls->present_interior, 0, ls->n_rows);
#define R(y, x) ls->rowmap[(gsize)((y) + 1) * rw + (x) + 1]
  /* horizontal runs first, in interior[] */
  for (guint y = 0; y < h; y++)
    for (guint x = 2; x + 2 < w; x++)
      {
        gint32 r = R (y, x);
        ls->interior[(gsize)y * w + x]
          = R (y, x - 2) == r && R (y, x - 1) == r && R (y, x + 1) == r && R (y, x + 2) == r;
      }
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        gboolean in = FALSE;
        if (y >= 2 && y + 2 < h && ls->interior[(gsize)y * w + x])
          {
            gint32 r = R (y, x);
            in = TRUE;
            for (int d = -2; d <= 2 && in; d++)
              in = R (y + d, x) == r && (ls->interior[(gsize)(y + d) * w + x] & 1);
          }
        /* bit 1: this pass's answer; bit 0 still the horizontal one for the rows below */
        ls->interior[(gsize)y * w + x] |= in ? 2 : 0;
      }
  for (gsize k = 0; k < (gsize)h * w; k++)
    ls->interior[k] >>= 1;
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      if (ls->interior[(gsize)y * w + x])
        ls->present_interior[R (y, x)] = 1;
#undef R
  ls->interior_done = TRUE;
}

/* gather tables of the rows in the map that are stale */
typedef struct
{
  CbCpuPlan *plan;
  Step *s;
  guint *rows;
  guint n_rows;
} RowsJob;

static void
gather_rows_job (gpointer data, guint job, guint thread)
{
  RowsJob *j = data;
  LabelSrc *ls = &j->plan->labels[j->s->label];
  TableCache *tc = &j->plan->tables[ls->table_cache];
  guint r = j->rows[job];
  cb_cpu_gather_set_row (&j->s->gt, r, tc->copy + (gsize)r * j->s->gt.cin);
}

static void
update_gather_tables (CbCpuPlan *plan, Step *s, const guint8 *want)
{
  LabelSrc *ls = &plan->labels[s->label];
  guint gen = plan->tables[ls->table_cache].gen;
  guint rows[ls->n_rows > 0 ? ls->n_rows : 1];
  RowsJob j = { plan, s, rows, 0 };
  for (guint r = 0; r < ls->n_rows; r++)
    if (want[r] && s->row_gen[r] != gen)
      {
        rows[j.n_rows++] = r;
        s->row_gen[r] = gen;
      }
  pool_run (plan, j.n_rows, gather_rows_job, &j);
}

/* ---- run: jobs ---- */

typedef struct
{
  CbCpuPlan *plan;
  Step *s;
  const float *in[CB_OP_MAX_INPUTS];
  float *out;
  guint n_jobs, per_job; /* per_job: channels, rows or tiles per job */
  guint n_chunks;        /* conv: tile chunks */
  Rect r;                /* the pixels to compute (incremental runs) */
  guint row0;            /* rows of a gather: from here */
} Job;

static guint
split (guint n, guint n_threads, guint min_per_job, guint *per_job)
{
  guint jobs = MIN (n, n_threads * 4);
  *per_job = MAX (min_per_job, (n + MAX (jobs, 1) - 1) / MAX (jobs, 1));
  return (n + *per_job - 1) / *per_job;
}

static void
pad_job (gpointer data, guint job, guint thread)
{
  Job *j = data;
  guint c0 = job * j->per_job, c1 = MIN (j->s->cw.cin, c0 + j->per_job);
  cb_cpu_pad_planes (&j->s->geom, j->in[0], c0, c1, j->plan->pad, j->s->op->act_in, j->s->op->slope);
}

static void
conv_job (gpointer data, guint job, guint thread)
{
  Job *j = data;
  const Step *s = j->s;
  guint chunk = job / s->cw.n_panels, panel = job % s->cw.n_panels;
  guint t0 = chunk * TILE_CHUNK, t1 = MIN (s->geom.n_tiles, t0 + TILE_CHUNK);
  cb_cpu_conv_tiles (&s->cw, &s->geom, j->plan->pad, panel, NULL, t0, t1, j->out, s->op->act, s->op->slope);
}

static void
conv_chunk_job (gpointer data, guint job, guint thread)
{
  Job *j = data;
  const Step *s = j->s;
  guint t0 = job * TILE_CHUNK, t1 = MIN (s->geom.n_tiles, t0 + TILE_CHUNK);
  cb_cpu_conv_chunk (&s->cw, &s->geom, j->plan->pad, NULL, t0, t1, j->out, s->op->act, s->op->slope,
                     j->plan->thread_pack[thread]);
}

static void
pad_bf16_job (gpointer data, guint job, guint thread)
{
  Job *j = data;
  guint p0 = job * j->per_job, p1 = MIN (j->s->cw16.n_pairs, p0 + j->per_job);
  cb_cpu_pad_pairs_bf16 (&j->s->geom, j->in[0], j->s->cw16.cin, p0, p1, (guint32 *)j->plan->pad, j->s->op->act_in,
                         j->s->op->slope);
}

static void
conv_bf16_job (gpointer data, guint job, guint thread)
{
  Job *j = data;
  const Step *s = j->s;
  guint chunk = job / s->cw16.n_panels, panel = job % s->cw16.n_panels;
  guint t0 = chunk * TILE_CHUNK, t1 = MIN (s->geom.n_tiles, t0 + TILE_CHUNK);
  cb_cpu_conv_bf16_tiles (&s->cw16, &s->geom, (const guint32 *)j->plan->pad, panel, t0, t1, j->out, s->op->act,
                          s->op->slope);
}

static void
conv_bf16_chunk_job (gpointer data, guint job, guint thread)
{
  Job *j = data;
  const Step *s = j->s;
  guint t0 = job * TILE_CHUNK, t1 = MIN (s->geom.n_tiles, t0 + TILE_CHUNK);
  cb_cpu_conv_bf16_chunk (&s->cw16, &s->geom, (const guint32 *)j->plan->pad, t0, t1, j->out, s->op->act, s->op->slope,
                          j->plan->thread_pack[thread]);
}

static void
run_conv (CbCpuPlan *plan, Step *s, const float *in, float *out)
{
  guint n_threads = cb_cpu_pool_get_n_threads (plan->pool);
  Job j = { .plan = plan, .s = s, .in = { in }, .out = out };
  if (s->bf16)
    {
      guint n = split (s->cw16.n_pairs, n_threads, 1, &j.per_job);
      cb_cpu_pool_run (plan->pool, n, pad_bf16_job, &j);
      guint chunks = (s->geom.n_tiles + TILE_CHUNK - 1) / TILE_CHUNK;
      if (s->chunked)
        cb_cpu_pool_run (plan->pool, chunks, conv_bf16_chunk_job, &j);
      else
        cb_cpu_pool_run (plan->pool, chunks * s->cw16.n_panels, conv_bf16_job, &j);
      return;
    }
  guint n = split (s->cw.cin, n_threads, 1, &j.per_job);
  cb_cpu_pool_run (plan->pool, n, pad_job, &j);
  guint chunks = (s->geom.n_tiles + TILE_CHUNK - 1) / TILE_CHUNK;
  if (s->chunked)
    cb_cpu_pool_run (plan->pool, chunks, conv_chunk_job, &j);
  else
    cb_cpu_pool_run (plan->pool, chunks * s->cw.n_panels, conv_job, &j);
}

static void
gather_job (gpointer data, guint job, guint thread)
{
  Job *j = data;
  const Step *s = j->s;
  const LabelSrc *ls = &j->plan->labels[s->label];
  guint y0 = j->row0 + job * j->per_job, y1 = MIN (j->r.y1, y0 + j->per_job);
  cb_cpu_gather_rows (&s->gt, ls->rowmap, ls->h, ls->w, y0, y1, j->out, (gsize)ls->h * ls->w, ls->w, 0, s->op->act,
                      s->op->slope, j->plan->thread_scratch[thread]);
}

/* rows r.y0 .. r.y1 of the output, whole (a gather is cheap per pixel) */
static void
run_gather (CbCpuPlan *plan, Step *s, Rect r, float *out)
{
  LabelSrc *ls = &plan->labels[s->label];
  update_gather_tables (plan, s, ls->present);
  Job j = { .plan = plan, .s = s, .out = out, .r = r, .row0 = r.y0 };
  guint n = split (r.y1 - r.y0, cb_cpu_pool_get_n_threads (plan->pool), 1, &j.per_job);
  pool_run (plan, n, gather_job, &j);
}

/* fused SPADE: a = relu(mlp_shared(seg)) on the rows the dense tiles read */
static void
spade_a_job (gpointer data, guint job, guint thread)
{
  Job *j = data;
  const Step *s = j->s;
  const LabelSrc *ls = &j->plan->labels[s->label];
  guint i0 = job * j->per_job, i1 = MIN (s->n_a_rows, i0 + j->per_job);
  for (guint i = i0; i < i1; i++)
    {
      guint y = s->a_rows[i];
      cb_cpu_gather_rows (&s->gt, ls->rowmap, ls->h, ls->w, y, y + 1, j->plan->pad, s->geom.plane, s->geom.wp, 1,
                          CB_ACT_RELU, 0.0f, j->plan->thread_scratch[thread]);
    }
}

static void
spade_gemm_job (gpointer data, guint job, guint thread)
{
  Job *j = data;
  const Step *s = j->s;
  guint n_groups = (s->n_bpix + CB_CPU_NR - 1) / CB_CPU_NR;
  guint g0 = job * GEMM_GROUPS, g1 = MIN (n_groups, g0 + GEMM_GROUPS);
  const gint32 *pix = s->bpix + (gsize)g0 * CB_CPU_NR;
  float *pack = j->plan->thread_pack[thread];
  cb_cpu_pack_pixels (&s->geom, j->plan->pad, s->hidden, pix, g1 - g0, pack);
  if (j->plan->options.bf16)
    {
      guint32 *pairs = (guint32 *)(pack + (gsize)s->hidden * 9 * CB_CPU_NR * GEMM_GROUPS);
      cb_cpu_pack_groups_bf16 (pack, s->hidden * 9, g1 - g0, pairs);
      for (guint panel = 0; panel < s->gb16.n_panels; panel++)
        cb_cpu_gemm_groups_bf16 (&s->gb16, pairs, g1 - g0, panel, pix, j->plan->gb, (gsize)s->geom.h * s->geom.w,
                                 CB_ACT_NONE, 0.0f);
      return;
    }
  for (guint panel = 0; panel < s->gb_cw.n_panels; panel++)
    cb_cpu_gemm_groups (&s->gb_cw, pack, g1 - g0, panel, pix, j->plan->gb, (gsize)s->geom.h * s->geom.w, CB_ACT_NONE,
                        0.0f);
}

static void
spade_norm_job (gpointer data, guint job, guint thread)
{
  Job *j = data;
  const Step *s = j->s;
  const LabelSrc *ls = &j->plan->labels[s->label];
  guint w = ls->w, c0 = job * j->per_job, c1 = MIN (s->c, c0 + j->per_job);
  gsize hw = (gsize)ls->h * w;
  const float *gb = j->plan->gb;
  Rect r = j->r;
  for (guint c = c0; c < c1; c++)
    {
      float m = s->mean[c], invstd = 1.0f / sqrtf (s->var[c] + s->op->eps);
      const float *x = j->in[0] + c * hw;
      float *o = j->out + c * hw;
      const float *gd = gb + c * hw, *bd = gb + (s->c + c) * hw;
      const float *gr = s->rowtab + c, *br = s->rowtab + s->c + c;
      for (guint y = r.y0; y < r.y1; y++)
        {
          gsize p = (gsize)y * w + r.x0;
          cb_cpu_spade_row (x + p, o + p, gd + p, bd + p, gr, br, ls->rowmap + (gsize)(y + 1) * (w + 2) + 1 + r.x0,
                            ls->interior + p, r.x1 - r.x0, s->gb_pad, m, invstd, s->op->act, s->op->slope);
        }
    }
}

/* the output's pixels in r (a whole pass: the whole image) */
static void
run_spade_fused (CbCpuPlan *plan, Step *s, Rect r, const float *x, float *out)
{
  LabelSrc *ls = &plan->labels[s->label];
  const CbCpuGeom *g = &s->geom;
  guint n_threads = cb_cpu_pool_get_n_threads (plan->pool);
  guint h = ls->h, w = ls->w, wp = g->wp;

  label_interior (ls);
  update_gather_tables (plan, s, ls->present);

  /* boundary pixels: not interior; a is read on their rows and the ones around */
  s->n_bpix = 0;
  memset (s->need_row, 0, h);
  for (guint y = r.y0; y < r.y1; y++)
    for (guint i = r.x0; i < r.x1; i++)
      if (!ls->interior[(gsize)y * w + i])
        {
          s->bpix[s->n_bpix++] = (gint32)((gsize)y * w + i);
          s->need_row[y] = 1;
          if (y > 0)
            s->need_row[y - 1] = 1;
          if (y + 1 < h)
            s->need_row[y + 1] = 1;
        }
  /* fill the last group with its last pixel (computed twice, same value) */
  guint n_groups = (s->n_bpix + CB_CPU_NR - 1) / CB_CPU_NR;
  for (guint k = s->n_bpix; k < n_groups * CB_CPU_NR; k++)
    s->bpix[k] = s->bpix[s->n_bpix - 1];
  s->n_a_rows = 0;
  for (guint y = 0; y < h; y++)
    if (s->need_row[y])
      s->a_rows[s->n_a_rows++] = y;

  /* a on those rows, in the padded layout the packing reads; borders zero */
  float *pad = plan->pad;
  for (guint c = 0; c < s->hidden; c++)
    {
      float *p = pad + (gsize)c * g->plane;
      memset (p, 0, sizeof (float) * wp);
      memset (p + (gsize)(h + 1) * wp, 0, sizeof (float) * wp);
      for (guint y = 1; y <= h; y++)
        p[(gsize)y * wp] = p[(gsize)y * wp + w + 1] = 0.0f;
    }
  Job j = { .plan = plan, .s = s, .in = { x }, .out = out, .r = r };
  guint n = split (s->n_a_rows, n_threads, 1, &j.per_job);
  pool_run (plan, n, spade_a_job, &j);

  /* [γ; β] at the boundary pixels */
  pool_run (plan, (n_groups + GEMM_GROUPS - 1) / GEMM_GROUPS, spade_gemm_job, &j);

  /* per-row constants of the rows with interior pixels */
  guint gen = plan->tables[ls->table_cache].gen;
  for (guint row = 0; row < ls->n_rows; row++)
    if (ls->present_interior[row] && s->rowtab_gen[row] != gen)
      {
        float *a = plan->hidden_vec;
        cb_cpu_gather_constant (&s->gt, row, a);
        for (guint i = 0; i < s->hidden; i++)
          a[i] = a[i] > 0.0f ? a[i] : 0.0f;
        cb_cpu_matvec (s->gb_wsum, s->gb_bias, a, s->hidden, s->gb_pad, s->rowtab + (gsize)row * s->gb_pad);
        s->rowtab_gen[row] = gen;
      }

  n = split (s->c, n_threads, 1, &j.per_job);
  pool_run (plan, n, spade_norm_job, &j);
}

/* ---- run: the plain ops, split over channels ---- */

static void
plain_job (gpointer data, guint job, guint thread)
{
  Job *j = data;
  const Step *s = j->s;
  const CbOp *op = s->op;
  const CbValue *ov = cb_graph_value (j->plan->graph, op->output);
  guint c0 = job * j->per_job, c1 = MIN (ov->c, c0 + j->per_job);
  gsize hw = (gsize)ov->h * ov->w;

  switch (s->kind)
    {
    case STEP_EMBED:
      {
        const CbValue *tv = cb_graph_value (j->plan->graph, op->inputs[1]);
        guint n_rows = tv->h, n_ch = tv->w;
        for (gsize p = 0; p < hw; p++)
          {
            float r = j->in[0][p];
            guint row = (r >= 0.0f && r < (float)n_rows) ? (guint)r : n_rows - 1;
            for (guint c = c0; c < c1; c++)
              j->out[c * hw + p] = j->in[1][(gsize)row * n_ch + c];
          }
      }
      break;
    case STEP_RESIZE:
      {
        const CbValue *iv = cb_graph_value (j->plan->graph, op->inputs[0]);
        for (guint c = c0; c < c1; c++)
          for (guint y = 0; y < ov->h; y++)
            {
              const float *src = j->in[0] + ((gsize)c * iv->h + s->sy[y]) * iv->w;
              float *dst = j->out + ((gsize)c * ov->h + y) * ov->w;
              for (guint x = 0; x < ov->w; x++)
                dst[x] = src[s->sx[x]];
            }
      }
      break;
    case STEP_SPADE:
      for (guint c = c0; c < c1; c++)
        {
          float m = j->in[3][c], invstd = 1.0f / sqrtf (j->in[4][c] + op->eps);
          for (gsize p = c * hw; p < (c + 1) * hw; p++)
            {
              float n = (j->in[0][p] - m) * invstd;
              j->out[p] = cb_activate (op->act, op->slope, n * (1.0f + j->in[1][p]) + j->in[2][p]);
            }
        }
      break;
    case STEP_ADD:
      for (gsize p = c0 * hw; p < c1 * hw; p++)
        j->out[p] = cb_activate (op->act, op->slope, j->in[0][p] + j->in[1][p]);
      break;
    case STEP_ACT:
      for (gsize p = c0 * hw; p < c1 * hw; p++)
        j->out[p] = cb_activate (op->act, op->slope, j->in[0][p]);
      break;
    case STEP_POOL:
      {
        /* the reference's order of summation, so the bits agree */
        guint iw = cb_graph_value (j->plan->graph, op->inputs[0])->w;
        gsize ihw = (gsize)cb_graph_value (j->plan->graph, op->inputs[0])->h * iw;
        for (guint c = c0; c < c1; c++)
          for (guint y = 0; y < ov->h; y++)
            {
              const float *r0 = j->in[0] + c * ihw + (gsize)2 * y * iw, *r1 = r0 + iw;
              float *dst = j->out + c * hw + (gsize)y * ov->w;
              for (guint x = 0; x < ov->w; x++)
                {
                  float sum = r0[2 * x];
                  sum += r0[2 * x + 1];
                  sum += r1[2 * x];
                  sum += r1[2 * x + 1];
                  dst[x] = cb_activate (op->act, op->slope, sum / 4.0f);
                }
            }
      }
      break;
    case STEP_CONCAT:
      {
        guint ca = cb_graph_value (j->plan->graph, op->inputs[0])->c;
        for (guint c = c0; c < c1; c++)
          {
            const float *src = c < ca ? j->in[0] + c * hw : j->in[1] + (c - ca) * hw;
            float *dst = j->out + c * hw;
            if (op->act == CB_ACT_NONE)
              memcpy (dst, src, hw * sizeof (float));
            else
              for (gsize p = 0; p < hw; p++)
                dst[p] = cb_activate (op->act, op->slope, src[p]);
          }
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

/* byte = floor(clamp((v + 1) / 2, 0, 1) * 255 + 0.5); NaN gives 0 (as the reference) */
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
rgba_job (gpointer data, guint job, guint thread)
{
  Job *j = data;
  const CbValue *ov = cb_graph_value (j->plan->graph, j->s->op->output);
  gsize hw = (gsize)ov->h * ov->w, p0 = (gsize)job * j->per_job * ov->w, p1 = MIN (hw, p0 + (gsize)j->per_job * ov->w);
  for (gsize p = p0; p < p1; p++)
    {
      guint32 px = to_byte (j->in[0][p]) | to_byte (j->in[0][hw + p]) << 8 | to_byte (j->in[0][2 * hw + p]) << 16
                   | (guint32)255 << 24;
      px = GUINT32_TO_LE (px);
      memcpy (&j->out[p], &px, sizeof px);
    }
}

/* ---- incremental runs: what changed, and the partial steps ---- */

static gboolean
rect_empty (Rect r)
{
  return r.x0 >= r.x1 || r.y0 >= r.y1;
}

static Rect
rect_full (const CbValue *v)
{
  return (Rect){ 0, 0, v->w, v->h };
}

static Rect
rect_union (Rect a, Rect b)
{
  if (rect_empty (a))
    return b;
  if (rect_empty (b))
    return a;
  return (Rect){ MIN (a.x0, b.x0), MIN (a.y0, b.y0), MAX (a.x1, b.x1), MAX (a.y1, b.y1) };
}

/* what a k x k convolution's output reads of a changed rectangle */
static Rect
rect_grow (Rect r, guint d, const CbValue *v)
{
  if (rect_empty (r))
    return r;
  return (Rect){ r.x0 > d ? r.x0 - d : 0, r.y0 > d ? r.y0 - d : 0, MIN (v->w, r.x1 + d), MIN (v->h, r.y1 + d) };
}

/* the output indices [o0, o1) whose nearest source index lies in [i0, i1) (the map is monotonic) */
static void
nearest_span (guint i0, guint i1, guint in_size, guint out_size, guint *o0, guint *o1)
{
  guint a = 0, b = out_size;
  while (a < out_size && cb_graph_nearest_index (a, in_size, out_size) < i0)
    a++;
  while (b > a && cb_graph_nearest_index (b - 1, in_size, out_size) >= i1)
    b--;
  *o0 = a;
  *o1 = b;
}

/* The pixels of op's output that differ from the last kept run, from its
 * inputs' (plan->dirty). Normalisation uses fixed (running) statistics, so
 * every op is local: a pixel depends on a bounded neighbourhood. */
static Rect
op_dirty (const CbCpuPlan *plan, const CbOp *op)
{
  const CbGraph *graph = plan->graph;
  const CbValue *out = cb_graph_value (graph, op->output);
  Rect r = { 0, 0, 0, 0 };

  switch (op->kind)
    {
    case CB_OP_EMBED:
      /* a changed table row may sit anywhere */
      return rect_empty (plan->dirty[op->inputs[1]]) ? plan->dirty[op->inputs[0]] : rect_full (out);
    case CB_OP_RESIZE_NEAREST:
      {
        const CbValue *in = cb_graph_value (graph, op->inputs[0]);
        Rect d = plan->dirty[op->inputs[0]];
        if (rect_empty (d))
          return d;
        nearest_span (d.x0, d.x1, in->w, out->w, &r.x0, &r.x1);
        nearest_span (d.y0, d.y1, in->h, out->h, &r.y0, &r.y1);
        return rect_empty (r) ? (Rect){ 0, 0, 0, 0 } : r;
      }
    case CB_OP_CONV2D:
      for (guint j = 1; j < op->n_inputs; j++)
        if (!rect_empty (plan->dirty[op->inputs[j]]))
          return rect_full (out);
      return rect_grow (plan->dirty[op->inputs[0]], op->kernel / 2, out);
    case CB_OP_AVG_POOL2:
      {
        Rect d = plan->dirty[op->inputs[0]];
        if (rect_empty (d))
          return d;
        return (Rect){ d.x0 / 2, d.y0 / 2, MIN (out->w, (d.x1 + 1) / 2), MIN (out->h, (d.y1 + 1) / 2) };
      }
    default:
      /* pointwise over inputs of the output's size; any other input changed: everything */
      for (guint j = 0; j < op->n_inputs; j++)
        {
          const CbValue *in = cb_graph_value (graph, op->inputs[j]);
          Rect d = plan->dirty[op->inputs[j]];
          if (in->h == out->h && in->w == out->w)
            r = rect_union (r, d);
          else if (!rect_empty (d))
            return rect_full (out);
        }
      return r;
    }
}

/* The bounding box (over channels) of where data differs from copy, c x h x w. */
static Rect
diff_rect (const float *data, const float *copy, guint c, guint h, guint w)
{
  Rect r = { w, h, 0, 0 };
  for (guint ch = 0; ch < c; ch++)
    for (guint y = 0; y < h; y++)
      {
        gsize p = ((gsize)ch * h + y) * w;
        if (memcmp (data + p, copy + p, sizeof (float) * w) == 0)
          continue;
        guint x0 = 0, x1 = w;
        /* bits, not values: a NaN or -0 that changed is a change */
        while (memcmp (&data[p + x0], &copy[p + x0], sizeof (float)) == 0)
          x0++;
        while (memcmp (&data[p + x1 - 1], &copy[p + x1 - 1], sizeof (float)) == 0)
          x1--;
        r = (Rect){ MIN (r.x0, x0), MIN (r.y0, y), MAX (r.x1, x1), MAX (r.y1, y + 1) };
      }
  return rect_empty (r) ? (Rect){ 0, 0, 0, 0 } : r;
}

/* the cells of a label map whose row differs from the last kept run's */
static Rect
rowmap_dirty (const LabelSrc *ls)
{
  Rect r = { ls->w, ls->h, 0, 0 };
  guint rw = ls->w + 2;
  for (guint y = 0; y < ls->h; y++)
    {
      const gint32 *a = ls->rowmap + (gsize)(y + 1) * rw + 1, *b = ls->kept_rowmap + (gsize)(y + 1) * rw + 1;
      if (memcmp (a, b, sizeof (gint32) * ls->w) == 0)
        continue;
      guint x0 = 0, x1 = ls->w;
      while (a[x0] == b[x0])
        x0++;
      while (a[x1 - 1] == b[x1 - 1])
        x1--;
      r = (Rect){ MIN (r.x0, x0), MIN (r.y0, y), MAX (r.x1, x1), MAX (r.y1, y + 1) };
    }
  return rect_empty (r) ? (Rect){ 0, 0, 0, 0 } : r;
}

static void
pad_rows_job (gpointer data, guint job, guint thread)
{
  Job *j = data;
  guint c0 = job * j->per_job, c1 = MIN (j->s->cw.cin, c0 + j->per_job);
  /* r: padded rows y0 .. y1 */
  cb_cpu_pad_rows (&j->s->geom, j->in[0], c0, c1, j->r.y0, j->r.y1, j->plan->pad, j->s->op->act_in, j->s->op->slope);
}

static void
conv_list_job (gpointer data, guint job, guint thread)
{
  Job *j = data;
  const Step *s = j->s;
  guint n_panels = s->chunked ? 1 : s->cw.n_panels, chunk = job / n_panels;
  guint i0 = chunk * TILE_CHUNK, i1 = MIN (j->n_chunks, i0 + TILE_CHUNK);
  if (s->chunked)
    cb_cpu_conv_chunk (&s->cw, &s->geom, j->plan->pad, j->plan->tiles, i0, i1, j->out, s->op->act, s->op->slope,
                       j->plan->thread_pack[thread]);
  else
    cb_cpu_conv_tiles (&s->cw, &s->geom, j->plan->pad, job % n_panels, j->plan->tiles, i0, i1, j->out, s->op->act,
                       s->op->slope);
}

/* The tiles that hold the output pixels in r, computed as a whole pass
 * computes them (the same tiles, the same kernel, so the same bits), in
 * jobs of as many tiles as a whole pass's (so each weight panel serves as
 * many), over a padded copy of only the input rows they read. */
static void
run_conv_rect (CbCpuPlan *plan, Step *s, Rect r, const float *in, float *out)
{
  const CbCpuGeom *g = &s->geom;
  guint n_threads = cb_cpu_pool_get_n_threads (plan->pool);
  guint n_tiles = 0;

  for (guint y = r.y0; y < r.y1; y++)
    {
      gsize qa = (gsize)(y + g->pad) * g->wp + r.x0 + g->pad, qb = qa + (r.x1 - r.x0) - 1;
      guint ta = (guint)((qa - g->q0) / CB_CPU_NR), tb = (guint)((qb - g->q0) / CB_CPU_NR) + 1;
      /* rows may share a tile (narrow images): the list stays increasing */
      if (n_tiles > 0 && ta <= plan->tiles[n_tiles - 1])
        ta = plan->tiles[n_tiles - 1] + 1;
      for (guint t = ta; t < tb; t++)
        plan->tiles[n_tiles++] = t;
    }
  if (n_tiles == 0)
    return;

  /* the padded rows the tiles read: their own and pad around */
  gsize q_first = g->q0 + (gsize)plan->tiles[0] * CB_CPU_NR;
  gsize q_last = g->q0 + (gsize)(plan->tiles[n_tiles - 1] + 1) * CB_CPU_NR - 1;
  guint r0 = (guint)(q_first / g->wp), r1 = (guint)(q_last / g->wp) + 1;
  Job j = { .plan = plan, .s = s, .in = { in }, .out = out, .n_chunks = n_tiles };
  j.r.y0 = r0 > g->pad ? r0 - g->pad : 0;
  j.r.y1 = MIN (g->hp, r1 + g->pad);
  guint n = split (s->cw.cin, n_threads, 1, &j.per_job);
  pool_run (plan, n, pad_rows_job, &j);
  guint chunks = (n_tiles + TILE_CHUNK - 1) / TILE_CHUNK;
  pool_run (plan, s->chunked ? chunks : chunks * s->cw.n_panels, conv_list_job, &j);
}

/* the plain ops at the pixels of j->r, split over channels */
static void
plain_rect_job (gpointer data, guint job, guint thread)
{
  Job *j = data;
  const Step *s = j->s;
  const CbOp *op = s->op;
  const CbValue *ov = cb_graph_value (j->plan->graph, op->output);
  guint c0 = job * j->per_job, c1 = MIN (ov->c, c0 + j->per_job);
  gsize hw = (gsize)ov->h * ov->w;
  Rect r = j->r;

  for (guint c = c0; c < c1; c++)
    for (guint y = r.y0; y < r.y1; y++)
      {
        gsize p0 = c * hw + (gsize)y * ov->w;
        float *o = j->out + p0;
        switch (s->kind)
          {
          case STEP_EMBED:
            {
              const CbValue *tv = cb_graph_value (j->plan->graph, op->inputs[1]);
              for (guint x = r.x0; x < r.x1; x++)
                {
                  float v = j->in[0][(gsize)y * ov->w + x];
                  guint row = (v >= 0.0f && v < (float)tv->h) ? (guint)v : tv->h - 1;
                  o[x] = j->in[1][(gsize)row * tv->w + c];
                }
            }
            break;
          case STEP_RESIZE:
            {
              const CbValue *iv = cb_graph_value (j->plan->graph, op->inputs[0]);
              const float *src = j->in[0] + ((gsize)c * iv->h + s->sy[y]) * iv->w;
              for (guint x = r.x0; x < r.x1; x++)
                o[x] = src[s->sx[x]];
            }
            break;
          case STEP_SPADE:
            {
              float m = j->in[3][c], invstd = 1.0f / sqrtf (j->in[4][c] + op->eps);
              for (guint x = r.x0; x < r.x1; x++)
                {
                  float n = (j->in[0][p0 + x] - m) * invstd;
                  o[x] = cb_activate (op->act, op->slope, n * (1.0f + j->in[1][p0 + x]) + j->in[2][p0 + x]);
                }
            }
            break;
          case STEP_ADD:
            for (guint x = r.x0; x < r.x1; x++)
              o[x] = cb_activate (op->act, op->slope, j->in[0][p0 + x] + j->in[1][p0 + x]);
            break;
          case STEP_ACT:
            for (guint x = r.x0; x < r.x1; x++)
              o[x] = cb_activate (op->act, op->slope, j->in[0][p0 + x]);
            break;
          default:
            g_assert_not_reached ();
          }
      }
}

gboolean
cb_cpu_plan_set_incremental (CbCpuPlan *plan, gboolean enable, GError **error)
{
  const CbGraph *graph = plan->graph;
  guint n_values = graph->values->len, n_ops = graph->ops->len;

  if (!enable || plan->incremental)
    {
      plan->incremental = enable;
      plan->kept_valid = FALSE;
      return TRUE;
    }
  if (plan->options.bf16)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED,
                   "Incremental runs need fp32 convolutions: unset CATBRUSH_CPU_PRECISION=bf16");
      return FALSE;
    }
  if (plan->kept == NULL)
    {
      gsize tiles = 1;
      plan->kept = g_new0 (float *, n_values);
      plan->dirty = g_new0 (Rect, n_values);
      plan->input_copy = g_new0 (float *, MAX (plan->n_inputs, 1));
      for (guint i = 0; i < n_ops; i++)
        {
          const Step *s = &plan->steps[i];
          const CbValue *v = cb_graph_value (graph, s->op->output);
          if (s->kind != STEP_SKIP && v->kind == CB_VALUE_TEMP && plan->kept[s->op->output] == NULL)
            {
              plan->kept[s->op->output] = g_new0 (float, MAX ((gsize)v->c * v->h * v->w, 1));
              plan->memory += (gsize)v->c * v->h * v->w * 4;
            }
          if (s->kind == STEP_CONV)
            tiles = MAX (tiles, s->geom.n_tiles);
        }
      for (guint i = 0; i < plan->n_inputs; i++)
        {
          const CbValue *v = cb_graph_value (graph, plan->input_order[i]);
          plan->input_copy[i] = g_new0 (float, MAX ((gsize)v->c * v->h * v->w, 1));
          plan->memory += (gsize)v->c * v->h * v->w * 4;
        }
      plan->tiles = g_new (guint, tiles);
      for (guint l = 0; l < plan->n_labels; l++)
        {
          LabelSrc *ls = &plan->labels[l];
          ls->kept_rowmap = g_new0 (gint32, (gsize)(ls->h + 2) * (ls->w + 2));
          plan->memory += (gsize)(ls->h + 2) * (ls->w + 2) * 4;
        }
    }
  plan->max_fraction = CB_CPU_INCREMENTAL_MAX;
  const char *env = g_getenv ("CATBRUSH_CPU_INCREMENTAL_MAX");
  if (env != NULL && *env != '\0')
    plan->max_fraction = g_ascii_strtod (env, NULL);
  plan->incremental = TRUE;
  plan->kept_valid = FALSE;
  return TRUE;
}

void
cb_cpu_plan_set_aside (CbCpuPlan *plan, gboolean aside)
{
  plan->aside = aside;
}

double
cb_cpu_plan_get_recomputed (const CbCpuPlan *plan)
{
  return plan->recomputed;
}

gboolean
cb_cpu_plan_run (CbCpuPlan *plan, CbTensor *const *inputs, guint n_inputs, CbTensor *output, GError **error)
{
  const CbGraph *graph = plan->graph;
  guint n_threads = cb_cpu_pool_get_n_threads (plan->pool);

  g_return_val_if_fail (plan != NULL && output != NULL, FALSE);
  if (n_inputs != plan->n_inputs)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "The graph takes %u inputs, %u given", plan->n_inputs, n_inputs);
      return FALSE;
    }
  const CbValue *ov = cb_graph_value (graph, graph->output);
  if (output->c != ov->c || output->h != ov->h || output->w != ov->w)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "The output tensor is %u×%u×%u, the graph makes %u×%u×%u",
                   output->c, output->h, output->w, ov->c, ov->h, ov->w);
      return FALSE;
    }
  for (guint i = 0; i < n_inputs; i++)
    {
      const CbValue *v = cb_graph_value (graph, plan->input_order[i]);
      if (inputs[i] == NULL || inputs[i]->c != v->c || inputs[i]->h != v->h || inputs[i]->w != v->w)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "Input “%s” is missing or not %u×%u×%u", v->name, v->c, v->h,
                       v->w);
          return FALSE;
        }
      plan->ptr[plan->input_order[i]] = inputs[i]->data;
    }
  /* kept: every value in its own buffer, kept for the next run; else the arena */
  gboolean kept = plan->incremental && !plan->aside;
  for (guint v = 0; v < graph->values->len; v++)
    {
      const CbValue *value = cb_graph_value (graph, v);
      if (value->kind == CB_VALUE_CONST)
        plan->ptr[v] = value->data;
      else if (kept && plan->kept[v] != NULL)
        plan->ptr[v] = plan->kept[v];
      else if (plan->slot_of[v] != 0)
        plan->ptr[v] = plan->slots[plan->slot_of[v] - 1];
    }
  gboolean output_given = kept || is_given (graph, graph->output);
  if (!output_given)
    plan->ptr[graph->output] = output->data;

  gint64 t0 = g_get_monotonic_time ();
  plan->serial = FALSE;
  prepare_labels (plan);

  /* what changed since the last kept run, from the inputs through the graph */
  gboolean partial = kept && plan->kept_valid;
  guint64 macs_all = 0, macs_done = 0;
  if (kept)
    {
      for (guint v = 0; v < graph->values->len; v++)
        plan->dirty[v] = (Rect){ 0, 0, 0, 0 };
      for (guint i = 0; i < n_inputs; i++)
        {
          const CbValue *v = cb_graph_value (graph, plan->input_order[i]);
          plan->dirty[plan->input_order[i]]
            = partial ? diff_rect (inputs[i]->data, plan->input_copy[i], v->c, v->h, v->w) : rect_full (v);
        }
      for (guint i = 0; i < graph->ops->len; i++)
        {
          guint v = cb_graph_op (graph, i)->output;
          plan->dirty[v] = op_dirty (plan, cb_graph_op (graph, i));
          /* a label map at a block's size: exactly the cells whose class changed
           * (a dab may cover none of a coarse grid's sample points) */
          for (guint l = 0; l < plan->n_labels && partial; l++)
            if (plan->labels[l].value == v && rect_empty (plan->dirty[plan->tables[plan->labels[l].table_cache].value]))
              plan->dirty[v] = rowmap_dirty (&plan->labels[l]);
        }
      /* a failed (cancelled) run leaves the kept values half new */
      plan->kept_valid = FALSE;
    }

  for (guint i = 0; i < graph->ops->len; i++)
    {
      Step *s = &plan->steps[i];
      const CbOp *op = s->op;
      Job j = { .plan = plan, .s = s, .out = plan->ptr[op->output] };
      for (guint k = 0; k < op->n_inputs; k++)
        j.in[k] = plan->ptr[op->inputs[k]];
      const CbValue *out = cb_graph_value (graph, op->output);
      guint n;

      if (plan->between_ops != NULL && !plan->between_ops (plan->between_ops_data, i, error))
        return FALSE;

      /* incremental: only what changed, where the step can; whole where it is most of it */
      Rect full = rect_full (out), r = full;
      guint64 macs = s->kind == STEP_SKIP ? 0 : cb_op_count_macs (graph, op) + s->folded_macs;
      macs_all += macs;
      if (partial && s->kind != STEP_SKIP)
        {
          r = plan->dirty[op->output];
          if (rect_empty (r))
            {
              plan->op_ms[i] = 0.0;
              t0 = g_get_monotonic_time ();
              continue;
            }
          gboolean can = s->kind == STEP_CONV || s->kind == STEP_GATHER || s->kind == STEP_SPADE_FUSED
                         || s->kind == STEP_EMBED || s->kind == STEP_RESIZE || s->kind == STEP_SPADE
                         || s->kind == STEP_ADD || s->kind == STEP_ACT;
          if (!can || (double)(r.x1 - r.x0) * (r.y1 - r.y0) > plan->max_fraction * full.x1 * full.y1)
            r = full;
        }
      double step_macs = (double)macs * (r.x1 - r.x0) * (r.y1 - r.y0) / ((double)full.x1 * full.y1);
      macs_done += (guint64)step_macs;
      gboolean whole = r.x0 == 0 && r.y0 == 0 && r.x1 == full.x1 && r.y1 == full.y1;
      plan->serial = partial && !whole && step_macs < SERIAL_MACS;

      switch (s->kind)
        {
        case STEP_SKIP:
          break;
        case STEP_CONV:
          if (whole)
            run_conv (plan, s, j.in[0], j.out);
          else
            run_conv_rect (plan, s, r, j.in[0], j.out);
          break;
        case STEP_GATHER:
          run_gather (plan, s, r, j.out);
          break;
        case STEP_SPADE_FUSED:
          run_spade_fused (plan, s, r, j.in[0], j.out);
          break;
        case STEP_RGBA:
          n = split (out->h, n_threads, 1, &j.per_job);
          cb_cpu_pool_run (plan->pool, n, rgba_job, &j);
          break;
        default:
          n = split (out->c, n_threads, 1, &j.per_job);
          j.r = r;
          pool_run (plan, n, whole ? plain_job : plain_rect_job, &j);
          break;
        }
      gint64 t1 = g_get_monotonic_time ();
      plan->op_ms[i] = (t1 - t0) / 1e3;
      t0 = t1;
    }
  plan->serial = FALSE;
  if (output_given)
    memcpy (output->data, plan->ptr[graph->output], cb_tensor_n_elements (output) * sizeof (float));
  if (kept)
    {
      for (guint i = 0; i < n_inputs; i++)
        memcpy (plan->input_copy[i], inputs[i]->data, cb_tensor_n_elements (inputs[i]) * sizeof (float));
      for (guint l = 0; l < plan->n_labels; l++)
        memcpy (plan->labels[l].kept_rowmap, plan->labels[l].rowmap,
                sizeof (gint32) * (plan->labels[l].h + 2) * (plan->labels[l].w + 2));
      plan->kept_valid = TRUE;
    }
  plan->recomputed = macs_all > 0 && kept ? (double)macs_done / macs_all : 1.0;
  return TRUE;
}

void
cb_cpu_plan_set_between_ops (CbCpuPlan *plan, CbCpuBetweenOpsFunc func, gpointer data)
{
  plan->between_ops = func;
  plan->between_ops_data = data;
}

const double *
cb_cpu_plan_get_op_ms (const CbCpuPlan *plan)
{
  return plan->op_ms;
}

guint64
cb_cpu_plan_get_memory (const CbCpuPlan *plan)
{
  return plan->memory;
}

guint
cb_cpu_plan_get_n_threads (const CbCpuPlan *plan)
{
  return cb_cpu_pool_get_n_threads (plan->pool);
}

void
cb_cpu_plan_get_stats (const CbCpuPlan *plan, guint *n_gathers, guint *n_fused_spades)
{
  if (n_gathers != NULL)
    *n_gathers = plan->n_gathers;
  if (n_fused_spades != NULL)
    *n_fused_spades = plan->n_fused;
}
