/* cb-cli-bench-op.c: catbrush-cli bench --op — one op timed on a backend
 *
 * An op is either synthetic, described on the command line
 * ("conv,k=3,cin=128,cout=128,size=64x64", "spade,c=128,size=64x64",
 * "gather,rows=152,cin=152,cout=128,size=64x64"), or named in a model's
 * graph ("body.0.conv_0"). Either becomes a small graph of its own that runs
 * through cb_backend_prepare() and cb_plan_run(), as the whole network does.
 * A named convolution that reads the embedded label map brings its embed
 * (and resize) ops along, so that it runs as the backend's gather, as it
 * does inside the network. training/bench_op.py times the same spec in
 * PyTorch (docs/PERFORMANCE.md, "Single ops").
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/cli/cb-cli.h"

#include "model/cb-error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define OP_SPEC_HELP                                                                                                   \
  "conv,k=K,cin=C,cout=C,size=WxH; spade,c=C,size=WxH; gather,rows=R,cin=C,cout=C,size=WxH; or an op's name in the "   \
  "model's graph (see the per-op table of catbrush-cli bench)"

static gboolean
spec_error (GError **error, const char *spec, const char *what)
{
  g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "--op “%s”: %s. It takes %s", spec, what, OP_SPEC_HELP);
  return FALSE;
}

static CbGraph *
graph_error (GError **error, const char *spec, const char *what)
{
  spec_error (error, spec, what);
  return NULL;
}

/* key=value pairs after the kind: k, cin, cout, c, rows (positive
 * integers) and size (WxH). Unknown keys are errors, missing ones stay 0. */
typedef struct
{
  guint k, cin, cout, c, rows, w, h;
} OpSpec;

static gboolean
parse_spec_args (const char *spec, char **fields, OpSpec *s, GError **error)
{
  memset (s, 0, sizeof *s);
  for (guint i = 1; fields[i] != NULL; i++)
    {
      g_auto (GStrv) kv = g_strsplit (fields[i], "=", 2);
      guint64 v, w, h;

      if (g_strv_length (kv) != 2)
        return spec_error (error, spec, "each field after the kind is key=value");
      if (strcmp (kv[0], "size") == 0)
        {
          g_auto (GStrv) wh = g_strsplit (kv[1], "x", 2);
          if (g_strv_length (wh) != 2 || !g_ascii_string_to_unsigned (wh[0], 10, 1, 16384, &w, NULL)
              || !g_ascii_string_to_unsigned (wh[1], 10, 1, 16384, &h, NULL))
            return spec_error (error, spec, "size is WxH, each 1 to 16384");
          s->w = (guint)w;
          s->h = (guint)h;
          continue;
        }
      if (!g_ascii_string_to_unsigned (kv[1], 10, 1, 65536, &v, NULL))
        {
          g_autofree char *what = g_strdup_printf ("%s must be an integer from 1 to 65536", kv[0]);
          return spec_error (error, spec, what);
        }
      if (strcmp (kv[0], "k") == 0)
        s->k = (guint)v;
      else if (strcmp (kv[0], "cin") == 0)
        s->cin = (guint)v;
      else if (strcmp (kv[0], "cout") == 0)
        s->cout = (guint)v;
      else if (strcmp (kv[0], "c") == 0)
        s->c = (guint)v;
      else if (strcmp (kv[0], "rows") == 0)
        s->rows = (guint)v;
      else
        {
          g_autofree char *what = g_strdup_printf ("unknown key “%s”", kv[0]);
          return spec_error (error, spec, what);
        }
    }
  if (s->w == 0)
    return spec_error (error, spec, "size=WxH is missing");
  return TRUE;
}

/* Weights as a trained network's are scaled (uniform ±1/√fan-in): values stay O(1). */
static float *
random_weights (GRand *rand, gsize n, guint fan_in)
{
  float *data = g_new (float, MAX (n, 1));
  double bound = 1.0 / sqrt ((double)MAX (fan_in, 1));

  for (gsize i = 0; i < n; i++)
    data[i] = (float)g_rand_double_range (rand, -bound, bound);
  return data;
}

static guint
add_conv (CbGraph *graph, GRand *rand, guint in, guint k, guint cin, guint cout, guint w, guint h)
{
  CbOp op;

  cb_op_init (&op, CB_OP_CONV2D, "conv");
  op.kernel = k;
  op.inputs[0] = in;
  op.inputs[1] = cb_graph_add_const (graph, "weight", 1, cout, cin * k * k,
                                     random_weights (rand, (gsize)cout * cin * k * k, cin * k * k));
  op.inputs[2] = cb_graph_add_const (graph, "bias", 1, 1, cout, random_weights (rand, cout, cin * k * k));
  op.n_inputs = 3;
  op.output = cb_graph_add_temp (graph, "out", cout, h, w);
  return cb_graph_add_op (graph, &op);
}

