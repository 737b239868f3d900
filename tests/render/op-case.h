/* op-case.h: the one-op cases test-cpu-ops.c and test-vk-ops.c share
 * (header-only): a case as a one-op graph with its CPU reference output,
 * and the case families both files run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tests/render/render-test-util.h"

/* One op: in[i] is a graph input (given per run) where is_input[i], else a
 * constant. */
typedef struct
{
  CbOp op;
  CbTensor *in[CB_OP_MAX_INPUTS]; /* owned */
  gboolean is_input[CB_OP_MAX_INPUTS];
  guint out_c, out_h, out_w;
} OpCase;

G_GNUC_UNUSED static void
op_case_clear (OpCase *oc)
{
  for (guint i = 0; i < CB_OP_MAX_INPUTS; i++)
    g_clear_pointer (&oc->in[i], cb_tensor_free);
}

/* The case as a one-op graph: inputs first (value order = run order), then
 * constants. run_inputs receives the tensors to run it with, *ref the CPU
 * reference's output. */
G_GNUC_UNUSED static CbGraph *
op_case_build (const OpCase *oc, CbTensor **run_inputs, guint *n_run_inputs, CbTensor **ref)
{
  CbGraph *graph = cb_graph_new ();
  CbOp op = oc->op;

  *n_run_inputs = 0;
  for (guint i = 0; i < op.n_inputs; i++)
    if (oc->is_input[i])
      {
        g_autofree char *name = g_strdup_printf ("in%u", i);
        op.inputs[i] = cb_graph_add_input (graph, name, oc->in[i]->c, oc->in[i]->h, oc->in[i]->w);
        run_inputs[(*n_run_inputs)++] = oc->in[i];
      }
  for (guint i = 0; i < op.n_inputs; i++)
    if (!oc->is_input[i])
      {
        g_autofree char *name = g_strdup_printf ("const%u", i);
        op.inputs[i] = cb_graph_add_const (graph, name, oc->in[i]->c, oc->in[i]->h, oc->in[i]->w,
                                           g_memdup2 (oc->in[i]->data, cb_tensor_n_elements (oc->in[i]) * 4));
      }
  op.output = cb_graph_add_temp (graph, "out", oc->out_c, oc->out_h, oc->out_w);
  g_assert_cmpuint (cb_graph_add_op (graph, &op), ==, 0);
  graph->output = op.output;

  *ref = cb_tensor_new (oc->out_c, oc->out_h, oc->out_w);
  cb_reference_op (graph, cb_graph_op (graph, 0), (const CbTensor *const *)oc->in, *ref);
  return graph;
}

/* A convolution case on random data, weights scaled as at initialisation;
 * returns what to call it in messages. */
G_GNUC_UNUSED static char *
op_case_conv (OpCase *oc, GRand *rand, guint cin, guint cout, guint h, guint w, guint k, gboolean bias,
              CbActivation act_in, CbActivation act, float slope)
{
  double scale = conv_init_range (cin, k);

  cb_op_init (&oc->op, CB_OP_CONV2D, "conv");
  oc->op.kernel = k;
  oc->op.act = act;
  oc->op.act_in = act_in;
  oc->op.slope = slope;
  oc->op.n_inputs = bias ? 3 : 2;
  oc->in[0] = random_tensor (rand, cin, h, w, -1, 1);
  oc->in[1] = random_tensor (rand, 1, cout, cin * k * k, -scale, scale);
  oc->is_input[0] = TRUE;
  if (bias)
    oc->in[2] = random_tensor (rand, 1, 1, cout, -0.5, 0.5);
  oc->out_c = cout, oc->out_h = h, oc->out_w = w;
  return g_strdup_printf ("conv %u->%u %ux%u k%u bias %d act_in %d act %d", cin, cout, h, w, k, bias, act_in, act);
}

/* An ADD of two random c x h x w tensors, act fused; the second operand a
 * constant where const_b */
G_GNUC_UNUSED static void
op_case_add (OpCase *oc, GRand *rand, guint c, guint h, guint w, CbActivation act, gboolean const_b)
{
  cb_op_init (&oc->op, CB_OP_ADD, "add");
  oc->op.act = act;
  oc->op.n_inputs = 2;
  oc->in[0] = random_tensor (rand, c, h, w, -2, 2);
  oc->in[1] = random_tensor (rand, c, h, w, -2, 2);
  oc->is_input[0] = TRUE;
  oc->is_input[1] = !const_b;
  oc->out_c = c, oc->out_h = h, oc->out_w = w;
}

/* An activation on random values in ±100: tanh out to where a naive
 * sinh/cosh overflows */
G_GNUC_UNUSED static void
op_case_activation (OpCase *oc, GRand *rand, guint c, guint h, guint w, CbActivation act, float slope)
{
  cb_op_init (&oc->op, CB_OP_ACTIVATION, "act");
  oc->op.act = act;
  oc->op.slope = slope;
  oc->op.n_inputs = 1;
  oc->in[0] = random_tensor (rand, c, h, w, -100, 100);
  oc->is_input[0] = TRUE;
  oc->out_c = c, oc->out_h = h, oc->out_w = w;
}

/* The case families both files run with the same seeds; shapes are (c, h, w)
 * and check runs one case (and clears it). */
typedef void (*OpCaseCheck) (OpCase *oc, const char *what);

/* One convolution case (op_case_conv()), checked by check. */
G_GNUC_UNUSED static void
op_case_check_conv (OpCaseCheck check, GRand *rand, guint cin, guint cout, guint h, guint w, guint k, gboolean bias,
                    CbActivation act_in, CbActivation act, float slope)
{
  OpCase oc = { 0 };
  g_autofree char *what = op_case_conv (&oc, rand, cin, cout, h, w, k, bias, act_in, act, slope);

  check (&oc, what);
}

