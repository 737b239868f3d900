/* test-affinity-discriminator.c: the ops the discriminator adds (avg_pool2,
 * concat) on the reference and on Vulkan, and the whole U-Net discriminator
 * against PyTorch (tests/fixtures/tiny-d-expected.f32)
 *
 * Vulkan runs with the validation layer on (CATBRUSH_VK_VALIDATION=1 in the
 * test environment); without a Vulkan device those cases are skipped.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "affinity-test-util.h"

#include "model/cb-discriminator.h"

#include <math.h>

#define TOLERANCE 1e-4

static CbBackend *vulkan;
static char *no_vulkan_reason;

static CbTensor *
random_tensor (GRand *rand, guint c, guint h, guint w)
{
  CbTensor *t = cb_tensor_new (c, h, w);
  for (gsize i = 0; i < cb_tensor_n_elements (t); i++)
    t->data[i] = (float)g_rand_double_range (rand, -2, 2);
  return t;
}

/* A one-op graph whose inputs are all graph inputs. */
static CbGraph *
one_op_graph (CbOpKind kind, CbActivation act, CbTensor *const *in, guint n_in, guint oc, guint oh, guint ow)
{
  CbGraph *graph = cb_graph_new ();
  CbOp op;
  cb_op_init (&op, kind, cb_op_kind_to_string (kind));
  op.act = act;
  for (guint i = 0; i < n_in; i++)
    op.inputs[i] = cb_graph_add_input (graph, "in", in[i]->c, in[i]->h, in[i]->w);
  op.n_inputs = n_in;
  op.output = cb_graph_add_temp (graph, "out", oc, oh, ow);
  g_assert_cmpuint (cb_graph_add_op (graph, &op), ==, 0);
  return graph;
}

/* reference vs Vulkan on one op; returns the reference output */
static CbTensor *
check_op (CbOpKind kind, CbActivation act, CbTensor *const *in, guint n_in, guint oc, guint oh, guint ow)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbGraph) graph = one_op_graph (kind, act, in, n_in, oc, oh, ow);
  CbTensor *ref = cb_graph_run_reference (graph, in, n_in, &error);
  g_assert_no_error (error);
  if (vulkan != NULL)
    {
      g_autoptr (CbPlan) plan = cb_backend_prepare (vulkan, graph, &error);
      g_assert_no_error (error);
      g_autoptr (CbTensor) out = cb_tensor_new (oc, oh, ow);
      g_assert_true (cb_plan_run (plan, in, n_in, out, &error));
      g_assert_no_error (error);
      double err = cb_tensor_rel_error (out, ref);
      if (!(err <= TOLERANCE))
        g_error ("%s %u×%u×%u: Vulkan vs reference %g > %g", cb_op_kind_to_string (kind), oc, oh, ow, err, TOLERANCE);
    }
  return ref;
}

static void
test_avg_pool_reference (void)
{
  /* 1 x 3 x 5: floor sizes 1 x 2; the last row and column are dropped */
  g_autoptr (CbTensor) in = cb_tensor_new (1, 3, 5);
  for (guint i = 0; i < 15; i++)
    in->data[i] = (float)i;
  g_autoptr (CbGraph) graph = one_op_graph (CB_OP_AVG_POOL2, CB_ACT_NONE, &in, 1, 1, 1, 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbTensor) out = cb_graph_run_reference (graph, &in, 1, &error);
  g_assert_no_error (error);
  /* (0 + 1 + 5 + 6) / 4, (2 + 3 + 7 + 8) / 4 */
  g_assert_cmpfloat (out->data[0], ==, 3.0f);
  g_assert_cmpfloat (out->data[1], ==, 5.0f);
  g_assert_cmpuint (cb_op_count_macs (graph, cb_graph_op (graph, 0)), ==, 8);
  g_assert_cmpstr (cb_op_kind_to_string (CB_OP_AVG_POOL2), ==, "avg_pool2");
}

