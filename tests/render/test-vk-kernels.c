/* test-vk-kernels.c: the Vulkan kernel variants of issue 21, each against
 * its reference twin (model/cb-reference.c) on random inputs, odd sizes and
 * edges, in fp32 and fp16 storage, each asserting through
 * cb_vk_plan_count_variant() that the variant really ran (and that its
 * switch turns it off):
 *
 * - SPADE fused into the next convolution (CATBRUSH_VK_NO_FUSE)
 * - split-K + splitk_reduce.comp (CATBRUSH_VK_NO_SPLIT_K; forced with
 *   CATBRUSH_VK_SPLIT_K=N, since lavapipe's 2 threads never need it) and the
 *   choice of the split for a GPU
 * - gather_table_sg.comp (CATBRUSH_VK_NO_SUBGROUPS; forced with
 *   CATBRUSH_VK_SUBGROUPS=1, since CPU devices do not use it by default;
 *   skipped, saying so, on a device without subgroup arithmetic)
 * - double-buffered tiles and vec4 weight loads (CATBRUSH_VK_NO_DOUBLE_BUFFER,
 *   CATBRUSH_VK_NO_VEC4): also bit-identical to the plain tiles, since
 *   neither changes the order of the sum
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "tests/render/render-test-util.h"

static CbVkDevice *dev;
static char *no_device; /* why the tests skip, where dev is NULL */

#define TOL_F32 1e-4
#define TOL_F16 1e-2

/* a convolution with weights as at initialisation */
static guint
add_conv (CbGraph *graph, GRand *rand, const char *name, guint in, guint cout, guint k, gboolean bias, CbActivation act)
{
  double range = conv_init_range (cb_graph_value (graph, in)->c, k);

  return graph_add_conv (graph, rand, name, in, cout, k, range, bias ? 0.5 : 0, CB_ACT_NONE, act);
}

/* x (cin x h x w, an input) -> conv, and a random x in ±1 for it */
static CbGraph *
conv_graph (GRand *rand, guint cin, guint h, guint w, guint cout, guint k, gboolean bias, CbActivation act,
            CbTensor **x)
{
  CbGraph *graph = cb_graph_new ();

  add_conv (graph, rand, "conv", cb_graph_add_input (graph, "x", cin, h, w), cout, k, bias, act);
  *x = random_tensor (rand, cin, h, w, -1, 1);
  return graph;
}

/* Runs graph on Vulkan under the given environment (NULL-terminated
 * name/value pairs, set only while the plan is made), twice (the second run
 * replays over what the first left, and must give the same bits), checks
 * the variant count and the error against ref; returns the output. */
static CbTensor *
run_vk (const CbGraph *graph, CbTensor *const *inputs, guint n_inputs, const CbTensor *ref, double tolerance,
        CbVkVariant variant, guint expect, const char *what, const char *const *env)
{
  g_autoptr (GError) error = NULL;
  const CbValue *outv = cb_graph_value (graph, graph->output);
  CbTensor *out = cb_tensor_new (outv->c, outv->h, outv->w);

  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    g_setenv (env[i], env[i + 1], TRUE);
  CbVkPlan *plan = cb_vk_plan_new (dev, graph, &error);
  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    g_unsetenv (env[i]);
  g_assert_no_error (error);
  g_autoptr (CbTensor) first = cb_tensor_new (outv->c, outv->h, outv->w);
  gsize bytes = cb_tensor_n_elements (out) * sizeof (float);
  for (guint r = 0; r < 2; r++)
    {
      g_assert_true (cb_vk_plan_run (plan, inputs, n_inputs, r == 0 ? first : out, &error));
      g_assert_no_error (error);
    }
  /* a fixed order of summation (split-K too): the same bits every run */
  g_assert_cmpmem (first->data, bytes, out->data, bytes);
  double err = cb_tensor_rel_error (out, ref);
  g_test_message ("%s%s: variant ran in %u op(s), error %.3g", what, cb_vk_plan_is_fp16 (plan) ? " (fp16)" : "",
                  cb_vk_plan_count_variant (plan, variant), err);
  g_assert_cmpuint (cb_vk_plan_count_variant (plan, variant), ==, expect);
  g_assert_cmpfloat (err, <=, tolerance);
  cb_vk_plan_free (plan);
  return out;
}

