/* test-reference.c: the CPU reference of every op against hand-checked
 * numbers and an independent naive computation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-graph.h"
#include "model/cb-error.h"

#include <math.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------ */

static float *
floats_dup (const float *src, gsize n)
{
  return g_memdup2 (src, n * sizeof (float));
}

static CbTensor *
tensor_from (guint c, guint h, guint w, const float *data)
{
  CbTensor *t = cb_tensor_new (c, h, w);
  memcpy (t->data, data, cb_tensor_n_elements (t) * sizeof (float));
  return t;
}

static CbTensor *
tensor_random (GRand *rand, guint c, guint h, guint w, double lo, double hi)
{
  CbTensor *t = cb_tensor_new (c, h, w);
  for (gsize i = 0; i < cb_tensor_n_elements (t); i++)
    t->data[i] = (float)g_rand_double_range (rand, lo, hi);
  return t;
}

static guint
add_const_tensor (CbGraph *g, const char *name, const CbTensor *t)
{
  return cb_graph_add_const (g, name, t->c, t->h, t->w, floats_dup (t->data, cb_tensor_n_elements (t)));
}

static void
assert_tensor_equal (const CbTensor *a, const float *expected)
{
  for (gsize i = 0; i < cb_tensor_n_elements (a); i++)
    if (a->data[i] != expected[i])
      g_error ("element %" G_GSIZE_FORMAT ": %.9g, expected %.9g", i, a->data[i], expected[i]);
}

static void
assert_close (const CbTensor *a, const CbTensor *b, double tol)
{
  double err = cb_tensor_rel_error (a, b);
  if (!(err <= tol))
    g_error ("relative error %g > %g", err, tol);
}

/* Builds a one-op graph (inputs are graph inputs in order) and runs the
 * reference on it through cb_graph_run_reference. */
static CbTensor *
run_one_op (CbOp *op, guint n, CbTensor **in, guint oc, guint oh, guint ow)
{
  g_autoptr (CbGraph) g = cb_graph_new ();
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("in%u", i);
      op->inputs[i] = cb_graph_add_input (g, name, in[i]->c, in[i]->h, in[i]->w);
    }
  op->n_inputs = n;
  op->output = cb_graph_add_temp (g, "out", oc, oh, ow);
  g_assert_cmpuint (cb_graph_add_op (g, op), ==, 0);

  /* the same op twice: through the whole-graph runner and directly */
  g_autoptr (GError) error = NULL;
  CbTensor *out = cb_graph_run_reference (g, in, n, &error);
  g_assert_no_error (error);
  g_assert_nonnull (out);
  g_autoptr (CbTensor) direct = cb_tensor_new (oc, oh, ow);
  cb_reference_op (g, cb_graph_op (g, 0), (const CbTensor *const *)in, direct);
  g_assert_cmpmem (out->data, cb_tensor_n_elements (out) * sizeof (float), direct->data,
                   cb_tensor_n_elements (direct) * sizeof (float));
  return out;
}

/* ---- embed -------------------------------------------------------------- */

static void
test_embed (void)
{
  /* 3 rows x 2 channels */
  const float table_data[] = { 1, 2, 3, 4, 5, 6 };
  const float rows_data[] = { 0, 1, 2, 2, 1, 0, 7, -1 }; /* 7 and -1 are out of range: last row */
  g_autoptr (CbTensor) rows = tensor_from (1, 2, 4, rows_data);
  g_autoptr (CbTensor) table = tensor_from (1, 3, 2, table_data);
  CbTensor *in[] = { rows, table };
  CbOp op;
  cb_op_init (&op, CB_OP_EMBED, "embed");
  g_autoptr (CbTensor) out = run_one_op (&op, 2, in, 2, 2, 4);
  const float expected[] = { 1, 3, 5, 5, 3, 1, 5, 5, /* channel 0 */
                             2, 4, 6, 6, 4, 2, 6, 6 };
  assert_tensor_equal (out, expected);
}

