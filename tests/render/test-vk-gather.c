/* test-vk-gather.c: convolutions over the label map as table gathers on
 * Vulkan (gather_table.comp + conv_gather.comp) against the CPU reference
 * of the same graph (embed, optional nearest resize, 3x3 convolution), on
 * random tables and rows (void and out-of-range rows too), odd sizes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "tests/render/render-test-util.h"

static CbVkDevice *dev;
static char *no_device; /* why the tests skip, where dev is NULL */

/* rows (1 x h x w), table (1 x n_rows x c) -> embed -> [resize to oh x ow] -> conv3x3 -> cout */
static CbGraph *
seg_conv_graph (GRand *rand, guint h, guint w, guint n_rows, guint c, guint oh, guint ow, guint cout, gboolean bias,
                CbActivation act)
{
  guint seg;
  CbGraph *graph = seg_graph_new (h, w, n_rows, c, oh, ow, &seg);

  graph_add_conv (graph, rand, "mlp_shared", seg, cout, 3, 0.3, bias ? 0.5 : 0, CB_ACT_NONE, act);
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
  g_autoptr (CbTensor) table = random_tensor (rand, 1, gc->n_rows, gc->c, -1.5, 1.5);

  for (guint i = 0; i < gc->h * gc->w; i++)
    {
      guint r = g_rand_int_range (rand, 0, (gint32)gc->n_rows + 2);
      /* every row, and rows past the end (read as the last, void's) */
      rows->data[i] = r < gc->n_rows ? (float)r : (r == gc->n_rows ? -1.0f : (float)gc->n_rows + 5);
    }
  CbTensor *inputs[2] = { rows, table };
  g_autoptr (CbTensor) ref = run_reference (graph, inputs, 2);

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
      g_test_skip (no_device);
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
  g_autofree char *cache_dir = cb_test_private_cache_dir_new ();
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/render/vk/gather", test_gather);
  g_test_add_func ("/render/vk/gather/fp16", test_gather_fp16);
  status = run_tests_on_vk_device (&dev, &no_device);
  cb_test_remove_tree (cache_dir);
  return status;
}
