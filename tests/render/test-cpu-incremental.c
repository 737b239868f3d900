/* test-cpu-incremental.c: incremental runs of the CPU backend against whole passes
 *
 * Random dabs and strokes (anywhere, over the borders too, any radius) on
 * a label map; after each, an incremental plan's output must equal a whole
 * pass's to the bit (memcmp of the floats). Run once per kernel set
 * (CATBRUSH_CPU_ISA, as cpu-ops); a set the CPU lacks skips (77).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-cpu-backend.h"
#include "render/cb-generator.h"
#include "render/cb-synthetic.h"
#include "tests/render/render-test-util.h"

/* a painting: a few rectangles of classes, so that there are regions of one class and boundaries */
static void
paint_blocks (GRand *rand, CbTensor *rows, guint n_rows)
{
  guint w = rows->w, h = rows->h;
  for (gsize i = 0; i < (gsize)w * h; i++)
    rows->data[i] = 0.0f;
  for (guint k = 0; k < 6; k++)
    {
      guint x0 = g_rand_int_range (rand, 0, w), y0 = g_rand_int_range (rand, 0, h);
      guint x1 = g_rand_int_range (rand, x0 + 1, w + 1), y1 = g_rand_int_range (rand, y0 + 1, h + 1);
      float v = (float)g_rand_int_range (rand, 0, n_rows);
      for (guint y = y0; y < y1; y++)
        for (guint x = x0; x < x1; x++)
          rows->data[(gsize)y * w + x] = v;
    }
}

/* a disc of radius r around (cx, cy), which may lie outside the map */
static void
dab (CbTensor *rows, int cx, int cy, int r, float v)
{
  for (int y = MAX (0, cy - r); y <= MIN ((int)rows->h - 1, cy + r); y++)
    for (int x = MAX (0, cx - r); x <= MIN ((int)rows->w - 1, cx + r); x++)
      if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
        rows->data[(gsize)y * rows->w + x] = v;
}

/* Two plans of graph on n_threads: *incr incremental, *full whole passes */
static void
plan_pair (const CbGraph *graph, guint n_threads, CbCpuPlan **incr, CbCpuPlan **full)
{
  g_autoptr (GError) error = NULL;
  CbCpuOptions options = { .n_threads = n_threads };

  *incr = cb_cpu_plan_new (graph, &options, &error);
  g_assert_no_error (error);
  *full = cb_cpu_plan_new (graph, &options, &error);
  g_assert_no_error (error);
  g_assert_true (cb_cpu_plan_set_incremental (*incr, TRUE, &error));
  g_assert_no_error (error);
}

static void
run_pair (CbCpuPlan *incr, CbCpuPlan *full, CbTensor **inputs, guint n_inputs, const char *what, guint event)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbTensor) a = cb_tensor_new (3, inputs[0]->h, inputs[0]->w);
  g_autoptr (CbTensor) b = cb_tensor_new (3, inputs[0]->h, inputs[0]->w);
  g_assert_true (cb_cpu_plan_run (incr, inputs, n_inputs, a, &error));
  g_assert_no_error (error);
  g_assert_true (cb_cpu_plan_run (full, inputs, n_inputs, b, &error));
  g_assert_no_error (error);
  if (memcmp (a->data, b->data, cb_tensor_n_elements (a) * sizeof (float)) != 0)
    {
      gsize n = cb_tensor_n_elements (a), first = 0, count = 0;
      for (gsize i = n; i-- > 0;)
        if (memcmp (&a->data[i], &b->data[i], sizeof (float)) != 0)
          {
            first = i;
            count++;
          }
      g_error ("%s, event %u: %" G_GSIZE_FORMAT " floats differ from a whole pass, the first at %" G_GSIZE_FORMAT
               " (c %" G_GSIZE_FORMAT ", y %" G_GSIZE_FORMAT ", x %" G_GSIZE_FORMAT "): %.9g vs %.9g",
               what, event, count, first, first / ((gsize)a->h * a->w), first / a->w % a->h, first % a->w,
               (double)a->data[first], (double)b->data[first]);
    }
}

