/* test-cpu-ops.c: the native CPU backend against the CPU reference (DESIGN §7)
 *
 * Every op on random data and odd shapes; the label-map gathers and the
 * SPADE constant regions against the dense paths and the reference, on
 * label maps with many boundaries and with large regions; the tiny fixture
 * generator; repeated runs and thread counts give identical bits. Run once
 * per kernel set (CATBRUSH_CPU_ISA=avx512, avx2, portable); a set the CPU
 * lacks skips (exit status 77).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-error.h"
#include "model/cb-graph.h"
#include "model/cb-oasis.h"
#include "render/cb-backend.h"
#include "render/cb-cpu-backend.h"
#include "render/cb-cpu-bf16.h"
#include "render/cb-cpu-conv.h"
#include "tests/render/op-case.h"
#include "tests/test-util.h"

#include <math.h>
#include <string.h>

#define TOLERANCE 1e-4

/* Runs graph on the CPU backend with the options, n_threads 1 and 2, twice
 * each: all four results must be the same bits. Returns the result. */
static CbTensor *
run_cpu (const CbGraph *graph, CbTensor **inputs, guint n_inputs, const CbCpuOptions *base, guint *n_gathers,
         guint *n_fused)
{
  const CbValue *ov = cb_graph_value (graph, graph->output);
  CbTensor *first = NULL;

  for (guint threads = 1; threads <= 2; threads++)
    {
      g_autoptr (GError) error = NULL;
      CbCpuOptions options = *base;
      options.n_threads = threads;
      g_autoptr (CbCpuPlan) plan = cb_cpu_plan_new (graph, &options, &error);
      g_assert_no_error (error);
      g_assert_nonnull (plan);
      g_assert_cmpuint (cb_cpu_plan_get_n_threads (plan), ==, threads);
      if (threads == 1)
        cb_cpu_plan_get_stats (plan, n_gathers, n_fused);
      for (guint r = 0; r < 2; r++)
        {
          g_autoptr (CbTensor) out = cb_tensor_new (ov->c, ov->h, ov->w);
          /* garbage in the output must not matter */
          for (gsize i = 0; i < cb_tensor_n_elements (out); i++)
            out->data[i] = NAN;
          g_assert_true (cb_cpu_plan_run (plan, inputs, n_inputs, out, &error));
          g_assert_no_error (error);
          if (first == NULL)
            first = g_steal_pointer (&out);
          else
            g_assert_cmpmem (out->data, cb_tensor_n_elements (out) * 4, first->data, cb_tensor_n_elements (first) * 4);
        }
    }
  return first;
}

static void
check_close (const CbTensor *got, const CbTensor *ref, const char *what)
{
  double err = cb_tensor_rel_error (got, ref);
  if (!(err <= TOLERANCE))
    g_error ("%s: relative error %g > %g", what, err, TOLERANCE);
}

static void
check_op_case (OpCase *oc, const char *what)
{
  CbTensor *run_inputs[CB_OP_MAX_INPUTS];
  guint n_run_inputs;
  g_autoptr (CbTensor) ref = NULL;
  g_autoptr (CbGraph) graph = op_case_build (oc, run_inputs, &n_run_inputs, &ref);
  CbCpuOptions options = { 0 };
  CbOpKind kind = oc->op.kind;

  g_autoptr (CbTensor) got = run_cpu (graph, run_inputs, n_run_inputs, &options, NULL, NULL);
  if (kind == CB_OP_TO_RGBA8 || kind == CB_OP_EMBED || kind == CB_OP_RESIZE_NEAREST || kind == CB_OP_AVG_POOL2
      || kind == CB_OP_CONCAT)
    g_assert_cmpmem (got->data, cb_tensor_n_elements (got) * 4, ref->data, cb_tensor_n_elements (ref) * 4);
  else
    check_close (got, ref, what);
  op_case_clear (oc);
}

static const guint shapes[][3] = {
  { 1, 1, 1 }, { 1, 7, 5 }, { 3, 13, 11 }, { 8, 8, 8 }, { 5, 1, 9 }, { 17, 6, 3 }, { 2, 5, 33 },
};

static void
test_embed (void)
{
  op_cases_embed (shapes, G_N_ELEMENTS (shapes), check_op_case);
}