/* A synthetic op's graph; *canonical gets the spec written out in full. */
CbGraph *
cb_cli_op_graph_parse (const char *spec, char **canonical, GError **error)
{
  g_auto (GStrv) fields = g_strsplit (spec, ",", -1);
  g_autoptr (CbGraph) graph = cb_graph_new ();
  g_autoptr (GRand) rand = g_rand_new_with_seed (21);
  OpSpec s;

  if (!parse_spec_args (spec, fields, &s, error))
    return NULL;
  if (strcmp (fields[0], "conv") == 0)
    {
      if (s.k == 0)
        s.k = 3;
      if (s.k != 1 && s.k != 3)
        return graph_error (error, spec, "k is 1 or 3");
      if (s.cin == 0 || s.cout == 0 || s.c != 0 || s.rows != 0)
        return graph_error (error, spec, "conv takes k, cin, cout and size");
      guint in = cb_graph_add_input (graph, "x", s.cin, s.h, s.w);
      if (add_conv (graph, rand, in, s.k, s.cin, s.cout, s.w, s.h) == G_MAXUINT)
        return graph_error (error, spec, "the graph refused the shapes");
      *canonical = g_strdup_printf ("conv,k=%u,cin=%u,cout=%u,size=%ux%u", s.k, s.cin, s.cout, s.w, s.h);
    }
  else if (strcmp (fields[0], "spade") == 0)
    {
      CbOp op;
      float *var = g_new (float, s.c);

      if (s.c == 0 || s.k != 0 || s.cin != 0 || s.cout != 0 || s.rows != 0)
        {
          g_free (var);
          return graph_error (error, spec, "spade takes c and size");
        }
      /* running variances are positive: a normalisation scale of order 1 */
      for (guint i = 0; i < s.c; i++)
        var[i] = (float)g_rand_double_range (rand, 0.5, 2.0);
      cb_op_init (&op, CB_OP_SPADE_NORM, "spade");
      op.inputs[0] = cb_graph_add_input (graph, "x", s.c, s.h, s.w);
      op.inputs[1] = cb_graph_add_input (graph, "gamma", s.c, s.h, s.w);
      op.inputs[2] = cb_graph_add_input (graph, "beta", s.c, s.h, s.w);
      op.inputs[3] = cb_graph_add_const (graph, "mean", 1, 1, s.c, random_weights (rand, s.c, 1));
      op.inputs[4] = cb_graph_add_const (graph, "var", 1, 1, s.c, var);
      op.n_inputs = 5;
      op.output = cb_graph_add_temp (graph, "out", s.c, s.h, s.w);
      if (cb_graph_add_op (graph, &op) == G_MAXUINT)
        return graph_error (error, spec, "the graph refused the shapes");
      *canonical = g_strdup_printf ("spade,c=%u,size=%ux%u", s.c, s.w, s.h);
    }
  else if (strcmp (fields[0], "gather") == 0)
    {
      CbOp op;

      /* the network's pattern: the label map embedded by a table, then a 3×3 conv */
      if (s.rows == 0 || s.cin == 0 || s.cout == 0 || s.c != 0 || (s.k != 0 && s.k != 3))
        return graph_error (error, spec, "gather takes rows, cin, cout and size (a 3×3 conv)");
      cb_op_init (&op, CB_OP_EMBED, "embed");
      op.inputs[0] = cb_graph_add_input (graph, "rows", 1, s.h, s.w);
      op.inputs[1] = cb_graph_add_input (graph, "table", 1, s.rows, s.cin);
      op.n_inputs = 2;
      op.output = cb_graph_add_temp (graph, "embedded", s.cin, s.h, s.w);
      if (cb_graph_add_op (graph, &op) == G_MAXUINT
          || add_conv (graph, rand, op.output, 3, s.cin, s.cout, s.w, s.h) == G_MAXUINT)
        return graph_error (error, spec, "the graph refused the shapes");
      *canonical = g_strdup_printf ("gather,rows=%u,cin=%u,cout=%u,size=%ux%u", s.rows, s.cin, s.cout, s.w, s.h);
    }
  else
    return graph_error (error, spec, "unknown kind (conv, spade or gather)");
  return g_steal_pointer (&graph);
}

static guint
find_producer (const CbGraph *net, guint value)
{
  for (guint i = 0; i < net->ops->len; i++)
    if (cb_graph_op (net, i)->output == value)
      return i;
  return G_MAXUINT;
}