/* n_events dabs, strokes, unchanged maps, table changes and aside runs */
static void
check_model (CbModel *model, guint n_threads, guint n_events, guint64 seed, const char *what)
{
  g_autoptr (GError) error = NULL;
  guint n_classes = cb_class_set_get_n_classes (model->classes), n_rows = n_classes + 1;
  g_autoptr (CbGraph) graph = cb_oasis_build_generator (model, n_rows, &error);
  g_assert_no_error (error);
  g_autoptr (CbCpuPlan) incr = NULL;
  g_autoptr (CbCpuPlan) full = NULL;
  plan_pair (graph, n_threads, &incr, &full);

  g_autoptr (GRand) rand = g_rand_new_with_seed ((guint32)seed);
  guint w = model->gen.width, h = model->gen.height;
  g_autoptr (CbTensor) table = embed_table_tensor (model, n_classes, 3);
  g_autoptr (CbTensor) table2 = embed_table_tensor (model, n_classes, 4);
  g_autoptr (CbTensor) rows = cb_tensor_new (1, h, w);
  paint_blocks (rand, rows, n_rows);
  CbTensor *inputs[] = { rows, table };

  run_pair (incr, full, inputs, 2, what, 0);
  g_assert_cmpfloat (cb_cpu_plan_get_recomputed (incr), ==, 1.0);
  guint n_partial = 0;
  for (guint e = 1; e <= n_events; e++)
    {
      guint kind = g_rand_int_range (rand, 0, 10);
      float v = (float)g_rand_int_range (rand, 0, n_rows);
      int r = g_rand_int_range (rand, 0, MAX (w, h) / 3 + 1);
      /* centres up to r outside the map: dabs that only clip a border */
      int cx = g_rand_int_range (rand, -r, (int)w + r), cy = g_rand_int_range (rand, -r, (int)h + r);
      if (kind < 5)
        dab (rows, cx, cy, r, v);
      else if (kind < 8)
        {
          /* a stroke: dabs along a line, one run per dab as when painting */
          int ex = g_rand_int_range (rand, -r, (int)w + r), ey = g_rand_int_range (rand, -r, (int)h + r);
          for (guint k = 0; k <= 4; k++)
            {
              dab (rows, cx + (ex - cx) * (int)k / 4, cy + (ey - cy) * (int)k / 4, r, v);
              run_pair (incr, full, inputs, 2, what, e);
              n_partial += cb_cpu_plan_get_recomputed (incr) < 1.0;
            }
          continue;
        }
      else if (kind == 8)
        {
          /* a variation aside, then the same map again: nothing to compute */
          g_autoptr (CbTensor) out = cb_tensor_new (3, h, w);
          CbTensor *other_inputs[] = { rows, table2 };
          cb_cpu_plan_set_aside (incr, TRUE);
          g_assert_true (cb_cpu_plan_run (incr, other_inputs, 2, out, &error));
          g_assert_no_error (error);
          cb_cpu_plan_set_aside (incr, FALSE);
          run_pair (incr, full, inputs, 2, what, e);
          g_assert_cmpfloat (cb_cpu_plan_get_recomputed (incr), ==, 0.0);
          continue;
        }
      else
        {
          /* other seeds: everything changes, then back */
          inputs[1] = table2;
          run_pair (incr, full, inputs, 2, what, e);
          g_assert_cmpfloat (cb_cpu_plan_get_recomputed (incr), ==, 1.0);
          inputs[1] = table;
        }
      run_pair (incr, full, inputs, 2, what, e);
      n_partial += cb_cpu_plan_get_recomputed (incr) < 1.0;
    }
  g_test_message ("%s: %u of the runs partial", what, n_partial);
  /* the test must exercise partial runs, not only whole ones */
  g_assert_cmpuint (n_partial, >, n_events / 4);
}

static void
test_tiny (void)
{
  g_autoptr (CbModel) model = load_tiny_model ();

  if (model == NULL)
    return;
  check_model (model, 1, 40, 1, "tiny, 1 thread");
  check_model (model, 2, 40, 2, "tiny, 2 threads");
}

/* three blocks and wider layers: chunked convolutions (more than CB_CPU_KB
 * input channels, enough tiles) and 1 x 1 shortcuts */
static void
test_wider (void)
{
  g_autoptr (GError) error = NULL;
  CbGeneratorConfig gen = { .n_blocks = 3,
                            .channels = { 40, 40, 36, 16 },
                            .z_dim = 8,
                            .semantic_nc = 5,
                            .dontcare_channel = 4,
                            .spade_hidden = 16,
                            .width = 64,
                            .height = 48,
                            .bn_eps = 1e-5f };
  g_autoptr (CbModel) model = cb_synthetic_model_new (&gen, 5, &error);
  g_assert_no_error (error);
  /* the portable kernels are 30x slower: fewer events keep the test short */
  gboolean slow = cb_cpu_isa_level () == CB_CPU_ISA_PORTABLE;
  check_model (model, 1, slow ? 4 : 10, 3, "wider, 1 thread");
  /* partial steps large enough to be split over threads (SERIAL_MACS) */
  check_model (model, 2, slow ? 4 : 6, 4, "wider, 2 threads");
}

/* The graph with a spatial noise input: a change of the noise in a
 * rectangle is as local as one of the labels. */
