/* test-affinity-encoder.c: the vision prior's self-supervised encoder (V.*):
 * its structure from the tensors, its graph on the reference, the CPU backend
 * and Vulkan against PyTorch (tests/fixtures/tiny-v-expected.f32, made by
 * training/make_fixtures.py), the prior computed with it, and bad files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "affinity-test-util.h"

#include "model/cb-photo.h"
#include "model/cb-safetensors.h"
#include "model/cb-vision-encoder.h"

#include <math.h>
#include <string.h>

#define TOLERANCE 1e-5
#define TINY_W 32
#define TINY_H 24

static CbBackend *vulkan;
static char *no_vulkan_reason;

static CbModel *
load_fixture_model (const char *name)
{
  g_autofree char *path = cb_test_fixture (name);
  g_autoptr (GError) error = NULL;
  CbModel *model = cb_model_load (path, &error);
  g_assert_no_error (error);
  return model;
}

static void
test_config (void)
{
  g_autoptr (CbModel) model = load_fixture_model ("tiny-model-v.safetensors");
  g_autoptr (GError) error = NULL;
  CbVisionEncoderConfig config;
  g_assert_true (model->has_vision_encoder);
  g_assert_true (model->has_source_prototypes);
  g_assert_true (cb_vision_encoder_get_config (model, &config, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config.n_blocks, ==, 2);
  g_assert_cmpuint (config.widths[0], ==, 4);
  g_assert_cmpuint (config.widths[1], ==, 8);
  g_assert_cmpuint (config.pools, ==, 2);
  g_assert_cmpuint (config.n_features, ==, 6);
  g_autofree float *protos = cb_vision_encoder_source_prototypes (model, 3, 6, &error);
  g_assert_no_error (error);
  g_assert_nonnull (protos);
  g_autofree float *wrong = cb_vision_encoder_source_prototypes (model, 3, 7, &error);
  g_assert_null (wrong);
  g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
  g_clear_error (&error);

  /* a model without one says so */
  g_autoptr (CbModel) plain = load_fixture_model ("tiny-model.safetensors");
  g_assert_false (cb_vision_encoder_get_config (plain, &config, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "no vision encoder"));
  g_clear_error (&error);

  /* too small a photo for three... two pools */
  g_autoptr (CbGraph) small = cb_vision_encoder_build (model, 3, 24, &error);
  g_assert_null (small);
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
}

/* the encoder on the generator fixture's image, against PyTorch's float64 features */
static void
test_fixture (void)
{
  g_autoptr (CbModel) model = load_fixture_model ("tiny-model-v.safetensors");
  g_autofree char *in_path = cb_test_fixture ("tiny-expected.f32");
  g_autofree char *exp_path = cb_test_fixture ("tiny-v-expected.f32");
  g_autoptr (GError) error = NULL;
  g_autoptr (CbTensor) in = load_f32 (in_path, 3, TINY_H, TINY_W);
  g_autoptr (CbTensor) expected = load_f32 (exp_path, 6, TINY_H, TINY_W);

  g_autoptr (CbGraph) graph = cb_vision_encoder_build (model, TINY_W, TINY_H, &error);
  g_assert_no_error (error);
  g_autoptr (CbTensor) ref = cb_graph_run_reference (graph, &in, 1, &error);
  g_assert_no_error (error);
  assert_close (ref, expected, TOLERANCE, "reference vs PyTorch");
  g_autoptr (CbTensor) cpu_out = run_on_cpu_kernels (graph, in);
  assert_close (cpu_out, expected, TOLERANCE, "CPU backend vs PyTorch");

  if (vulkan == NULL)
    {
      g_test_skip (no_vulkan_reason);
      return;
    }
  g_autoptr (CbTensor) out = run_on_backend (vulkan, graph, in);
  assert_close (out, expected, TOLERANCE, "Vulkan vs PyTorch");
}

static void
record_progress (double fraction, gpointer data)
{
  g_array_append_val ((GArray *)data, fraction);
}

/* the prior: per-class mean features by hand from the graph's output, then
 * the clipped cosine with the stored prototypes and the softmax */