/* cases: cin, cout, h, w; each with k = 1 and 3, a bias on every other */
G_GNUC_UNUSED static void
op_cases_conv_shapes (const guint (*cases)[4], gsize n_cases, OpCaseCheck check)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);

  for (gsize i = 0; i < n_cases; i++)
    for (guint k = 1; k <= 3; k += 2)
      op_case_check_conv (check, rand, cases[i][0], cases[i][1], cases[i][2], cases[i][3], k, i % 2 == 0, CB_ACT_NONE,
                          CB_ACT_NONE, 0.2f);
}

G_GNUC_UNUSED static void
op_cases_embed (const guint (*shapes)[3], gsize n_shapes, OpCaseCheck check)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (1);

  for (gsize s = 0; s < n_shapes; s++)
    {
      guint c = shapes[s][0], h = shapes[s][1], w = shapes[s][2], n_rows = 1 + s * 2;
      OpCase oc = { 0 };
      cb_op_init (&oc.op, CB_OP_EMBED, "embed");
      oc.op.n_inputs = 2;
      oc.in[0] = cb_tensor_new (1, h, w);
      for (guint i = 0; i < h * w; i++)
        oc.in[0]->data[i] = (float)g_rand_int_range (rand, 0, (gint32)n_rows);
      /* out of range reads the last row */
      oc.in[0]->data[0] = -1.0f;
      if (h * w > 2)
        {
          oc.in[0]->data[1] = (float)n_rows;
          oc.in[0]->data[2] = NAN;
        }
      oc.in[1] = random_tensor (rand, 1, n_rows, c, -1, 1);
      oc.is_input[0] = oc.is_input[1] = TRUE;
      oc.out_c = c, oc.out_h = h, oc.out_w = w;
      check (&oc, "embed");
    }
}

G_GNUC_UNUSED static void
op_cases_resize (OpCaseCheck check)
{
  static const guint sizes[][4] = {
    /* in h, w -> out h, w */
    { 13, 11, 7, 5 }, { 7, 5, 14, 10 }, { 5, 3, 13, 11 }, { 1, 1, 3, 3 }, { 6, 9, 6, 9 }, { 16, 16, 5, 7 },
  };
  g_autoptr (GRand) rand = g_rand_new_with_seed (2);

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      OpCase oc = { 0 };
      guint c = s % 2 ? 3 : 1;
      cb_op_init (&oc.op, CB_OP_RESIZE_NEAREST, "resize");
      oc.op.n_inputs = 1;
      oc.in[0] = random_tensor (rand, c, sizes[s][0], sizes[s][1], -2, 2);
      oc.is_input[0] = TRUE;
      oc.out_c = c, oc.out_h = sizes[s][2], oc.out_w = sizes[s][3];
      check (&oc, "resize");
    }
}

G_GNUC_UNUSED static void
op_cases_spade_norm (const guint (*shapes)[3], gsize n_shapes, OpCaseCheck check)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);

  for (gsize s = 0; s < n_shapes; s++)
    for (int act = CB_ACT_NONE; act <= CB_ACT_TANH; act++)
      {
        guint c = shapes[s][0], h = shapes[s][1], w = shapes[s][2];
        OpCase oc = { 0 };
        cb_op_init (&oc.op, CB_OP_SPADE_NORM, "spade");
        oc.op.act = act;
        oc.op.eps = s % 2 ? 1e-5f : 1e-3f;
        oc.op.n_inputs = 5;
        oc.in[0] = random_tensor (rand, c, h, w, -3, 3);
        oc.in[1] = random_tensor (rand, c, h, w, -1, 1);
        oc.in[2] = random_tensor (rand, c, h, w, -1, 1);
        oc.in[3] = random_tensor (rand, 1, 1, c, -1, 1);
        oc.in[4] = random_tensor (rand, 1, 1, c, 0.01, 4);
        /* gamma and beta are computed (inputs); the statistics are weights */
        oc.is_input[0] = oc.is_input[1] = oc.is_input[2] = TRUE;
        oc.out_c = c, oc.out_h = h, oc.out_w = w;
        check (&oc, "spade_norm");
      }
}

/* RGBA8 of random 3 x h x w images in ±1.5, the first values at the edges:
 * clamping, exact ends, NaN */
G_GNUC_UNUSED static void
op_cases_to_rgba8 (const guint (*shapes)[3], gsize n_shapes, OpCaseCheck check)
{
  static const float edges[] = { -1.0f, 1.0f, 0.0f, NAN, -7.0f, 3.0f, 1.0f / 255.0f - 1.0f };
  g_autoptr (GRand) rand = g_rand_new_with_seed (8);

  for (gsize s = 0; s < n_shapes; s++)
    {
      guint h = shapes[s][1], w = shapes[s][2];
      OpCase oc = { 0 };
      cb_op_init (&oc.op, CB_OP_TO_RGBA8, "rgba");
      oc.op.n_inputs = 1;
      oc.in[0] = random_tensor (rand, 3, h, w, -1.5, 1.5);
      for (guint i = 0; i < G_N_ELEMENTS (edges) && i < 3 * h * w; i++)
        oc.in[0]->data[i] = edges[i];
      oc.is_input[0] = TRUE;
      oc.out_c = 1, oc.out_h = h, oc.out_w = w;
      check (&oc, "to_rgba8");
    }
}
