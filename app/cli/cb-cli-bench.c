/* cb-cli-bench.c: catbrush-cli bench — time a generator forward pass, per op
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/cli/cb-cli.h"

#include "model/cb-error.h"
#include "model/cb-npy.h"
#include "model/cb-oasis.h"
#include "render/cb-synthetic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gboolean
parse_wxh (const char *text, guint *width, guint *height)
{
  guint64 w, h;
  g_auto (GStrv) parts = g_strsplit (text, "x", 2);

  if (g_strv_length (parts) != 2 || !g_ascii_string_to_unsigned (parts[0], 10, 1, 16384, &w, NULL)
      || !g_ascii_string_to_unsigned (parts[1], 10, 1, 16384, &h, NULL))
    return FALSE;
  *width = (guint)w;
  *height = (guint)h;
  return TRUE;
}

/* Diagonal stripes of every class, 16 pixels wide: piecewise constant like a painting. */
static CbTensor *
striped_rows (guint width, guint height, guint n_classes)
{
  CbTensor *rows = cb_tensor_new (1, height, width);

  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      rows->data[(gsize)y * width + x] = (float)(((x + y) / 16) % n_classes);
  return rows;
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double
median_of (double *v, guint n)
{
  qsort (v, n, sizeof (double), compare_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* the value at fraction q of the sorted v (nearest rank) */
static double
quantile (const double *v, guint n, double q)
{
  return v[MIN (n - 1, (guint)(q * (n - 1) + 0.5))];
}

/* --stroke R: dabs of radius R at random places, each followed by an
 * incremental run and, for comparison under the same load, a whole pass
 * (aside, so it leaves the kept activations alone). */
static int
bench_stroke (CbPlan *plan, CbTensor *rows, CbTensor *table, CbTensor *output, guint n_classes, int radius, int n_dabs,
              guint64 seed)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed ((guint32)seed);
  g_autofree double *incr = g_new (double, n_dabs);
  g_autofree double *full = g_new (double, n_dabs);
  g_autofree double *share = g_new (double, n_dabs);
  g_autofree double *ratio = g_new (double, n_dabs);
  CbTensor *inputs[2] = { rows, table };
  guint w = rows->w, h = rows->h;

  if (!cb_plan_set_incremental (plan, TRUE))
    {
      g_printerr ("bench: --stroke needs the CPU backend in fp32 (incremental runs); use --backend cpu and unset "
                  "CATBRUSH_CPU_PRECISION\n");
      return CB_CLI_USAGE;
    }
  /* the first run is whole: it fills what the plan keeps */
  if (!cb_plan_run (plan, inputs, 2, output, &error))
    return cb_cli_fail (error);
  /* what a run costs that has nothing to compute: comparing inputs, label maps */
  gint64 t_same = g_get_monotonic_time ();
  if (!cb_plan_run (plan, inputs, 2, output, &error))
    return cb_cli_fail (error);
  double same_ms = (g_get_monotonic_time () - t_same) / 1e3;
  for (int d = 0; d < n_dabs; d++)
    {
      int cx = g_rand_int_range (rand, 0, w), cy = g_rand_int_range (rand, 0, h);
      /* a class other than the one under the centre: the dab changes something */
      float under = rows->data[(gsize)cy * w + cx];
      float v = (float)g_rand_int_range (rand, 0, n_classes);
      if (v == under)
        v = (float)(((guint)v + 1) % n_classes);
      for (int y = MAX (0, cy - radius); y <= MIN ((int)h - 1, cy + radius); y++)
        for (int x = MAX (0, cx - radius); x <= MIN ((int)w - 1, cx + radius); x++)
          if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius)
            rows->data[(gsize)y * w + x] = v;

      gint64 t0 = g_get_monotonic_time ();
      if (!cb_plan_run (plan, inputs, 2, output, &error))
        return cb_cli_fail (error);
      incr[d] = (g_get_monotonic_time () - t0) / 1e3;
      share[d] = cb_plan_get_recomputed (plan);

      cb_plan_set_aside (plan, TRUE);
      t0 = g_get_monotonic_time ();
      gboolean ok = cb_plan_run (plan, inputs, 2, output, &error);
      full[d] = (g_get_monotonic_time () - t0) / 1e3;
      cb_plan_set_aside (plan, FALSE);
      if (!ok)
        return cb_cli_fail (error);
      /* paired: both runs of a dab met about the same load */
      ratio[d] = incr[d] / full[d];
    }
  double x = median_of (incr, n_dabs), y = median_of (full, n_dabs);
  qsort (share, n_dabs, sizeof (double), compare_double);
  qsort (ratio, n_dabs, sizeof (double), compare_double);
  g_print ("\nDabs:    %d of radius %d px at random places (seed %" G_GUINT64_FORMAT ")\n", n_dabs, radius, seed);
  g_print ("Times:   incremental min %.2f, q1 %.2f, median %.2f, q3 %.2f, max %.2f ms\n", incr[0],
           quantile (incr, n_dabs, 0.25), x, quantile (incr, n_dabs, 0.75), incr[n_dabs - 1]);
  g_print ("Dirty:   share of the MACs recomputed: min %.3f, q1 %.3f, median %.3f, q3 %.3f, max %.3f\n", share[0],
           quantile (share, n_dabs, 0.25), quantile (share, n_dabs, 0.5), quantile (share, n_dabs, 0.75),
           share[n_dabs - 1]);
  g_print ("Ratio:   per dab, incremental / whole pass right after it: q1 %.2f, median %.2f, q3 %.2f\n",
           quantile (ratio, n_dabs, 0.25), quantile (ratio, n_dabs, 0.5), quantile (ratio, n_dabs, 0.75));
  g_autofree char *mem = g_format_size_full (cb_plan_get_device_memory (plan), G_FORMAT_SIZE_IEC_UNITS);
  g_print ("Memory:  %s (the plan, with the kept activations)\n", mem);
  g_print ("Nothing: %.2f ms (a run with the same map)\n", same_ms);
  g_print ("stroke: %.2f ms (full: %.2f ms)\n", x, y);
  return CB_CLI_OK;
}

int
cb_cli_bench (int argc, char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *synthetic = NULL;
  g_autofree char *save_synthetic = NULL;
  g_autofree char *labels_path = NULL;
  g_autofree char *size_text = NULL;
  g_autofree char *backend_text = NULL;
  g_autofree char *device = NULL;
  g_autofree char *save_output = NULL;
  g_autofree char *op_spec = NULL;
  int runs = 3;
  int stroke = 0, dabs = 100;
  gboolean no_profile = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Model file (default: the bundled model)", "M" },
    { "synthetic", 0, 0, G_OPTION_ARG_STRING, &synthetic,
      "A random-weight model instead: ade20k (OASIS ADE20K shape) or camvid128", "NAME" },
    { "save-synthetic", 0, 0, G_OPTION_ARG_FILENAME, &save_synthetic,
      "With --synthetic: keep the model file at PATH (for training/bench_torch.py)", "PATH" },
    { "labels", 'l', 0, G_OPTION_ARG_FILENAME, &labels_path, "Label map PNG (default: synthetic stripes)", "L.png" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size_text, "Generate at this size instead of the native one", "WxH" },
    { "runs", 'n', 0, G_OPTION_ARG_INT, &runs, "Timed runs (default 3)", "N" },
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &backend_text, "auto, vulkan, cpu or reference", "B" },
    { "device", 'd', 0, G_OPTION_ARG_STRING, &device, "Vulkan device index or name", "D" },
    { "no-profile", 0, 0, G_OPTION_ARG_NONE, &no_profile, "No per-op timestamps (no serialised ops)", NULL },
    { "stroke", 0, 0, G_OPTION_ARG_INT, &stroke,
      "Paint dabs of radius R px at random places: incremental runs against whole passes (CPU backend)", "R" },
    { "dabs", 0, 0, G_OPTION_ARG_INT, &dabs, "With --stroke: how many dabs (default 100)", "N" },
    { "op", 0, 0, G_OPTION_ARG_STRING, &op_spec,
      "Time one op instead: conv,k=3,cin=C,cout=C,size=WxH; spade,c=C,size=WxH; gather,rows=R,cin=C,cout=C,size=WxH; "
      "or an op's name in the model's graph",
      "OP" },
    { "save-output", 0, 0, G_OPTION_ARG_FILENAME, &save_output,
      "Write the last run's image (3×H×W floats in [-1, 1]) to PATH.npy, to compare backends or precisions", "PATH" },
    { NULL },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (CbModel) model = NULL;
  g_autoptr (CbBackend) backend = NULL;
  g_autoptr (CbGraph) graph = NULL;
  g_autoptr (CbPlan) plan = NULL;
  g_autoptr (CbTensor) rows = NULL;
  g_autoptr (CbTensor) table = NULL;
  g_autoptr (CbTensor) output = NULL;
  g_autoptr (CbEmbedTable) embed = NULL;
  CbBackendKind kind;
  CbSeeds seeds = { .seed = 0 };
  guint n_classes;
  gint64 t0;

  if (!cb_cli_parse (&argc, &argv, "",
                     "Time the generator's forward pass: per-op device times, the median total and device memory.",
                     entries))
    return CB_CLI_USAGE;
  if (runs < 1)
    {
      g_printerr ("%s: --runs must be at least 1\n", argv[0]);
      return CB_CLI_USAGE;
    }
  if (stroke < 0 || dabs < 1)
    {
      g_printerr ("%s: --stroke must be at least 0 and --dabs at least 1\n", argv[0]);
      return CB_CLI_USAGE;
    }
  if (!cb_cli_parse_backend (backend_text, &kind, &error))
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      return CB_CLI_USAGE;
    }
  if (op_spec != NULL && strchr (op_spec, '=') != NULL)
    {
      /* a synthetic op needs no model */
      g_autofree char *canonical = NULL;
      g_autoptr (CbGraph) op_graph = NULL;
      if (model_path != NULL || synthetic != NULL || stroke > 0)
        {
          g_printerr ("%s: --op with a synthetic op takes no --model, --synthetic or --stroke\n", argv[0]);
          return CB_CLI_USAGE;
        }
      op_graph = cb_cli_op_graph_parse (op_spec, &canonical, &error);
      if (op_graph == NULL)
        {
          g_printerr ("%s: %s\n", argv[0], error->message);
          return CB_CLI_USAGE;
        }
      g_autofree char *op_kind = g_strndup (op_spec, strcspn (op_spec, ","));
      return cb_cli_bench_op (op_graph, op_kind, canonical, kind, device, runs);
    }

  /* the model */
  if (synthetic != NULL)
    {
      CbGeneratorConfig gen;
      if (model_path != NULL || !cb_synthetic_config (synthetic, &gen))
        {
          g_printerr ("%s: --synthetic takes “ade20k” or “camvid128” and no --model\n", argv[0]);
          return CB_CLI_USAGE;
        }
      t0 = g_get_monotonic_time ();
      model = save_synthetic != NULL ? cb_synthetic_model_new_file (&gen, 1, save_synthetic, &error)
                                     : cb_synthetic_model_new (&gen, 1, &error);
      if (model == NULL)
        return cb_cli_fail (error);
      g_print ("Model:   synthetic %s shape, random weights (made in %.1f s)\n", synthetic,
               (g_get_monotonic_time () - t0) / 1e6);
    }
  else
    {
      if (save_synthetic != NULL)
        {
          g_printerr ("%s: --save-synthetic needs --synthetic\n", argv[0]);
          return CB_CLI_USAGE;
        }
      model = cb_cli_load_model (model_path);
      if (model == NULL)
        return CB_CLI_ERROR;
      g_print ("Model:   %s\n", model->path);
    }
  if (size_text != NULL)
    {
      guint w, h, f = 1u << (model->gen.n_blocks - 1);
      if (!parse_wxh (size_text, &w, &h) || w % f != 0 || h % f != 0)
        {
          g_printerr ("%s: --size must be WxH with both multiples of %u for this model\n", argv[0], f);
          return CB_CLI_USAGE;
        }
      /* the graph is built for the model's native size: bench another one */
      model->gen.width = w;
      model->gen.height = h;
    }
  n_classes = cb_class_set_get_n_classes (model->classes);

  /* the graph and its inputs: identity first layer, one z for all classes */
  graph = cb_oasis_build_generator (model, n_classes + 1, &error);
  if (graph == NULL)
    return cb_cli_fail (error);
  embed = cb_embed_table_new (model, NULL, n_classes, &seeds);
  table = cb_tensor_new (1, embed->n_rows, embed->n_channels);
  memcpy (table->data, embed->table, sizeof (float) * embed->n_rows * embed->n_channels);
  if (labels_path != NULL)
    {
      /* a synthetic model's made-up colours match no real map: read ids only */
      g_autoptr (CbLabelMap) map = cb_label_map_load (labels_path, synthetic != NULL ? NULL : model->classes, &error);
      if (map == NULL)
        return cb_cli_fail (error);
      rows = cb_oasis_label_rows (model, map, model->classes);
    }
  else
    rows = striped_rows (model->gen.width, model->gen.height, n_classes);
  CbTensor *inputs[2] = { rows, table };
  output = cb_tensor_new (3, model->gen.height, model->gen.width);

  guint64 total_macs = 0;
  for (guint i = 0; i < graph->ops->len; i++)
    total_macs += cb_op_count_macs (graph, cb_graph_op (graph, i));
  g_print ("Size:    %u×%u, %.1f M parameters, %u ops, %.2f GMAC\n", model->gen.width, model->gen.height,
           cb_model_count_parameters (model, "G.") / 1e6, graph->ops->len, total_macs / 1e9);

  if (op_spec != NULL)
    {
      g_autofree char *canonical = NULL;
      g_autoptr (CbGraph) op_graph = cb_cli_op_graph_from (graph, op_spec, &canonical, &error);
      if (op_graph == NULL)
        {
          g_printerr ("%s: %s\n", argv[0], error->message);
          return CB_CLI_USAGE;
        }
      return cb_cli_bench_op (op_graph, op_spec, canonical, kind, device, runs);
    }

  backend = cb_backend_new (kind, device, &error);
  if (backend == NULL)
    return cb_cli_fail (error);
  g_print ("Backend: %s\n", cb_backend_get_description (backend));

  t0 = g_get_monotonic_time ();
  plan = cb_backend_prepare (backend, graph, &error);
  if (plan == NULL)
    return cb_cli_fail (error);
  g_print ("Prepare: %.2f s (constants upload, pipelines, recording)\n", (g_get_monotonic_time () - t0) / 1e6);
  if (stroke > 0)
    return bench_stroke (plan, rows, table, output, n_classes, stroke, dabs, 1);
  cb_plan_set_profiling (plan, !no_profile);

  g_autofree double *times = g_new (double, runs);
  for (int r = 0; r < runs; r++)
    {
      t0 = g_get_monotonic_time ();
      if (!cb_plan_run (plan, inputs, 2, output, &error))
        return cb_cli_fail (error);
      times[r] = (g_get_monotonic_time () - t0) / 1e3;
      g_printerr ("run %d: %.1f ms\n", r + 1, times[r]);
    }

  if (save_output != NULL)
    {
      const guint64 shape[] = { output->c, output->h, output->w };
      if (!cb_npy_save (save_output, 3, shape, output->data, &error))
        return cb_cli_fail (error);
    }

  GArray *timings = cb_plan_get_timings (plan);
  if (!no_profile && timings->len > 0)
    {
      double sum_ms = 0;
      guint64 total_bytes = 0;
      g_print ("\n%4s  %-34s %-15s %10s %9s %10s %9s\n", "#", "op", "kind", "MMAC", "MB", "ms", "GMAC/s");
      for (guint i = 0; i < timings->len; i++)
        {
          const CbOpTiming *t = &g_array_index (timings, CbOpTiming, i);
          total_bytes += t->bytes;
          if (t->ms >= 0)
            {
              sum_ms += t->ms;
              g_print ("%4u  %-34s %-15s %10.1f %9.2f %10.3f %9.2f\n", i, t->op_name, t->op_kind, t->macs / 1e6,
                       t->bytes / 1e6, t->ms, t->ms > 0 ? t->macs / 1e6 / t->ms : 0.0);
            }
          else
            g_print ("%4u  %-34s %-15s %10.1f %9.2f %10s %9s\n", i, t->op_name, t->op_kind, t->macs / 1e6,
                     t->bytes / 1e6, "-", "-");
        }
      if (sum_ms > 0)
        g_print ("      %-34s %-15s %10.1f %9.2f %10.3f %9.2f\n", "sum of ops", "", total_macs / 1e6, total_bytes / 1e6,
                 sum_ms, total_macs / 1e6 / sum_ms);
    }

  qsort (times, runs, sizeof (double), compare_double);
  double median = runs % 2 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
  g_autofree char *mem = g_format_size_full (cb_plan_get_device_memory (plan), G_FORMAT_SIZE_IEC_UNITS);
  g_print ("\nTotal:   median %.1f ms over %d run%s (min %.1f, max %.1f), %.2f GMAC/s%s\n", median, runs,
           runs == 1 ? "" : "s", times[0], times[runs - 1], total_macs / 1e6 / median,
           no_profile || cb_backend_get_kind (backend) != CB_BACKEND_VULKAN ? "" : " (profiled: ops serialised)");
  g_print ("Memory:  %s on the device\n", cb_plan_get_device_memory (plan) > 0 ? mem : "none");
  return CB_CLI_OK;
}
