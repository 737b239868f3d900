/* render-test-util.h: helpers the render tests share (header-only): random
 * data, graphs built op by op, the CPU reference's output, the tiny fixture
 * model and its embedding table, the Vulkan device or backend (or why there
 * is none), the CPU kernel set a run asks for.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-error.h"
#include "model/cb-graph.h"
#include "model/cb-oasis.h"
#include "model/cb-tensor.h"
#include "render/cb-backend.h"
#include "render/cb-cpu-conv.h"
#include "render/cb-vk.h"
#include "tests/test-util.h"
#include "tests/test-vulkan.h"

#include <math.h>
#include <string.h>

/* ---- random data ---- */

G_GNUC_UNUSED static void
fill_random (GRand *rand, float *data, gsize n, double lo, double hi)
{
  for (gsize i = 0; i < n; i++)
    data[i] = (float)g_rand_double_range (rand, lo, hi);
}

G_GNUC_UNUSED static float *
random_data (GRand *rand, gsize n, double lo, double hi)
{
  float *data = g_new (float, MAX (n, 1));
  fill_random (rand, data, n, lo, hi);
  return data;
}

G_GNUC_UNUSED static CbTensor *
random_tensor (GRand *rand, guint c, guint h, guint w, double lo, double hi)
{
  CbTensor *t = cb_tensor_new (c, h, w);
  fill_random (rand, t->data, cb_tensor_n_elements (t), lo, hi);
  return t;
}

/* ---- graphs, op by op: each adds one op and returns its output ---- */

G_GNUC_UNUSED static guint
graph_add_resize (CbGraph *graph, const char *name, guint in, guint h, guint w)
{
  CbOp op;

  cb_op_init (&op, CB_OP_RESIZE_NEAREST, name);
  op.inputs[0] = in;
  op.n_inputs = 1;
  op.output = cb_graph_add_temp (graph, name, cb_graph_value (graph, in)->c, h, w);
  cb_graph_add_op (graph, &op);
  return op.output;
}

/* A new graph with the generator's inputs, rows (1 x h x w) and table
 * (1 x n_rows x n_ch), embedded by its first op ("seg", n_ch x h x w) and
 * then resized to sh x sw where that differs: *seg. */
G_GNUC_UNUSED static CbGraph *
seg_graph_new (guint h, guint w, guint n_rows, guint n_ch, guint sh, guint sw, guint *seg)
{
  CbGraph *graph = cb_graph_new ();
  CbOp op;

  cb_op_init (&op, CB_OP_EMBED, "seg");
  op.inputs[0] = cb_graph_add_input (graph, "rows", 1, h, w);
  op.inputs[1] = cb_graph_add_input (graph, "table", 1, n_rows, n_ch);
  op.n_inputs = 2;
  op.output = cb_graph_add_temp (graph, "seg", n_ch, h, w);
  cb_graph_add_op (graph, &op);
  *seg = op.output;
  if (sh != h || sw != w)
    *seg = graph_add_resize (graph, "seg_small", *seg, sh, sw);
  return graph;
}

G_GNUC_UNUSED static guint
graph_add_add (CbGraph *graph, const char *name, guint a, guint b)
{
  const CbValue *v = cb_graph_value (graph, a);
  CbOp op;

  cb_op_init (&op, CB_OP_ADD, name);
  op.inputs[0] = a;
  op.inputs[1] = b;
  op.n_inputs = 2;
  op.output = cb_graph_add_temp (graph, name, v->c, v->h, v->w);
  cb_graph_add_op (graph, &op);
  return op.output;
}

/* The range of a convolution's weights at initialisation (±1/√fan-in) */
G_GNUC_UNUSED static double
conv_init_range (guint cin, guint k)
{
  return 1.0 / sqrt ((double)cin * k * k);
}

/* A k x k convolution of in to cout channels at the same size, weights
 * uniform in ±w_range, then a bias uniform in ±b_range (none where b_range
 * is 0); both drawn from rand, in that order. */
G_GNUC_UNUSED static guint
graph_add_conv (CbGraph *graph, GRand *rand, const char *name, guint in, guint cout, guint k, double w_range,
                double b_range, CbActivation act_in, CbActivation act)
{
  const CbValue *x = cb_graph_value (graph, in);
  guint cin = x->c, h = x->h, w = x->w;
  g_autofree char *wname = g_strconcat (name, ".weight", NULL);
  g_autofree char *bname = g_strconcat (name, ".bias", NULL);
  CbOp op;

  cb_op_init (&op, CB_OP_CONV2D, name);
  op.kernel = k;
  op.act_in = act_in;
  op.act = act;
  op.inputs[0] = in;
  op.inputs[1] = cb_graph_add_const (graph, wname, 1, cout, cin * k * k,
                                     random_data (rand, (gsize)cout * cin * k * k, -w_range, w_range));
  op.n_inputs = 2;
  if (b_range > 0)
    op.inputs[op.n_inputs++]
      = cb_graph_add_const (graph, bname, 1, 1, cout, random_data (rand, cout, -b_range, b_range));
  op.output = cb_graph_add_temp (graph, name, cout, h, w);
  cb_graph_add_op (graph, &op);
  return op.output;
}