static gboolean
have_device (void)
{
  if (dev == NULL)
    g_test_skip (no_device);
  return dev != NULL;
}

/* Case i of a test at a tolerance */
typedef void (*KernelCase) (guint i, double tolerance);

/* Every case in fp32, then in fp16 storage where the device has it */
static void
each_precision (guint n_cases, KernelCase run_case)
{
  for (guint pass = 0; pass < 2; pass++)
    {
      if (pass == 1 && !dev->fp16_storage)
        {
          g_test_message ("no 16-bit storage on this device: fp32 only");
          break;
        }
      g_setenv ("CATBRUSH_FP16", pass == 0 ? "0" : "1", TRUE);
      for (guint i = 0; i < n_cases; i++)
        run_case (i, pass == 0 ? TOL_F32 : TOL_F16);
    }
  g_unsetenv ("CATBRUSH_FP16");
}

/* ----------------------------------------------------------- fused SPADE */

typedef struct
{
  guint c, h, w, cout, k;
  CbActivation norm_act;
  gboolean also_read; /* the normalised map is read by another op too: no fusion */
  gboolean split;     /* and split-K (forced) on the fused convolution */
} FuseCase;

/* x, gamma, beta (inputs) -> spade_norm -> conv [-> add of the norm] */
static CbGraph *
spade_conv_graph (GRand *rand, const FuseCase *fc)
{
  CbGraph *graph = cb_graph_new ();
  guint x = cb_graph_add_input (graph, "x", fc->c, fc->h, fc->w);
  guint gamma = cb_graph_add_input (graph, "gamma", fc->c, fc->h, fc->w);
  guint beta = cb_graph_add_input (graph, "beta", fc->c, fc->h, fc->w);
  guint norm = graph_add_spade_norm (graph, rand, "norm", x, gamma, beta, fc->norm_act, 0.5, 0.2, 2.0);
  guint y = add_conv (graph, rand, "conv", norm, fc->cout, fc->k, TRUE, CB_ACT_LEAKY_RELU);

  if (fc->also_read)
    graph_add_add (graph, "add", y, norm); /* cout == c here */
  return graph;
}

static const FuseCase fuse_cases[] = {
  { 13, 7, 5, 19, 3, CB_ACT_LEAKY_RELU, FALSE, FALSE },   /* conv_0/conv_1: odd sizes, edges */
  { 40, 16, 16, 70, 3, CB_ACT_LEAKY_RELU, FALSE, FALSE }, /* several tiles, channel tail */
  { 21, 9, 11, 6, 1, CB_ACT_NONE, FALSE, FALSE },         /* conv_s: 1x1, no activation */
  { 12, 6, 6, 12, 3, CB_ACT_LEAKY_RELU, TRUE, FALSE },    /* read twice: stays a SPADE op */
  { 64, 8, 8, 40, 3, CB_ACT_LEAKY_RELU, FALSE, TRUE },    /* fused and split */
};

static void
fused_spade_case (guint i, double tol)
{
  const FuseCase *fc = &fuse_cases[i];
  g_autoptr (GRand) rand = g_rand_new_with_seed (300 + i);
  g_autoptr (CbGraph) graph = spade_conv_graph (rand, fc);
  g_autoptr (CbTensor) x = random_tensor (rand, fc->c, fc->h, fc->w, -2, 2);
  g_autoptr (CbTensor) gamma = random_tensor (rand, fc->c, fc->h, fc->w, -1, 1);
  g_autoptr (CbTensor) beta = random_tensor (rand, fc->c, fc->h, fc->w, -1, 1);
  CbTensor *inputs[3] = { x, gamma, beta };
  g_autoptr (CbTensor) ref = run_reference (graph, inputs, 3);
  g_autofree char *what = g_strdup_printf ("spade %u×%u×%u -> %ux%u conv -> %u%s%s", fc->c, fc->h, fc->w, fc->k, fc->k,
                                           fc->cout, fc->also_read ? ", read twice" : "", fc->split ? ", split" : "");
  const char *split_env[] = { "CATBRUSH_VK_SPLIT_K", "3", NULL };
  const char *off_env[] = { "CATBRUSH_VK_NO_FUSE", "1", NULL };
  g_autoptr (CbTensor) on = run_vk (graph, inputs, 3, ref, tol, CB_VK_VARIANT_FUSED_SPADE, fc->also_read ? 0 : 1, what,
                                    fc->split ? split_env : NULL);
  g_autoptr (CbTensor) off
    = run_vk (graph, inputs, 3, ref, tol, CB_VK_VARIANT_FUSED_SPADE, 0, "  switched off", off_env);
}