static void
test_noise_map (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbModel) model = load_tiny_model ();

  if (model == NULL)
    return;
  guint n_classes = cb_class_set_get_n_classes (model->classes), w = model->gen.width, h = model->gen.height;
  guint z = model->gen.z_dim;
  g_autoptr (CbGraph) graph = cb_oasis_build_generator_with_noise_map (model, n_classes + 1, &error);
  g_assert_no_error (error);
  g_autoptr (CbCpuPlan) incr = NULL;
  g_autoptr (CbCpuPlan) full = NULL;
  plan_pair (graph, 2, &incr, &full);

  g_autoptr (GRand) rand = g_rand_new_with_seed (8);
  g_autofree float *z_map = g_new (float, (gsize)z *w *h);
  for (gsize i = 0; i < (gsize)z * w * h; i++)
    z_map[i] = (float)g_rand_double_range (rand, -1.0, 1.0);
  g_autoptr (CbTensor) table = embed_table_tensor (model, n_classes, 1);
  /* the noise comes from the map, not the table */
  for (guint r = 0; r < table->h; r++)
    memset (&table->data[(gsize)r * table->w], 0, sizeof (float) * z);
  g_autoptr (CbTensor) rows = cb_tensor_new (1, h, w);
  paint_blocks (rand, rows, n_classes + 1);

  guint n_partial = 0;
  for (guint e = 0; e < 20; e++)
    {
      guint x0 = g_rand_int_range (rand, 0, w), y0 = g_rand_int_range (rand, 0, h);
      guint x1 = MIN (w, x0 + g_rand_int_range (rand, 1, 5)), y1 = MIN (h, y0 + g_rand_int_range (rand, 1, 5));
      guint c = g_rand_int_range (rand, 0, z);
      for (guint y = y0; y < y1; y++)
        for (guint x = x0; x < x1; x++)
          z_map[((gsize)c * h + y) * w + x] = (float)g_rand_double_range (rand, -1.0, 1.0);
      if (e % 3 == 0)
        dab (rows, g_rand_int_range (rand, 0, w), g_rand_int_range (rand, 0, h), 2,
             (float)g_rand_int_range (rand, 0, n_classes));
      g_autoptr (CbTensor) noise = cb_oasis_noise_input (model, z_map);
      CbTensor *inputs[] = { rows, table, noise };
      run_pair (incr, full, inputs, 3, "noise map", e);
      n_partial += cb_cpu_plan_get_recomputed (incr) < 1.0;
    }
  g_assert_cmpuint (n_partial, >, 10);
}

/* Through the generator, as the app's worker uses it: incremental images
 * equal a plain generator's; a variation run aside keeps the next image incremental. */
static void
test_generator (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbModel) model = load_tiny_model ();

  if (model == NULL)
    return;
  g_autoptr (CbBackend) backend = cb_backend_new (CB_BACKEND_CPU, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (CbGenerator) incr = cb_generator_new (model, backend, &error);
  g_assert_no_error (error);
  g_autoptr (CbGenerator) plain = cb_generator_new (model, backend, &error);
  g_assert_no_error (error);
  cb_generator_set_incremental (incr, TRUE);

  /* twice the native size: the generator resizes the map first */
  guint w = model->gen.width * 2, h = model->gen.height * 2;
  g_autoptr (CbLabelMap) map = cb_label_map_new (w, h);
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      map->ids[(gsize)y * w + x] = x < w / 2 ? 0 : 2;
  CbSeeds seeds = { .seed = 9 }, other = { .seed = 10 };
  g_autoptr (GRand) rand = g_rand_new_with_seed (4);
  for (guint e = 0; e < 12; e++)
    {
      int cx = g_rand_int_range (rand, 0, w), cy = g_rand_int_range (rand, 0, h), r = g_rand_int_range (rand, 1, 6);
      guint8 id = (guint8)g_rand_int_range (rand, 0, 3);
      for (int y = MAX (0, cy - r); y <= MIN ((int)h - 1, cy + r); y++)
        for (int x = MAX (0, cx - r); x <= MIN ((int)w - 1, cx + r); x++)
          map->ids[(gsize)y * w + x] = id;
      g_autoptr (CbTensor) a = cb_generator_run_tensor (incr, map, &seeds, &error);
      g_assert_no_error (error);
      double recomputed = cb_generator_get_recomputed (incr);
      g_autoptr (CbTensor) b = cb_generator_run_tensor (plain, map, &seeds, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (a->data, cb_tensor_n_elements (a) * sizeof (float), b->data,
                       cb_tensor_n_elements (b) * sizeof (float));
      if (e > 0)
        g_assert_cmpfloat (recomputed, <, 1.0);
      /* a variation between two images of the painting */
      g_autoptr (CbImage) variation = cb_generator_run_aside (incr, map, &other, &error);
      g_assert_no_error (error);
      g_autoptr (CbImage) expected = cb_generator_run (plain, map, &other, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (variation->rgb, (gsize)w / 2 * h / 2 * 3, expected->rgb, (gsize)w / 2 * h / 2 * 3);
    }
  /* the same map and seeds again: nothing to compute */
  g_autoptr (CbTensor) again = cb_generator_run_tensor (incr, map, &seeds, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (cb_generator_get_recomputed (incr), ==, 0.0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!cpu_isa_wanted_available ())
    return 77;
  g_test_add_func ("/cpu/incremental/tiny", test_tiny);
  g_test_add_func ("/cpu/incremental/wider", test_wider);
  g_test_add_func ("/cpu/incremental/noise-map", test_noise_map);
  g_test_add_func ("/cpu/incremental/generator", test_generator);
  return g_test_run ();
}
