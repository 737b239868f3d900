/* test-cli.c: catbrush-cli info and labels, run as a program ($CATBRUSH_CLI)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-profile.h"
#include "model/cb-safetensors.h"

#include "io-test-util.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static gboolean
have_cli (void)
{
  if (g_getenv ("CATBRUSH_CLI") == NULL)
    {
      g_test_skip ("CATBRUSH_CLI is not set");
      return FALSE;
    }
  return TRUE;
}

static void
test_info_label_map (void)
{
  g_autofree char *dir = io_dataset ("camvid");
  g_autofree char *png = NULL, *classes = NULL, *out = NULL, *err = NULL;

  if (dir == NULL || !have_cli ())
    return;
  png = g_build_filename (dir, "labels", "0001TP_006690.png", NULL);
  classes = g_build_filename (dir, "classes.json", NULL);
  {
    const char *args[] = { "info", png, "--classes", classes, NULL };
    g_assert_cmpint (cb_test_run_cli (args, &out, &err), ==, 0);
  }
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "320 × 240"));
  g_assert_nonnull (strstr (out, "sky"));
  g_assert_nonnull (strstr (out, "road"));
  g_assert_nonnull (strstr (out, "void"));
  /* the counts add up to the pixels */
  {
    g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
    guint64 total = 0;
    for (guint i = 0; lines[i]; i++)
      {
        guint id;
        guint64 n;
        if (sscanf (lines[i], " %u %" G_GUINT64_FORMAT, &id, &n) == 2)
          total += n;
      }
    g_assert_cmpuint (total, ==, 320 * 240);
  }
}

static void
test_info_other_kinds (void)
{
  g_autofree char *dir = io_dataset ("labelmefacade");
  g_autofree char *classes = NULL, *out = NULL, *err = NULL;

  if (dir == NULL || !have_cli ())
    return;
  classes = g_build_filename (dir, "classes.json", NULL);
  {
    const char *args[] = { "info", classes, NULL };
    g_assert_cmpint (cb_test_run_cli (args, &out, &err), ==, 0);
  }
  g_assert_nonnull (strstr (out, "class set"));
  g_assert_nonnull (strstr (out, "vegetation"));
}

static void
test_info_model_and_profile (void)
{
  const char *tmp = io_tmpdir ();
  g_autofree char *model = g_build_filename (tmp, "m.safetensors", NULL);
  g_autofree char *profile = g_build_filename (tmp, "p.json", NULL);
  g_autoptr (CbSafetensorsWriter) w = cb_safetensors_writer_new ();
  g_autoptr (CbClassSet) set = cb_class_set_new ("facade");
  g_autoptr (CbProfile) p = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  const char *names[] = { "sky", "building", "road", NULL };
  float zeros[64] = { 0 };
  const guint64 g_shape[2] = { 4, 8 }, d_shape[1] = { 3 };

  if (!have_cli ())
    return;
  cb_safetensors_writer_add (w, "G.fc.weight", CB_DTYPE_F16, 2, g_shape, zeros);
  cb_safetensors_writer_add (w, "D.x", CB_DTYPE_F32, 1, d_shape, zeros);
  cb_safetensors_writer_set_metadata (
    w, "catbrush.config",
    "{\"format\":\"catbrush-model\",\"version\":1,\"architecture\":\"oasis\",\"generator\":{\"channels\":[8,4],"
    "\"z_dim\":4,\"semantic_nc\":3,\"dontcare_channel\":-1,\"width\":8,\"height\":8},\"classes\":{\"name\":\"src\","
    "\"classes\":[{\"id\":0,\"name\":\"sky\",\"color\":\"#0000ff\"},{\"id\":1,\"name\":\"building\",\"color\":"
    "\"#ff0000\"},{\"id\":2,\"name\":\"road\",\"color\":\"#808080\"}]},\"tensors\":{\"discriminator\":true}}");
  g_assert_true (cb_safetensors_writer_write (w, model, &error));
  g_assert_no_error (error);
  {
    const char *args[] = { "info", model, NULL };
    g_assert_cmpint (cb_test_run_cli (args, &out, &err), ==, 0);
  }
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "tensors: 2"));
  g_assert_nonnull (strstr (out, "(G.*): 32 parameters"));
  g_assert_nonnull (strstr (out, "(D.*): 3 parameters"));
  g_assert_nonnull (strstr (out, "building"));

  g_assert_true (cb_class_set_add (set, 0, "window", 0x0000ff, NULL, NULL));
  p = cb_profile_new (set, 3, names, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  p->affinity[0] = 0.1f;
  p->affinity[1] = 0.8f;
  p->affinity[2] = 0.1f;
  g_assert_true (cb_profile_save (p, profile, &error));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *args[] = { "info", profile, NULL };
    g_assert_cmpint (cb_test_run_cli (args, &out, &err), ==, 0);
  }
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "window               building 0.800"));
}