static void
test_fused_spade (void)
{
  if (have_device ())
    each_precision (G_N_ELEMENTS (fuse_cases), fused_spade_case);
}

/* --------------------------------------------------------------- split-K */

typedef struct
{
  guint cin, h, w, cout, k;
  const char *split; /* CATBRUSH_VK_SPLIT_K */
  gboolean bias;
  CbActivation act;
} SplitCase;

static const SplitCase split_cases[] = {
  { 64, 8, 8, 40, 3, "3", TRUE, CB_ACT_LEAKY_RELU }, /* the start grid's shape, small */
  { 37, 5, 3, 33, 3, "4", FALSE, CB_ACT_NONE },      /* odd K (333, not a multiple of 4 or TK) */
  { 100, 16, 16, 70, 1, "2", TRUE, CB_ACT_TANH },    /* 1x1, several tiles, a split of 3 1/8 steps */
  { 48, 4, 4, 3, 3, "5", TRUE, CB_ACT_RELU },        /* conv_img's narrow tiles */
};

static void
split_k_case (guint i, double tol)
{
  const SplitCase *sc = &split_cases[i];
  g_autoptr (GRand) rand = g_rand_new_with_seed (400 + i);
  g_autoptr (CbTensor) in = NULL;
  g_autoptr (CbGraph) graph = conv_graph (rand, sc->cin, sc->h, sc->w, sc->cout, sc->k, sc->bias, sc->act, &in);
  CbTensor *inputs[1] = { in };
  g_autoptr (CbTensor) ref = run_reference (graph, inputs, 1);
  g_autofree char *what = g_strdup_printf ("conv %u -> %u %ux%u at %u×%u, split %s", sc->cin, sc->cout, sc->k, sc->k,
                                           sc->w, sc->h, sc->split);
  const char *on_env[] = { "CATBRUSH_VK_SPLIT_K", sc->split, NULL };
  const char *off_env[] = { "CATBRUSH_VK_SPLIT_K", sc->split, "CATBRUSH_VK_NO_SPLIT_K", "1", NULL };
  g_autoptr (CbTensor) a = run_vk (graph, inputs, 1, ref, tol, CB_VK_VARIANT_SPLIT_K, 1, what, on_env);
  g_autoptr (CbTensor) off = run_vk (graph, inputs, 1, ref, tol, CB_VK_VARIANT_SPLIT_K, 0, "  switched off", off_env);
}

static void
test_split_k (void)
{
  if (have_device ())
    each_precision (G_N_ELEMENTS (split_cases), split_k_case);
}