/* The op named name in net as a graph of its own: its constants copied,
 * its other inputs made inputs. *canonical: the synthetic spec of the same
 * shape, for training/bench_op.py. */
CbGraph *
cb_cli_op_graph_from (const CbGraph *net, const char *name, char **canonical, GError **error)
{
  g_autoptr (CbGraph) graph = cb_graph_new ();
  g_autofree guint *map = g_new (guint, net->values->len);
  guint chain[3], n_chain = 0, target = G_MAXUINT;

  for (guint i = 0; i < net->ops->len && target == G_MAXUINT; i++)
    if (g_strcmp0 (cb_graph_op (net, i)->name, name) == 0)
      target = i;
  if (target == G_MAXUINT)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID,
                   "--op “%s”: the model's graph has no op of that name. The per-op table of “catbrush-cli bench” "
                   "lists them; a synthetic op is written %s",
                   name, OP_SPEC_HELP);
      return NULL;
    }

  /* a 3×3 conv over the (resized) embedded label map runs as a gather: keep that pattern */
  const CbOp *t = cb_graph_op (net, target);
  guint embed = G_MAXUINT, resize = G_MAXUINT;
  if (t->kind == CB_OP_CONV2D)
    {
      guint p = find_producer (net, t->inputs[0]);
      if (p != G_MAXUINT && cb_graph_op (net, p)->kind == CB_OP_RESIZE_NEAREST)
        {
          resize = p;
          p = find_producer (net, cb_graph_op (net, p)->inputs[0]);
        }
      if (p != G_MAXUINT && cb_graph_op (net, p)->kind == CB_OP_EMBED)
        embed = p;
      else
        resize = G_MAXUINT;
    }
  if (embed != G_MAXUINT)
    chain[n_chain++] = embed;
  if (resize != G_MAXUINT)
    chain[n_chain++] = resize;
  chain[n_chain++] = target;

  for (guint v = 0; v < net->values->len; v++)
    map[v] = CB_NO_VALUE;
  for (guint c = 0; c < n_chain; c++)
    {
      CbOp op = *cb_graph_op (net, chain[c]);
      for (guint i = 0; i < op.n_inputs; i++)
        {
          guint id = op.inputs[i];
          if (id == CB_NO_VALUE)
            continue;
          if (map[id] == CB_NO_VALUE)
            {
              const CbValue *v = cb_graph_value (net, id);
              map[id] = v->kind == CB_VALUE_CONST
                          ? cb_graph_add_const (graph, v->name, v->c, v->h, v->w,
                                                g_memdup2 (v->data, (gsize)v->c * v->h * v->w * sizeof (float)))
                          : cb_graph_add_input (graph, v->name, v->c, v->h, v->w);
            }
          op.inputs[i] = map[id];
        }
      const CbValue *out = cb_graph_value (net, op.output);
      op.output = map[op.output] = cb_graph_add_temp (graph, out->name, out->c, out->h, out->w);
      if (cb_graph_add_op (graph, &op) == G_MAXUINT)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "--op “%s”: its shapes do not make a graph of their own",
                       name);
          return NULL;
        }
    }

  const CbValue *in = cb_graph_value (net, t->inputs[0]);
  const CbValue *out = cb_graph_value (net, t->output);
  if (t->kind == CB_OP_CONV2D && embed != G_MAXUINT)
    *canonical
      = g_strdup_printf ("gather,rows=%u,cin=%u,cout=%u,size=%ux%u",
                         cb_graph_value (net, cb_graph_op (net, embed)->inputs[1])->h, in->c, out->c, out->w, out->h);
  else if (t->kind == CB_OP_CONV2D)
    *canonical = g_strdup_printf ("conv,k=%u,cin=%u,cout=%u,size=%ux%u", t->kernel, in->c, out->c, out->w, out->h);
  else if (t->kind == CB_OP_SPADE_NORM)
    *canonical = g_strdup_printf ("spade,c=%u,size=%ux%u", out->c, out->w, out->h);
  else
    *canonical = g_strdup_printf ("%s,size=%ux%u", cb_op_kind_to_string (t->kind), out->w, out->h);
  return g_steal_pointer (&graph);
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* the value at fraction q of the sorted v, interpolated */
static double
quantile (const double *v, guint n, double q)
{
  double pos = q * (n - 1);
  guint lo = (guint)pos, hi = MIN (lo + 1, n - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

/* Inputs in value order: label rows as stripes over the table's rows (as
 * a painting), everything else uniform in [-1, 1]. */
static GPtrArray *
make_inputs (const CbGraph *graph)
{
  GPtrArray *inputs = g_ptr_array_new_with_free_func ((GDestroyNotify)cb_tensor_free);
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);

  for (guint v = 0; v < graph->values->len; v++)
    {
      const CbValue *val = cb_graph_value (graph, v);
      guint n_rows = 0;

      if (val->kind != CB_VALUE_INPUT)
        continue;
      for (guint i = 0; i < graph->ops->len; i++)
        {
          const CbOp *op = cb_graph_op (graph, i);
          if (op->kind == CB_OP_EMBED && op->inputs[0] == v)
            n_rows = cb_graph_value (graph, op->inputs[1])->h;
        }
      CbTensor *t = cb_tensor_new (val->c, val->h, val->w);
      for (gsize i = 0; i < cb_tensor_n_elements (t); i++)
        t->data[i] = n_rows > 0 ? (float)(((i % val->w + i / val->w) / 16) % n_rows)
                                : (float)g_rand_double_range (rand, -1.0, 1.0);
      g_ptr_array_add (inputs, t);
    }
  return inputs;
}

static const char *
backend_name (CbBackendKind kind)
{
  switch (kind)
    {
    case CB_BACKEND_VULKAN:
      return "vulkan";
    case CB_BACKEND_CPU:
      return "cpu";
    case CB_BACKEND_REFERENCE:
      return "reference";
    case CB_BACKEND_AUTO:
    default:
      return "auto";
    }
}

int
cb_cli_bench_op (const CbGraph *graph, const char *label, const char *canonical, CbBackendKind kind, const char *device,
                 int runs)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbBackend) backend = NULL;
  g_autoptr (CbPlan) plan = NULL;
  g_autoptr (GPtrArray) inputs = make_inputs (graph);
  const CbValue *out = cb_graph_value (graph, graph->output);
  g_autoptr (CbTensor) output = cb_tensor_new (out->c, out->h, out->w);
  g_autofree double *times = g_new (double, runs);
  guint64 macs = 0, bytes = 0;
  gboolean device_clock = TRUE;

  for (guint i = 0; i < graph->ops->len; i++)
    {
      const CbOp *op = cb_graph_op (graph, i);
      const CbValue *v = cb_graph_value (graph, op->output);
      macs += cb_op_count_macs (graph, op);
      bytes += cb_op_count_bytes (graph, op);
      /* the floor: a gather never writes the embedded map it stands for */
      if (op->output != graph->output)
        bytes -= 2 * sizeof (float) * v->c * v->h * v->w;
    }
  backend = cb_backend_new (kind, device, &error);
  if (backend == NULL)
    return cb_cli_fail (error);
  plan = cb_backend_prepare (backend, graph, &error);
  if (plan == NULL)
    return cb_cli_fail (error);
  cb_plan_set_profiling (plan, TRUE);

  /* one run first: first-touch of memory, the driver's lazy work */
  for (int r = -1; r < runs; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      if (!cb_plan_run (plan, (CbTensor *const *)inputs->pdata, inputs->len, output, &error))
        return cb_cli_fail (error);
      double wall = (g_get_monotonic_time () - t0) / 1e3, sum = 0;
      GArray *timings = cb_plan_get_timings (plan);
      for (guint i = 0; i < timings->len; i++)
        {
          double ms = g_array_index (timings, CbOpTiming, i).ms;
          if (ms < 0)
            device_clock = FALSE;
          sum += ms;
        }
      if (timings->len == 0)
        device_clock = FALSE;
      if (r >= 0)
        times[r] = device_clock ? sum : wall;
    }
  qsort (times, runs, sizeof (double), compare_double);
  double median = quantile (times, runs, 0.5);

  g_print ("Backend: %s\n", cb_backend_get_description (backend));
  g_print ("Clock:   %s; %d run%s after one untimed\n",
           device_clock ? "the backend's per-op times, summed over the op's graph"
                        : "wall clock around cb_plan_run (inputs and output copied too)",
           runs, runs == 1 ? "" : "s");
  g_print ("Ops:     %u (%.1f MMAC, %.2f MB moved at least)\n\n", graph->ops->len, macs / 1e6, bytes / 1e6);
  g_print ("%-28s %-46s %-14s %10s %10s %10s %9s %8s\n", "op", "shape", "backend", "median_ms", "q1_ms", "q3_ms",
           "GMAC/s", "GB/s");
  g_print ("%-28s %-46s %-14s %10.3f %10.3f %10.3f %9.2f %8.2f\n", label, canonical,
           backend_name (cb_backend_get_kind (backend)), median, quantile (times, runs, 0.25),
           quantile (times, runs, 0.75), median > 0 ? macs / 1e6 / median : 0.0,
           median > 0 ? bytes / 1e6 / median : 0.0);
  return CB_CLI_OK;
}