static void
test_concat_reference (void)
{
  g_autoptr (CbTensor) a = cb_tensor_new (1, 1, 2);
  g_autoptr (CbTensor) b = cb_tensor_new (2, 1, 2);
  a->data[0] = 1, a->data[1] = -2;
  b->data[0] = 3, b->data[1] = 4, b->data[2] = -5, b->data[3] = 6;
  CbTensor *in[2] = { a, b };
  g_autoptr (CbGraph) graph = one_op_graph (CB_OP_CONCAT, CB_ACT_LEAKY_RELU, in, 2, 3, 1, 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbTensor) out = cb_graph_run_reference (graph, in, 2, &error);
  g_assert_no_error (error);
  const float expect[6] = { 1, -0.4f, 3, 4, -1.0f, 6 };
  for (guint i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon (out->data[i], expect[i], 1e-6);
  g_assert_cmpuint (cb_op_count_macs (graph, cb_graph_op (graph, 0)), ==, 0);
  g_assert_cmpuint (cb_op_count_bytes (graph, cb_graph_op (graph, 0)), ==, (2 + 4 + 6) * 4);
}

static void
test_bad_shapes (void)
{
  if (g_test_subprocess ())
    {
      /* concat of different sizes is a bug of the graph's builder: a critical */
      g_autoptr (CbGraph) graph = cb_graph_new ();
      CbOp op;
      cb_op_init (&op, CB_OP_CONCAT, "cat");
      op.inputs[0] = cb_graph_add_input (graph, "a", 1, 2, 2);
      op.inputs[1] = cb_graph_add_input (graph, "b", 1, 2, 3);
      op.n_inputs = 2;
      op.output = cb_graph_add_temp (graph, "out", 2, 2, 2);
      cb_graph_add_op (graph, &op);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*");
}

static void
test_ops_vulkan (void)
{
  static const guint shapes[][3] = { { 1, 2, 2 }, { 3, 7, 5 }, { 8, 8, 8 }, { 5, 3, 9 }, { 17, 6, 3 }, { 2, 13, 11 } };
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);

  if (vulkan == NULL)
    {
      g_test_skip (no_vulkan_reason);
      return;
    }
  for (gsize s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      guint c = shapes[s][0], h = shapes[s][1], w = shapes[s][2];
      CbActivation act = s % 2 ? CB_ACT_LEAKY_RELU : CB_ACT_NONE;
      g_autoptr (CbTensor) x = random_tensor (rand, c, h, w);
      g_autoptr (CbTensor) pooled = check_op (CB_OP_AVG_POOL2, act, &x, 1, c, h / 2, w / 2);
      g_autoptr (CbTensor) y = random_tensor (rand, s + 1, h, w);
      CbTensor *in[2] = { x, y };
      g_autoptr (CbTensor) cat = check_op (CB_OP_CONCAT, act, in, 2, c + s + 1, h, w);
    }
}

static void
test_config (void)
{
  g_autofree char *path = cb_test_fixture ("tiny-model.safetensors");
  g_autoptr (GError) error = NULL;
  g_autoptr (CbModel) model = cb_model_load (path, &error);
  g_assert_no_error (error);
  CbDiscriminatorConfig config;
  g_assert_true (cb_discriminator_get_config (model, &config, &error));
  g_assert_cmpuint (config.n_blocks, ==, 3);
  g_assert_cmpuint (config.channels[0], ==, 3);
  g_assert_cmpuint (config.channels[1], ==, 8);
  g_assert_cmpuint (config.channels[2], ==, 8);
  g_assert_cmpuint (config.channels[3], ==, 16);
  g_assert_cmpuint (config.head, ==, 8);
  g_assert_cmpuint (config.n_outputs, ==, 5);

  /* 2^3 must divide the size */
  g_autoptr (CbGraph) bad = cb_discriminator_build (model, 36, 24, FALSE, &error);
  g_assert_null (bad);
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "36×24"));
}

static void
test_no_discriminator (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cb-nod-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "generator-only.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  write_model_without_d (path);
  g_autoptr (CbModel) model = cb_model_load (path, &error);
  g_assert_no_error (error);
  g_autoptr (CbGraph) graph = cb_discriminator_build (model, 32, 24, FALSE, &error);
  g_assert_null (graph);
  g_assert_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "no discriminator"));
  g_assert_nonnull (strstr (error->message, path));
  cb_test_remove_tree (dir);
}