static void
test_prior (void)
{
  g_autoptr (CbModel) model = load_fixture_model ("tiny-model-v.safetensors");
  g_autofree char *dir = make_toy_dataset (3, 48, 36);
  g_autoptr (CbClassSet) classes = toy_classes ();
  g_autoptr (GError) error = NULL;
  g_autoptr (CbExampleSet) set
    = cb_example_set_load (dir, NULL, classes, TINY_W, TINY_H, CB_EXAMPLE_LOAD_DEFAULT, &error);
  g_assert_no_error (error);

  guint F = 0;
  g_autofree float *feat = cb_example_features_compute (NULL, model, classes, set, NULL, NULL, NULL, &F, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (F, ==, 6);

  /* the same means, by hand */
  g_autoptr (CbGraph) graph = cb_vision_encoder_build (model, TINY_W, TINY_H, &error);
  g_assert_no_error (error);
  double sums[3][6] = { { 0 } };
  guint64 counts[3] = { 0 };
  for (guint e = 0; e < set->examples->len; e++)
    {
      const CbExample *ex = g_ptr_array_index (set->examples, e);
      g_autoptr (CbTensor) in = cb_photo_to_tensor (ex->photo);
      g_autoptr (CbTensor) out = cb_graph_run_reference (graph, &in, 1, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < TINY_W * TINY_H; i++)
        {
          int t = ex->labels->ids[i] == CB_VOID_ID ? -1 : cb_class_set_index_of_id (classes, ex->labels->ids[i]);
          if (t < 0)
            continue;
          counts[t]++;
          for (guint f = 0; f < 6; f++)
            sums[t][f] += out->data[f * TINY_W * TINY_H + i];
        }
    }
  for (guint t = 0; t < 3; t++)
    {
      g_assert_cmpuint (counts[t], >, 0);
      for (guint f = 0; f < 6; f++)
        g_assert_cmpfloat_with_epsilon (feat[t * 6 + f], sums[t][f] / (double)counts[t], 1e-5);
    }

  /* through the estimate: the profile says which features it used */
  CbAffinityOptions o;
  cb_affinity_options_init (&o);
  o.temperature = 1; /* no sharpening: the prior itself */
  o.use[CB_AFFINITY_VISION] = TRUE;
  o.examples = set;
  g_autoptr (CbProfile) p = cb_affinity_estimate (model, classes, &o, &error);
  g_assert_no_error (error);
  JsonObject *est = json_node_get_object (p->estimation);
  g_assert_cmpstr (json_object_get_string_member (est, "vision_features"), ==, "encoder");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (est, "vision"), "source_prototypes"),
                   ==, "model");
  g_autofree float *protos = cb_vision_encoder_source_prototypes (model, 3, 6, &error);
  g_autofree float *cos = cb_affinity_cosine (feat, 3, protos, 3, 6);
  for (guint t = 0; t < 3; t++)
    {
      /* softmax of the clipped cosines at CB_VISION_PRIOR_TEMPERATURE over the row */
      double z = 0;
      for (guint s = 0; s < 3; s++)
        z += exp (cos[t * 3 + s] / CB_VISION_PRIOR_TEMPERATURE);
      gboolean any = FALSE;
      for (guint s = 0; s < 3; s++)
        any |= cos[t * 3 + s] > 0;
      for (guint s = 0; s < 3; s++)
        {
          double want = any ? exp (cos[t * 3 + s] / CB_VISION_PRIOR_TEMPERATURE) / z : 1.0 / 3;
          g_assert_cmpfloat_with_epsilon (p->affinity[t * 3 + s], want, 1e-4);
        }
    }

  /* with the segmentation prior too: its two passes (native, 2×) and the
   * encoder's share one progress bar, which never goes back */
  g_autoptr (GArray) fractions = g_array_new (FALSE, FALSE, sizeof (double));
  o.use[CB_AFFINITY_SEG] = TRUE;
  o.progress = record_progress;
  o.progress_data = fractions;
  g_autoptr (CbProfile) both = cb_affinity_estimate (model, classes, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fractions->len, ==, 3 * set->examples->len);
  for (guint i = 1; i < fractions->len; i++)
    g_assert_cmpfloat (g_array_index (fractions, double, i), >, g_array_index (fractions, double, i - 1));
  g_assert_cmpfloat_with_epsilon (g_array_index (fractions, double, fractions->len - 1), 1.0, 1e-9);
  g_assert_cmpfloat (g_array_index (fractions, double, 2 * set->examples->len - 1), <, 1.0);
  cb_test_remove_tree (dir);
}

/* a corrupt encoder: the message names the file and the tensor */
static void
test_bad_encoder (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cb-venc-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "broken.safetensors", NULL);
  write_fixture_without ("tiny-model-v.safetensors", "V.out.bias", NULL, path);

  g_autoptr (CbModel) broken = cb_model_load (path, &error);
  g_assert_no_error (error);
  CbVisionEncoderConfig config;
  g_assert_false (cb_vision_encoder_get_config (broken, &config, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "V.out.bias"));
  g_assert_nonnull (strstr (error->message, path));
  cb_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_autofree char *cache_dir = affinity_test_init (&argc, &argv);
  g_test_add_func ("/affinity/encoder/config", test_config);
  g_test_add_func ("/affinity/encoder/fixture", test_fixture);
  g_test_add_func ("/affinity/encoder/prior", test_prior);
  g_test_add_func ("/affinity/encoder/bad-encoder", test_bad_encoder);
  return affinity_test_run_with_vulkan (cache_dir, &vulkan, &no_vulkan_reason);
}