/* ---- resize ------------------------------------------------------------- */

/* Index tables computed with PyTorch 1.13: F.interpolate(x, size=(1, out),
 * mode="nearest") on x = arange(in). */
static const struct
{
  guint in, out;
  guint idx[24];
} torch_tables[] = {
  { 5, 7, { 0, 0, 1, 2, 2, 3, 4 } },
  { 7, 5, { 0, 1, 2, 4, 5 } },
  { 3, 6, { 0, 0, 1, 1, 2, 2 } },
  { 6, 3, { 0, 2, 4 } },
  { 13, 4, { 0, 3, 6, 9 } },
  { 4, 13, { 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3 } },
  { 96, 24, { 0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 68, 72, 76, 80, 84, 88, 92 } },
  { 5, 10, { 0, 0, 1, 1, 2, 2, 3, 3, 4, 4 } },
  { 10, 3, { 0, 3, 6 } },
  { 1, 4, { 0, 0, 0, 0 } },
};

static void
test_resize_index (void)
{
  for (gsize t = 0; t < G_N_ELEMENTS (torch_tables); t++)
    for (guint d = 0; d < torch_tables[t].out; d++)
      g_assert_cmpuint (cb_graph_nearest_index (d, torch_tables[t].in, torch_tables[t].out), ==,
                        torch_tables[t].idx[d]);
  /* ×2 upsampling is dst / 2 */
  for (guint n = 1; n < 300; n++)
    for (guint d = 0; d < 2 * n; d++)
      g_assert_cmpuint (cb_graph_nearest_index (d, n, 2 * n), ==, d / 2);
  /* same size is the identity */
  for (guint n = 1; n < 300; n++)
    for (guint d = 0; d < n; d++)
      g_assert_cmpuint (cb_graph_nearest_index (d, n, n), ==, d);
}

static void
test_resize (void)
{
  /* 2 channels, 3 x 5 -> 7 x 2; value = 100 c + 10 y + x */
  g_autoptr (CbTensor) in = cb_tensor_new (2, 3, 5);
  for (guint c = 0; c < 2; c++)
    for (guint y = 0; y < 3; y++)
      for (guint x = 0; x < 5; x++)
        in->data[(c * 3 + y) * 5 + x] = (float)(100 * c + 10 * y + x);
  CbTensor *ins[] = { in };
  CbOp op;
  cb_op_init (&op, CB_OP_RESIZE_NEAREST, "resize");
  g_autoptr (CbTensor) out = run_one_op (&op, 1, ins, 2, 7, 2);
  /* rows: PyTorch 3 -> 7 = 0 0 0 1 1 2 2; columns: 5 -> 2 = 0 2 */
  const guint ry[] = { 0, 0, 0, 1, 1, 2, 2 }, rx[] = { 0, 2 };
  for (guint c = 0; c < 2; c++)
    for (guint y = 0; y < 7; y++)
      for (guint x = 0; x < 2; x++)
        g_assert_cmpfloat (out->data[(c * 7 + y) * 2 + x], ==, (float)(100 * c + 10 * ry[y] + rx[x]));
}

/* ---- conv --------------------------------------------------------------- */

static float
naive_act (CbActivation act, float slope, double v)
{
  switch (act)
    {
    case CB_ACT_RELU:
      return (float)fmax (v, 0.0);
    case CB_ACT_LEAKY_RELU:
      return (float)(v < 0 ? slope * v : v);
    case CB_ACT_TANH:
      return (float)tanh (v);
    default:
      return (float)v;
    }
}

