/* test-affinity-priors.c: example photos, the segmentation and vision priors on
 * the tiny fixture model, the combination maths with hand-checked numbers, and
 * the profile an estimate makes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "affinity-test-util.h"

#include "model/cb-discriminator.h"
#include "model/cb-photo.h"
#include "model/cb-profile.h"

#include <math.h>

static CbBackend *vulkan;
static char *no_vulkan_reason;

#define TINY_W 32
#define TINY_H 24

static CbModel *
tiny_model (void)
{
  g_autofree char *path = cb_test_fixture ("tiny-model.safetensors");
  g_autoptr (GError) error = NULL;
  CbModel *model = cb_model_load (path, &error);
  g_assert_no_error (error);
  return model;
}

static void
assert_rows_sum_to_one (const float *m, guint rows, guint cols)
{
  for (guint t = 0; t < rows; t++)
    {
      double sum = 0;
      for (guint s = 0; s < cols; s++)
        {
          g_assert_cmpfloat (m[t * cols + s], >=, 0.0f);
          sum += m[t * cols + s];
        }
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
    }
}

/* ------------------------------------------------------------- photos */

static void
test_photo_jpeg (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cb-photo-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "p.jpg", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbImage) photo = NULL;
  g_autoptr (CbLabelMap) labels = NULL;
  toy_example (0, 40, 30, &photo, &labels);
  save_jpeg (photo, path, 100);

  g_autoptr (CbImage) back = cb_photo_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->width, ==, 40);
  g_assert_cmpuint (back->height, ==, 30);
  int max_diff = 0;
  for (gsize i = 0; i < 40 * 30 * 3; i++)
    max_diff = MAX (max_diff, abs ((int)back->rgb[i] - (int)photo->rgb[i]));
  g_test_message ("JPEG quality 100: max difference %d", max_diff);
  g_assert_cmpint (max_diff, <=, 6);

  /* a truncated JPEG, a text file and a missing file: errors naming the file */
  g_autofree char *data = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_autofree char *cut = g_build_filename (dir, "cut.jpg", NULL);
  g_assert_true (g_file_set_contents (cut, data, 200, NULL));
  g_autoptr (CbImage) bad = cb_photo_load (cut, &error);
  g_assert_null (bad);
  g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, cut));
  g_clear_error (&error);

  g_autofree char *text = g_build_filename (dir, "t.jpg", NULL);
  g_assert_true (g_file_set_contents (text, "hello, not a photo", -1, NULL));
  g_assert_null (cb_photo_load (text, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "not a JPEG or PNG"));
  g_clear_error (&error);

  g_autofree char *missing = g_build_filename (dir, "missing.jpg", NULL);
  g_assert_null (cb_photo_load (missing, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));
  cb_test_remove_tree (dir);
}

/* A copy of the JPEG at path whose frame header claims width x height. */
static char *
jpeg_claiming (const char *path, const char *name, guint width, guint height)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  char *out = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_get_contents (path, (char **)&data, &len, NULL));
  for (gsize i = 2; i + 9 < len; i++)
    if (data[i] == 0xff && (data[i + 1] == 0xc0 || data[i + 1] == 0xc2))
      {
        data[i + 5] = (guint8)(height >> 8), data[i + 6] = (guint8)height;
        data[i + 7] = (guint8)(width >> 8), data[i + 8] = (guint8)width;
        g_assert_true (g_file_set_contents (out, (const char *)data, (gssize)len, NULL));
        return out;
      }
  g_assert_not_reached ();
}

/* Big photos are decoded with libjpeg's DCT scaling to the smallest size at
 * or above what is needed; resized to that size they match the full decode
 * within a level or two. Decodes over the memory or pixel limit are refused
 * from the header, naming the file. */
