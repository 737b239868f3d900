/* test-vk-ops.c: every op on Vulkan against the CPU reference (DESIGN §7)
 *
 * Runs on whatever Vulkan device is chosen (lavapipe in CI) with the
 * validation layer on (CATBRUSH_VK_VALIDATION=1 in the test environment):
 * any validation message makes prepare/run fail, so the test fails. Without
 * any Vulkan device every test is skipped with the reason.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-error.h"
#include "model/cb-graph.h"
#include "model/cb-oasis.h"
#include "model/cb-pth.h"
#include "render/cb-backend.h"
#include "render/cb-devices.h"
#include "tests/render/op-case.h"
#include "tests/test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define TOLERANCE 1e-4

static CbBackend *vulkan;
static double tolerance = TOLERANCE; /* the fp16 test loosens it */
static char *no_vulkan_reason;
static char *cache_dir;

static gboolean
need_vulkan (void)
{
  if (vulkan != NULL)
    return TRUE;
  g_test_skip (no_vulkan_reason);
  return FALSE;
}

/* graph's output on inputs from a plan of backend; prepare and run must succeed */
static CbTensor *
run_on (CbBackend *backend, const CbGraph *graph, CbTensor *const *inputs, guint n_inputs)
{
  g_autoptr (GError) error = NULL;
  const CbValue *outv = cb_graph_value (graph, graph->output);
  g_autoptr (CbPlan) plan = cb_backend_prepare (backend, graph, &error);
  g_assert_no_error (error);
  CbTensor *out = cb_tensor_new (outv->c, outv->h, outv->w);
  g_assert_true (cb_plan_run (plan, inputs, n_inputs, out, &error));
  g_assert_no_error (error);
  return out;
}

/* Runs the case on Vulkan and on the CPU reference (op-case.h) with the same
 * tensors; returns the two outputs. */
static void
run_op_case (OpCase *oc, CbTensor **out_vk, CbTensor **out_ref)
{
  CbTensor *run_inputs[CB_OP_MAX_INPUTS];
  guint n_run_inputs;
  g_autoptr (CbGraph) graph = op_case_build (oc, run_inputs, &n_run_inputs, out_ref);

  *out_vk = run_on (vulkan, graph, run_inputs, n_run_inputs);
}

static void
check_op_case (OpCase *oc, const char *what)
{
  g_autoptr (CbTensor) vk = NULL;
  g_autoptr (CbTensor) ref = NULL;

  run_op_case (oc, &vk, &ref);
  if (oc->op.kind == CB_OP_TO_RGBA8)
    /* packed bytes (often NaN patterns as floats): compare bits */
    g_assert_cmpmem (vk->data, cb_tensor_n_elements (vk) * 4, ref->data, cb_tensor_n_elements (ref) * 4);
  else
    {
      double err = cb_tensor_rel_error (vk, ref);
      if (!(err <= tolerance))
        g_error ("%s: relative error %g > %g", what, err, tolerance);
    }
  op_case_clear (oc);
}

/* shapes (c, h, w) with odd sizes and single channels */
static const guint shapes[][3] = {
  { 1, 1, 1 }, { 1, 7, 5 }, { 3, 13, 11 }, { 8, 8, 8 }, { 5, 1, 9 }, { 17, 6, 3 },
};

static void
test_embed (void)
{
  if (!need_vulkan ())
    return;
  op_cases_embed (shapes, G_N_ELEMENTS (shapes), check_op_case);
}

static void
test_resize (void)
{
  if (!need_vulkan ())
    return;
  op_cases_resize (check_op_case);
}

static void
test_conv_shapes (void)
{
  static const guint cases[][4] = {
    /* cin, cout, h, w */
    { 1, 1, 1, 1 }, { 1, 3, 7, 5 }, { 3, 1, 13, 11 }, { 5, 9, 7, 5 }, { 16, 17, 6, 9 }, { 2, 8, 1, 7 }, { 7, 4, 9, 1 },
  };

  if (!need_vulkan ())
    return;
  op_cases_conv_shapes (cases, G_N_ELEMENTS (cases), check_op_case);
}

static void
test_conv_activations (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (4);

  if (!need_vulkan ())
    return;
  for (int act_in = CB_ACT_NONE; act_in <= CB_ACT_TANH; act_in++)
    for (int act = CB_ACT_NONE; act <= CB_ACT_TANH; act++)
      op_case_check_conv (check_op_case, rand, 3, 5, 7, 5, act % 2 ? 3 : 1, TRUE, act_in, act,
                          act == CB_ACT_LEAKY_RELU ? 0.1f : 0.2f);
}

