/* test-file-io.c: cb-file-io.c (reading, and encoding and writing, in a
 * thread, atomic, any GFile) and the in-memory PNG coders the window uses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gstdio.h>

#include "app/gui/cb-file-io.h"
#include "model/cb-class-set.h"
#include "model/cb-error.h"
#include "model/cb-label-map.h"
#include "model/cb-png-private.h"
#include "model/cb-png.h"
#include "tests/test-util.h"

static char *tmp_dir;

static GBytes *
encode_copy (gpointer data, GCancellable *cancellable, GError **error)
{
  return g_bytes_ref (data);
}

static GBytes *
encode_fail (gpointer data, GCancellable *cancellable, GError **error)
{
  g_set_error_literal (error, CB_ERROR, CB_ERROR_INVALID, "no image");
  return NULL;
}

static void
done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **)data = g_object_ref (result);
}

/* Writes data (a GBytes) or fails to encode; waits for the result. */
static gboolean
write_and_wait (GFile *file, GBytes *data, GError **error)
{
  GAsyncResult *result = NULL;
  gboolean ok;

  cb_file_write_async (file, data ? encode_copy : encode_fail, data ? g_bytes_ref (data) : NULL,
                       data ? (GDestroyNotify)g_bytes_unref : NULL, NULL, done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  ok = cb_file_write_finish (result, error);
  g_object_unref (result);
  return ok;
}

static GBytes *
random_bytes (void)
{
  gsize n = (gsize)g_test_rand_int_range (0, 300000);
  guint8 *data = g_malloc (n + 1);

  for (gsize i = 0; i < n; i++)
    data[i] = (guint8)g_test_rand_int ();
  return g_bytes_new_take (data, n);
}

static void
assert_file_is (const char *path, GBytes *expected)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr (GBytes) got = NULL;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  got = g_bytes_new (contents, len);
  g_assert_true (g_bytes_equal (got, expected));
}

/* Random contents written, then replaced; a failed encoding or write leaves
 * the file as it was and no temporary file behind. */
static void
test_write_local (void)
{
  g_autofree char *path = g_build_filename (tmp_dir, "out.bin", NULL);
  g_autofree char *missing = g_build_filename (tmp_dir, "no-such-folder", "out.bin", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFile) nowhere = g_file_new_for_path (missing);
  g_autoptr (GBytes) first = random_bytes ();
  g_autoptr (GBytes) second = random_bytes ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = NULL;

  g_assert_true (write_and_wait (file, first, &error));
  g_assert_no_error (error);
  assert_file_is (path, first);
  g_assert_true (write_and_wait (file, second, &error));
  g_assert_no_error (error);
  assert_file_is (path, second);

  g_assert_false (write_and_wait (file, NULL, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  g_clear_error (&error);
  assert_file_is (path, second);

  g_assert_false (write_and_wait (nowhere, first, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));

  dir = g_dir_open (tmp_dir, 0, NULL);
  for (const char *name; (name = g_dir_read_name (dir)) != NULL;)
    g_assert_true (g_str_equal (name, "out.bin"));
}

static void
read_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **)data = g_object_ref (result);
}

/* Reading: random contents back, in a thread and not; a file over the limit
 * refused before it is read; a missing file an error naming it. */
static void
test_read (void)
{
  g_autofree char *path = g_build_filename (tmp_dir, "in.bin", NULL);
  g_autofree char *missing_path = g_build_filename (tmp_dir, "missing.bin", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFile) missing = g_file_new_for_path (missing_path);
  g_autoptr (GBytes) data = random_bytes ();
  g_autoptr (GBytes) got = NULL;
  g_autoptr (GBytes) async_got = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *result = NULL;

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (data, NULL), (gssize)g_bytes_get_size (data), NULL));
  got = cb_file_read (file, G_MAXUINT64, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (got, data));

  cb_file_read_async (file, g_bytes_get_size (data), NULL, read_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  async_got = cb_file_read_finish (result, &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (async_got, data));

  if (g_bytes_get_size (data) > 0)
    {
      g_autoptr (GBytes) none = cb_file_read (file, g_bytes_get_size (data) - 1, NULL, &error);

      g_assert_null (none);
      g_assert_error (error, CB_ERROR, CB_ERROR_LIMIT);
      g_assert_nonnull (strstr (error->message, "in.bin"));
      g_clear_error (&error);
    }
  g_assert_null (cb_file_read (missing, G_MAXUINT64, NULL, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "missing.bin"));
  g_assert_cmpint (g_unlink (path), ==, 0);
}