/* Straight from the definition, with signed offsets and double sums. */
static CbTensor *
naive_conv (const CbTensor *x, const float *w, const float *bias, guint cout, guint k, CbActivation act_in,
            CbActivation act, float slope)
{
  CbTensor *out = cb_tensor_new (cout, x->h, x->w);
  int r = (int)k / 2;
  for (guint o = 0; o < cout; o++)
    for (int y = 0; y < (int)x->h; y++)
      for (int i = 0; i < (int)x->w; i++)
        {
          double s = bias ? bias[o] : 0.0;
          for (guint c = 0; c < x->c; c++)
            for (int dy = -r; dy <= r; dy++)
              for (int dx = -r; dx <= r; dx++)
                {
                  int yy = y + dy, xx = i + dx;
                  if (yy < 0 || xx < 0 || yy >= (int)x->h || xx >= (int)x->w)
                    continue;
                  float v = naive_act (act_in, slope, x->data[(c * x->h + yy) * x->w + xx]);
                  s += (double)w[((o * x->c + c) * k + (dy + r)) * k + (dx + r)] * v;
                }
          out->data[(o * x->h + y) * x->w + i] = naive_act (act, slope, s);
        }
  return out;
}

static CbTensor *
run_conv (CbTensor *x, const float *w, const float *bias, guint cout, guint k, CbActivation act_in, CbActivation act,
          float slope)
{
  g_autoptr (CbGraph) g = cb_graph_new ();
  CbOp op;
  cb_op_init (&op, CB_OP_CONV2D, "conv");
  op.kernel = k;
  op.act_in = act_in;
  op.act = act;
  op.slope = slope;
  op.inputs[0] = cb_graph_add_input (g, "x", x->c, x->h, x->w);
  op.inputs[1] = cb_graph_add_const (g, "w", 1, cout, x->c * k * k, floats_dup (w, (gsize)cout * x->c * k * k));
  op.n_inputs = 2;
  if (bias != NULL)
    op.inputs[op.n_inputs++] = cb_graph_add_const (g, "b", 1, 1, cout, floats_dup (bias, cout));
  op.output = cb_graph_add_temp (g, "y", cout, x->h, x->w);
  cb_graph_add_op (g, &op);
  g_assert_cmpuint (cb_op_count_macs (g, cb_graph_op (g, 0)), ==, (guint64)cout * x->c * k * k * x->h * x->w);
  g_autoptr (GError) error = NULL;
  CbTensor *out = cb_graph_run_reference (g, &x, 1, &error);
  g_assert_no_error (error);
  return out;
}

static void
test_conv_identity (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (1);
  g_autoptr (CbTensor) x = tensor_random (rand, 2, 5, 3, -1, 1);

  /* 1x1 identity: out = in */
  const float w1[] = { 1, 0, 0, 1 };
  g_autoptr (CbTensor) y1 = run_conv (x, w1, NULL, 2, 1, CB_ACT_NONE, CB_ACT_NONE, 0.2f);
  assert_tensor_equal (y1, x->data);

  /* 3x3 with only the centre tap: identity too; bias added; channels swapped */
  float w3[2 * 2 * 9] = { 0 };
  w3[(0 * 2 + 1) * 9 + 4] = 1; /* out 0 <- in 1 */
  w3[(1 * 2 + 0) * 9 + 4] = 1; /* out 1 <- in 0 */
  const float b[] = { 0.5f, -2.0f };
  g_autoptr (CbTensor) y3 = run_conv (x, w3, b, 2, 3, CB_ACT_NONE, CB_ACT_NONE, 0.2f);
  for (guint i = 0; i < 15; i++)
    {
      g_assert_cmpfloat (y3->data[i], ==, x->data[15 + i] + 0.5f);
      g_assert_cmpfloat (y3->data[15 + i], ==, x->data[i] - 2.0f);
    }

  /* a shift: tap (ky=1, kx=2) reads the right neighbour, zero past the edge */
  float ws[9] = { 0 };
  ws[1 * 3 + 2] = 1;
  g_autoptr (CbTensor) x1 = cb_tensor_new (1, 2, 3);
  for (guint i = 0; i < 6; i++)
    x1->data[i] = (float)(i + 1);
  g_autoptr (CbTensor) ys = run_conv (x1, ws, NULL, 1, 3, CB_ACT_NONE, CB_ACT_NONE, 0.2f);
  const float shifted[] = { 2, 3, 0, 5, 6, 0 };
  assert_tensor_equal (ys, shifted);
}