/* Every tile of conv2d_tiled.comp (render/cb-vk-plan.c picks it by shape):
 * 64x64 tiles (Cout > 32, big images), 32-channel tiles (Cout <= 32), 4-channel
 * tiles (Cout <= 8), the 16-pixel channel-split tiles of the start grid, each
 * with ragged edges in channels, pixels and k (Cin*k*k not a multiple of the
 * step), k = 1 and 3, every activation; then the same on the simple shader
 * (CATBRUSH_VK_CONV=simple), the fallback. */
static void
conv_tile_cases (guint seed)
{
  static const guint cases[][4] = {
    /* cin, cout, h, w */
    { 19, 65, 15, 20 }, /* 64x64 tiles: two channel tiles, 5 pixel tiles */
    { 7, 20, 17, 19 },  /* 32-channel tiles */
    { 33, 3, 16, 21 },  /* conv_img-like: 4-channel tiles */
    { 40, 70, 4, 4 },   /* 4x4 start grid: split over channels */
    { 1, 40, 8, 8 },    /* 8x8 start grid (channel split on GPUs), one input channel */
    { 24, 1, 5, 7 },    /* one output channel */
    { 5, 36, 3, 1 },    /* a column */
  };
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    for (guint k = 1; k <= 3; k += 2)
      op_case_check_conv (check_op_case, rand, cases[i][0], cases[i][1], cases[i][2], cases[i][3], k, (i + k) % 3 != 0,
                          (CbActivation)((i + k) % 4), (CbActivation)((i + 2 * k) % 4), 0.2f);
}

static void
test_conv_tiles (void)
{
  if (!need_vulkan ())
    return;
  conv_tile_cases (12);
}

static void
test_conv_simple (void)
{
  if (!need_vulkan ())
    return;
  /* read when a plan is made */
  g_setenv ("CATBRUSH_VK_CONV", "simple", TRUE);
  conv_tile_cases (13);
  g_unsetenv ("CATBRUSH_VK_CONV");
}

static void
test_spade_norm (void)
{
  if (!need_vulkan ())
    return;
  op_cases_spade_norm (shapes, G_N_ELEMENTS (shapes), check_op_case);
}

static void
test_add (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (6);

  if (!need_vulkan ())
    return;
  for (gsize s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      OpCase oc = { 0 };
      /* also a constant operand */
      op_case_add (&oc, rand, shapes[s][0], shapes[s][1], shapes[s][2], (CbActivation)(s % 4), s % 2 != 0);
      check_op_case (&oc, "add");
    }
}

static void
test_activation (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);

  if (!need_vulkan ())
    return;
  for (gsize s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (int act = CB_ACT_NONE; act <= CB_ACT_TANH; act++)
      {
        guint c = shapes[s][0], h = shapes[s][1], w = shapes[s][2];
        OpCase oc = { 0 };
        op_case_activation (&oc, rand, c, h, w, act, 0.01f * (float)(s + 1));
        if (c * h * w > 1)
          oc.in[0]->data[1] = 0.0f;
        check_op_case (&oc, "activation");
      }
}

static void
test_to_rgba8 (void)
{
  if (!need_vulkan ())
    return;
  op_cases_to_rgba8 (shapes, G_N_ELEMENTS (shapes), check_op_case);
}

/* a convolution with weights in ±0.3 and a small bias */
static guint
add_conv (CbGraph *g, GRand *rand, const char *name, guint in, guint cout, guint k, CbActivation act_in,
          CbActivation act)
{
  return graph_add_conv (g, rand, name, in, cout, k, 0.3, 0.1, act_in, act);
}

/* A small generator-like graph: embed, resizes, convs with fused
 * activations, SPADE, a residual add, ×2 upsampling, tanh. */
