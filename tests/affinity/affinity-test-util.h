/* affinity-test-util.h: helpers shared by the affinity tests (header-only)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-affinity.h"
#include "model/cb-error.h"
#include "model/cb-label-map.h"
#include "model/cb-model.h"
#include "model/cb-safetensors.h"
#include "render/cb-backend.h"
#include "render/cb-cpu-backend.h"
#include "tests/test-model-copy.h"
#include "tests/test-util.h"
#include "tests/test-vulkan.h"

#include <glib/gstdio.h>
#include <jpeglib.h>
#include <stdio.h>
#include <string.h>

/* float32 little-endian CHW file */
G_GNUC_UNUSED static CbTensor *
load_f32 (const char *path, guint c, guint h, guint w)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, (gsize)c * h * w * 4);
  CbTensor *t = cb_tensor_new (c, h, w);
  for (gsize i = 0; i < (gsize)c * h * w; i++)
    {
      guint32 u;
      memcpy (&u, data + i * 4, 4);
      u = GUINT32_FROM_LE (u);
      memcpy (&t->data[i], &u, 4);
    }
  return t;
}

/* --------------------------------------------------- backend as a runner */

static gpointer
test_backend_prepare (gpointer user_data, const CbGraph *graph, GError **error)
{
  return cb_backend_prepare (user_data, graph, error);
}

static gboolean
test_backend_run (gpointer plan, CbTensor *const *inputs, guint n_inputs, CbTensor *output, GError **error)
{
  return cb_plan_run (plan, inputs, n_inputs, output, error);
}

static void
test_backend_free_plan (gpointer plan)
{
  cb_plan_free (plan);
}

G_GNUC_UNUSED static CbGraphRunner
backend_runner (CbBackend *backend)
{
  return (CbGraphRunner){
    .prepare = test_backend_prepare,
    .run = test_backend_run,
    .free_plan = test_backend_free_plan,
    .user_data = backend,
    .description = cb_backend_get_description (backend),
  };
}

/* g_test_init() with the pipeline cache in a private directory, not the
 * user's; returns that directory (cb_test_remove_tree() it at the end). */
G_GNUC_UNUSED static char *
affinity_test_init (int *argc, char ***argv)
{
  char *cache_dir = cb_test_private_cache_dir_new ();

  g_test_init (argc, argv, NULL);
  return cache_dir;
}

/* g_test_run() for a test that compares with Vulkan: opens the device
 * into *vulkan (or keeps in *why the reason there is none) before, and
 * frees both and the cache directory of affinity_test_init() after. */
G_GNUC_UNUSED static int
affinity_test_run_with_vulkan (char *cache_dir, CbBackend **vulkan, char **why)
{
  *vulkan = cb_test_vulkan_or_reason (why);
  if (*vulkan != NULL)
    g_printerr ("# device: %s\n", cb_backend_get_description (*vulkan));

  int status = g_test_run ();

  g_clear_pointer (vulkan, cb_backend_free);
  g_clear_pointer (why, g_free);
  cb_test_remove_tree (cache_dir);
  return status;
}

/* ------------------------------------------------------------ graph runs */

/* The output of a one-input graph on a backend (shape: the graph's output). */
G_GNUC_UNUSED static CbTensor *
run_on_backend (CbBackend *backend, const CbGraph *graph, CbTensor *in)
{
  g_autoptr (GError) error = NULL;
  const CbValue *ov = cb_graph_value (graph, graph->output);
  g_autoptr (CbPlan) plan = cb_backend_prepare (backend, graph, &error);
  g_assert_no_error (error);
  CbTensor *out = cb_tensor_new (ov->c, ov->h, ov->w);
  g_assert_true (cb_plan_run (plan, &in, 1, out, &error));
  g_assert_no_error (error);
  return out;
}

/* The same on the native CPU backend itself: a graph it cannot run fails
 * here instead of falling back to the reference. */
G_GNUC_UNUSED static CbTensor *
run_on_cpu_kernels (const CbGraph *graph, CbTensor *in)
{
  g_autoptr (GError) error = NULL;
  const CbValue *ov = cb_graph_value (graph, graph->output);
  g_autoptr (CbCpuPlan) plan = cb_cpu_plan_new (graph, NULL, &error);
  g_assert_no_error (error);
  CbTensor *out = cb_tensor_new (ov->c, ov->h, ov->w);
  g_assert_true (cb_cpu_plan_run (plan, &in, 1, out, &error));
  g_assert_no_error (error);
  return out;
}

/* Relative error of got against want, logged as "what: …", at most tolerance. */
G_GNUC_UNUSED static void
assert_close (const CbTensor *got, const CbTensor *want, double tolerance, const char *what)
{
  double err = cb_tensor_rel_error (got, want);
  g_test_message ("%s: %g", what, err);
  if (!(err <= tolerance))
    g_error ("%s: relative error %g > %g", what, err, tolerance);
}

/* ------------------------------------------------------------ model files */

/* A copy of the fixture `name` without the tensors whose names start with
 * drop, its catbrush.config passed through edit (may be NULL). */
G_GNUC_UNUSED static void
write_fixture_without (const char *name, const char *drop, CbTestConfigEdit edit, const char *path)
{
  g_autofree char *src = cb_test_fixture (name);
  cb_test_copy_model (src, drop, edit, NULL, path);
}

G_GNUC_UNUSED static void
drop_discriminator_config (JsonObject *config, G_GNUC_UNUSED gpointer user_data)
{
  json_object_remove_member (config, "discriminator");
  json_object_set_boolean_member (json_object_get_object_member (config, "tensors"), "discriminator", FALSE);
}