/* A file that is not local goes through GIO; one that cannot be written is
 * a clear error, not a crash. */
static void
test_write_not_local (void)
{
  g_autoptr (GFile) file = g_file_new_for_uri ("resource:///org/catbrush/Catbrush/out.bin");
  g_autoptr (GBytes) data = random_bytes ();
  g_autoptr (GError) error = NULL;

  g_assert_null (g_file_peek_path (file));
  g_assert_false (write_and_wait (file, data, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
}

/* The export encoders: an image's PNG decodes to its pixels; a label map's
 * colour PNG is the bytes cb_label_map_save_rgb() writes. */
static void
test_png_bytes (void)
{
  guint w = (guint)g_test_rand_int_range (1, 70), h = (guint)g_test_rand_int_range (1, 50);
  g_autoptr (CbImage) image = cb_image_new (w, h);
  g_autoptr (GBytes) png = NULL;
  g_autoptr (GError) error = NULL;
  const char *src = g_getenv ("CB_SOURCE_DIR");
  g_autofree char *classes_path
    = g_build_filename (src != NULL ? src : ".", "resources", "classes", "cityscapes.json", NULL);
  g_autoptr (CbClassSet) classes = cb_class_set_load (classes_path, &error);
  g_autoptr (CbLabelMap) map = cb_label_map_new (w, h);
  g_autofree char *rgb_path = g_build_filename (tmp_dir, "rgb.png", NULL);
  CbPngRaw raw = { 0 };

  for (gsize i = 0; i < (gsize)w * h * 3; i++)
    image->rgb[i] = (guint8)g_test_rand_int ();
  png = cb_image_to_png_bytes (image, &error);
  g_assert_no_error (error);
  g_assert_true (
    cb_png_read_raw (g_bytes_get_data (png, NULL), g_bytes_get_size (png), "test", TRUE, 100, &raw, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (raw.width, ==, w);
  g_assert_cmpuint (raw.height, ==, h);
  g_assert_cmpmem (raw.pixels, (gsize)w * h * 3, image->rgb, (gsize)w * h * 3);
  g_free (raw.pixels);
  {
    g_autoptr (CbImage) back = cb_image_load_png_from_bytes (png, "test", &error);

    g_assert_no_error (error);
    g_assert_cmpmem (back->rgb, (gsize)w * h * 3, image->rgb, (gsize)w * h * 3);
  }

  g_assert_no_error (error);
  for (gsize i = 0; i < (gsize)w * h; i++)
    if (g_test_rand_bit ())
      map->ids[i] = (guint8)cb_class_set_get (
                      classes, (guint)g_test_rand_int_range (0, (gint32)cb_class_set_get_n_classes (classes)))
                      ->id;
  g_clear_pointer (&png, g_bytes_unref);
  png = cb_label_map_to_rgb_png_bytes (map, classes, &error);
  g_assert_no_error (error);
  g_assert_true (cb_label_map_save_rgb (map, classes, rgb_path, &error));
  g_assert_no_error (error);
  assert_file_is (rgb_path, png);
  g_assert_cmpint (g_unlink (rgb_path), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/file-io/write-local", test_write_local);
  g_test_add_func ("/app/file-io/write-not-local", test_write_not_local);
  g_test_add_func ("/app/file-io/read", test_read);
  g_test_add_func ("/app/file-io/png-bytes", test_png_bytes);
  return cb_test_run_in_tmp_dir ("cb-file-io-XXXXXX", &tmp_dir);
}
