/* test-vk-gather.c: convolutions over the label map as table gathers on
 * Vulkan (gather_table.comp + conv_gather.comp) against the CPU reference
 * of the same graph (embed, optional nearest resize, 3x3 convolution), on
 * random tables and rows (void and out-of-range rows too), odd sizes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-error.h"
#include "render/cb-vk.h"
#include "tests/test-util.h"

#include <glib/gstdio.h>
#include <string.h>

static CbVkDevice *dev;

static float *
random_data (GRand *rand, gsize n, double lo, double hi)
{
  float *data = g_new (float, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    data[i] = (float)g_rand_double_range (rand, lo, hi);
  return data;
}

/* rows (1 x h x w), table (1 x n_rows x c) -> embed -> [resize to oh x ow] -> conv3x3 -> cout */
static CbGraph *
seg_conv_graph (GRand *rand, guint h, guint w, guint n_rows, guint c, guint oh, guint ow, guint cout, gboolean bias,
                CbActivation act)
{
  CbGraph *graph = cb_graph_new ();
  guint rows = cb_graph_add_input (graph, "rows", 1, h, w);
  guint table = cb_graph_add_input (graph, "table", 1, n_rows, c);
  CbOp op;

  cb_op_init (&op, CB_OP_EMBED, "seg");
  op.n_inputs = 2;
  op.inputs[0] = rows;
  op.inputs[1] = table;
  op.output = cb_graph_add_temp (graph, "seg", c, h, w);
  cb_graph_add_op (graph, &op);
  guint seg = op.output;
  if (oh != h || ow != w)
    {
      cb_op_init (&op, CB_OP_RESIZE_NEAREST, "seg_small");
      op.n_inputs = 1;
      op.inputs[0] = seg;
      op.output = cb_graph_add_temp (graph, "seg_small", c, oh, ow);
      cb_graph_add_op (graph, &op);
      seg = op.output;
    }
  cb_op_init (&op, CB_OP_CONV2D, "mlp_shared");
  op.kernel = 3;
  op.act = act;
  op.slope = 0.2f;
  op.n_inputs = bias ? 3 : 2;
  op.inputs[0] = seg;
  op.inputs[1] = cb_graph_add_const (graph, "w", 1, cout, c * 9, random_data (rand, (gsize)cout * c * 9, -0.3, 0.3));
  if (bias)
    op.inputs[2] = cb_graph_add_const (graph, "b", 1, 1, cout, random_data (rand, cout, -0.5, 0.5));
  op.output = cb_graph_add_temp (graph, "out", cout, oh, ow);
  cb_graph_add_op (graph, &op);
  return graph;
}

typedef struct
{
  guint h, w, n_rows, c, oh, ow, cout;
  gboolean bias;
  CbActivation act;
} GatherCase;

/* Runs one case on Vulkan (gathers on, then off) and on the reference. */
static void
run_case (const GatherCase *gc, guint seed, double tolerance)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbGraph) graph
    = seg_conv_graph (rand, gc->h, gc->w, gc->n_rows, gc->c, gc->oh, gc->ow, gc->cout, gc->bias, gc->act);
  g_autoptr (CbTensor) rows = cb_tensor_new (1, gc->h, gc->w);
  g_autoptr (CbTensor) table = cb_tensor_new (1, gc->n_rows, gc->c);
  g_autofree float *t = random_data (rand, (gsize)gc->n_rows * gc->c, -1.5, 1.5);

  memcpy (table->data, t, sizeof (float) * gc->n_rows * gc->c);
  for (guint i = 0; i < gc->h * gc->w; i++)
    {
      guint r = g_rand_int_range (rand, 0, (gint32)gc->n_rows + 2);
      /* every row, and rows past the end (read as the last, void's) */
      rows->data[i] = r < gc->n_rows ? (float)r : (r == gc->n_rows ? -1.0f : (float)gc->n_rows + 5);
    }
  CbTensor *inputs[2] = { rows, table };
  g_autoptr (CbTensor) ref = cb_graph_run_reference (graph, inputs, 2, &error);
  g_assert_no_error (error);

  for (int dense = 0; dense <= 1; dense++)
    {
      if (dense)
        g_setenv ("CATBRUSH_VK_NO_GATHER", "1", TRUE);
      CbVkPlan *plan = cb_vk_plan_new (dev, graph, &error);
      g_unsetenv ("CATBRUSH_VK_NO_GATHER");
      g_assert_no_error (error);
      g_assert_cmpuint (cb_vk_plan_get_n_gathers (plan), ==, dense ? 0 : 1);
      g_autoptr (CbTensor) out = cb_tensor_new (gc->cout, gc->oh, gc->ow);
      /* twice: the second run rewrites G over what the first read */
      for (guint r = 0; r < 2; r++)
        {
          g_assert_true (cb_vk_plan_run (plan, inputs, 2, out, &error));
          g_assert_no_error (error);
        }
      double err = cb_tensor_rel_error (out, ref);
      g_test_message ("%ux%u -> %ux%u, %u rows, %u -> %u ch, %s: %.3g", gc->h, gc->w, gc->oh, gc->ow, gc->n_rows, gc->c,
                      gc->cout, dense ? "dense" : "gathers", err);
      g_assert_cmpfloat (err, <=, tolerance);
      cb_vk_plan_free (plan);
    }
}

static const GatherCase cases[] = {
  { 9, 7, 5, 6, 9, 7, 8, TRUE, CB_ACT_RELU },            /* fc / mlp_shared at full size */
  { 13, 10, 4, 11, 7, 5, 70, FALSE, CB_ACT_LEAKY_RELU }, /* resized, non-integer scale, > 64 ch */
  { 16, 16, 3, 5, 4, 4, 3, TRUE, CB_ACT_NONE },          /* the start grid */
};

static void
test_gather (void)
{
  if (dev == NULL)
    {
      g_test_skip ("no Vulkan device");
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    run_case (&cases[i], 100 + i, 1e-4);
}

/* fp16 storage (weights and table in float16, G and the sums in float) */
static void
test_gather_fp16 (void)
{
  if (dev == NULL || !dev->fp16_storage)
    {
      g_test_skip ("no Vulkan device with 16-bit storage");
      return;
    }
  g_setenv ("CATBRUSH_FP16", "1", TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    run_case (&cases[i], 200 + i, 1e-2);
  g_unsetenv ("CATBRUSH_FP16");
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *cache_dir = g_dir_make_tmp ("catbrush-test-XXXXXX", &error);
  int status;

  g_assert_no_error (error);
  g_setenv ("XDG_CACHE_HOME", cache_dir, TRUE);
  g_test_init (&argc, &argv, NULL);
  dev = cb_vk_device_new (NULL, &error);
  if (dev == NULL)
    g_assert_error (error, CB_ERROR, CB_ERROR_DEVICE); /* only a missing device skips */
  g_test_add_func ("/render/vk/gather", test_gather);
  g_test_add_func ("/render/vk/gather/fp16", test_gather_fp16);
  status = g_test_run ();
  cb_vk_device_free (dev);
  cb_test_remove_tree (cache_dir);
  return status;
}