/* A copy of the tiny model without its D.* tensors (an imported generator alone). */
G_GNUC_UNUSED static void
write_model_without_d (const char *path)
{
  write_fixture_without ("tiny-model.safetensors", "D.", drop_discriminator_config, path);
}

/* ------------------------------------------------------- example datasets */

/* Writes image as a 4:4:4 JPEG (no chroma subsampling, as the shared
 * datasets), baseline or progressive. */
G_GNUC_UNUSED static void
save_jpeg_mode (const CbImage *image, const char *path, int quality, gboolean progressive)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  FILE *f = fopen (path, "wb");
  g_assert_nonnull (f);
  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_stdio_dest (&cinfo, f);
  cinfo.image_width = image->width;
  cinfo.image_height = image->height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, quality, TRUE);
  for (int c = 0; c < 3; c++)
    cinfo.comp_info[c].h_samp_factor = cinfo.comp_info[c].v_samp_factor = 1;
  if (progressive)
    jpeg_simple_progression (&cinfo);
  jpeg_start_compress (&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height)
    {
      JSAMPROW row = (JSAMPROW)(image->rgb + (gsize)cinfo.next_scanline * image->width * 3);
      jpeg_write_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  fclose (f);
}

G_GNUC_UNUSED static void
save_jpeg (const CbImage *image, const char *path, int quality)
{
  save_jpeg_mode (image, path, quality, FALSE);
}

/* The toy target classes of the synthetic examples: sky (id 0), ground (id 3), plant (id 7). */
G_GNUC_UNUSED static CbClassSet *
toy_classes (void)
{
  g_autoptr (GError) error = NULL;
  CbClassSet *set = cb_class_set_new ("toy");
  const char *const plant_syn[] = { "vegetation", NULL };
  g_assert_true (cb_class_set_add (set, 0, "sky", 0x4080ff, NULL, &error));
  g_assert_true (cb_class_set_add (set, 3, "ground", 0x808080, NULL, &error));
  g_assert_true (cb_class_set_add (set, 7, "plant", 0x20a020, plant_syn, &error));
  g_assert_no_error (error);
  return set;
}

/* Synthetic example i at w x h: sky above, ground below, a plant square; a
 * void stripe on the left; per-pixel texture so that the photos differ. */
G_GNUC_UNUSED static void
toy_example (guint i, guint w, guint h, CbImage **photo, CbLabelMap **labels)
{
  CbImage *im = cb_image_new (w, h);
  CbLabelMap *map = cb_label_map_new (w, h);
  guint horizon = h / 2 + i % 3;
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        guint8 *px = im->rgb + ((gsize)y * w + x) * 3;
        guint8 id;
        guint n = (x * 7 + y * 13 + i * 31) % 23;
        if (x >= w / 2 + i % 4 && x < w / 2 + i % 4 + w / 4 && y >= horizon - 2 && y < horizon + h / 4)
          id = 7, px[0] = 30 + n, px[1] = 140 + n, px[2] = 40;
        else if (y < horizon)
          id = 0, px[0] = 90 + n, px[1] = 150 + n, px[2] = 240 - n;
        else
          id = 3, px[0] = 110 + n, px[1] = 105 + n, px[2] = 100 + n;
        if (x < 2)
          id = CB_VOID_ID;
        map->ids[(gsize)y * w + x] = id;
      }
  *photo = im;
  *labels = map;
}

/* A dataset folder: classes.json, images/, labels/, train.txt (n_train) and test.txt (2).
 * Photos alternate JPEG and PNG, at w x h. */
G_GNUC_UNUSED static char *
make_toy_dataset (guint n_train, guint w, guint h)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cb-affinity-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *images = g_build_filename (dir, "images", NULL);
  g_autofree char *labels = g_build_filename (dir, "labels", NULL);
  g_assert_cmpint (g_mkdir (images, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (labels, 0755), ==, 0);
  g_autoptr (CbClassSet) classes = toy_classes ();
  g_autofree char *classes_path = g_build_filename (dir, "classes.json", NULL);
  g_assert_true (cb_class_set_save (classes, classes_path, &error));
  g_assert_no_error (error);

  g_autoptr (GString) train = g_string_new (NULL);
  g_autoptr (GString) test = g_string_new (NULL);
  for (guint i = 0; i < n_train + 2; i++)
    {
      g_autofree char *stem = g_strdup_printf ("toy%02u", i);
      g_autoptr (CbImage) photo = NULL;
      g_autoptr (CbLabelMap) map = NULL;
      toy_example (i, w, h, &photo, &map);
      g_autofree char *photo_name = g_strconcat (stem, i % 2 ? ".png" : ".jpg", NULL);
      g_autofree char *photo_path = g_build_filename (images, photo_name, NULL);
      g_autofree char *label_name = g_strconcat (stem, ".png", NULL);
      g_autofree char *label_path = g_build_filename (labels, label_name, NULL);
      if (i % 2)
        g_assert_true (cb_image_save_png (photo, photo_path, &error));
      else
        save_jpeg (photo, photo_path, 95);
      g_assert_true (cb_label_map_save (map, classes, label_path, &error));
      g_assert_no_error (error);
      g_string_append_printf (i < n_train ? train : test, "%s\n", stem);
    }
  g_autofree char *train_path = g_build_filename (dir, "train.txt", NULL);
  g_autofree char *test_path = g_build_filename (dir, "test.txt", NULL);
  g_assert_true (g_file_set_contents (train_path, train->str, -1, &error));
  g_assert_true (g_file_set_contents (test_path, test->str, -1, &error));
  return g_steal_pointer (&dir);
}