static void
test_conv_box (void)
{
  /* all-ones 3x3 kernel on a 1-channel 3 x 4 map of ones: the count of
   * in-bounds neighbours, hand-checked: corners 4, edges 6, inside 9 */
  float ones[9];
  for (guint i = 0; i < 9; i++)
    ones[i] = 1;
  g_autoptr (CbTensor) x = cb_tensor_new (1, 3, 4);
  for (guint i = 0; i < 12; i++)
    x->data[i] = 1;
  g_autoptr (CbTensor) y = run_conv (x, ones, NULL, 1, 3, CB_ACT_NONE, CB_ACT_NONE, 0.2f);
  const float expected[] = { 4, 6, 6, 4, 6, 9, 9, 6, 4, 6, 6, 4 };
  assert_tensor_equal (y, expected);

  /* 1 x 1 image: only the centre tap counts */
  g_autoptr (CbTensor) p = cb_tensor_new (1, 1, 1);
  p->data[0] = 3;
  const float k[] = { 9, 9, 9, 9, 2, 9, 9, 9, 9 }, bias[] = { 1 };
  g_autoptr (CbTensor) q = run_conv (p, k, bias, 1, 3, CB_ACT_NONE, CB_ACT_NONE, 0.2f);
  g_assert_cmpfloat (q->data[0], ==, 7.0f);
}

static void
test_conv_activations (void)
{
  /* act_in on the input (1x1 weight 2), then act on the output with bias -1 */
  const float xv[] = { -2, -0.5f, 0, 0.5f, 3 };
  g_autoptr (CbTensor) x = tensor_from (1, 1, 5, xv);
  const float w[] = { 2 }, b[] = { -1 };

  g_autoptr (CbTensor) a = run_conv (x, w, b, 1, 1, CB_ACT_LEAKY_RELU, CB_ACT_NONE, 0.2f);
  const float ea[] = { 2 * -0.4f - 1, 2 * -0.1f - 1, -1, 0, 5 };
  for (guint i = 0; i < 5; i++)
    g_assert_cmpfloat_with_epsilon (a->data[i], ea[i], 1e-6);

  g_autoptr (CbTensor) r = run_conv (x, w, b, 1, 1, CB_ACT_RELU, CB_ACT_RELU, 0.2f);
  const float er[] = { 0, 0, 0, 0, 5 };
  assert_tensor_equal (r, er);

  g_autoptr (CbTensor) t = run_conv (x, w, b, 1, 1, CB_ACT_NONE, CB_ACT_TANH, 0.2f);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpfloat_with_epsilon (t->data[i], tanh (2.0 * xv[i] - 1.0), 1e-6);

  /* another slope */
  g_autoptr (CbTensor) l = run_conv (x, w, NULL, 1, 1, CB_ACT_NONE, CB_ACT_LEAKY_RELU, 0.01f);
  g_assert_cmpfloat_with_epsilon (l->data[0], -0.04f, 1e-7);
  g_assert_cmpfloat_with_epsilon (l->data[4], 6.0f, 1e-7);
}