static void
test_resize (void)
{
  op_cases_resize (check_op_case);
}

static void
test_conv_shapes (void)
{
  static const guint cases[][4] = {
    /* cin, cout, h, w: single channels, panel tails (cout % 6), tile tails, rows shorter and longer than a tile */
    { 1, 1, 1, 1 },
    { 1, 3, 7, 5 },
    { 3, 1, 13, 11 },
    { 5, 9, 7, 5 },
    { 16, 17, 6, 9 },
    { 2, 8, 1, 7 },
    { 7, 4, 9, 1 },
    { 4, 6, 3, 40 },
    { 9, 13, 17, 16 },
    { 32, 12, 8, 8 },
    { 3, 7, 2, 2 },
    { 6, 25, 11, 23 },
    /* large enough for input-channel blocks (cb_cpu_conv_chunk) */
    { 40, 7, 64, 64 },
    { 70, 13, 50, 47 },
    /* channel blocks with several panels and a tail at either panel height */
    { 36, 35, 40, 44 },
  };
  op_cases_conv_shapes (cases, G_N_ELEMENTS (cases), check_op_case);
}

static void
test_conv_activations (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (4);
  for (int act_in = CB_ACT_NONE; act_in <= CB_ACT_TANH; act_in++)
    for (int act = CB_ACT_NONE; act <= CB_ACT_TANH; act++)
      for (guint k = 1; k <= 3; k += 2)
        op_case_check_conv (check_op_case, rand, 3, 5, 7, 19, k, TRUE, act_in, act,
                            act == CB_ACT_LEAKY_RELU ? 0.1f : 0.2f);
}

static void
test_spade_norm (void)
{
  op_cases_spade_norm (shapes, G_N_ELEMENTS (shapes), check_op_case);
}