static void
test_photo_scaled (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cb-photo-XXXXXX", NULL);
  g_autoptr (CbImage) photo = NULL;
  g_autoptr (CbLabelMap) labels = NULL;
  toy_example (1, 320, 240, &photo, &labels);
  /* smooth detail at every scale, as in a real photo */
  for (guint y = 0; y < 240; y++)
    for (guint x = 0; x < 320; x++)
      for (guint c = 0; c < 3; c++)
        {
          guint8 *px = photo->rgb + ((gsize)y * 320 + x) * 3 + c;
          *px = (guint8)CLAMP (*px + 40.0 * sin (x * 0.07 + c) * cos (y * 0.05), 0, 255);
        }

  for (int progressive = 0; progressive < 2; progressive++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *path = g_build_filename (dir, progressive ? "p.jpg" : "b.jpg", NULL);
      save_jpeg_mode (photo, path, 90, progressive);
      g_autoptr (CbImage) full = cb_photo_load (path, &error);
      g_assert_no_error (error);
      g_autoptr (CbImage) same = cb_photo_load_for_size (path, 0, 0, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (same->rgb, 320 * 240 * 3, full->rgb, 320 * 240 * 3);
      g_autoptr (CbImage) larger = cb_photo_load_for_size (path, 640, 480, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (larger->width, ==, 320);

      /* n/8 with the smallest n that reaches the size */
      const guint sizes[][4] = { { 32, 24, 40, 30 }, { 64, 48, 80, 60 }, { 100, 10, 120, 90 }, { 300, 10, 320, 240 } };
      for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
        {
          guint w = sizes[k][0], h = sizes[k][1];
          g_autoptr (CbImage) scaled = cb_photo_load_for_size (path, w, h, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (scaled->width, ==, sizes[k][2]);
          g_assert_cmpuint (scaled->height, ==, sizes[k][3]);
          g_autoptr (CbImage) a = cb_photo_resize (full, w, h);
          g_autoptr (CbImage) b = cb_photo_resize (scaled, w, h);
          int max_diff = 0;
          double sum = 0;
          for (gsize i = 0; i < (gsize)w * h * 3; i++)
            {
              int d = abs ((int)a->rgb[i] - (int)b->rgb[i]);
              max_diff = MAX (max_diff, d);
              sum += d;
            }
          g_test_message ("%s, %u×%u from %u×%u: max difference %d, mean %.3f",
                          progressive ? "progressive" : "baseline", w, h, scaled->width, scaled->height, max_diff,
                          sum / (w * h * 3));
          g_assert_cmpfloat (sum / (w * h * 3), <=, 1.0);
          g_assert_cmpint (max_diff, <=, 16);
        }
    }

  /* 201 MP progressive 4:4:4 keeps 1.2 GB of coefficients: refused before decoding */
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *small = g_build_filename (dir, "p.jpg", NULL);
    g_autofree char *huge = jpeg_claiming (small, "huge.jpg", 16384, 12288);
    g_assert_null (cb_photo_load_for_size (huge, 32, 24, &error));
    g_assert_error (error, CB_ERROR, CB_ERROR_LIMIT);
    g_assert_nonnull (strstr (error->message, huge));
    g_assert_nonnull (strstr (error->message, "MiB"));
    g_test_message ("%s", error->message);
  }
  /* 16384 × 16384 is over the pixel limit, baseline or not */
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *small = g_build_filename (dir, "b.jpg", NULL);
    g_autofree char *square = jpeg_claiming (small, "square.jpg", 16384, 16384);
    g_assert_null (cb_photo_load (square, &error));
    g_assert_error (error, CB_ERROR, CB_ERROR_LIMIT);
    g_assert_nonnull (strstr (error->message, square));
    g_assert_nonnull (strstr (error->message, "megapixels"));
  }
  cb_test_remove_tree (dir);
}

static void
test_photo_dataset (void)
{
  const char *root = g_getenv ("CB_DATASETS");
  g_autofree char *path
    = root ? g_build_filename (root, "labelmefacade", "images", "05june05_static_street_boston__p1010739.jpg", NULL)
           : NULL;
  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the LabelMeFacade photos are not here (CB_DATASETS)");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (CbImage) photo = cb_photo_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (photo->width, ==, 320);
  g_assert_cmpuint (photo->height, ==, 240);
  g_autoptr (CbImage) small = cb_photo_resize (photo, 128, 96);
  g_assert_cmpuint (small->width, ==, 128);
}

static void
test_photo_resize (void)
{
  /* a constant photo stays constant; the same size is a copy */
  g_autoptr (CbImage) flat = cb_image_new (21, 17);
  for (gsize i = 0; i < 21 * 17 * 3; i++)
    flat->rgb[i] = (guint8)(i % 3 == 0 ? 200 : i % 3 == 1 ? 13 : 77);
  g_autoptr (CbImage) small = cb_photo_resize (flat, 8, 6);
  for (gsize i = 0; i < 8 * 6 * 3; i++)
    g_assert_cmpuint (small->rgb[i], ==, flat->rgb[i % 3]);
  g_autoptr (CbImage) same = cb_photo_resize (flat, 21, 17);
  g_assert_cmpmem (same->rgb, 21 * 17 * 3, flat->rgb, 21 * 17 * 3);

  /* 1-pixel stripes 0/255 halved: antialiased to grey (PIL gives 128 inside) */
  g_autoptr (CbImage) stripes = cb_image_new (40, 4);
  for (guint y = 0; y < 4; y++)
    for (guint x = 0; x < 40; x++)
      memset (stripes->rgb + (y * 40 + x) * 3, x % 2 ? 255 : 0, 3);
  g_autoptr (CbImage) half = cb_photo_resize (stripes, 20, 4);
  for (guint x = 3; x < 17; x++)
    g_assert_cmpint (abs ((int)half->rgb[(1 * 20 + x) * 3] - 128), <=, 1);

  /* the network input: v / 127.5 - 1 */
  g_autoptr (CbTensor) t = cb_photo_to_tensor (flat);
  g_assert_cmpuint (t->c, ==, 3);
  g_assert_cmpfloat_with_epsilon (t->data[0], 200 / 127.5f - 1, 1e-6);
  g_assert_cmpfloat_with_epsilon (t->data[21 * 17], 13 / 127.5f - 1, 1e-6);
}

/* PIL's Image.LANCZOS on a known photo (values from python3-pil, see docs/AFFINITY.md) */
static void
test_photo_resize_pil (void)
{
  /* 6x1 grey ramp to 4x1 and 2x1: 0, 50, 100, 150, 200, 250 */
  g_autoptr (CbImage) ramp = cb_image_new (6, 1);
  for (guint x = 0; x < 6; x++)
    memset (ramp->rgb + x * 3, (int)(x * 50), 3);
  g_autoptr (CbImage) four = cb_photo_resize (ramp, 4, 1);
  g_autoptr (CbImage) two = cb_photo_resize (ramp, 2, 1);
  const guint8 pil4[4] = { 13, 86, 164, 237 };
  const guint8 pil2[2] = { 53, 197 };
  for (guint x = 0; x < 4; x++)
    g_assert_cmpuint (four->rgb[x * 3], ==, pil4[x]);
  for (guint x = 0; x < 2; x++)
    g_assert_cmpuint (two->rgb[x * 3], ==, pil2[x]);
}

/* ------------------------------------------------------------ examples */

/* The toy examples in dir, at the tiny model's size, from their train split. */
static CbExampleSet *
load_toy_set (const char *dir, const CbClassSet *classes)
{
  g_autoptr (GError) error = NULL;
  CbExampleSet *set = cb_example_set_load (dir, NULL, classes, TINY_W, TINY_H, CB_EXAMPLE_LOAD_DEFAULT, &error);

  g_assert_no_error (error);
  return set;
}

static void
test_example_set (void)
{
  g_autofree char *dir = make_toy_dataset (3, 64, 48);
  g_autoptr (CbClassSet) classes = toy_classes ();
  g_autoptr (GError) error = NULL;

  /* default split: train; resized to the model's size */
  g_autoptr (CbExampleSet) set = load_toy_set (dir, classes);
  g_assert_cmpstr (set->split, ==, "train");
  g_assert_cmpuint (set->examples->len, ==, 3);
  const CbExample *ex = g_ptr_array_index (set->examples, 0);
  g_assert_cmpstr (ex->stem, ==, "toy00");
  g_assert_cmpuint (ex->photo->width, ==, TINY_W);
  g_assert_cmpuint (ex->labels->height, ==, TINY_H);
  /* and at twice that, for the segmentation prior's second scale */
  g_assert_cmpuint (ex->photo_2x->width, ==, 2 * TINY_W);
  g_assert_cmpuint (ex->photo_2x->height, ==, 2 * TINY_H);
  g_assert_cmpuint (ex->labels_2x->width, ==, 2 * TINY_W);
  g_assert_cmpuint (ex->labels_2x->height, ==, 2 * TINY_H);

  /* test splits are refused unless asked for */
  g_autoptr (CbExampleSet) test
    = cb_example_set_load (dir, "test", classes, TINY_W, TINY_H, CB_EXAMPLE_LOAD_DEFAULT, &error);
  g_assert_null (test);
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "test split"));
  g_clear_error (&error);
  test = cb_example_set_load (dir, "test", classes, TINY_W, TINY_H, CB_EXAMPLE_LOAD_ALLOW_TEST, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (test->examples->len, ==, 2);

  /* a split that is not there */
  g_assert_null (cb_example_set_load (dir, "val", classes, TINY_W, TINY_H, CB_EXAMPLE_LOAD_DEFAULT, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "val.txt"));
  g_clear_error (&error);

  /* no split files at all: every labelled photo; with split files but no train.txt: refused */
  g_autofree char *train = g_build_filename (dir, "train.txt", NULL);
  g_assert_cmpint (g_remove (train), ==, 0);
  g_assert_null (cb_example_set_load (dir, NULL, classes, TINY_W, TINY_H, CB_EXAMPLE_LOAD_DEFAULT, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  g_clear_error (&error);
  g_autofree char *test_txt = g_build_filename (dir, "test.txt", NULL);
  g_assert_cmpint (g_remove (test_txt), ==, 0);
  g_autoptr (CbExampleSet) all
    = cb_example_set_load (dir, NULL, classes, TINY_W, TINY_H, CB_EXAMPLE_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_null (all->split);
  g_assert_cmpuint (all->examples->len, ==, 5);

  /* a label map with an id the class set does not have */
  g_autoptr (CbClassSet) fewer = cb_class_set_new ("fewer");
  g_assert_true (cb_class_set_add (fewer, 0, "sky", 0x4080ff, NULL, &error));
  g_assert_null (cb_example_set_load (dir, NULL, fewer, TINY_W, TINY_H, CB_EXAMPLE_LOAD_DEFAULT, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "toy00.png"));
  cb_test_remove_tree (dir);
}

/* ------------------------------------------------------------ segmentation */

/* The segmentation statistics against a direct computation from the
 * discriminator's logits: softmax over the real channels, mean per class. */
static void
test_seg_prior (void)
{
  g_autoptr (CbModel) model = tiny_model ();
  g_autofree char *dir = make_toy_dataset (4, TINY_W, TINY_H);
  g_autoptr (CbClassSet) classes = toy_classes ();
  g_autoptr (GError) error = NULL;
  g_autoptr (CbExampleSet) set = load_toy_set (dir, classes);

  g_autoptr (CbExampleStats) stats = cb_example_stats_compute (NULL, model, classes, set, 1, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stats->n_classes, ==, 3);
  g_assert_cmpuint (stats->n_source, ==, 3);
  g_assert_cmpuint (stats->n_features, ==, 8);
  g_assert_cmpuint (stats->n_photos, ==, 4);

  /* by hand: tiny's label channels are sky, road, tree, don't-care (3) -> D channels 1, 2, 3 */
  g_autoptr (CbGraph) graph = cb_discriminator_build (model, TINY_W, TINY_H, TRUE, &error);
  g_assert_no_error (error);
  double post[3][3] = { { 0 } }, feat[3][8] = { { 0 } };
  guint64 pixels[3] = { 0 };
  for (guint e = 0; e < set->examples->len; e++)
    {
      const CbExample *ex = g_ptr_array_index (set->examples, e);
      g_autoptr (CbTensor) in = cb_photo_to_tensor (ex->photo);
      g_autoptr (CbTensor) out = cb_graph_run_reference (graph, &in, 1, &error);
      g_assert_no_error (error);
      gsize hw = TINY_W * TINY_H;
      for (gsize i = 0; i < hw; i++)
        {
          guint8 id = ex->labels->ids[i];
          int t = id == 0 ? 0 : id == 3 ? 1 : id == 7 ? 2 : -1;
          if (t < 0)
            continue;
          pixels[t]++;
          double z = 0, p[3];
          for (guint s = 0; s < 3; s++)
            z += p[s] = exp (out->data[(1 + s) * hw + i]);
          for (guint s = 0; s < 3; s++)
            post[t][s] += p[s] / z;
          for (guint f = 0; f < 8; f++)
            feat[t][f] += out->data[(5 + f) * hw + i];
        }
    }
  for (guint t = 0; t < 3; t++)
    {
      g_assert_cmpuint (stats->pixels[t], ==, pixels[t]);
      g_assert_cmpuint (pixels[t], >, 0);
      for (guint s = 0; s < 3; s++)
        g_assert_cmpfloat_with_epsilon (stats->posterior[t * 3 + s], post[t][s] / pixels[t], 1e-5);
      for (guint f = 0; f < 8; f++)
        g_assert_cmpfloat_with_epsilon (stats->features[t * 8 + f], feat[t][f] / pixels[t], 1e-4);
    }
  assert_rows_sum_to_one (stats->posterior, 3, 3);
  /* void pixels (the left stripe) are not counted */
  g_assert_cmpuint (pixels[0] + pixels[1] + pixels[2], ==, 4 * (TINY_W - 2) * TINY_H);

  /* the same on Vulkan, through a backend plan prepared once */
  if (vulkan == NULL)
    {
      g_test_skip (no_vulkan_reason);
      cb_test_remove_tree (dir);
      return;
    }
  CbGraphRunner runner = backend_runner (vulkan);
  g_autoptr (CbExampleStats) vk = cb_example_stats_compute (&runner, model, classes, set, 1, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 9; i++)
    g_assert_cmpfloat_with_epsilon (vk->posterior[i], stats->posterior[i], 1e-4);
  for (guint i = 0; i < 24; i++)
    g_assert_cmpfloat_with_epsilon (vk->features[i], stats->features[i], 1e-4);
  cb_test_remove_tree (dir);
}

/* Two scales: the seg prior is the mean of the row-normalised posteriors at
 * the native size and at 2×, which differ; the record says so. */
static void
test_seg_two_scales (void)
{
  g_autoptr (CbModel) model = tiny_model ();
  g_autofree char *dir = make_toy_dataset (3, 48, 36);
  g_autoptr (CbClassSet) classes = toy_classes ();
  g_autoptr (GError) error = NULL;
  g_autoptr (CbExampleSet) set = load_toy_set (dir, classes);

  g_autoptr (CbExampleStats) at_1x = cb_example_stats_compute (NULL, model, classes, set, 1, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (CbExampleStats) at_2x = cb_example_stats_compute (NULL, model, classes, set, 2, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  /* four times the pixels, seen differently */
  double moved = 0;
  for (guint t = 0; t < 3; t++)
    {
      g_assert_cmpuint (at_2x->pixels[t], >, 3 * at_1x->pixels[t]);
      for (guint s = 0; s < 3; s++)
        moved += fabs (at_2x->posterior[t * 3 + s] - at_1x->posterior[t * 3 + s]);
    }
  g_assert_cmpfloat (moved, >, 1e-4);
  assert_rows_sum_to_one (at_2x->posterior, 3, 3);

  CbAffinityOptions o;
  cb_affinity_options_init (&o);
  g_assert_cmpuint (o.seg_scales, ==, 2);
  o.temperature = 1; /* no sharpening: the prior itself */
  o.use[CB_AFFINITY_SEG] = TRUE;
  o.examples = set;
  g_autoptr (CbProfile) two = cb_affinity_estimate (model, classes, &o, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 9; i++)
    g_assert_cmpfloat_with_epsilon (two->affinity[i], 0.5f * (at_1x->posterior[i] + at_2x->posterior[i]), 1e-5);
  JsonObject *seg = json_object_get_object_member (json_node_get_object (two->estimation), "seg");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (seg, "scales")), ==, 2);

  o.seg_scales = 1;
  g_autoptr (CbProfile) one = cb_affinity_estimate (model, classes, &o, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 9; i++)
    g_assert_cmpfloat_with_epsilon (one->affinity[i], at_1x->posterior[i], 1e-5);
  seg = json_object_get_object_member (json_node_get_object (one->estimation), "seg");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (seg, "scales")), ==, 1);

  o.seg_scales = 3;
  g_assert_null (cb_affinity_estimate (model, classes, &o, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  g_clear_error (&error);

  /* a set loaded at the native size only has the same first scale, and no second */
  g_autoptr (CbExampleSet) native
    = cb_example_set_load (dir, NULL, classes, TINY_W, TINY_H, CB_EXAMPLE_LOAD_NATIVE_ONLY, &error);
  g_assert_no_error (error);
  g_assert_null (((CbExample *)g_ptr_array_index (native->examples, 0))->photo_2x);
  g_autoptr (CbExampleStats) native_1x
    = cb_example_stats_compute (NULL, model, classes, native, 1, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 9; i++)
    g_assert_cmpfloat (native_1x->posterior[i], ==, at_1x->posterior[i]);
  g_assert_null (cb_example_stats_compute (NULL, model, classes, native, 2, NULL, NULL, NULL, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_MISMATCH);
  cb_test_remove_tree (dir);
}

static void
test_cancel (void)
{
  g_autoptr (CbModel) model = tiny_model ();
  g_autofree char *dir = make_toy_dataset (2, TINY_W, TINY_H);
  g_autoptr (CbClassSet) classes = toy_classes ();
  g_autoptr (GError) error = NULL;
  g_autoptr (CbExampleSet) set = load_toy_set (dir, classes);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_assert_null (cb_example_stats_compute (NULL, model, classes, set, 1, cancel, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  cb_test_remove_tree (dir);
}

/* ---------------------------------------------------------------- vision */

static void
test_vision_maths (void)
{
  /* target rows: (1, 0), (1, 1), (0, 0); sources: (2, 0), (0, 3), (-1, 0) */
  const float target[6] = { 1, 0, 1, 1, 0, 0 };
  const float source[6] = { 2, 0, 0, 3, -1, 0 };
  g_autofree float *m = cb_affinity_cosine (target, 3, source, 3, 2);
  const float expect[9] = { 1, 0, 0, (float)M_SQRT1_2, (float)M_SQRT1_2, 0, 0, 0, 0 };
  for (guint i = 0; i < 9; i++)
    g_assert_cmpfloat_with_epsilon (m[i], expect[i], 1e-6);

  /* the head prototypes: rows 1 + channel of D.layer_up_last.weight */
  g_autoptr (CbModel) model = tiny_model ();
  g_autoptr (GError) error = NULL;
  guint F = 0;
  g_autofree float *protos = cb_affinity_head_prototypes (model, &F, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (F, ==, 8);
  const guint64 shape[4] = { 5, 8, 1, 1 };
  g_autofree float *w = cb_model_get_weight (model, "D.layer_up_last.weight", 4, shape, &error);
  g_assert_cmpmem (protos, 3 * 8 * sizeof (float), w + 8, 3 * 8 * sizeof (float));
}

/* ----------------------------------------------------------- combination */

static void
test_sharpen (void)
{
  /* [0.5, 0.25, 0.25]^(1/0.5) = [0.25, 0.0625, 0.0625] / 0.375 = [2/3, 1/6, 1/6] */
  float m[6] = { 0.5f, 0.25f, 0.25f, 0, 0, 0 };
  cb_affinity_sharpen (m, 2, 3, 0.5f);
  g_assert_cmpfloat_with_epsilon (m[0], 2.0 / 3, 1e-6);
  g_assert_cmpfloat_with_epsilon (m[1], 1.0 / 6, 1e-6);
  g_assert_cmpfloat_with_epsilon (m[2], 1.0 / 6, 1e-6);
  /* a zero row becomes uniform */
  g_assert_cmpfloat_with_epsilon (m[3], 1.0 / 3, 1e-6);

  /* T = 2 flattens: sqrt([0.8, 0.2]) = [0.894, 0.447] -> [2/3, 1/3]; T = 1 only renormalises */
  float f[2] = { 0.8f, 0.2f };
  cb_affinity_sharpen (f, 1, 2, 2.0f);
  g_assert_cmpfloat_with_epsilon (f[0], 2.0 / 3, 1e-6);
  float g[2] = { 3, 1 };
  cb_affinity_sharpen (g, 1, 2, 1.0f);
  g_assert_cmpfloat_with_epsilon (g[0], 0.75, 1e-6);

  /* a tiny temperature is an argmax, without overflow; zeros stay zero */
  float h[3] = { 0.3f, 0.0f, 0.29f };
  cb_affinity_sharpen (h, 1, 3, 0.001f);
  g_assert_cmpfloat_with_epsilon (h[0], 1.0, 1e-6);
  g_assert_cmpfloat (h[1], ==, 0.0f);
}

static void
test_top_k (void)
{
  float m[9] = { 0.2f, 0.5f, 0.3f, 0.2f, 0.5f, 0.3f, 0.4f, 0.4f, 0.2f };
  cb_affinity_top_k (m, 1, 3, 1);
  g_assert_cmpfloat (m[0], ==, 0.0f);
  g_assert_cmpfloat (m[1], ==, 1.0f);
  g_assert_cmpfloat (m[2], ==, 0.0f);
  /* k = 2: [0, 0.5, 0.3] / 0.8 */
  cb_affinity_top_k (m + 3, 1, 3, 2);
  g_assert_cmpfloat_with_epsilon (m[3], 0.0, 1e-7);
  g_assert_cmpfloat_with_epsilon (m[4], 0.625, 1e-6);
  g_assert_cmpfloat_with_epsilon (m[5], 0.375, 1e-6);
  /* a tie keeps the lower index */
  cb_affinity_top_k (m + 6, 1, 3, 1);
  g_assert_cmpfloat (m[6], ==, 1.0f);
  g_assert_cmpfloat (m[7], ==, 0.0f);
  /* k = 0 and k >= cols only renormalise */
  float n[3] = { 1, 1, 2 };
  cb_affinity_top_k (n, 1, 3, 0);
  g_assert_cmpfloat_with_epsilon (n[2], 0.5, 1e-7);
  cb_affinity_top_k (n, 1, 3, 5);
  g_assert_cmpfloat_with_epsilon (n[0], 0.25, 1e-7);
}

static void
test_combine (void)
{
  /* two rows; prior A = [[0.6, 0.4, 0], [1, 0, 0]], prior B = [[0, 0.5, 0.5], [0, 0, 1]] */
  const float a[6] = { 0.6f, 0.4f, 0, 1, 0, 0 };
  const float b[6] = { 0, 0.5f, 0.5f, 0, 0, 1 };
  const float *priors[2] = { a, b };
  const float weights[2] = { 1, 3 };
  float out[6];

  /* row 0: (1·A + 3·B) / 4 = [0.15, 0.475, 0.375] */
  cb_affinity_combine (priors, NULL, weights, 2, 2, 3, out);
  g_assert_cmpfloat_with_epsilon (out[0], 0.15, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[1], 0.475, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[2], 0.375, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[3], 0.25, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[5], 0.75, 1e-6);

  /* B has no evidence for row 1 (e.g. no example pixels): row 1 is A's alone */
  const gboolean ev_b[2] = { TRUE, FALSE };
  const gboolean *evidence[2] = { NULL, ev_b };
  cb_affinity_combine (priors, evidence, weights, 2, 2, 3, out);
  g_assert_cmpfloat_with_epsilon (out[0], 0.15, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[3], 1.0, 1e-6);

  /* a weight of 0 leaves a prior out; no evidence at all is uniform */
  const float w0[2] = { 0, 1 };
  const gboolean none[2] = { FALSE, FALSE };
  const gboolean *evidence0[2] = { NULL, none };
  cb_affinity_combine (priors, evidence0, w0, 2, 2, 3, out);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon (out[i], 1.0 / 3, 1e-6);

  /* then the temperature and top-k, in that order: combined row 0 with T = 0.5, k = 2:
   * [0.15², 0.475², 0.375²] = [0.0225, 0.225625, 0.140625]; top 2 -> [0, 0.6160, 0.3840] */
  cb_affinity_combine (priors, NULL, weights, 2, 2, 3, out);
  cb_affinity_sharpen (out, 2, 3, 0.5f);
  cb_affinity_top_k (out, 2, 3, 2);
  g_assert_cmpfloat_with_epsilon (out[0], 0.0, 1e-7);
  g_assert_cmpfloat_with_epsilon (out[1], 0.225625 / 0.36625, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[2], 0.140625 / 0.36625, 1e-6);
}

/* ---------------------------------------------------------------- estimate */

static void
test_estimate (void)
{
  g_autoptr (CbModel) model = tiny_model ();
  g_autofree char *dir = make_toy_dataset (3, 48, 36);
  g_autoptr (CbClassSet) classes = toy_classes ();
  g_autoptr (GError) error = NULL;
  g_autoptr (CbExampleSet) set = load_toy_set (dir, classes);
  g_autoptr (CbWordNet) wn = cb_wordnet_open (NULL, NULL);

  CbAffinityOptions o;
  cb_affinity_options_init (&o);
  o.use[CB_AFFINITY_SEG] = o.use[CB_AFFINITY_VISION] = TRUE;
  o.use[CB_AFFINITY_TEXT] = wn != NULL;
  o.wordnet = wn;
  o.weights[CB_AFFINITY_SEG] = 2;
  o.temperature = 0.5f;
  o.top_k = 2;
  o.examples = set;
  g_autoptr (CbProfile) p = cb_affinity_estimate (model, classes, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (p->n_source, ==, 3);
  g_assert_cmpstr (p->source_names[2], ==, "tree");
  g_assert_cmpstr (p->model_sha256, ==, model->sha256);
  assert_rows_sum_to_one (p->affinity, 3, 3);
  for (guint t = 0; t < 3; t++)
    {
      guint zeros = 0;
      for (guint s = 0; s < 3; s++)
        zeros += p->affinity[t * 3 + s] == 0.0f;
      g_assert_cmpuint (zeros, >=, 1); /* top-2 of 3 */
    }

  /* the record */
  JsonObject *e = json_node_get_object (p->estimation);
  JsonArray *methods = json_object_get_array_member (e, "methods");
  g_assert_cmpuint (json_array_get_length (methods), ==, wn != NULL ? 3 : 2);
  g_assert_cmpstr (json_array_get_string_element (methods, 0), ==, "seg");
  g_assert_cmpfloat (json_array_get_double_element (json_object_get_array_member (e, "weights"), 0), ==, 2.0);
  g_assert_cmpfloat (json_object_get_double_member (e, "temperature"), ==, 0.5);
  g_assert_cmpint (json_object_get_int_member (e, "top_k"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (e, "example_split"), ==, "train");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (e, "examples")), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (e, "vision_features"), ==, "discriminator");
  JsonObject *vision = json_object_get_object_member (e, "vision");
  g_assert_cmpstr (json_object_get_string_member (vision, "source_prototypes"), ==, "discriminator_head");
  JsonObject *priors = json_object_get_object_member (e, "priors");
  g_assert_true (json_object_has_member (priors, "seg"));
  g_assert_true (json_object_has_member (priors, "vision"));
  if (wn != NULL)
    {
      /* the text prior knows sky -> sky and plant (vegetation) -> tree */
      JsonArray *text = json_object_get_array_member (priors, "text");
      JsonArray *sky = json_array_get_array_element (text, 0);
      g_assert_cmpfloat (json_array_get_double_element (sky, 0), >, 0.9);
      JsonArray *plant = json_array_get_array_element (text, 2);
      g_assert_cmpfloat (json_array_get_double_element (plant, 2), >, 0.5);
      g_assert_true (json_object_has_member (json_object_get_object_member (e, "text"), "sense_prior"));
    }

  /* the combination recomputed from the recorded priors gives the profile's matrix */
  float prior_m[CB_AFFINITY_N_METHODS][9];
  const float *prior_p[CB_AFFINITY_N_METHODS] = { NULL };
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    {
      const char *name = cb_affinity_method_to_string (m);
      if (!json_object_has_member (priors, name))
        continue;
      JsonArray *rows = json_object_get_array_member (priors, name);
      for (guint t = 0; t < 3; t++)
        for (guint s = 0; s < 3; s++)
          prior_m[m][t * 3 + s] = (float)json_array_get_double_element (json_array_get_array_element (rows, t), s);
      prior_p[m] = prior_m[m];
    }
  float again[9];
  cb_affinity_combine (prior_p, NULL, o.weights, CB_AFFINITY_N_METHODS, 3, 3, again);
  cb_affinity_sharpen (again, 3, 3, 0.5f);
  cb_affinity_top_k (again, 3, 3, 2);
  for (guint i = 0; i < 9; i++)
    g_assert_cmpfloat_with_epsilon (again[i], p->affinity[i], 1e-5);

  /* the profile round-trips through JSON */
  g_autofree char *path = g_build_filename (dir, "p.json", NULL);
  g_assert_true (cb_profile_save (p, path, &error));
  g_autoptr (CbProfile) back = cb_profile_load (path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 9; i++)
    g_assert_cmpfloat_with_epsilon (back->affinity[i], p->affinity[i], 1e-6);
  g_assert_true (json_node_equal (back->estimation, p->estimation));
  cb_test_remove_tree (dir);
}

static void
test_estimate_refusals (void)
{
  g_autoptr (CbModel) model = tiny_model ();
  g_autoptr (CbClassSet) classes = toy_classes ();
  g_autoptr (GError) error = NULL;
  CbAffinityOptions o;

  /* seg without examples */
  cb_affinity_options_init (&o);
  o.use[CB_AFFINITY_SEG] = TRUE;
  g_assert_null (cb_affinity_estimate (model, classes, &o, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "example photos"));
  g_clear_error (&error);

  /* text without WordNet */
  cb_affinity_options_init (&o);
  o.use[CB_AFFINITY_TEXT] = TRUE;
  g_assert_null (cb_affinity_estimate (model, classes, &o, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "WordNet"));
  g_clear_error (&error);

  /* nothing chosen; a bad temperature */
  cb_affinity_options_init (&o);
  g_assert_null (cb_affinity_estimate (model, classes, &o, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  g_clear_error (&error);

  /* a model without a discriminator */
  g_autofree char *dir = make_toy_dataset (1, TINY_W, TINY_H);
  g_autofree char *path = g_build_filename (dir, "g.safetensors", NULL);
  write_model_without_d (path);
  g_autoptr (CbModel) g_only = cb_model_load (path, &error);
  g_assert_no_error (error);
  g_autoptr (CbExampleSet) set = load_toy_set (dir, classes);
  cb_affinity_options_init (&o);
  o.use[CB_AFFINITY_VISION] = TRUE;
  o.examples = set;
  g_assert_null (cb_affinity_estimate (g_only, classes, &o, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "vision prior"));
  g_assert_nonnull (strstr (error->message, "no discriminator"));
  cb_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_autofree char *cache_dir = affinity_test_init (&argc, &argv);

  g_test_add_func ("/affinity/photo/jpeg", test_photo_jpeg);
  g_test_add_func ("/affinity/photo/dataset", test_photo_dataset);
  g_test_add_func ("/affinity/photo/scaled", test_photo_scaled);
  g_test_add_func ("/affinity/photo/resize", test_photo_resize);
  g_test_add_func ("/affinity/photo/resize-pil", test_photo_resize_pil);
  g_test_add_func ("/affinity/examples", test_example_set);
  g_test_add_func ("/affinity/seg", test_seg_prior);
  g_test_add_func ("/affinity/seg-two-scales", test_seg_two_scales);
  g_test_add_func ("/affinity/cancel", test_cancel);
  g_test_add_func ("/affinity/vision", test_vision_maths);
  g_test_add_func ("/affinity/sharpen", test_sharpen);
  g_test_add_func ("/affinity/top-k", test_top_k);
  g_test_add_func ("/affinity/combine", test_combine);
  g_test_add_func ("/affinity/estimate", test_estimate);
  g_test_add_func ("/affinity/estimate-refusals", test_estimate_refusals);
  return affinity_test_run_with_vulkan (cache_dir, &vulkan, &no_vulkan_reason);
}