static CbGraph *
small_graph (GRand *rand, guint h, guint w, guint n_rows, guint n_ch)
{
  guint hidden = 6, c0 = 8, c1 = 5;
  guint h2 = h / 2, w2 = w / 2;
  guint seg_half;
  CbGraph *g = seg_graph_new (h, w, n_rows, n_ch, h2, w2, &seg_half);

  guint x = add_conv (g, rand, "fc", seg_half, c0, 3, CB_ACT_NONE, CB_ACT_NONE);
  guint shared = add_conv (g, rand, "mlp_shared", seg_half, hidden, 3, CB_ACT_NONE, CB_ACT_RELU);
  guint gamma = add_conv (g, rand, "mlp_gamma", shared, c0, 3, CB_ACT_NONE, CB_ACT_NONE);
  guint beta = add_conv (g, rand, "mlp_beta", shared, c0, 3, CB_ACT_NONE, CB_ACT_NONE);
  guint a0 = graph_add_spade_norm (g, rand, "norm_0", x, gamma, beta, CB_ACT_LEAKY_RELU, 0.5, 0.5, 2);

  guint dx = add_conv (g, rand, "conv_0", a0, c1, 3, CB_ACT_NONE, CB_ACT_NONE);
  guint xs = add_conv (g, rand, "conv_s", x, c1, 1, CB_ACT_NONE, CB_ACT_NONE);
  guint sum = graph_add_add (g, "body.0", xs, dx);
  guint up = graph_add_resize (g, "body.0.up", sum, h2 * 2, w2 * 2);

  g->output = add_conv (g, rand, "conv_img", up, 3, 3, CB_ACT_LEAKY_RELU, CB_ACT_TANH);
  return g;
}

static void
random_graph_inputs (GRand *rand, guint h, guint w, guint n_rows, guint n_ch, CbTensor **inputs)
{
  inputs[0] = cb_tensor_new (1, h, w);
  for (guint i = 0; i < h * w; i++)
    inputs[0]->data[i] = (float)((i / 3 + i / (w * 2)) % n_rows); /* stripes: piecewise constant */
  inputs[1] = random_tensor (rand, 1, n_rows, n_ch, -1, 1);
}

