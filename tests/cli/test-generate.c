/* test-generate.c: catbrush-cli generate end to end, against PyTorch's image
 *
 * Runs the built program ($CATBRUSH_CLI) on the tiny fixture model that
 * training/make_fixtures.py made with PyTorch, on every backend, and
 * compares the PNG with PyTorch's 8-bit image. PyTorch computed in float64,
 * so a pixel may sit on the other side of a rounding boundary: ±1 allowed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-fileutil.h"
#include "model/cb-model.h"
#include "model/cb-npy.h"
#include "model/cb-png.h"
#include "tests/test-util.h"

#include <json-glib/json-glib.h>

#include <glib/gstdio.h>

#include <math.h>
#include <string.h>
#include <sys/wait.h>

static CbImage *
generate (const char *backend, const char *seed, const char *class_seed)
{
  g_autofree char *model = cb_test_fixture ("tiny-model.safetensors");
  g_autofree char *labels = cb_test_fixture ("tiny-labels.png");
  g_autofree char *dir = g_dir_make_tmp ("cb-generate-XXXXXX", NULL);
  g_autofree char *out = g_build_filename (dir, "out.png", NULL);
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  const char *args[16]
    = { "generate", "--model", model, "--labels", labels, "--backend", backend, "--seed", seed, "-o", out };
  guint n = 11;
  CbImage *image;

  if (class_seed != NULL)
    {
      args[n++] = "--class-seed";
      args[n++] = class_seed;
    }
  g_assert_cmpint (cb_test_run_cli (args, NULL, &err), ==, 0);
  image = cb_image_load_png (out, &error);
  g_assert_no_error (error);
  g_unlink (out);
  g_rmdir (dir);
  return image;
}

static guint
max_diff (const CbImage *a, const CbImage *b)
{
  guint worst = 0;

  g_assert_cmpuint (a->width, ==, b->width);
  g_assert_cmpuint (a->height, ==, b->height);
  for (gsize i = 0; i < (gsize)a->width * a->height * 3; i++)
    worst = MAX (worst, (guint)ABS ((int)a->rgb[i] - (int)b->rgb[i]));
  return worst;
}

static void
test_matches_pytorch (gconstpointer data)
{
  const char *backend = data;
  g_autofree char *expected_path = cb_test_fixture ("tiny-expected.png");
  g_autoptr (GError) error = NULL;
  g_autoptr (CbImage) expected = cb_image_load_png (expected_path, &error);
  g_autoptr (CbImage) image = NULL;
  g_autoptr (CbImage) again = NULL;
  g_autoptr (CbImage) rerolled = NULL;

  g_assert_no_error (error);
  /* the fixture's seeds: image seed 7, class "tree" re-rolled with 1234 */
  image = generate (backend, "7", "tree=1234");
  g_assert_cmpuint (max_diff (image, expected), <=, 1);

  again = generate (backend, "7", "tree=1234");
  g_assert_cmpuint (max_diff (image, again), ==, 0);

  rerolled = generate (backend, "7", "tree=99");
  g_assert_cmpuint (max_diff (image, rerolled), >, 0);
}

/* --noise-file: the same noise as PyTorch (training/generate.py --noise-file
 * --double made the expected images), a vector and a z_dim x H x W map */
static void
test_noise_file (gconstpointer data)
{
  const char *kind = data;
  g_autofree char *model = cb_test_fixture ("tiny-model.safetensors");
  g_autofree char *labels = cb_test_fixture ("tiny-labels.png");
  g_autofree char *noise_name = g_strdup_printf ("tiny-noise-%s.npy", kind);
  g_autofree char *expected_name = g_strdup_printf ("tiny-expected-noise-%s.png", kind);
  g_autofree char *noise = cb_test_fixture (noise_name);
  g_autofree char *expected_path = cb_test_fixture (expected_name);
  g_autofree char *dir = g_dir_make_tmp ("cb-noise-XXXXXX", NULL);
  g_autofree char *out = g_build_filename (dir, "out.png", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbImage) expected = cb_image_load_png (expected_path, &error);
  const char *backends[] = { "reference", "vulkan" };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (backends); i++)
    {
      const char *args[] = { "generate", "--model",   model,       "--labels", labels, "--noise-file",
                             noise,      "--backend", backends[i], "-o",       out,    NULL };
      g_autoptr (CbImage) image = NULL;

      g_assert_cmpint (cb_test_run_cli (args, NULL, NULL), ==, 0);
      image = cb_image_load_png (out, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (max_diff (image, expected), <=, 1);
    }
  g_unlink (out);
  g_rmdir (dir);
}