/* SPADE of x by gamma and beta, its running mean uniform in ±mean_range and
 * variance in [var_lo, var_hi] (drawn from rand, in that order) */
G_GNUC_UNUSED static guint
graph_add_spade_norm (CbGraph *graph, GRand *rand, const char *name, guint x, guint gamma, guint beta, CbActivation act,
                      double mean_range, double var_lo, double var_hi)
{
  const CbValue *v = cb_graph_value (graph, x);
  guint c = v->c, h = v->h, w = v->w;
  CbOp op;

  cb_op_init (&op, CB_OP_SPADE_NORM, name);
  op.act = act;
  op.inputs[0] = x;
  op.inputs[1] = gamma;
  op.inputs[2] = beta;
  op.inputs[3] = cb_graph_add_const (graph, "mean", 1, 1, c, random_data (rand, c, -mean_range, mean_range));
  op.inputs[4] = cb_graph_add_const (graph, "var", 1, 1, c, random_data (rand, c, var_lo, var_hi));
  op.n_inputs = 5;
  op.output = cb_graph_add_temp (graph, name, c, h, w);
  cb_graph_add_op (graph, &op);
  return op.output;
}

/* The CPU reference's output of graph on inputs; it must run */
G_GNUC_UNUSED static CbTensor *
run_reference (const CbGraph *graph, CbTensor *const *inputs, guint n_inputs)
{
  g_autoptr (GError) error = NULL;
  CbTensor *ref = cb_graph_run_reference (graph, inputs, n_inputs, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ref);
  return ref;
}

/* ---- the tiny fixture model ---- */

/* tests/fixtures/tiny-model.safetensors, or NULL after skipping the test
 * where the fixture is missing; a fixture that does not load fails */
G_GNUC_UNUSED static CbModel *
load_tiny_model (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = cb_test_fixture ("tiny-model.safetensors");

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no tiny fixture model");
      return NULL;
    }
  CbModel *model = cb_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (model);
  return model;
}

/* The embedding table of model's n_classes classes for the image seed, as
 * the generator's second input (1 x rows x channels) */
G_GNUC_UNUSED static CbTensor *
embed_table_tensor (const CbModel *model, guint n_classes, guint64 seed)
{
  CbSeeds seeds = { .seed = seed };
  g_autoptr (CbEmbedTable) embed = cb_embed_table_new (model, NULL, n_classes, &seeds);
  CbTensor *table = cb_tensor_new (1, embed->n_rows, embed->n_channels);

  memcpy (table->data, embed->table, cb_tensor_n_elements (table) * sizeof (float));
  return table;
}

/* ---- devices ---- */

/* The Vulkan device; NULL with *why (to g_free) where there is none: only a
 * missing device is a reason to skip, any other error fails */
G_GNUC_UNUSED static CbVkDevice *
vk_device_or_reason (char **why)
{
  g_autoptr (GError) error = NULL;
  CbVkDevice *dev = cb_vk_device_new (NULL, &error);

  if (dev == NULL)
    {
      g_assert_error (error, CB_ERROR, CB_ERROR_DEVICE);
      *why = g_strdup_printf ("No Vulkan device: %s", error->message);
    }
  return dev;
}

/* Runs the tests added, which share *dev: opened first (NULL with *why where
 * there is none), freed after; returns g_test_run()'s status */
G_GNUC_UNUSED static int
run_tests_on_vk_device (CbVkDevice **dev, char **why)
{
  int status;

  *dev = vk_device_or_reason (why);
  if (*dev != NULL)
    g_test_message ("device: %s; subgroup size %u, arithmetic %s; ~%u compute units", (*dev)->description,
                    (*dev)->subgroup_size, (*dev)->subgroup_arith ? "yes" : "no", (*dev)->compute_units);
  status = g_test_run ();
  g_clear_pointer (dev, cb_vk_device_free);
  g_clear_pointer (why, g_free);
  return status;
}

/* ---- CPU kernel sets ---- */

/* The CPU tests run once per kernel set (CATBRUSH_CPU_ISA): FALSE where this
 * CPU lacks the one asked for, after the TAP line that skips the whole test
 * (which then exits with 77); else TRUE, with that set in use. */
G_GNUC_UNUSED static gboolean
cpu_isa_wanted_available (void)
{
  const char *want = g_getenv ("CATBRUSH_CPU_ISA");

  if (want != NULL
      && ((g_str_equal (want, "avx512") && cb_cpu_isa_supported () < CB_CPU_ISA_AVX512)
          || (g_str_equal (want, "avx2") && cb_cpu_isa_supported () < CB_CPU_ISA_AVX2)))
    {
      g_print ("1..0 # SKIP this CPU has no %s\n", want);
      return FALSE;
    }
  g_test_message ("kernels: %s", cb_cpu_isa ());
  if (want != NULL)
    g_assert_cmpstr (cb_cpu_isa (), ==, g_str_equal (want, "generic") ? "portable" : want);
  return TRUE;
}