static void
test_graph (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (9);
  g_autoptr (GError) error = NULL;
  const guint h = 14, w = 10, n_rows = 4, n_ch = 7;
  CbTensor *inputs[2], *other[2];

  if (!need_vulkan ())
    return;
  g_autoptr (CbGraph) graph = small_graph (rand, h, w, n_rows, n_ch);
  random_graph_inputs (rand, h, w, n_rows, n_ch, inputs);
  random_graph_inputs (rand, h, w, n_rows, n_ch, other);

  g_autoptr (CbTensor) ref = run_reference (graph, inputs, 2);
  g_autoptr (CbPlan) plan = cb_backend_prepare (vulkan, graph, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cb_plan_get_device_memory (plan), >, 0);

  g_autoptr (CbTensor) first = cb_tensor_new (3, h, w);
  g_autoptr (CbTensor) again = cb_tensor_new (3, h, w);
  g_autoptr (CbTensor) between = cb_tensor_new (3, h, w);
  g_assert_true (cb_plan_run (plan, inputs, 2, first, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (cb_tensor_rel_error (first, ref), <=, TOLERANCE);

  /* replays give the same bits, also after a run on other inputs */
  g_assert_true (cb_plan_run (plan, other, 2, between, &error));
  g_assert_true (cb_plan_run (plan, inputs, 2, again, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (first->data, 3 * h * w * 4, again->data, 3 * h * w * 4);
  g_autoptr (CbTensor) ref_other = run_reference (graph, other, 2);
  g_assert_cmpfloat (cb_tensor_rel_error (between, ref_other), <=, TOLERANCE);

  /* profiling: one timing per op, the same result */
  cb_plan_set_profiling (plan, TRUE);
  g_assert_true (cb_plan_run (plan, inputs, 2, again, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (first->data, 3 * h * w * 4, again->data, 3 * h * w * 4);
  GArray *timings = cb_plan_get_timings (plan);
  g_assert_cmpuint (timings->len, ==, graph->ops->len);
  for (guint i = 0; i < timings->len; i++)
    {
      const CbOpTiming *t = &g_array_index (timings, CbOpTiming, i);
      g_assert_cmpstr (t->op_name, ==, cb_graph_op (graph, i)->name);
      g_assert_cmpfloat (t->ms, >=, 0.0);
    }
  cb_plan_set_profiling (plan, FALSE);
  g_assert_true (cb_plan_run (plan, inputs, 2, again, &error));
  g_assert_cmpmem (first->data, 3 * h * w * 4, again->data, 3 * h * w * 4);

  /* wrong shapes are errors, not crashes */
  g_autoptr (CbTensor) wrong = cb_tensor_new (3, h + 1, w);
  g_assert_false (cb_plan_run (plan, inputs, 2, wrong, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_MISMATCH);
  g_clear_error (&error);
  g_assert_false (cb_plan_run (plan, inputs, 1, again, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  for (guint i = 0; i < 2; i++)
    {
      cb_tensor_free (inputs[i]);
      cb_tensor_free (other[i]);
    }
}

/* The real generator builder on the tiny fixture model, with its inputs */
typedef struct
{
  CbGraph *graph;
  CbTensor *inputs[2]; /* rows, table */
} TinyGenerator;

static void
tiny_generator_clear (TinyGenerator *tg)
{
  g_clear_pointer (&tg->graph, cb_graph_free);
  for (guint i = 0; i < G_N_ELEMENTS (tg->inputs); i++)
    g_clear_pointer (&tg->inputs[i], cb_tensor_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TinyGenerator, tiny_generator_clear)

/* FALSE where the fixture is missing (the test skips). The table is seed's,
 * the rows stripes `stripe` pixels wide that take every class and void. */
static gboolean
tiny_generator_init (TinyGenerator *tg, guint64 seed, guint stripe)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbModel) model = load_tiny_model ();

  if (model == NULL)
    return FALSE;
  guint n_classes = cb_class_set_get_n_classes (model->classes), w = model->gen.width, h = model->gen.height;
  tg->graph = cb_oasis_build_generator (model, n_classes + 1, &error);
  g_assert_no_error (error);
  tg->inputs[0] = cb_tensor_new (1, h, w);
  for (guint i = 0; i < h * w; i++)
    tg->inputs[0]->data[i] = (float)((i / stripe + i / w) % (n_classes + 1));
  tg->inputs[1] = embed_table_tensor (model, n_classes, seed);
  return TRUE;
}

/* Vulkan vs reference */
static void
test_tiny_generator (void)
{
  g_auto (TinyGenerator) tg = { 0 };

  if (!need_vulkan () || !tiny_generator_init (&tg, 7, 5))
    return;
  g_autoptr (CbTensor) ref = run_reference (tg.graph, tg.inputs, 2);
  g_autoptr (CbTensor) out = run_on (vulkan, tg.graph, tg.inputs, 2);
  g_assert_cmpfloat (cb_tensor_rel_error (out, ref), <=, TOLERANCE);
}

/* fp16 storage (CATBRUSH_FP16=1, where the device has 16-bit storage):
 * every op on float16 values with float arithmetic; the tiny generator's
 * image within 1e-2 of the fp32 one, and the conv tiles within 1e-2 of the
 * reference. */
static void
test_fp16 (void)
{
  g_auto (TinyGenerator) tg = { 0 };

  if (!need_vulkan () || !tiny_generator_init (&tg, 3, 7))
    return;
  g_setenv ("CATBRUSH_FP16", "0", TRUE);
  g_autoptr (CbTensor) fp32 = run_on (vulkan, tg.graph, tg.inputs, 2);
  g_setenv ("CATBRUSH_FP16", "1", TRUE);
  g_autoptr (CbTensor) fp16 = run_on (vulkan, tg.graph, tg.inputs, 2);
  double err = cb_tensor_rel_error (fp16, fp32);
  g_test_message ("fp16 vs fp32 image: %g", err);
  g_assert_cmpfloat (err, <=, 1e-2);

  /* every tile and every other op in fp16, against the reference */
  tolerance = 1e-2;
  conv_tile_cases (14);
  test_embed ();
  test_resize ();
  test_spade_norm ();
  test_add ();
  test_activation ();
  tolerance = TOLERANCE;

  /* RGBA8 from float16 values: every byte within 1 of the reference's */
  g_autoptr (GRand) rand = g_rand_new_with_seed (15);
  OpCase oc = { 0 };
  g_autoptr (CbTensor) vk = NULL;
  g_autoptr (CbTensor) ref = NULL;
  cb_op_init (&oc.op, CB_OP_TO_RGBA8, "rgba");
  oc.op.n_inputs = 1;
  oc.in[0] = random_tensor (rand, 3, 7, 9, -1.5, 1.5);
  oc.is_input[0] = TRUE;
  oc.out_c = 1, oc.out_h = 7, oc.out_w = 9;
  run_op_case (&oc, &vk, &ref);
  const guint8 *a = (const guint8 *)vk->data, *b = (const guint8 *)ref->data;
  for (guint i = 0; i < 7 * 9 * 4; i++)
    g_assert_cmpint (ABS ((int)a[i] - (int)b[i]), <=, 1);
  op_case_clear (&oc);
  g_unsetenv ("CATBRUSH_FP16");
}

/* A model's generator at w x h (regions of every class and void, with
 * boundaries in both directions): Vulkan fp32 and fp16 against the CPU
 * backend, within the tolerances of docs/PERFORMANCE.md (fp16: gamma, beta
 * and the statistics stay fp32). */
static void
check_fp16_model (CbModel *model, guint w, guint h, const char *what)
{
  g_autoptr (GError) error = NULL;

  model->gen.width = w;
  model->gen.height = h;
  guint n_classes = cb_class_set_get_n_classes (model->classes);
  g_autoptr (CbGraph) graph = cb_oasis_build_generator (model, n_classes + 1, &error);
  g_assert_no_error (error);
  g_autoptr (CbTensor) table = embed_table_tensor (model, n_classes, 5);
  g_autoptr (CbTensor) rows = cb_tensor_new (1, h, w);
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      rows->data[y * w + x] = (float)((x / 11 + 3 * (y / 9)) % (n_classes + 1));
  CbTensor *inputs[2] = { rows, table };
  g_autoptr (CbTensor) fp32 = cb_tensor_new (3, h, w);
  g_autoptr (CbTensor) fp16 = cb_tensor_new (3, h, w);

  g_autoptr (CbBackend) cpu_backend = cb_backend_new (CB_BACKEND_CPU, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (CbTensor) cpu = run_on (cpu_backend, graph, inputs, 2);
  for (int half = 0; half <= 1; half++)
    {
      g_setenv ("CATBRUSH_FP16", half ? "1" : "0", TRUE);
      g_autoptr (CbPlan) plan = cb_backend_prepare (vulkan, graph, &error);
      g_assert_no_error (error);
      if (half && !cb_plan_is_fp16 (plan))
        {
          g_unsetenv ("CATBRUSH_FP16");
          g_test_skip ("the device has no 16-bit storage");
          return;
        }
      g_assert_cmpint (cb_plan_is_fp16 (plan), ==, half);
      g_assert_true (cb_plan_run (plan, inputs, 2, half ? fp16 : fp32, &error));
      g_assert_no_error (error);
    }
  g_unsetenv ("CATBRUSH_FP16");
  double e32 = cb_tensor_rel_error (fp32, cpu), e16 = cb_tensor_rel_error (fp16, cpu);
  double mean16 = 0;
  for (gsize i = 0; i < cb_tensor_n_elements (cpu); i++)
    mean16 += fabs (fp16->data[i] - cpu->data[i]);
  mean16 /= (double)cb_tensor_n_elements (cpu);
  g_test_message ("%s %ux%u: fp32 vs CPU %.3g, fp16 vs CPU %.3g (mean |diff| %.3g)", what, w, h, e32, e16, mean16);
  g_assert_cmpfloat (e32, <=, 1e-4);
  /* pixels are (y + 1) / 2: 1e-2 is 1.3/255 at worst, 1e-3 is 1/8 of 1/255 on average */
  g_assert_cmpfloat (e16, <=, 1e-2);
  g_assert_cmpfloat (mean16, <=, 1e-3);
}

/* The bundled model (its weights and batch-norm statistics) at 64x32, a
 * size its five up-samplings divide, to keep lavapipe short. */
static void
test_fp16_default_model (void)
{
  g_autoptr (GError) error = NULL;

  if (!need_vulkan ())
    return;
  g_autofree char *path = g_build_filename (g_getenv ("CB_SOURCE_DIR") ? g_getenv ("CB_SOURCE_DIR") : ".", "resources",
                                            "models", "default.safetensors", NULL);
  g_autoptr (CbModel) model = cb_model_load (path, &error);
  g_assert_no_error (error);
  check_fp16_model (model, 64, 32, "bundled model");
}

/* An ADE20K-shaped OASIS checkpoint in the official layout (151 label
 * channels, 6 blocks, z 64, small widths; PyTorch's random weights and
 * statistics: no trained one is at hand without a network), through the
 * importer of `catbrush-cli import-oasis`; skipped without python3-torch. */
static void
test_fp16_imported_ade20k (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *std_err = NULL;
  int status = 0;

  if (!need_vulkan ())
    return;
  g_autofree char *script = g_build_filename (g_getenv ("CB_SOURCE_DIR") ? g_getenv ("CB_SOURCE_DIR") : ".", "training",
                                              "make_pth_fixture.py", NULL);
  g_autofree char *dir = g_build_filename (cache_dir, "ade", NULL);
  const char *argv[] = { "/usr/bin/python3", script, "--ade20k", dir, NULL };
  if (!g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE)
      || !g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &std_err, &status,
                        NULL)
      || !g_spawn_check_wait_status (status, NULL))
    {
      g_test_skip_printf ("no ADE20K-shaped checkpoint (python3-torch): %s", std_err ? std_err : "");
      return;
    }
  g_autofree char *pth = g_build_filename (dir, "oasis-ade-EMA.pth", NULL);
  g_autofree char *out = g_build_filename (dir, "ade.safetensors", NULL);
  CbOasisImportOptions o;
  cb_oasis_import_options_init (&o);
  o.generator_path = pth;
  o.dataset = "ade20k";
  o.width = 64;
  o.height = 64;
  g_assert_true (cb_oasis_import (&o, out, &error));
  g_assert_no_error (error);
  g_autoptr (CbModel) model = cb_model_load (out, &error);
  g_assert_no_error (error);
  check_fp16_model (model, 64, 64, "imported ADE20K-shaped checkpoint");
}

/* A value fp16 plans keep in fp32 that another op also reads: no shader
 * takes that mix, so the plan runs in fp32, and right. */
static void
test_fp16_fallback (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (16);
  g_autoptr (GError) error = NULL;
  const guint c = 4, h = 5, w = 6;

  if (!need_vulkan ())
    return;
  g_autoptr (CbGraph) graph = cb_graph_new ();
  guint x = cb_graph_add_input (graph, "x", c, h, w);
  guint gamma = graph_add_conv (graph, rand, "gamma", x, c, 3, 0.3, 0, CB_ACT_NONE, CB_ACT_NONE);
  guint norm = graph_add_spade_norm (graph, rand, "norm", x, gamma, gamma, CB_ACT_NONE, 0.1, 0.5, 1.5);
  graph->output = graph_add_add (graph, "add", norm, gamma); /* reads gamma outside SPADE */

  g_autoptr (CbTensor) in = random_tensor (rand, c, h, w, -1, 1);
  CbTensor *inputs[1] = { in };
  g_autoptr (CbTensor) ref = run_reference (graph, inputs, 1);
  g_setenv ("CATBRUSH_FP16", "1", TRUE);
  g_autoptr (CbPlan) plan = cb_backend_prepare (vulkan, graph, &error);
  g_unsetenv ("CATBRUSH_FP16");
  g_assert_no_error (error);
  g_assert_false (cb_plan_is_fp16 (plan));
  g_autoptr (CbTensor) out = cb_tensor_new (c, h, w);
  g_assert_true (cb_plan_run (plan, inputs, 1, out, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (cb_tensor_rel_error (out, ref), <=, TOLERANCE);
}

static void
test_reference_backend (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (10);
  g_autoptr (GError) error = NULL;
  const guint h = 6, w = 4, n_rows = 3, n_ch = 5;
  CbTensor *inputs[2];

  g_autoptr (CbBackend) backend = cb_backend_new (CB_BACKEND_REFERENCE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cb_backend_get_kind (backend), ==, CB_BACKEND_REFERENCE);
  g_assert_true (cb_backend_is_cpu_device (backend));
  g_autoptr (CbGraph) graph = small_graph (rand, h, w, n_rows, n_ch);
  random_graph_inputs (rand, h, w, n_rows, n_ch, inputs);
  g_autoptr (CbTensor) ref = run_reference (graph, inputs, 2);
  g_autoptr (CbPlan) plan = cb_backend_prepare (backend, graph, &error);
  g_assert_no_error (error);
  g_autoptr (CbTensor) out = cb_tensor_new (3, h, w);
  cb_plan_set_profiling (plan, TRUE);
  g_assert_true (cb_plan_run (plan, inputs, 2, out, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out->data, 3 * h * w * 4, ref->data, 3 * h * w * 4);
  g_assert_cmpuint (cb_plan_get_timings (plan)->len, ==, graph->ops->len);
  cb_tensor_free (inputs[0]);
  cb_tensor_free (inputs[1]);
}

static void
test_devices (void)
{
  g_autoptr (GError) error = NULL;
  int chosen = -1;

  if (!need_vulkan ())
    return;
  g_assert_cmpint (cb_backend_get_kind (vulkan), ==, CB_BACKEND_VULKAN);
  g_assert_true (g_str_has_prefix (cb_backend_get_description (vulkan), "Vulkan · "));

  GArray *devices = cb_devices_list (NULL, &chosen, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (devices->len, >, 0);
  g_assert_cmpint (chosen, >=, 0);
  const CbDeviceInfo *info = &g_array_index (devices, CbDeviceInfo, chosen);
  g_assert_true (info->usable);
  g_assert_nonnull (strstr (cb_backend_get_description (vulkan), info->name));

  /* by index and by a name substring (any case) */
  g_autofree char *index = g_strdup_printf ("%d", chosen);
  g_autoptr (CbBackend) by_index = cb_backend_new (CB_BACKEND_VULKAN, index, &error);
  g_assert_no_error (error);
  g_autofree char *upper = g_utf8_strup (info->name, 4);
  g_autoptr (CbBackend) by_name = cb_backend_new (CB_BACKEND_VULKAN, upper, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cb_backend_get_description (by_name), ==, cb_backend_get_description (vulkan));

  /* a device that is not there is a clear error */
  g_assert_null (cb_backend_new (CB_BACKEND_VULKAN, "no such device 1234", &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_DEVICE);
  g_clear_error (&error);
  g_assert_null (cb_backend_new (CB_BACKEND_VULKAN, "999", &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_DEVICE);
  g_clear_error (&error);

  /* AUTO takes Vulkan on a discrete GPU; with only a CPU Vulkan device
   * (lavapipe), the CPU backend; an integrated GPU, the faster in a warm-up */
  g_autoptr (CbBackend) automatic = cb_backend_new (CB_BACKEND_AUTO, NULL, &error);
  g_assert_no_error (error);
  if (info->type == CB_DEVICE_CPU)
    g_assert_cmpint (cb_backend_get_kind (automatic), ==, CB_BACKEND_CPU);
  else if (info->type == CB_DEVICE_DISCRETE_GPU)
    g_assert_cmpint (cb_backend_get_kind (automatic), ==, CB_BACKEND_VULKAN);
  else if (cb_backend_get_kind (automatic) == CB_BACKEND_CPU)
    g_assert_nonnull (cb_backend_get_note (automatic));
  g_array_unref (devices);
}

#define CACHE_HEADER_SIZE 32 /* VkPipelineCacheHeaderVersionOne */

/* The cache a backend saves must be read back by the next one and used:
 * the file is for this device (header and UUID), its bytes are handed to the
 * driver whole, the driver's new cache holds them, and where the driver
 * reports creation feedback every pipeline of the same graph is a cache hit.
 * A cache for another device is refused (the check can fail). */
static void
test_pipeline_cache (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  CbPipelineCacheStats first, second, third;
  g_autofree char *path = NULL;
  g_autofree guint8 *data = NULL;
  gsize size = 0;
  CbTensor *inputs[2];

  if (!need_vulkan ())
    return;
  /* the process shares one VkDevice while any backend holds it: let go of the
   * suite's backend so that each one below opens and closes the device */
  g_clear_pointer (&vulkan, cb_backend_free);
  /* earlier tests saved a cache already: start without it */
  {
    g_autoptr (CbBackend) backend = cb_backend_new (CB_BACKEND_VULKAN, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (cb_backend_get_pipeline_cache_stats (backend, &first));
    g_assert_true (g_str_has_prefix (first.path, cache_dir));
    path = g_strdup (first.path);
  }
  g_remove (path);
  /* a fresh backend writes its cache when it has made pipelines */
  {
    g_autoptr (CbBackend) backend = cb_backend_new (CB_BACKEND_VULKAN, NULL, &error);
    g_assert_no_error (error);
    g_autoptr (CbGraph) graph = small_graph (rand, 4, 4, 2, 3);
    g_autoptr (CbPlan) plan = cb_backend_prepare (backend, graph, &error);
    g_assert_no_error (error);
    g_assert_true (cb_backend_get_pipeline_cache_stats (backend, &first));
    g_assert_cmpuint (first.read_bytes, ==, 0);
    g_assert_cmpuint (first.created, >, 0);
    g_assert_cmpuint (first.cache_hits, ==, 0);
  }
  g_assert_true (g_file_get_contents (path, (char **)&data, &size, &error));
  g_assert_no_error (error);
  /* VkPipelineCacheHeaderVersionOne: length, version, vendor, device, UUID */
  g_assert_cmpuint (size, >=, CACHE_HEADER_SIZE);
  {
    guint32 header[4];
    memcpy (header, data, sizeof header);
    g_assert_cmpuint (header[0], >=, CACHE_HEADER_SIZE);
    g_assert_cmpuint (header[1], ==, 1);
    g_test_message ("pipeline cache %s: %" G_GSIZE_FORMAT " bytes, vendor %04x device %04x", path, size, header[2],
                    header[3]);
  }
  /* the file is named by the device's pipelineCacheUUID; the header holds the same */
  {
    g_autofree char *base = g_path_get_basename (path);
    g_autoptr (GString) uuid = g_string_new (NULL);
    for (guint i = 0; i < 16; i++)
      g_string_append_printf (uuid, "%02x", data[16 + i]);
    g_string_append (uuid, ".bin");
    g_assert_true (g_str_has_suffix (base, uuid->str));
  }

  /* a second one starts from it, and still computes right */
  {
    g_autoptr (CbBackend) backend = cb_backend_new (CB_BACKEND_VULKAN, NULL, &error);
    g_assert_no_error (error);
    g_autoptr (CbGraph) graph = small_graph (rand, 4, 4, 2, 3);
    random_graph_inputs (rand, 4, 4, 2, 3, inputs);
    g_autoptr (CbPlan) plan = cb_backend_prepare (backend, graph, &error);
    g_assert_no_error (error);
    g_assert_true (cb_backend_get_pipeline_cache_stats (backend, &second));
    g_assert_cmpstr (second.path, ==, path);
    g_assert_cmpuint (second.read_bytes, ==, size);
    g_assert_cmpuint (second.initial_bytes, >=, CACHE_HEADER_SIZE);
    g_test_message ("read back %" G_GUINT64_FORMAT " bytes; the driver's cache then held %" G_GUINT64_FORMAT
                    "; %u pipelines, %u with feedback, %u cache hits",
                    second.read_bytes, second.initial_bytes, second.created, second.with_feedback, second.cache_hits);
    /* a driver that stores pipelines (more than the header) must keep them and
     * hit: every pipeline of this graph was made by the first backend.
     * Mesa 22.3's lavapipe stores the header only and reports no hits. */
    if (size > CACHE_HEADER_SIZE)
      {
        g_assert_cmpuint (second.initial_bytes, >=, size);
        if (second.with_feedback == second.created)
          g_assert_cmpuint (second.cache_hits, ==, second.created);
      }
    else
      g_test_message ("this driver's cache holds no pipelines: only reading back and acceptance are checked");
    g_autoptr (CbTensor) out = cb_tensor_new (3, 4, 4);
    g_assert_true (cb_plan_run (plan, inputs, 2, out, &error));
    g_autoptr (CbTensor) ref = run_reference (graph, inputs, 2);
    g_assert_cmpfloat (cb_tensor_rel_error (out, ref), <=, TOLERANCE);
    cb_tensor_free (inputs[0]);
    cb_tensor_free (inputs[1]);
  }

  /* the same file with another cache UUID is not given to the driver */
  data[16] ^= 0xff;
  g_assert_true (g_file_set_contents (path, (const char *)data, (gssize)size, &error));
  {
    g_autoptr (CbBackend) backend = cb_backend_new (CB_BACKEND_VULKAN, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (cb_backend_get_pipeline_cache_stats (backend, &third));
    g_assert_cmpuint (third.read_bytes, ==, 0);
  }
  vulkan = cb_backend_new (CB_BACKEND_VULKAN, NULL, &error);
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  int status;

  cache_dir = cb_test_private_cache_dir_new ();
  g_test_init (&argc, &argv, NULL);

  vulkan = cb_test_vulkan_or_reason (&no_vulkan_reason);
  if (vulkan == NULL)
    g_printerr ("%s\n", no_vulkan_reason);
  else
    g_printerr ("# device: %s\n", cb_backend_get_description (vulkan));

  g_test_add_func ("/render/vk/embed", test_embed);
  g_test_add_func ("/render/vk/resize-nearest", test_resize);
  g_test_add_func ("/render/vk/conv2d/shapes", test_conv_shapes);
  g_test_add_func ("/render/vk/conv2d/activations", test_conv_activations);
  g_test_add_func ("/render/vk/conv2d/tiles", test_conv_tiles);
  g_test_add_func ("/render/vk/conv2d/simple", test_conv_simple);
  g_test_add_func ("/render/vk/spade-norm", test_spade_norm);
  g_test_add_func ("/render/vk/add", test_add);
  g_test_add_func ("/render/vk/activation", test_activation);
  g_test_add_func ("/render/vk/to-rgba8", test_to_rgba8);
  g_test_add_func ("/render/vk/graph", test_graph);
  g_test_add_func ("/render/vk/tiny-generator", test_tiny_generator);
  g_test_add_func ("/render/vk/fp16", test_fp16);
  g_test_add_func ("/render/vk/fp16/default-model", test_fp16_default_model);
  g_test_add_func ("/render/vk/fp16/imported-ade20k", test_fp16_imported_ade20k);
  g_test_add_func ("/render/vk/fp16/fallback", test_fp16_fallback);
  g_test_add_func ("/render/vk/devices", test_devices);
  g_test_add_func ("/render/vk/pipeline-cache", test_pipeline_cache);
  g_test_add_func ("/render/reference-backend", test_reference_backend);
  status = g_test_run ();

  cb_backend_free (vulkan);
  g_free (no_vulkan_reason);
  cb_test_remove_tree (cache_dir);
  g_free (cache_dir);
  return status;
}