static void
test_bad_input (void)
{
  g_autofree char *model = cb_test_fixture ("tiny-model.safetensors");
  g_autofree char *labels = cb_test_fixture ("tiny-labels.png");
  g_autofree char *err = NULL;

  {
    const char *args[] = { "generate", "--model", model, NULL };
    g_assert_cmpint (cb_test_run_cli (args, NULL, NULL), ==, 2);
  }
  {
    const char *args[] = { "generate", "--model", model, "--labels", labels, "--seed", "abc", "-o", "x.png", NULL };
    g_assert_cmpint (cb_test_run_cli (args, NULL, NULL), ==, 2);
  }
  {
    const char *args[]
      = { "generate", "--model", model, "--labels", labels, "--class-seed", "unicorn=3", "-o", "x.png", NULL };
    g_assert_cmpint (cb_test_run_cli (args, NULL, NULL), ==, 2);
  }
  {
    const char *args[]
      = { "generate", "--model", "/nonexistent/model.safetensors", "--labels", labels, "-o", "x.png", NULL };
    g_assert_cmpint (cb_test_run_cli (args, NULL, &err), ==, 1);
    g_assert_nonnull (strstr (err, "/nonexistent/model.safetensors"));
  }
}

/* The bundled default model, chosen by the CLI itself (no --model), against
 * PyTorch's float64 image of a CamVid val label map
 * (training/make_default_fixture.py). The model's weights are F16, which both
 * sides read exactly; the C side computes in float32 through 30-odd layers,
 * so a few pixels may round 2 away. */
