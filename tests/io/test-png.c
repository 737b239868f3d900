/* test-png.c: RGB images
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-error.h"
#include "model/cb-label-map.h"
#include "model/cb-png.h"

#include <string.h>

#include "io-test-util.h"

static void
test_round_trip (void)
{
  const char *dir = io_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "i.png", NULL);
  g_autoptr (CbImage) image = cb_image_new (7, 5);
  g_autoptr (CbImage) back = NULL, big = NULL;
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < 7 * 5 * 3; i++)
    image->rgb[i] = (guint8)(i * 37);
  g_assert_true (cb_image_save_png (image, path, &error));
  g_assert_no_error (error);
  back = cb_image_load_png (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->width, ==, 7);
  g_assert_cmpuint (back->height, ==, 5);
  g_assert_cmpmem (back->rgb, 7 * 5 * 3, image->rgb, 7 * 5 * 3);

  big = cb_image_upscale (image, 3);
  g_assert_cmpuint (big->width, ==, 21);
  g_assert_cmpuint (big->height, ==, 15);
  for (guint y = 0; y < 15; y++)
    for (guint x = 0; x < 21; x++)
      g_assert_cmpmem (big->rgb + (y * 21 + x) * 3, 3, image->rgb + ((y / 3) * 7 + x / 3) * 3, 3);
}

static void
test_errors (void)
{
  const char *dir = io_tmpdir ();
  g_autofree char *file = g_build_filename (dir, "f", NULL);
  g_autofree char *bad = g_build_filename (file, "x.png", NULL);
  g_autoptr (CbImage) image = cb_image_new (2, 2);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (file, "not a png", -1, NULL));
  g_assert_null (cb_image_load_png (file, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_false (cb_image_save_png (image, bad, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_IO);
  g_clear_error (&error);
  g_assert_null (cb_image_load_png ("/nonexistent.png", &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_IO);
}

/* Fuzz builds ignore chunk CRCs (cb-png.c); a normal build must still
 * refuse a file whose critical chunk fails its CRC, in both readers. */
static void
test_crc (void)
{
  const char *dir = io_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "c.png", NULL);
  g_autofree char *bad_path = g_build_filename (dir, "bad.png", NULL);
  g_autoptr (CbImage) image = cb_image_new (9, 4);
  g_autoptr (CbImage) back = NULL;
  g_autoptr (CbLabelMap) map = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *data = NULL;
  gsize size = 0, pos = 8, crc_at = 0;

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  g_test_skip ("fuzz builds ignore CRCs on purpose");
  return;
#endif
  for (gsize i = 0; i < 9 * 4 * 3; i++)
    image->rgb[i] = (guint8)(i * 11);
  g_assert_true (cb_image_save_png (image, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, (char **)&data, &size, NULL));

  /* flip one bit of the IDAT chunk's CRC: the pixels themselves stay intact */
  while (pos + 12 <= size)
    {
      guint32 len
        = ((guint32)data[pos] << 24) | ((guint32)data[pos + 1] << 16) | ((guint32)data[pos + 2] << 8) | data[pos + 3];
      if (memcmp (data + pos + 4, "IDAT", 4) == 0)
        {
          crc_at = pos + 8 + len + 3;
          break;
        }
      pos += 12 + (gsize)len;
    }
  g_assert_cmpuint (crc_at, >, 0);
  data[crc_at] ^= 1;
  g_assert_true (g_file_set_contents (bad_path, (const char *)data, (gssize)size, NULL));

  back = cb_image_load_png (bad_path, &error);
  g_assert_null (back);
  g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "CRC"));
  g_assert_nonnull (strstr (error->message, bad_path));
  g_clear_error (&error);

  bytes = g_bytes_new (data, size);
  map = cb_label_map_load_from_bytes (bytes, "bad.png", NULL, &error);
  g_assert_null (map);
  g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "CRC"));
  g_clear_error (&error);

  /* the same bytes with the bit flipped back load: only the CRC was wrong */
  data[crc_at] ^= 1;
  g_assert_true (g_file_set_contents (bad_path, (const char *)data, (gssize)size, NULL));
  back = cb_image_load_png (bad_path, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (back->rgb, 9 * 4 * 3, image->rgb, 9 * 4 * 3);
}

/* Label maps are PNGs too: an indexed PNG loads as its colours. */
static void
test_dataset_label_as_image (void)
{
  g_autofree char *dir = io_dataset ("camvid");
  g_autofree char *path = NULL;
  g_autoptr (CbImage) image = NULL;
  g_autoptr (GError) error = NULL;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, "labels", "0001TP_006690.png", NULL);
  image = cb_image_load_png (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (image->width, ==, 320);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/png/round-trip", test_round_trip);
  g_test_add_func ("/io/png/errors", test_errors);
  g_test_add_func ("/io/png/crc", test_crc);
  g_test_add_func ("/io/png/dataset-label-as-image", test_dataset_label_as_image);
  return g_test_run ();
}