static void
test_add_activation (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (6);
  for (gsize s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (int act = CB_ACT_NONE; act <= CB_ACT_TANH; act++)
      {
        guint c = shapes[s][0], h = shapes[s][1], w = shapes[s][2];
        OpCase oc = { 0 };
        op_case_add (&oc, rand, c, h, w, act, s % 2 != 0);
        check_op_case (&oc, "add");
        op_case_activation (&oc, rand, c, h, w, act, 0.01f * (float)(s + 1));
        check_op_case (&oc, "activation");
      }
}

/* the discriminator's ops: odd sizes drop the last row or column */
static void
test_pool_concat (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (12);
  for (gsize s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (int act = CB_ACT_NONE; act <= CB_ACT_TANH; act++)
      {
        guint c = shapes[s][0], h = shapes[s][1], w = shapes[s][2];
        OpCase oc = { 0 };
        if (h >= 2 && w >= 2)
          {
            cb_op_init (&oc.op, CB_OP_AVG_POOL2, "pool");
            oc.op.act = act;
            oc.op.slope = 0.2f;
            oc.op.n_inputs = 1;
            oc.in[0] = random_tensor (rand, c, h, w, -2, 2);
            oc.is_input[0] = TRUE;
            oc.out_c = c, oc.out_h = h / 2, oc.out_w = w / 2;
            check_op_case (&oc, "avg_pool2");
          }
        guint cb = 1 + (guint)s;
        cb_op_init (&oc.op, CB_OP_CONCAT, "concat");
        oc.op.act = act;
        oc.op.slope = 0.2f;
        oc.op.n_inputs = 2;
        oc.in[0] = random_tensor (rand, c, h, w, -2, 2);
        oc.in[1] = random_tensor (rand, cb, h, w, -2, 2);
        oc.is_input[0] = TRUE;
        oc.is_input[1] = s % 2 == 0;
        oc.out_c = c + cb, oc.out_h = h, oc.out_w = w;
        check_op_case (&oc, "concat");
      }
}

static void
test_to_rgba8 (void)
{
  op_cases_to_rgba8 (shapes, G_N_ELEMENTS (shapes), check_op_case);
}

/* ---- the label-map paths ---- */

/* a convolution with weights as at initialisation and a small bias */
static guint
add_conv (CbGraph *g, GRand *rand, const char *name, guint in, guint cout, guint k, CbActivation act_in,
          CbActivation act)
{
  double range = conv_init_range (cb_graph_value (g, in)->c, k);

  return graph_add_conv (g, rand, name, in, cout, k, range, 0.1, act_in, act);
}

/* Label maps: regions (rectangles of a few rows, so there are constant
 * interiors) or noise (a boundary at nearly every pixel), out-of-range rows too. */
static CbTensor *
label_rows (GRand *rand, guint h, guint w, guint n_rows, gboolean noise)
{
  CbTensor *rows = cb_tensor_new (1, h, w);
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      rows->data[y * w + x] = noise ? (float)g_rand_int_range (rand, 0, (gint32)n_rows)
                                    : (float)(((x / 13) + 2 * (y / 11) + (x > y ? 1 : 0)) % (n_rows - 1));
  if (!noise)
    for (guint i = 0; i < 3; i++)
      {
        guint y0 = g_rand_int_range (rand, 0, (gint32)h), x0 = g_rand_int_range (rand, 0, (gint32)w);
        for (guint y = y0; y < MIN (h, y0 + 9); y++)
          for (guint x = x0; x < MIN (w, x0 + 7); x++)
            rows->data[y * w + x] = i == 0 ? (float)n_rows + 3 : (i == 1 ? -1.0f : NAN);
      }
  return rows;
}

/* EMBED, a resize, fc (k = 3 and k = 1) and a full SPADE over the label map on x = fc. */
static CbGraph *
label_graph (GRand *rand, guint h, guint w, guint sh, guint sw, guint n_rows, guint n_ch, guint c, guint hidden,
             CbActivation act)
{
  guint seg;
  CbGraph *g = seg_graph_new (h, w, n_rows, n_ch, sh, sw, &seg);
  guint x = add_conv (g, rand, "fc", seg, c, 3, CB_ACT_NONE, CB_ACT_NONE);
  guint x1 = add_conv (g, rand, "fc1", seg, c, 1, CB_ACT_LEAKY_RELU, CB_ACT_TANH);
  x = graph_add_add (g, "x", x, x1);

  guint shared = add_conv (g, rand, "mlp_shared", seg, hidden, 3, CB_ACT_NONE, CB_ACT_RELU);
  guint gamma = add_conv (g, rand, "mlp_gamma", shared, c, 3, CB_ACT_NONE, CB_ACT_NONE);
  guint beta = add_conv (g, rand, "mlp_beta", shared, c, 3, CB_ACT_NONE, CB_ACT_NONE);
  g->output = graph_add_spade_norm (g, rand, "norm", x, gamma, beta, act, 0.5, 0.5, 2);
  return g;
}

static void
check_paths (const CbGraph *graph, CbTensor **inputs, guint expect_gathers, guint expect_fused, const char *what)
{
  g_autoptr (CbTensor) ref = run_reference (graph, inputs, 2);

  CbCpuOptions dense = { .no_gather = TRUE }, gather = { .no_spade_const = TRUE }, all = { 0 };
  guint n_gathers = 0, n_fused = 0;
  g_autoptr (CbTensor) d = run_cpu (graph, inputs, 2, &dense, &n_gathers, &n_fused);
  g_assert_cmpuint (n_gathers, ==, 0);
  g_assert_cmpuint (n_fused, ==, 0);
  g_autoptr (CbTensor) gt = run_cpu (graph, inputs, 2, &gather, &n_gathers, &n_fused);
  g_assert_cmpuint (n_gathers, ==, expect_gathers);
  g_assert_cmpuint (n_fused, ==, 0);
  g_autoptr (CbTensor) a = run_cpu (graph, inputs, 2, &all, &n_gathers, &n_fused);
  g_assert_cmpuint (n_gathers, ==, expect_gathers);
  g_assert_cmpuint (n_fused, ==, expect_fused);

  g_autofree char *w1 = g_strdup_printf ("%s: dense", what);
  g_autofree char *w2 = g_strdup_printf ("%s: gather", what);
  g_autofree char *w3 = g_strdup_printf ("%s: gather + SPADE constants", what);
  check_close (d, ref, w1);
  check_close (gt, ref, w2);
  check_close (a, ref, w3);
  check_close (a, d, w3);
}

static void
test_label_paths (void)
{
  static const guint cases[][6] = {
    /* h, w, resized h, w, table rows, channels */
    { 40, 48, 40, 48, 6, 9 }, { 64, 64, 32, 32, 5, 7 }, { 37, 29, 37, 29, 4, 3 },
    { 30, 30, 7, 9, 9, 12 },  { 5, 3, 5, 3, 3, 2 },     { 1, 1, 1, 1, 2, 1 },
  };
  g_autoptr (GRand) rand = g_rand_new_with_seed (9);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    for (int noise = 0; noise <= 1; noise++)
      {
        const guint *cs = cases[i];
        CbActivation act = (CbActivation)(i % 4);
        g_autoptr (CbGraph) graph = label_graph (rand, cs[0], cs[1], cs[2], cs[3], cs[4], cs[5], 5 + i, 3 + i, act);
        g_autoptr (CbTensor) rows = label_rows (rand, cs[0], cs[1], cs[4], noise);
        g_autoptr (CbTensor) table = random_tensor (rand, 1, cs[4], cs[5], -1, 1);
        /* one-hot label channels as the real table has them */
        for (guint r = 0; r < cs[4]; r++)
          for (guint ch = cs[5] / 2; ch < cs[5]; ch++)
            table->data[r * cs[5] + ch] = ch - cs[5] / 2 == r % (cs[5] - cs[5] / 2) ? 1.0f : 0.0f;
        CbTensor *inputs[] = { rows, table };
        g_autofree char *what = g_strdup_printf ("label case %zu noise %d", i, noise);
        check_paths (graph, inputs, 3, 1, what);
      }
}

/* A new table (other seeds) must refresh the cached row tables. */
static void
test_table_change (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (10);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbGraph) graph = label_graph (rand, 48, 40, 24, 20, 5, 6, 7, 8, CB_ACT_LEAKY_RELU);
  g_autoptr (CbTensor) rows = label_rows (rand, 48, 40, 5, FALSE);
  g_autoptr (CbCpuPlan) plan = cb_cpu_plan_new (graph, NULL, &error);
  g_assert_no_error (error);
  for (guint r = 0; r < 3; r++)
    {
      g_autoptr (CbTensor) table = random_tensor (rand, 1, 5, 6, -1, 1);
      CbTensor *inputs[] = { rows, table };
      g_autoptr (CbTensor) ref = run_reference (graph, inputs, 2);
      g_autoptr (CbTensor) out = cb_tensor_new (ref->c, ref->h, ref->w);
      g_assert_true (cb_cpu_plan_run (plan, inputs, 2, out, &error));
      check_close (out, ref, "table change");
      /* and a new label map with the same table */
      g_autoptr (CbTensor) rows2 = label_rows (rand, 48, 40, 5, r % 2 == 0);
      inputs[0] = rows2;
      g_autoptr (CbTensor) ref2 = run_reference (graph, inputs, 2);
      g_assert_true (cb_cpu_plan_run (plan, inputs, 2, out, &error));
      check_close (out, ref2, "label map change");
    }
}

/* bf16 convolutions against their reference twin: the reference on inputs
 * (after act_in) and weights rounded to bf16, accumulated in double. */
static void
bf16_conv_case (GRand *rand, guint cin, guint cout, guint h, guint w, guint k, CbActivation act_in, CbActivation act)
{
  OpCase oc = { 0 };
  g_autofree char *conv = op_case_conv (&oc, rand, cin, cout, h, w, k, TRUE, act_in, act, 0.2f);
  CbTensor *run_inputs[CB_OP_MAX_INPUTS];
  guint n_run_inputs;
  g_autoptr (CbTensor) ref32 = NULL;
  g_autoptr (CbGraph) graph = op_case_build (&oc, run_inputs, &n_run_inputs, &ref32);
  const CbTensor *x = oc.in[0], *wt = oc.in[1], *bias = oc.in[2];
  CbCpuOptions options = { .bf16 = TRUE };
  g_autoptr (CbTensor) got = run_cpu (graph, run_inputs, n_run_inputs, &options, NULL, NULL);

  g_autoptr (CbTensor) ref = cb_tensor_new (cout, h, w);
  gsize hw = (gsize)h * w;
  double num = 0, den = 0;
  for (guint co = 0; co < cout; co++)
    for (guint y = 0; y < h; y++)
      for (guint xx = 0; xx < w; xx++)
        {
          double sum = bias->data[co];
          for (guint ci = 0; ci < cin; ci++)
            for (guint t = 0; t < k * k; t++)
              {
                gint sy = (gint)y + (gint)(t / k) - (gint)(k / 2), sx = (gint)xx + (gint)(t % k) - (gint)(k / 2);
                if (sy < 0 || sy >= (gint)h || sx < 0 || sx >= (gint)w)
                  continue;
                float a = cb_activate (act_in, oc.op.slope, x->data[ci * hw + (gsize)sy * w + sx]);
                sum += (double)cb_cpu_bf16_round (a) * cb_cpu_bf16_round (wt->data[((gsize)co * cin + ci) * k * k + t]);
              }
          float r = cb_activate (act, oc.op.slope, (float)sum);
          float g = got->data[co * hw + (gsize)y * w + xx];
          ref->data[co * hw + (gsize)y * w + xx] = r;
          num += ((double)g - r) * ((double)g - r);
          den += (double)r * r;
        }
  g_autofree char *what = g_strconcat ("bf16 ", conv, NULL);
  check_close (got, ref, what);
  /* and closer than the check above asks: only the order of the sums differs */
  g_assert_cmpfloat (sqrt (num / MAX (den, 1e-30)), <, 1e-5);
  op_case_clear (&oc);
}

static void
test_conv_bf16 (void)
{
  if (!cb_cpu_bf16_supported ())
    {
      /* asked for anyway: a clear error, no silent fp32 */
      g_autoptr (CbGraph) graph = cb_graph_new ();
      guint in = cb_graph_add_input (graph, "x", 1, 2, 2);
      graph->output = in;
      CbCpuOptions options = { .bf16 = TRUE };
      g_autoptr (GError) error = NULL;
      g_autoptr (CbCpuPlan) plan = cb_cpu_plan_new (graph, &options, &error);
      g_assert_null (plan);
      g_assert_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED);
      g_assert_nonnull (strstr (error->message, "CATBRUSH_CPU_PRECISION"));
      g_test_skip ("no AVX512_BF16 kernels in use");
      return;
    }
  static const guint cases[][4] = {
    /* cin, cout, h, w: odd channel counts (a pair with zero), panel and tile tails */
    { 1, 1, 1, 1 },
    { 1, 3, 7, 5 },
    { 3, 17, 13, 11 },
    { 16, 16, 8, 8 },
    { 7, 33, 9, 20 },
    { 40, 5, 17, 31 },
    /* large enough for blocks of input pairs (cb_cpu_conv_bf16_chunk), with an odd channel */
    { 41, 20, 64, 64 },
  };
  g_autoptr (GRand) rand = g_rand_new_with_seed (23);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    for (guint k = 1; k <= 3; k += 2)
      bf16_conv_case (rand, cases[i][0], cases[i][1], cases[i][2], cases[i][3], k, CB_ACT_NONE, CB_ACT_NONE);
  for (int act_in = CB_ACT_NONE; act_in <= CB_ACT_TANH; act_in++)
    for (int act = CB_ACT_NONE; act <= CB_ACT_TANH; act++)
      bf16_conv_case (rand, 5, 6, 7, 19, 3, act_in, act);
  g_assert_cmpfloat (cb_cpu_bf16_round (1.0f + 1.0f / 256.0f), ==, 1.0f); /* a tie: to even */
  g_assert_cmpfloat (cb_cpu_bf16_round (1.0f + 3.0f / 256.0f), ==, 1.0f + 4.0f / 256.0f);
  g_assert_true (isnan (cb_cpu_bf16_round (NAN)));
}