static void
test_default_model (gconstpointer data)
{
  const char *backend = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *model = cb_model_find_default ();
  const char *datasets = g_getenv ("CB_DATASETS");

  if (model == NULL)
    {
      g_test_skip ("no bundled default model");
      return;
    }
  if (datasets == NULL)
    {
      g_test_skip ("CB_DATASETS is not set");
      return;
    }
  g_autofree char *meta_path = cb_test_fixture ("default-fixture.json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, meta_path, &error))
    g_error ("The default model %s has no cb_test_fixture (%s): run training/make_default_fixture.py", model,
             error->message);
  JsonObject *meta = json_node_get_object (json_parser_get_root (parser));
  g_autofree char *sha = cb_file_sha256 (model, &error);
  g_assert_no_error (error);
  if (g_strcmp0 (sha, json_object_get_string_member (meta, "model_sha256")) != 0)
    g_error ("tests/fixtures/default-fixture.json was made for another model than %s: rerun "
             "training/make_default_fixture.py",
             model);
  g_autofree char *labels = g_build_filename (datasets, json_object_get_string_member (meta, "labels"), NULL);
  if (!g_file_test (labels, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the CamVid dataset is not there");
      return;
    }
  g_autofree char *seed = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (meta, "seed"));
  g_autofree char *expected_path = cb_test_fixture (json_object_get_string_member (meta, "expected_png"));
  g_autoptr (CbImage) expected = cb_image_load_png (expected_path, &error);
  g_assert_no_error (error);

  g_autofree char *dir = g_dir_make_tmp ("cb-default-XXXXXX", NULL);
  g_autofree char *out = g_build_filename (dir, "out.png", NULL);
  const char *args[] = { "generate", "--labels", labels, "--seed", seed, "--backend", backend, "-o", out, NULL };
  g_autofree char *err = NULL;
  if (cb_test_run_cli (args, NULL, &err) != 0)
    g_error ("catbrush-cli generate failed: %s", err);
  g_autoptr (CbImage) image = cb_image_load_png (out, &error);
  g_assert_no_error (error);
  g_unlink (out);
  g_rmdir (dir);

  g_assert_cmpuint (image->width, ==, expected->width);
  g_assert_cmpuint (image->height, ==, expected->height);
  gsize n = (gsize)image->width * image->height * 3, off_by_more = 0;
  guint worst = 0;
  for (gsize i = 0; i < n; i++)
    {
      guint d = (guint)ABS ((int)image->rgb[i] - (int)expected->rgb[i]);
      worst = MAX (worst, d);
      off_by_more += d > 1;
    }
  g_test_message ("%s: max difference %u, %zu of %zu values more than 1 away", backend, worst, off_by_more, n);
  g_assert_cmpuint (worst, <=, 3);
  g_assert_cmpuint (off_by_more * 1000, <=, n);
}

/* catbrush-cli bench --save-output on the tiny fixture: the CPU backend's
 * image against the reference's; with CATBRUSH_CPU_PRECISION=bf16 (where
 * the CPU has AVX512_BF16) close to it but not equal */
static CbNpy *
bench_output (const char *backend, const char *precision)
{
  g_autofree char *model = cb_test_fixture ("tiny-model.safetensors");
  g_autofree char *labels = cb_test_fixture ("tiny-labels.png");
  g_autofree char *dir = g_dir_make_tmp ("cb-bench-XXXXXX", NULL);
  g_autofree char *out = g_build_filename (dir, "out.npy", NULL);
  g_autoptr (GError) error = NULL;
  const char *args[] = { "bench", "--model", model, "--labels",      labels, "--backend",
                         backend, "--runs",  "1",   "--save-output", out,    NULL };

  g_setenv ("CATBRUSH_CPU_PRECISION", precision, TRUE);
  g_assert_cmpint (cb_test_run_cli (args, NULL, NULL), ==, 0);
  g_unsetenv ("CATBRUSH_CPU_PRECISION");
  CbNpy *npy = cb_npy_load (out, &error);
  g_assert_no_error (error);
  g_unlink (out);
  g_rmdir (dir);
  g_assert_cmpuint (npy->n_dims, ==, 3);
  g_assert_cmpuint (npy->shape[0], ==, 3);
  return npy;
}

static double
npy_max_diff (const CbNpy *a, const CbNpy *b)
{
  double worst = 0;
  g_assert_cmpmem (a->shape, sizeof a->shape, b->shape, sizeof b->shape);
  for (guint64 i = 0; i < cb_npy_n_elements (a); i++)
    worst = MAX (worst, fabs ((double)a->data[i] - b->data[i]));
  return worst;
}

static void
test_bench_output (void)
{
  g_autoptr (CbNpy) ref = bench_output ("reference", "fp32");
  g_autoptr (CbNpy) cpu = bench_output ("cpu", "fp32");
  g_autoptr (CbNpy) bf16 = bench_output ("cpu", "bf16");
  g_assert_cmpfloat (npy_max_diff (cpu, ref), <, 1e-4);
  double d = npy_max_diff (bf16, ref);
  g_test_message ("bf16 run: max difference %g from the reference", d);
  g_assert_cmpfloat (d, <, 0.05);
}

/* catbrush-cli bench --stroke on the tiny fixture: the one-line summary and
 * the distribution; a backend without incremental runs is a usage error */
static void
test_bench_stroke (void)
{
  g_autofree char *model = cb_test_fixture ("tiny-model.safetensors");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *args[] = { "bench", "--model", model, "--backend", "cpu", "--stroke", "3", "--dabs", "9", NULL };

  g_assert_cmpint (cb_test_run_cli (args, &out, NULL), ==, 0);
  g_autoptr (GRegex) line = g_regex_new ("^stroke: [0-9.]+ ms \\(full: [0-9.]+ ms\\)$", G_REGEX_MULTILINE, 0, NULL);
  g_assert_true (g_regex_match (line, out, 0, NULL));
  g_autoptr (GRegex) dirty
    = g_regex_new ("^Dirty: .*q1 [0-9.]+, median [0-9.]+, q3 [0-9.]+", G_REGEX_MULTILINE, 0, NULL);
  g_assert_true (g_regex_match (dirty, out, 0, NULL));

  const char *reference[] = { "bench", "--model", model, "--backend", "reference", "--stroke", "3", NULL };
  g_assert_cmpint (cb_test_run_cli (reference, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--stroke needs the CPU backend"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/cli/generate/reference", "reference", test_matches_pytorch);
  g_test_add_data_func ("/cli/generate/vulkan", "vulkan", test_matches_pytorch);
  g_test_add_data_func ("/cli/generate/noise-vector", "vector", test_noise_file);
  g_test_add_data_func ("/cli/generate/noise-map", "map", test_noise_file);
  g_test_add_func ("/cli/generate/bad-input", test_bad_input);
  g_test_add_func ("/cli/bench/save-output", test_bench_output);
  g_test_add_func ("/cli/bench/stroke", test_bench_stroke);
  g_test_add_data_func ("/cli/generate/default-model/cpu", "cpu", test_default_model);
  g_test_add_data_func ("/cli/generate/default-model/vulkan", "vulkan", test_default_model);
  return g_test_run ();
}