static void
test_labels_convert (void)
{
  g_autofree char *dir = io_dataset ("camvid");
  const char *tmp = io_tmpdir ();
  g_autofree char *png = NULL, *classes = NULL, *out = NULL, *err = NULL;
  g_autofree char *rgb = g_build_filename (tmp, "rgb.png", NULL);
  g_autofree char *idx = g_build_filename (tmp, "idx.png", NULL);
  g_autofree char *a = NULL, *b = NULL;

  if (dir == NULL || !have_cli ())
    return;
  png = g_build_filename (dir, "labels", "0001TP_006690.png", NULL);
  classes = g_build_filename (dir, "classes.json", NULL);
  {
    const char *args[] = { "labels", "convert", png, "--classes", classes, "-o", rgb, "--rgb", NULL };
    g_assert_cmpint (cb_test_run_cli (args, &out, &err), ==, 0);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *args[] = { "labels", "convert", rgb, "--classes", classes, "-o", idx, NULL };
    g_assert_cmpint (cb_test_run_cli (args, &out, &err), ==, 0);
  }
  /* same pixels: same info output apart from the file name */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *args[] = { "info", png, "--classes", classes, NULL };
    cb_test_run_cli (args, &a, &err);
  }
  g_clear_pointer (&err, g_free);
  {
    const char *args[] = { "info", idx, "--classes", classes, NULL };
    cb_test_run_cli (args, &b, &err);
  }
  g_assert_cmpstr (strchr (a, '\n'), ==, strchr (b, '\n'));
}

static void
test_usage (void)
{
  g_autofree char *out = NULL, *err = NULL;

  if (!have_cli ())
    return;
  {
    const char *args[] = { "info", NULL };
    g_assert_cmpint (cb_test_run_cli (args, &out, &err), ==, 2);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *args[] = { "info", "--bogus", "x", NULL };
    g_assert_cmpint (cb_test_run_cli (args, &out, &err), ==, 2);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *args[] = { "labels", "convert", "x.png", NULL }; /* no -o */
    g_assert_cmpint (cb_test_run_cli (args, &out, &err), ==, 2);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *args[] = { "labels", "frobnicate", NULL };
    g_assert_cmpint (cb_test_run_cli (args, &out, &err), ==, 2);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *args[] = { "info", "/nonexistent/x.png", NULL };
    g_assert_cmpint (cb_test_run_cli (args, &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "/nonexistent/x.png"));
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *args[] = { "info", "--help", NULL };
    g_assert_cmpint (cb_test_run_cli (args, &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, "--classes"));
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *args[] = { "labels", "convert", "--help", NULL };
    g_assert_cmpint (cb_test_run_cli (args, &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, "--rgb"));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/cli/info-label-map", test_info_label_map);
  g_test_add_func ("/io/cli/info-other-kinds", test_info_other_kinds);
  g_test_add_func ("/io/cli/info-model-and-profile", test_info_model_and_profile);
  g_test_add_func ("/io/cli/labels-convert", test_labels_convert);
  g_test_add_func ("/io/cli/usage", test_usage);
  return g_test_run ();
}