/* The SPADE boundary GEMM in bf16 against its twin: K rows of NR pixels per
 * group, paired along K, times [cout][K] weights, on random inputs */
static void
test_gemm_groups_bf16 (void)
{
  if (!cb_cpu_bf16_supported ())
    {
      g_test_skip ("no AVX512_BF16 kernels in use");
      return;
    }
  static const guint cases[][3] = { { 9, 1, 1 }, { 27, 17, 2 }, { 145, 40, 3 } }; /* K (odd), cout, groups */
  g_autoptr (GRand) rand = g_rand_new_with_seed (29);
  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      guint kk = cases[c][0], cout = cases[c][1], n_groups = cases[c][2], n_pix = n_groups * CB_CPU_NR;
      g_autofree float *in = random_data (rand, (gsize)n_groups * kk * CB_CPU_NR, -1, 1);
      g_autofree float *w = random_data (rand, (gsize)cout * kk, -0.2, 0.2);
      g_autofree float *bias = random_data (rand, cout, -0.5, 0.5);
      g_autofree guint32 *pairs = g_new (guint32, (gsize)n_groups * ((kk + 1) / 2) * CB_CPU_NR);
      g_autofree gint32 *pix = g_new (gint32, n_pix);
      g_autofree float *out = g_new0 (float, (gsize)cout *n_pix);
      CbCpuConvBf16 cw;
      /* pixels out of order, as a boundary list may be */
      for (guint i = 0; i < n_pix; i++)
        pix[i] = (gint32)((i * 7) % n_pix);
      cb_cpu_conv_bf16_init (&cw, w, bias, cout, kk, 1);
      cb_cpu_pack_groups_bf16 (in, kk, n_groups, pairs);
      for (guint p = 0; p < cw.n_panels; p++)
        cb_cpu_gemm_groups_bf16 (&cw, pairs, n_groups, p, pix, out, n_pix, CB_ACT_NONE, 0.0f);
      for (guint co = 0; co < cout; co++)
        for (guint i = 0; i < n_pix; i++)
          {
            guint gi = i / CB_CPU_NR, j = i % CB_CPU_NR;
            double sum = bias[co];
            for (guint k = 0; k < kk; k++)
              sum += (double)cb_cpu_bf16_round (in[((gsize)gi * kk + k) * CB_CPU_NR + j])
                     * cb_cpu_bf16_round (w[(gsize)co * kk + k]);
            g_assert_cmpfloat (fabs (out[(gsize)co * n_pix + pix[i]] - sum), <, 1e-5 * (1 + fabs (sum)));
          }
      cb_cpu_conv_bf16_clear (&cw);
    }
}