static void
test_conv_random (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  const struct
  {
    guint cin, cout, h, w, k;
  } shapes[] = {
    { 1, 1, 1, 1, 3 }, { 1, 3, 5, 7, 3 }, { 3, 1, 7, 5, 3 }, { 5, 4, 1, 9, 3 },
    { 4, 6, 9, 1, 3 }, { 7, 3, 6, 5, 1 }, { 1, 2, 2, 2, 1 }, { 33, 17, 11, 13, 3 },
  };
  const CbActivation acts[] = { CB_ACT_NONE, CB_ACT_RELU, CB_ACT_LEAKY_RELU, CB_ACT_TANH };
  for (gsize s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (guint with_bias = 0; with_bias < 2; with_bias++)
      {
        guint cin = shapes[s].cin, cout = shapes[s].cout, k = shapes[s].k;
        g_autoptr (CbTensor) x = tensor_random (rand, cin, shapes[s].h, shapes[s].w, -2, 2);
        g_autoptr (CbTensor) w = tensor_random (rand, 1, cout, cin * k * k, -1, 1);
        g_autoptr (CbTensor) b = tensor_random (rand, 1, 1, cout, -1, 1);
        CbActivation act_in = acts[(s + with_bias) % 4], act = acts[(s * 3 + with_bias + 1) % 4];
        g_autoptr (CbTensor) ref = naive_conv (x, w->data, with_bias ? b->data : NULL, cout, k, act_in, act, 0.2f);
        g_autoptr (CbTensor) got = run_conv (x, w->data, with_bias ? b->data : NULL, cout, k, act_in, act, 0.2f);
        assert_close (got, ref, 1e-5);
      }
}

/* ---- spade norm, add, activation ----------------------------------------- */

static void
test_spade_norm (void)
{
  /* 2 channels, 1 x 2 pixels; mean (1, -1), var (3, 0.25), eps 1 -> invstd (0.5, 1/sqrt(1.25)) */
  const float xv[] = { 3, 5, -1, 0 }, gv[] = { 0, 1, -1, 0.5f }, bv[] = { 0.25f, 0, 7, -1 };
  const float mv[] = { 1, -1 }, vv[] = { 3, 0.25f };
  g_autoptr (CbTensor) x = tensor_from (2, 1, 2, xv);
  g_autoptr (CbTensor) gamma = tensor_from (2, 1, 2, gv);
  g_autoptr (CbTensor) beta = tensor_from (2, 1, 2, bv);
  g_autoptr (CbTensor) mean = tensor_from (1, 1, 2, mv);
  g_autoptr (CbTensor) var = tensor_from (1, 1, 2, vv);
  CbTensor *in[] = { x, gamma, beta, mean, var };
  CbOp op;
  cb_op_init (&op, CB_OP_SPADE_NORM, "norm");
  op.eps = 1.0f;
  g_autoptr (CbTensor) out = run_one_op (&op, 5, in, 2, 1, 2);
  double s1 = 1.0 / sqrt (1.25);
  const double expected[] = { 1 * 1 + 0.25, 2 * 2 + 0, 0 * 0 + 7, 1 * s1 * 1.5 - 1 };
  for (guint i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (out->data[i], expected[i], 1e-6);

  /* fused leaky ReLU, and no eps */
  op.eps = 0.0f;
  op.act = CB_ACT_LEAKY_RELU;
  const float vv2[] = { 4, 1 };
  memcpy (var->data, vv2, sizeof vv2);
  g_autoptr (CbTensor) out2 = run_one_op (&op, 5, in, 2, 1, 2);
  /* ch 0: (3-1)/2=1 -> 1*1+.25 ; (5-1)/2=2 -> 2*2 ; ch 1: 0*0+7 ; 1*1.5-1 */
  const double expected2[] = { 1.25, 4, 7, 0.5 };
  for (guint i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (out2->data[i], expected2[i], 1e-6);
  const float bv3[] = { -10.25f, 0, 7, -1 }; /* first becomes 1 - 10.25 = -9.25 -> -1.85 */
  memcpy (beta->data, bv3, sizeof bv3);
  g_autoptr (CbTensor) out3 = run_one_op (&op, 5, in, 2, 1, 2);
  g_assert_cmpfloat_with_epsilon (out3->data[0], -1.85, 1e-6);
}

static void
test_add_activation (void)
{
  const float av[] = { 1, -2, 3 }, bv[] = { 0.5f, 1, -4 };
  g_autoptr (CbTensor) a = tensor_from (3, 1, 1, av);
  g_autoptr (CbTensor) b = tensor_from (3, 1, 1, bv);
  CbTensor *in[] = { a, b };
  CbOp op;
  cb_op_init (&op, CB_OP_ADD, "add");
  g_autoptr (CbTensor) s = run_one_op (&op, 2, in, 3, 1, 1);
  const float es[] = { 1.5f, -1, -1 };
  assert_tensor_equal (s, es);

  op.act = CB_ACT_RELU;
  g_autoptr (CbTensor) sr = run_one_op (&op, 2, in, 3, 1, 1);
  const float esr[] = { 1.5f, 0, 0 };
  assert_tensor_equal (sr, esr);

  CbOp act;
  cb_op_init (&act, CB_OP_ACTIVATION, "act");
  act.act = CB_ACT_LEAKY_RELU;
  act.slope = 0.5f;
  g_autoptr (CbTensor) l = run_one_op (&act, 1, in, 3, 1, 1);
  const float el[] = { 1, -1, 3 };
  assert_tensor_equal (l, el);
  act.act = CB_ACT_TANH;
  g_autoptr (CbTensor) t = run_one_op (&act, 1, in, 3, 1, 1);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (t->data[i], tanh (av[i]), 1e-6);
  act.act = CB_ACT_NONE;
  g_autoptr (CbTensor) n = run_one_op (&act, 1, in, 3, 1, 1);
  assert_tensor_equal (n, av);
}

static void
test_to_rgba8 (void)
{
  /* 3 channels x 1 x 4 pixels */
  const float v[] = {
    -1,   1,      0,
    5, /* R: 0, 255, 128 (127.5 rounds up), 255 (clamped) */
    -3,   -0.5f,  0.00392156862f,
    NAN, /* G: 0 (clamped), 64 (63.75), 128 (128.0), 0 (NaN) */
    0.5f, -0.99f, 0.999f,
    -1, /* B: 191 (191.25), 1 (1.275), 255 (254.87), 0 */
  };
  g_autoptr (CbTensor) in = tensor_from (3, 1, 4, v);
  CbTensor *ins[] = { in };
  CbOp op;
  cb_op_init (&op, CB_OP_TO_RGBA8, "rgba");
  g_autoptr (CbTensor) out = run_one_op (&op, 1, ins, 1, 1, 4);
  const guint8 expected[16] = { 0, 0, 191, 255, 255, 64, 1, 255, 128, 128, 255, 255, 255, 0, 0, 255 };
  /* the floats' bytes in memory are R, G, B, A on a little-endian machine */
  guint8 got[16];
  for (guint i = 0; i < 4; i++)
    {
      guint32 bits;
      memcpy (&bits, &out->data[i], 4);
      bits = GUINT32_FROM_LE (bits);
      for (guint k = 0; k < 4; k++)
        got[i * 4 + k] = (bits >> (8 * k)) & 0xff;
    }
  g_assert_cmpmem (got, 16, expected, 16);
}

/* ---- whole graphs ------------------------------------------------------- */

static void
test_graph_run (void)
{
  /* embed -> conv3x3(lrelu in) -> resize x2 -> add(self-shortcut via conv1x1) -> tanh */
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  g_autoptr (CbGraph) g = cb_graph_new ();
  guint rows = cb_graph_add_input (g, "rows", 1, 3, 5);
  guint table = cb_graph_add_input (g, "table", 1, 4, 2);
  g_autoptr (CbTensor) w3 = tensor_random (rand, 1, 3, 2 * 9, -1, 1);
  g_autoptr (CbTensor) w1 = tensor_random (rand, 1, 3, 3, -1, 1);
  g_autoptr (CbTensor) b3 = tensor_random (rand, 1, 1, 3, -1, 1);
  guint cw3 = add_const_tensor (g, "w3", w3), cb3 = add_const_tensor (g, "b3", b3);
  guint cw1 = add_const_tensor (g, "w1", w1);
  guint seg = cb_graph_add_temp (g, "seg", 2, 3, 5);
  guint h = cb_graph_add_temp (g, "h", 3, 3, 5);
  guint up = cb_graph_add_temp (g, "up", 3, 6, 10);
  guint s = cb_graph_add_temp (g, "s", 3, 6, 10);
  guint out = cb_graph_add_temp (g, "out", 3, 6, 10);

  CbOp op;
  cb_op_init (&op, CB_OP_EMBED, "embed");
  op.inputs[0] = rows, op.inputs[1] = table, op.n_inputs = 2, op.output = seg;
  g_assert_cmpuint (cb_graph_add_op (g, &op), ==, 0);
  cb_op_init (&op, CB_OP_CONV2D, "fc");
  op.kernel = 3, op.act_in = CB_ACT_LEAKY_RELU;
  op.inputs[0] = seg, op.inputs[1] = cw3, op.inputs[2] = cb3, op.n_inputs = 3, op.output = h;
  cb_graph_add_op (g, &op);
  cb_op_init (&op, CB_OP_RESIZE_NEAREST, NULL);
  op.inputs[0] = h, op.n_inputs = 1, op.output = up;
  cb_graph_add_op (g, &op);
  cb_op_init (&op, CB_OP_CONV2D, "conv_s");
  op.inputs[0] = up, op.inputs[1] = cw1, op.n_inputs = 2, op.output = s;
  cb_graph_add_op (g, &op);
  cb_op_init (&op, CB_OP_ADD, "add");
  op.act = CB_ACT_TANH;
  op.inputs[0] = up, op.inputs[1] = s, op.n_inputs = 2, op.output = out;
  cb_graph_add_op (g, &op);
  g_assert_cmpuint (g->output, ==, out);
  g_assert_cmpstr (cb_graph_op (g, 2)->name, ==, "resize_nearest");
  g_assert_cmpuint (cb_op_count_bytes (g, cb_graph_op (g, 4)), ==, 3 * 60 * 3 * 4);

  const float rv[] = { 0, 1, 2, 3, 3, 3, 2, 1, 0, 0, 1, 1, 2, 2, 3 };
  g_autoptr (CbTensor) r = tensor_from (1, 3, 5, rv);
  g_autoptr (CbTensor) t = tensor_random (rand, 1, 4, 2, -1, 1);
  CbTensor *inputs[] = { r, t };
  g_autoptr (GError) error = NULL;
  g_autoptr (CbTensor) got = cb_graph_run_reference (g, inputs, 2, &error);
  g_assert_no_error (error);

  /* the same by hand, op by op */
  g_autoptr (CbTensor) tseg = cb_tensor_new (2, 3, 5);
  for (guint i = 0; i < 15; i++)
    for (guint c = 0; c < 2; c++)
      tseg->data[c * 15 + i] = t->data[(guint)rv[i] * 2 + c];
  g_autoptr (CbTensor) th = naive_conv (tseg, w3->data, b3->data, 3, 3, CB_ACT_LEAKY_RELU, CB_ACT_NONE, 0.2f);
  g_autoptr (CbTensor) tup = cb_tensor_new (3, 6, 10);
  for (guint c = 0; c < 3; c++)
    for (guint y = 0; y < 6; y++)
      for (guint x = 0; x < 10; x++)
        tup->data[(c * 6 + y) * 10 + x] = th->data[(c * 3 + y / 2) * 5 + x / 2];
  g_autoptr (CbTensor) ts = naive_conv (tup, w1->data, NULL, 3, 1, CB_ACT_NONE, CB_ACT_NONE, 0.2f);
  g_autoptr (CbTensor) expected = cb_tensor_new (3, 6, 10);
  for (guint i = 0; i < 180; i++)
    expected->data[i] = tanhf (tup->data[i] + ts->data[i]);
  assert_close (got, expected, 1e-5);

  /* wrong inputs are a GError, not a crash */
  g_autoptr (CbTensor) bad = cb_tensor_new (1, 3, 4);
  CbTensor *bad_inputs[] = { bad, t };
  g_autoptr (CbTensor) none = cb_graph_run_reference (g, bad_inputs, 2, &error);
  g_assert_null (none);
  g_assert_error (error, CB_ERROR, CB_ERROR_MISMATCH);
  g_clear_error (&error);
  g_autoptr (CbTensor) none2 = cb_graph_run_reference (g, inputs, 1, &error);
  g_assert_null (none2);
  g_assert_error (error, CB_ERROR, CB_ERROR_MISMATCH);
}

static void
test_shape_checks (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr (CbGraph) g = cb_graph_new ();
      CbOp op;
      cb_op_init (&op, CB_OP_CONV2D, "bad");
      op.kernel = 3;
      op.inputs[0] = cb_graph_add_input (g, "x", 2, 4, 4);
      op.inputs[1] = cb_graph_add_const (g, "w", 1, 3, 2 * 1, g_new0 (float, 6)); /* 1x1 weight for a 3x3 conv */
      op.n_inputs = 2;
      op.output = cb_graph_add_temp (g, "y", 3, 4, 4);
      cb_graph_add_op (g, &op);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*");
}

static void
test_shape_checks_ok (void)
{
  /* every kind accepts its documented shapes and rejects a wrong one (quietly counted) */
  g_autoptr (CbGraph) g = cb_graph_new ();
  guint x = cb_graph_add_input (g, "x", 4, 3, 5);
  guint m = cb_graph_add_const (g, "mean", 1, 1, 4, g_new0 (float, 4));
  guint v = cb_graph_add_const (g, "var", 1, 1, 4, g_new0 (float, 4));
  guint y = cb_graph_add_temp (g, "y", 4, 3, 5);
  guint rgb = cb_graph_add_temp (g, "rgb", 3, 3, 5);
  guint px = cb_graph_add_temp (g, "px", 1, 3, 5);
  CbOp op;
  cb_op_init (&op, CB_OP_SPADE_NORM, "norm");
  op.inputs[0] = x, op.inputs[1] = x, op.inputs[2] = x, op.inputs[3] = m, op.inputs[4] = v;
  op.n_inputs = 5, op.output = y;
  g_assert_cmpuint (cb_graph_add_op (g, &op), ==, 0);
  g_assert_cmpuint (cb_op_count_macs (g, cb_graph_op (g, 0)), ==, 2 * 60);
  cb_op_init (&op, CB_OP_TO_RGBA8, "rgba");
  op.inputs[0] = rgb, op.n_inputs = 1, op.output = px;
  g_assert_cmpuint (cb_graph_add_op (g, &op), ==, 1);
  g_assert_cmpstr (cb_op_kind_to_string (CB_OP_SPADE_NORM), ==, "spade_norm");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/reference/embed", test_embed);
  g_test_add_func ("/reference/resize-index", test_resize_index);
  g_test_add_func ("/reference/resize", test_resize);
  g_test_add_func ("/reference/conv-identity", test_conv_identity);
  g_test_add_func ("/reference/conv-box", test_conv_box);
  g_test_add_func ("/reference/conv-activations", test_conv_activations);
  g_test_add_func ("/reference/conv-random", test_conv_random);
  g_test_add_func ("/reference/spade-norm", test_spade_norm);
  g_test_add_func ("/reference/add-activation", test_add_activation);
  g_test_add_func ("/reference/to-rgba8", test_to_rgba8);
  g_test_add_func ("/reference/graph-run", test_graph_run);
  g_test_add_func ("/reference/shape-checks", test_shape_checks);
  g_test_add_func ("/reference/shape-checks-ok", test_shape_checks_ok);
  return g_test_run ();
}