typedef struct
{
  gboolean keep_d, flag;
} WithS;

static void
add_s_tensor (CbSafetensorsWriter *w, const CbSafetensorsEntry *e, float *data, gpointer user_data)
{
  const WithS *with = user_data;
  gboolean is_d = g_str_has_prefix (e->name, "D.");

  if (!is_d || with->keep_d)
    cb_safetensors_writer_add (w, e->name, CB_DTYPE_F32, e->n_dims, e->shape, data);
  if (!is_d)
    return;
  g_autofree char *s_name = g_strconcat ("S.", e->name + 2, NULL);
  if (g_str_equal (e->name, "D.layer_up_last.bias"))
    for (guint64 c = 0; c < e->shape[0]; c++)
      data[c] += 1.0f + (float)c;
  cb_safetensors_writer_add (w, s_name, CB_DTYPE_F32, e->n_dims, e->shape, data);
}

static void
set_s_flags (JsonObject *config, gpointer user_data)
{
  const WithS *with = user_data;
  JsonObject *tensors = json_object_get_object_member (config, "tensors");

  json_object_set_boolean_member (tensors, "source_segmenter", with->flag);
  json_object_set_boolean_member (tensors, "discriminator", with->keep_d);
}

/* A copy of the tiny model with a source segmenter S.*: D's tensors again,
 * with S.layer_up_last.bias = D's + (1 + channel); keep_d FALSE drops D.*. */
static void
write_model_with_s (const char *path, gboolean keep_d, gboolean flag)
{
  g_autofree char *src = cb_test_fixture ("tiny-model.safetensors");
  WithS with = { keep_d, flag };

  cb_test_copy_model_edited (src, add_s_tensor, set_s_flags, &with, path);
}

static void
set_source_segmenter_flag (JsonObject *config, G_GNUC_UNUSED gpointer user_data)
{
  json_object_set_boolean_member (json_object_get_object_member (config, "tensors"), "source_segmenter", TRUE);
}

/* The priors run S.* when the model has a source segmenter, D.* otherwise */
static void
test_source_segmenter (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cb-seg-XXXXXX", NULL);
  g_autofree char *with_s = g_build_filename (dir, "with-s.safetensors", NULL);
  g_autofree char *s_only = g_build_filename (dir, "s-only.safetensors", NULL);
  g_autofree char *unflagged = g_build_filename (dir, "unflagged.safetensors", NULL);
  g_autofree char *d_path = cb_test_fixture ("tiny-model.safetensors");
  g_autofree char *in_path = cb_test_fixture ("tiny-expected.f32");
  g_autoptr (GError) error = NULL;
  write_model_with_s (with_s, TRUE, TRUE);
  write_model_with_s (s_only, FALSE, TRUE);
  write_model_with_s (unflagged, TRUE, FALSE);
  g_autoptr (CbTensor) in = load_f32 (in_path, 3, 24, 32);

  g_autoptr (CbModel) d_model = cb_model_load (d_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cb_discriminator_prefix (d_model), ==, "D.");
  g_autoptr (CbGraph) d_graph = cb_discriminator_build (d_model, 32, 24, FALSE, &error);
  g_assert_no_error (error);
  g_autoptr (CbTensor) d_out = cb_graph_run_reference (d_graph, &in, 1, &error);
  g_assert_no_error (error);

  const char *paths[] = { with_s, s_only, unflagged };
  for (guint m = 0; m < G_N_ELEMENTS (paths); m++)
    {
      g_autoptr (CbModel) model = cb_model_load (paths[m], &error);
      g_assert_no_error (error);
      gboolean uses_s = m < 2;
      g_assert_cmpstr (cb_discriminator_prefix (model), ==, uses_s ? "S." : "D.");
      CbDiscriminatorConfig config;
      g_assert_true (cb_discriminator_get_config (model, &config, &error));
      g_assert_no_error (error);
      g_autoptr (CbGraph) graph = cb_discriminator_build (model, 32, 24, FALSE, &error);
      g_assert_no_error (error);
      g_autoptr (CbTensor) out = cb_graph_run_reference (graph, &in, 1, &error);
      g_assert_no_error (error);
      /* S's logits are D's plus 1 + channel: only the head's bias differs */
      gsize plane = (gsize)24 * 32;
      for (guint c = 0; c < out->c; c++)
        {
          float shift = uses_s ? 1.0f + (float)c : 0.0f;
          for (gsize p = 0; p < plane; p++)
            g_assert_cmpfloat_with_epsilon (out->data[c * plane + p], d_out->data[c * plane + p] + shift, 1e-4);
        }
    }

  /* a flag without the tensors is refused when the file is read */
  g_autofree char *flagged = g_build_filename (dir, "flagged-without-s.safetensors", NULL);
  write_fixture_without ("tiny-model.safetensors", NULL, set_source_segmenter_flag, flagged);
  g_autoptr (CbModel) refused = cb_model_load (flagged, &error);
  g_assert_null (refused);
  g_assert_error (error, CB_ERROR, CB_ERROR_MISMATCH);
  cb_test_remove_tree (dir);
}