/* cb_cpu_pad_rows() (incremental runs) writes, row for row, what
 * cb_cpu_pad_planes() writes, on random inputs, pads 0 and 1, any row range */
static void
test_pad_rows (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (21);
  for (guint k = 0; k < 20; k++)
    {
      guint c = g_rand_int_range (rand, 1, 5), h = g_rand_int_range (rand, 1, 12), w = g_rand_int_range (rand, 1, 40);
      guint pad = k % 2;
      CbActivation act = k % 3 == 0 ? CB_ACT_NONE : CB_ACT_LEAKY_RELU;
      CbCpuGeom g;
      cb_cpu_geom_init (&g, h, w, pad);
      gsize n = cb_cpu_geom_floats (&g, c);
      g_autofree float *in = g_new (float, (gsize)c *h *w);
      g_autofree float *whole = g_new (float, n);
      g_autofree float *rows = g_new (float, n);
      for (gsize i = 0; i < (gsize)c * h * w; i++)
        in[i] = (float)g_rand_double_range (rand, -2.0, 2.0);
      for (gsize i = 0; i < n; i++)
        whole[i] = rows[i] = NAN;
      cb_cpu_pad_planes (&g, in, 0, c, whole, act, 0.2f);
      guint r0 = g_rand_int_range (rand, 0, g.hp), r1 = g_rand_int_range (rand, r0 + 1, g.hp + 1);
      cb_cpu_pad_rows (&g, in, 0, c, r0, r1, rows, act, 0.2f);
      for (guint ch = 0; ch < c; ch++)
        for (guint r = 0; r < g.hp; r++)
          {
            const float *a = whole + ch * g.plane + (gsize)r * g.wp, *b = rows + ch * g.plane + (gsize)r * g.wp;
            if (r >= r0 && r < r1)
              g_assert_cmpmem (a, sizeof (float) * g.wp, b, sizeof (float) * g.wp);
            else
              for (guint x = 0; x < g.wp; x++)
                g_assert_true (isnan (b[x])); /* rows outside the range untouched */
          }
      cb_cpu_geom_clear (&g);
    }
}