/* the choice itself, for devices this machine does not have */
static void
test_split_k_choice (void)
{
  g_unsetenv ("CATBRUSH_VK_SPLIT_K");
  /* H100 (132 SMs): 1024 channels at 8x8, 32x16 tiles of 32 invocations, K = 9216 */
  guint s = cb_vk_choose_split_k (4 * 32, 32, 9216, 16, 132, FALSE);
  g_test_message ("8x8x1024 on 132 SMs: split %u", s);
  g_assert_cmpuint (s, >, 8);
  g_assert_cmpuint (s, <=, 32);
  /* 16x16 at 1024: 64x64 tiles, 4 x 16 workgroups of 64 */
  g_assert_cmpuint (cb_vk_choose_split_k (4 * 16, 64, 9216, 16, 132, FALSE), >, 1);
  /* 64 channels at 256x256 (1024 workgroups), 512 at 64x64: the grid fills the device */
  g_assert_cmpuint (cb_vk_choose_split_k (1024 * 1, 64, 576, 16, 132, FALSE), ==, 1);
  g_assert_cmpuint (cb_vk_choose_split_k (64 * 8, 64, 4608, 16, 64, FALSE), ==, 1);
  /* 1024 at 32x32: 256 workgroups on 132 SMs */
  g_assert_cmpuint (cb_vk_choose_split_k (16 * 16, 64, 9216, 16, 132, FALSE), >, 1);
  /* a short K is never split below 8 steps */
  g_assert_cmpuint (cb_vk_choose_split_k (1, 64, 200, 16, 132, FALSE), ==, 1);
  g_assert_cmpuint (cb_vk_choose_split_k (1, 64, 256, 16, 132, FALSE), ==, 2);
  /* lavapipe, 2 threads: 16 workgroups are plenty */
  g_assert_cmpuint (cb_vk_choose_split_k (16, 64, 9216, 16, 2, TRUE), ==, 1);
  g_assert_cmpuint (cb_vk_choose_split_k (2, 64, 9216, 16, 2, TRUE), ==, 4);
}

/* ------------------------------------------------------ subgroup gather */

static CbGraph *
gather_graph (GRand *rand, guint h, guint w, guint n_rows, guint c, guint cout)
{
  guint seg;
  CbGraph *graph = seg_graph_new (h, w, n_rows, c, h, w, &seg);

  add_conv (graph, rand, "mlp_shared", seg, cout, 3, TRUE, CB_ACT_RELU);
  return graph;
}

/* Cin below, at and above the subgroup size; Cout not a multiple of 4 */
static const guint gather_shapes[][5] = { { 9, 7, 5, 6, 9 }, { 11, 6, 4, 37, 70 }, { 5, 5, 3, 8, 3 } };

static void
gather_subgroup_case (guint i, double tol)
{
  guint h = gather_shapes[i][0], w = gather_shapes[i][1], n_rows = gather_shapes[i][2], c = gather_shapes[i][3],
        cout = gather_shapes[i][4];
  g_autoptr (GRand) rand = g_rand_new_with_seed (500 + i);
  g_autoptr (CbGraph) graph = gather_graph (rand, h, w, n_rows, c, cout);
  g_autoptr (CbTensor) rows = cb_tensor_new (1, h, w);
  g_autoptr (CbTensor) table = random_tensor (rand, 1, n_rows, c, -1.5, 1.5);
  for (guint p = 0; p < h * w; p++)
    rows->data[p] = (float)g_rand_int_range (rand, -1, (gint32)n_rows + 1); /* and void's */
  CbTensor *inputs[2] = { rows, table };
  g_autoptr (CbTensor) ref = run_reference (graph, inputs, 2);
  g_autofree char *what = g_strdup_printf ("gather %u rows × %u -> %u at %u×%u, subgroup size %u", n_rows, c, cout, w,
                                           h, dev->subgroup_size);
  /* CPU devices (lavapipe) use it only when asked */
  const char *on_env[] = { "CATBRUSH_VK_SUBGROUPS", "1", NULL };
  const char *off_env[] = { "CATBRUSH_VK_SUBGROUPS", "1", "CATBRUSH_VK_NO_SUBGROUPS", "1", NULL };
  g_autoptr (CbTensor) on = run_vk (graph, inputs, 2, ref, tol, CB_VK_VARIANT_GATHER_SUBGROUP, 1, what, on_env);
  g_autoptr (CbTensor) off
    = run_vk (graph, inputs, 2, ref, tol, CB_VK_VARIANT_GATHER_SUBGROUP, 0, "  switched off", off_env);
}

static void
test_gather_subgroup (void)
{
  if (!have_device ())
    return;
  if (!dev->subgroup_arith)
    {
      g_test_skip ("this device has no subgroup arithmetic in compute shaders: gather_table_sg.comp untested here");
      return;
    }
  each_precision (G_N_ELEMENTS (gather_shapes), gather_subgroup_case);
}

