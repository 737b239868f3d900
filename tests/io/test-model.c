/* test-model.c: model files: catbrush.config parsing and weights
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-error.h"
#include "model/cb-fileutil.h"
#include "model/cb-model.h"

#include "io-test-util.h"

#include <string.h>

#define CONFIG_FMT                                                                                                     \
  "{\"format\":\"catbrush-model\",\"version\":%d,\"architecture\":\"oasis\","                                          \
  "\"generator\":{\"channels\":[16,8,4],\"z_dim\":4,\"semantic_nc\":%d,\"dontcare_channel\":%d,"                       \
  "\"spade_hidden\":8,\"width\":%d,\"height\":6,\"bn_eps\":1e-05},"                                                    \
  "\"classes\":{\"name\":\"src\",\"classes\":[{\"id\":0,\"name\":\"sky\",\"color\":\"#808080\"},"                      \
  "{\"id\":1,\"name\":\"road\",\"color\":\"#804080\"}]},"                                                              \
  "\"tensors\":{\"generator\":true,\"discriminator\":%s},\"model_card\":{\"licence\":\"test\"}}"

static char *
write_model (const char *dir, const char *name, const char *config, gboolean with_d)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr (CbSafetensorsWriter) w = cb_safetensors_writer_new ();
  g_autoptr (GError) error = NULL;
  float zeros[16 * 7 * 9] = { 0 };
  const guint64 fc[4] = { 16, 7, 3, 3 }, bias[1] = { 16 }, d[1] = { 5 };

  cb_safetensors_writer_add (w, "G.fc.weight", CB_DTYPE_F32, 4, fc, zeros);
  cb_safetensors_writer_add (w, "G.fc.bias", CB_DTYPE_F16, 1, bias, zeros);
  if (with_d)
    cb_safetensors_writer_add (w, "D.x", CB_DTYPE_F32, 1, d, zeros);
  if (config)
    cb_safetensors_writer_set_metadata (w, "catbrush.config", config);
  g_assert_true (cb_safetensors_writer_write (w, path, &error));
  g_assert_no_error (error);
  return path;
}

static void
expect_error (const char *dir, const char *config, gboolean with_d, int code, const char *fragment)
{
  g_autofree char *path = write_model (dir, "bad.safetensors", config, with_d);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbModel) m = cb_model_load (path, &error);

  g_assert_null (m);
  g_assert_error (error, CB_ERROR, code);
  g_assert_true (g_str_has_prefix (error->message, path));
  if (fragment && strstr (error->message, fragment) == NULL)
    g_error ("“%s” not in “%s”", fragment, error->message);
  g_test_message ("%s", error->message);
}

static void
test_load (void)
{
  const char *dir = io_tmpdir ();
  g_autofree char *config = g_strdup_printf (CONFIG_FMT, 1, 3, 1, 8, "true");
  g_autofree char *path = write_model (dir, "m.safetensors", config, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbModel) m = cb_model_load (path, &error);
  g_autofree char *sha = cb_file_sha256 (path, NULL);
  g_autofree float *w = NULL;
  const guint64 good[4] = { 16, 7, 3, 3 }, wrong[4] = { 16, 7, 1, 1 };

  g_assert_no_error (error);
  g_assert_cmpuint (m->gen.n_blocks, ==, 2);
  g_assert_cmpuint (m->gen.channels[2], ==, 4);
  g_assert_cmpuint (m->gen.z_dim, ==, 4);
  g_assert_cmpuint (m->gen.semantic_nc, ==, 3);
  g_assert_cmpint (m->gen.dontcare_channel, ==, 1);
  g_assert_cmpuint (m->gen.spade_hidden, ==, 8);
  g_assert_cmpuint (m->gen.width, ==, 8);
  g_assert_cmpuint (m->gen.height, ==, 6);
  g_assert_cmpfloat (m->gen.bn_eps, ==, 1e-5f);
  g_assert_true (m->has_discriminator);
  g_assert_false (m->has_vision_encoder);
  g_assert_cmpuint (cb_class_set_get_n_classes (m->classes), ==, 2);
  g_assert_cmpstr (m->sha256, ==, sha);
  g_assert_nonnull (m->config);
  /* don't-care channel 1 is skipped */
  g_assert_cmpuint (cb_model_source_channel (m, 0), ==, 0);
  g_assert_cmpuint (cb_model_source_channel (m, 1), ==, 2);
  g_assert_cmpuint (cb_model_count_parameters (m, "G."), ==, 16 * 7 * 9 + 16);
  g_assert_cmpuint (cb_model_count_parameters (m, "D."), ==, 5);
  g_assert_true (cb_model_has_tensor (m, "G.fc.bias"));
  g_assert_false (cb_model_has_tensor (m, "G.nope"));

  w = cb_model_get_weight (m, "G.fc.weight", 4, good, &error);
  g_assert_no_error (error);
  g_assert_nonnull (w);
  g_assert_null (cb_model_get_weight (m, "G.fc.weight", 4, wrong, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, "[16, 7, 3, 3]"));
  g_clear_error (&error);
  g_assert_null (cb_model_get_weight (m, "G.nope", 1, good, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_MISMATCH);
}

static void
test_bad_configs (void)
{
  const char *dir = io_tmpdir ();
  g_autofree char *c1 = g_strdup_printf (CONFIG_FMT, 2, 3, 1, 8, "true");
  g_autofree char *c2 = g_strdup_printf (CONFIG_FMT, 1, 3, 1, 9, "true");
  g_autofree char *c3 = g_strdup_printf (CONFIG_FMT, 1, 4, 1, 8, "true");
  g_autofree char *c4 = g_strdup_printf (CONFIG_FMT, 1, 2, -1, 8, "true");
  g_autofree char *c5 = g_strdup_printf (CONFIG_FMT, 1, 3, 3, 8, "false");

  expect_error (dir, NULL, FALSE, CB_ERROR_FORMAT, "catbrush.config");
  expect_error (dir, "{not json", FALSE, CB_ERROR_FORMAT, "JSON");
  expect_error (dir, "{\"format\":\"x\"}", FALSE, CB_ERROR_FORMAT, "format");
  expect_error (dir, c1, TRUE, CB_ERROR_UNSUPPORTED, "version 2");
  expect_error (dir, c2, TRUE, CB_ERROR_FORMAT, "divisible");
  expect_error (dir, c3, TRUE, CB_ERROR_MISMATCH, "semantic_nc");
  expect_error (dir, c4, FALSE, CB_ERROR_MISMATCH, "tensors");
  expect_error (dir, c5, FALSE, CB_ERROR_FORMAT, "dontcare_channel");
}

static void
test_find_default (void)
{
  g_autofree char *old = g_strdup (g_getenv ("CATBRUSH_MODEL"));
  g_autofree char *found = NULL;

  g_setenv ("CATBRUSH_MODEL", "/some/where.safetensors", TRUE);
  found = cb_model_find_default ();
  g_assert_cmpstr (found, ==, "/some/where.safetensors");
  if (old)
    g_setenv ("CATBRUSH_MODEL", old, TRUE);
  else
    g_unsetenv ("CATBRUSH_MODEL");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/model/load", test_load);
  g_test_add_func ("/io/model/bad-configs", test_bad_configs);
  g_test_add_func ("/io/model/find-default", test_find_default);
  return g_test_run ();
}