/* The tiny fixture generator: every path against the reference, on the
 * fixture's label map and on a noisy one. */
static void
test_tiny_generator (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbModel) model = load_tiny_model ();
  g_autofree char *labels_path = cb_test_fixture ("tiny-labels.png");
  if (model == NULL)
    return;
  guint n_source = cb_class_set_get_n_classes (model->classes);
  g_autoptr (CbLabelMap) map = cb_label_map_load (labels_path, model->classes, &error);
  g_assert_no_error (error);
  g_autoptr (CbGraph) graph = cb_oasis_build_generator (model, n_source + 1, &error);
  g_assert_no_error (error);
  g_autoptr (CbTensor) table = embed_table_tensor (model, n_source, 7);
  g_autoptr (CbTensor) rows = cb_oasis_label_rows (model, map, NULL);
  CbTensor *inputs[] = { rows, table };

  /* fc + one mlp_shared per SPADE; every SPADE fused */
  guint n_spade = 0;
  for (guint i = 0; i < graph->ops->len; i++)
    n_spade += cb_graph_op (graph, i)->kind == CB_OP_SPADE_NORM;
  check_paths (graph, inputs, n_spade + 1, n_spade, "tiny generator");

  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  g_autoptr (CbTensor) noisy = label_rows (rand, rows->h, rows->w, n_source + 1, TRUE);
  inputs[0] = noisy;
  check_paths (graph, inputs, n_spade + 1, n_spade, "tiny generator, noisy labels");

  /* bf16: within what its rounding explains of the fp32 reference */
  if (cb_cpu_bf16_supported ())
    {
      CbCpuOptions options = { .bf16 = TRUE };
      g_autoptr (CbTensor) ref16 = run_reference (graph, inputs, 2);
      g_autoptr (CbTensor) got16 = run_cpu (graph, inputs, 2, &options, NULL, NULL);
      double err = cb_tensor_rel_error (got16, ref16);
      g_test_message ("tiny generator in bf16: relative error %g", err);
      g_assert_cmpfloat (err, >, 0.0);
      g_assert_cmpfloat (err, <, 2e-2);
    }

  /* through the backend front too */
  g_autoptr (CbBackend) backend = cb_backend_new (CB_BACKEND_CPU, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cb_backend_get_kind (backend), ==, CB_BACKEND_CPU);
  g_autoptr (CbPlan) plan = cb_backend_prepare (backend, graph, &error);
  g_assert_no_error (error);
  cb_plan_set_profiling (plan, TRUE);
  g_autoptr (CbTensor) out = cb_tensor_new (3, rows->h, rows->w);
  inputs[0] = rows;
  g_assert_true (cb_plan_run (plan, inputs, 2, out, &error));
  g_autoptr (CbTensor) ref = run_reference (graph, inputs, 2);
  check_close (out, ref, "tiny generator via cb_backend");
  GArray *timings = cb_plan_get_timings (plan);
  g_assert_cmpuint (timings->len, ==, graph->ops->len);
  for (guint i = 0; i < timings->len; i++)
    g_assert_cmpfloat (g_array_index (timings, CbOpTiming, i).ms, >=, 0.0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!cpu_isa_wanted_available ())
    return 77;
  g_test_add_func ("/cpu/embed", test_embed);
  g_test_add_func ("/cpu/resize", test_resize);
  g_test_add_func ("/cpu/conv-shapes", test_conv_shapes);
  g_test_add_func ("/cpu/conv-activations", test_conv_activations);
  g_test_add_func ("/cpu/conv-bf16", test_conv_bf16);
  g_test_add_func ("/cpu/gemm-groups-bf16", test_gemm_groups_bf16);
  g_test_add_func ("/cpu/spade-norm", test_spade_norm);
  g_test_add_func ("/cpu/add-activation", test_add_activation);
  g_test_add_func ("/cpu/pool-concat", test_pool_concat);
  g_test_add_func ("/cpu/to-rgba8", test_to_rgba8);
  g_test_add_func ("/cpu/label-paths", test_label_paths);
  g_test_add_func ("/cpu/table-change", test_table_change);
  g_test_add_func ("/cpu/pad-rows", test_pad_rows);
  g_test_add_func ("/cpu/tiny-generator", test_tiny_generator);
  return g_test_run ();
}