/* ----------------------------------------- double buffering, vec4 loads */

/* cin, h, w, cout, k: K % 4 == 0 (vec4) and not; one K step and many */
static const guint tile_shapes[][5] = {
  { 12, 9, 7, 19, 3 },  /* K = 108 */
  { 13, 9, 7, 19, 3 },  /* K = 117: no vec4 */
  { 4, 17, 15, 70, 1 }, /* K = 4: one partial step */
  { 48, 20, 13, 5, 3 }, /* K = 432, conv_img-like tile */
};

static void
tiles_case (guint i, double tol)
{
  guint cin = tile_shapes[i][0], h = tile_shapes[i][1], w = tile_shapes[i][2], cout = tile_shapes[i][3],
        k = tile_shapes[i][4];
  gboolean vec4 = (cin * k * k) % 4 == 0;
  g_autoptr (GRand) rand = g_rand_new_with_seed (600 + i);
  g_autoptr (CbTensor) in = NULL;
  g_autoptr (CbGraph) graph = conv_graph (rand, cin, h, w, cout, k, TRUE, CB_ACT_LEAKY_RELU, &in);
  CbTensor *inputs[1] = { in };
  g_autoptr (CbTensor) ref = run_reference (graph, inputs, 1);
  g_autofree char *what = g_strdup_printf ("conv %u -> %u %ux%u at %u×%u", cin, cout, k, k, w, h);
  const char *plain_env[]
    = { "CATBRUSH_VK_NO_DOUBLE_BUFFER", "1", "CATBRUSH_VK_NO_VEC4", "1", "CATBRUSH_VK_NO_SPLIT_K", "1", NULL };
  const char *db_env[] = { "CATBRUSH_VK_NO_VEC4", "1", "CATBRUSH_VK_NO_SPLIT_K", "1", NULL };
  const char *v4_env[] = { "CATBRUSH_VK_NO_DOUBLE_BUFFER", "1", "CATBRUSH_VK_NO_SPLIT_K", "1", NULL };
  const char *both_env[] = { "CATBRUSH_VK_NO_SPLIT_K", "1", NULL };
  g_autoptr (CbTensor) plain = run_vk (graph, inputs, 1, ref, tol, CB_VK_VARIANT_DOUBLE_BUFFER, 0, what, plain_env);
  g_autoptr (CbTensor) db
    = run_vk (graph, inputs, 1, ref, tol, CB_VK_VARIANT_DOUBLE_BUFFER, 1, "  double-buffered", db_env);
  g_autoptr (CbTensor) v4
    = run_vk (graph, inputs, 1, ref, tol, CB_VK_VARIANT_VEC4, vec4 ? 1 : 0, "  vec4 weights", v4_env);
  g_autoptr (CbTensor) both = run_vk (graph, inputs, 1, ref, tol, CB_VK_VARIANT_VEC4, vec4 ? 1 : 0, "  both", both_env);
  /* the same sum in the same order: the same bits */
  gsize bytes = cb_tensor_n_elements (plain) * sizeof (float);
  g_assert_cmpmem (plain->data, bytes, db->data, bytes);
  g_assert_cmpmem (plain->data, bytes, v4->data, bytes);
  g_assert_cmpmem (plain->data, bytes, both->data, bytes);
}

static void
test_tiles (void)
{
  if (have_device ())
    each_precision (G_N_ELEMENTS (tile_shapes), tiles_case);
}

int
main (int argc, char **argv)
{
  g_autofree char *cache_dir = cb_test_private_cache_dir_new ();
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/render/vk/kernels/fused-spade", test_fused_spade);
  g_test_add_func ("/render/vk/kernels/split-k", test_split_k);
  g_test_add_func ("/render/vk/kernels/split-k-choice", test_split_k_choice);
  g_test_add_func ("/render/vk/kernels/gather-subgroup", test_gather_subgroup);
  g_test_add_func ("/render/vk/kernels/tiles", test_tiles);
  status = run_tests_on_vk_device (&dev, &no_device);
  cb_test_remove_tree (cache_dir);
  return status;
}