/* D on the generator's fixture output vs PyTorch, on the reference and on Vulkan */
static void
test_fixture (void)
{
  g_autofree char *path = cb_test_fixture ("tiny-model.safetensors");
  g_autofree char *in_path = cb_test_fixture ("tiny-expected.f32");
  g_autofree char *exp_path = cb_test_fixture ("tiny-d-expected.f32");
  g_autoptr (GError) error = NULL;
  g_autoptr (CbModel) model = cb_model_load (path, &error);
  g_assert_no_error (error);
  g_autoptr (CbTensor) in = load_f32 (in_path, 3, 24, 32);
  g_autoptr (CbTensor) expected = load_f32 (exp_path, 5, 24, 32);

  g_autoptr (CbGraph) graph = cb_discriminator_build (model, 32, 24, FALSE, &error);
  g_assert_no_error (error);
  g_autoptr (CbTensor) ref = cb_graph_run_reference (graph, &in, 1, &error);
  g_assert_no_error (error);
  assert_close (ref, expected, TOLERANCE, "reference vs PyTorch");

  /* with features: the logits first, then the head's input */
  g_autoptr (CbGraph) with_f = cb_discriminator_build (model, 32, 24, TRUE, &error);
  g_assert_no_error (error);
  g_autoptr (CbTensor) both = cb_graph_run_reference (with_f, &in, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (both->c, ==, 5 + 8);
  g_assert_cmpmem (both->data, 5 * 24 * 32 * sizeof (float), ref->data, 5 * 24 * 32 * sizeof (float));

  /* the native CPU backend has every op of the discriminator: no reference fallback */
  g_autoptr (CbTensor) cpu_out = run_on_cpu_kernels (with_f, in);
  assert_close (cpu_out, both, TOLERANCE, "CPU backend vs reference");

  if (vulkan == NULL)
    {
      g_test_skip (no_vulkan_reason);
      return;
    }
  g_autoptr (CbTensor) out = run_on_backend (vulkan, with_f, in);
  assert_close (out, both, TOLERANCE, "Vulkan vs reference");
  g_autoptr (CbTensor) logits = cb_tensor_new (5, 24, 32);
  memcpy (logits->data, out->data, 5 * 24 * 32 * sizeof (float));
  assert_close (logits, expected, TOLERANCE, "Vulkan vs PyTorch");
}

int
main (int argc, char **argv)
{
  g_autofree char *cache_dir = affinity_test_init (&argc, &argv);

  g_test_add_func ("/affinity/discriminator/avg-pool-reference", test_avg_pool_reference);
  g_test_add_func ("/affinity/discriminator/concat-reference", test_concat_reference);
  g_test_add_func ("/affinity/discriminator/bad-shapes", test_bad_shapes);
  g_test_add_func ("/affinity/discriminator/ops-vulkan", test_ops_vulkan);
  g_test_add_func ("/affinity/discriminator/config", test_config);
  g_test_add_func ("/affinity/discriminator/no-discriminator", test_no_discriminator);
  g_test_add_func ("/affinity/discriminator/fixture", test_fixture);
  g_test_add_func ("/affinity/discriminator/source-segmenter", test_source_segmenter);
  return affinity_test_run_with_vulkan (cache_dir, &vulkan, &no_vulkan_reason);
}
