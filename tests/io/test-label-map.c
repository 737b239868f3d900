/* test-label-map.c: label map PNGs (indexed, RGB, grey), their errors, nearest resizing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-error.h"
#include "model/cb-label-map.h"
#include "model/cb-png-private.h"

#include "io-test-util.h"

#include <png.h>
#include <string.h>

typedef struct
{
  GByteArray *out;
} Sink;

static void
sink_write (png_structp png, png_bytep buf, size_t n)
{
  Sink *s = png_get_io_ptr (png);
  g_byte_array_append (s->out, buf, (guint)n);
}

static void
sink_flush (png_structp png)
{
}

/* Any PNG the tests need; samples one byte each (two, big-endian, at 16 bits);
 * sub-byte depths are packed by libpng. */
static GBytes *
make_png (guint w, guint h, int color_type, int depth, gboolean interlaced, const guint8 *samples,
          const guint32 *palette, guint n_palette)
{
  Sink sink = { g_byte_array_new () };
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  int channels = color_type == PNG_COLOR_TYPE_RGB          ? 3
                 : color_type == PNG_COLOR_TYPE_RGB_ALPHA  ? 4
                 : color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                                                           : 1;
  gsize stride = (gsize)w * channels * (depth == 16 ? 2 : 1);
  g_autofree png_bytep *rows = g_new (png_bytep, h);

  if (setjmp (png_jmpbuf (png)))
    g_error ("libpng failed while making a test PNG");
  png_set_write_fn (png, &sink, sink_write, sink_flush);
  png_set_IHDR (png, info, w, h, depth, color_type, interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (color_type == PNG_COLOR_TYPE_PALETTE)
    {
      png_color pal[256];
      for (guint i = 0; i < n_palette; i++)
        {
          pal[i].red = (png_byte)(palette[i] >> 16);
          pal[i].green = (png_byte)(palette[i] >> 8);
          pal[i].blue = (png_byte)palette[i];
        }
      png_set_PLTE (png, info, pal, (int)n_palette);
    }
  png_write_info (png, info);
  if (depth < 8)
    png_set_packing (png);
  for (guint y = 0; y < h; y++)
    rows[y] = (png_bytep)samples + y * stride;
  png_write_image (png, rows);
  png_write_end (png, NULL);
  png_destroy_write_struct (&png, &info);
  return g_byte_array_free_to_bytes (sink.out);
}

static CbClassSet *
small_set (void)
{
  CbClassSet *set = cb_class_set_new ("small");
  g_assert_true (cb_class_set_add (set, 0, "zero", 0x000001, NULL, NULL));
  g_assert_true (cb_class_set_add (set, 1, "one", 0xff0000, NULL, NULL));
  g_assert_true (cb_class_set_add (set, 5, "five", 0x00ff00, NULL, NULL));
  g_assert_true (cb_class_set_add (set, 254, "last", 0x0000ff, NULL, NULL));
  set->void_color = 0xffffff;
  return set;
}

static CbLabelMap *
random_map (guint w, guint h, guint32 seed)
{
  static const guint8 ids[] = { 0, 1, 5, 254, 255 };
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  CbLabelMap *map = cb_label_map_new (w, h);
  for (gsize i = 0; i < (gsize)w * h; i++)
    map->ids[i] = ids[g_rand_int_range (rand, 0, G_N_ELEMENTS (ids))];
  return map;
}

static void
assert_same_map (const CbLabelMap *a, const CbLabelMap *b)
{
  g_assert_cmpuint (a->width, ==, b->width);
  g_assert_cmpuint (a->height, ==, b->height);
  g_assert_cmpmem (a->ids, (gsize)a->width * a->height, b->ids, (gsize)b->width * b->height);
}

static CbLabelMap *
load_bytes_expect (GBytes *png, const CbClassSet *classes, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  CbLabelMap *map = cb_label_map_load_from_bytes (png, "test.png", classes, &error);

  if (code < 0)
    {
      g_assert_no_error (error);
      g_assert_nonnull (map);
      return map;
    }
  g_assert_null (map);
  g_assert_error (error, CB_ERROR, code);
  g_assert_true (g_str_has_prefix (error->message, "test.png: "));
  if (fragment && strstr (error->message, fragment) == NULL)
    g_error ("“%s” not in “%s”", fragment, error->message);
  g_test_message ("%s", error->message);
  return NULL;
}

static void
test_datasets (void)
{
  const char *names[] = { "camvid", "labelmefacade" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *dir = io_dataset (names[i]);
      g_autofree char *classes_path = NULL, *labels = NULL;
      g_autoptr (CbClassSet) classes = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (GDir) d = NULL;
      const char *name;
      guint n = 0;

      if (dir == NULL)
        return;
      classes_path = g_build_filename (dir, "classes.json", NULL);
      labels = g_build_filename (dir, "labels", NULL);
      classes = cb_class_set_load (classes_path, &error);
      g_assert_no_error (error);
      d = g_dir_open (labels, 0, &error);
      g_assert_no_error (error);
      while ((name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *path = NULL;
          g_autoptr (CbLabelMap) map = NULL;

          if (!g_str_has_suffix (name, ".png"))
            continue;
          path = g_build_filename (labels, name, NULL);
          map = cb_label_map_load (path, classes, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (map->width, ==, 320);
          g_assert_cmpuint (map->height, ==, 240);
          n++;
        }
      g_test_message ("%s: %u label maps", names[i], n);
      g_assert_cmpuint (n, >, 0);
    }
}

/* indexed -> RGB -> indexed keeps every pixel, void included, for both
 * datasets' class sets (LabelMeFacade has a black class and a white void). */
static void
test_dataset_rgb_round_trip (void)
{
  const char *files[][2]
    = { { "camvid", "0001TP_006690.png" }, { "labelmefacade", "05june05_static_street_boston__p1010739.png" } };
  const char *tmp = io_tmpdir ();

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *dir = io_dataset (files[i][0]);
      g_autofree char *cpath = NULL, *lpath = NULL;
      g_autofree char *rgb = g_build_filename (tmp, "rgb.png", NULL);
      g_autofree char *idx = g_build_filename (tmp, "idx.png", NULL);
      g_autoptr (CbClassSet) classes = NULL;
      g_autoptr (CbLabelMap) map = NULL, from_rgb = NULL, again = NULL;
      g_autoptr (GError) error = NULL;
      guint64 counts[256];

      if (dir == NULL)
        return;
      cpath = g_build_filename (dir, "classes.json", NULL);
      lpath = g_build_filename (dir, "labels", files[i][1], NULL);
      classes = cb_class_set_load (cpath, &error);
      g_assert_no_error (error);
      map = cb_label_map_load (lpath, classes, &error);
      g_assert_no_error (error);
      /* void must survive too, whether or not this file has any */
      map->ids[0] = map->ids[1000] = CB_VOID_ID;
      cb_label_map_count (map, counts);
      g_assert_cmpuint (counts[255], >, 0);

      g_assert_true (cb_label_map_save_rgb (map, classes, rgb, &error));
      g_assert_no_error (error);
      from_rgb = cb_label_map_load (rgb, classes, &error);
      g_assert_no_error (error);
      assert_same_map (map, from_rgb);
      g_assert_true (cb_label_map_save (from_rgb, classes, idx, &error));
      again = cb_label_map_load (idx, classes, &error);
      g_assert_no_error (error);
      assert_same_map (map, again);
    }
}

static void
test_round_trip (void)
{
  const char *dir = io_tmpdir ();
  g_autofree char *idx = g_build_filename (dir, "idx.png", NULL);
  g_autofree char *rgb = g_build_filename (dir, "rgb.png", NULL);
  g_autoptr (CbClassSet) set = small_set ();
  g_autoptr (CbLabelMap) map = random_map (37, 23, 1);
  g_autoptr (CbLabelMap) a = NULL, b = NULL, c = NULL, d = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GMappedFile) mapped = NULL;
  CbPngRaw raw;

  g_assert_true (cb_label_map_save (map, set, idx, &error));
  g_assert_no_error (error);
  a = cb_label_map_load (idx, set, &error);
  g_assert_no_error (error);
  assert_same_map (map, a);
  b = cb_label_map_load (idx, NULL, &error);
  g_assert_no_error (error);
  assert_same_map (map, b);

  /* the palette: 256 entries, class colours at their ids, void at 255 */
  mapped = g_mapped_file_new (idx, FALSE, &error);
  g_assert_true (cb_png_read_raw ((const guint8 *)g_mapped_file_get_contents (mapped),
                                  g_mapped_file_get_length (mapped), idx, FALSE, 100, &raw, &error));
  g_assert_cmpint (raw.kind, ==, CB_PNG_INDEXED);
  g_assert_cmpuint (raw.n_palette, ==, 256);
  g_assert_cmphex (raw.palette[1], ==, 0xff0000);
  g_assert_cmphex (raw.palette[254], ==, 0x0000ff);
  g_assert_cmphex (raw.palette[255], ==, 0xffffff);
  g_free (raw.pixels);

  g_assert_true (cb_label_map_save_rgb (map, set, rgb, &error));
  c = cb_label_map_load (rgb, set, &error);
  g_assert_no_error (error);
  assert_same_map (map, c);

  bytes = cb_label_map_to_png_bytes (map, set, &error);
  g_assert_no_error (error);
  d = cb_label_map_load_from_bytes (bytes, "mem", set, &error);
  g_assert_no_error (error);
  assert_same_map (map, d);

  /* without a class set: a grey palette, indices unchanged */
  {
    g_autoptr (GBytes) grey = cb_label_map_to_png_bytes (map, NULL, &error);
    g_autoptr (CbLabelMap) e = cb_label_map_load_from_bytes (grey, "mem", NULL, &error);
    g_assert_no_error (error);
    assert_same_map (map, e);
  }
}

static void
test_unknown_colors (void)
{
  g_autoptr (CbClassSet) set = small_set ();
  /* 3 x 2 RGB: known, unknown #123456 at (1, 0), void; unknown #abcdef at (0, 1) twice */
  const guint8 px[]
    = { 0xff, 0, 0, 0x12, 0x34, 0x56, 0xff, 0xff, 0xff, 0xab, 0xcd, 0xef, 0xab, 0xcd, 0xef, 0x12, 0x34, 0x56 };
  g_autoptr (GBytes) png = make_png (3, 2, PNG_COLOR_TYPE_RGB, 8, FALSE, px, NULL, 0);

  load_bytes_expect (png, set, CB_ERROR_MISMATCH,
                     "2 colours are not in the class set “small”: #123456 at (1, 0), "
                     "#abcdef at (0, 1)");
  load_bytes_expect (png, NULL, CB_ERROR_INVALID, "class set");
}

static void
test_wrong_palette (void)
{
  g_autoptr (CbClassSet) set = small_set ();
  const guint8 px[] = { 0, 1, 5, 255 };
  guint32 pal[256] = { 0 };
  g_autoptr (CbLabelMap) ok = NULL;

  pal[0] = 0x000001;
  pal[1] = 0xff0000;
  pal[5] = 0x00ff00;
  {
    g_autoptr (GBytes) png = make_png (4, 1, PNG_COLOR_TYPE_PALETTE, 8, FALSE, px, pal, 256);
    ok = load_bytes_expect (png, set, -1, NULL);
    g_assert_cmpmem (ok->ids, 4, px, 4);
  }
  pal[5] = 0x00fe00;
  {
    g_autoptr (GBytes) png = make_png (4, 1, PNG_COLOR_TYPE_PALETTE, 8, FALSE, px, pal, 256);
    g_autoptr (CbLabelMap) none = NULL;
    load_bytes_expect (png, set, CB_ERROR_MISMATCH, "id 5 “five” is #00fe00 in the palette, #00ff00 in the class set");
    /* without a class set the palette does not matter */
    none = load_bytes_expect (png, NULL, -1, NULL);
  }
  {
    /* an id that is not a class */
    const guint8 bad[] = { 0, 7, 7, 9 };
    g_autoptr (GBytes) png = make_png (4, 1, PNG_COLOR_TYPE_PALETTE, 8, FALSE, bad, pal, 256);
    load_bytes_expect (png, set, CB_ERROR_MISMATCH,
                       "2 class ids are not in the class set “small”: 7 at (1, 0), 9 at "
                       "(3, 0)");
  }
}

static void
test_grey (void)
{
  g_autoptr (CbClassSet) set = small_set ();
  const guint8 px[] = { 0, 1, 5, 255, 254, 0 };
  g_autoptr (GBytes) png = make_png (3, 2, PNG_COLOR_TYPE_GRAY, 8, FALSE, px, NULL, 0);
  g_autoptr (CbLabelMap) map = load_bytes_expect (png, set, -1, NULL);

  g_assert_cmpmem (map->ids, 6, px, 6);
  {
    const guint8 bad[] = { 0, 3, 5, 255, 254, 0 };
    g_autoptr (GBytes) png2 = make_png (3, 2, PNG_COLOR_TYPE_GRAY, 8, FALSE, bad, NULL, 0);
    load_bytes_expect (png2, set, CB_ERROR_MISMATCH, "3 at (1, 0)");
  }
}

static void
test_16bit (void)
{
  guint8 px[3 * 2 * 2 * 3] = { 0 };
  {
    g_autoptr (GBytes) png = make_png (3, 2, PNG_COLOR_TYPE_GRAY, 16, FALSE, px, NULL, 0);
    load_bytes_expect (png, NULL, CB_ERROR_UNSUPPORTED, "16-bit");
  }
  {
    g_autoptr (CbClassSet) set = small_set ();
    g_autoptr (GBytes) png = make_png (3, 2, PNG_COLOR_TYPE_RGB, 16, FALSE, px, NULL, 0);
    load_bytes_expect (png, set, CB_ERROR_UNSUPPORTED, "16-bit");
  }
}

static void
test_rgba (void)
{
  g_autoptr (CbClassSet) set = small_set ();
  guint8 px[] = { 0xff, 0, 0, 255, 0, 0xff, 0, 255, 0xff, 0xff, 0xff, 255, 0, 0, 0xff, 255 };
  const guint8 want[] = { 1, 5, 255, 254 };

  {
    /* fully opaque: read as RGB */
    g_autoptr (GBytes) png = make_png (2, 2, PNG_COLOR_TYPE_RGB_ALPHA, 8, FALSE, px, NULL, 0);
    g_autoptr (CbLabelMap) map = load_bytes_expect (png, set, -1, NULL);
    g_assert_cmpmem (map->ids, 4, want, 4);
  }
  px[11] = 0;
  {
    g_autoptr (GBytes) png = make_png (2, 2, PNG_COLOR_TYPE_RGB_ALPHA, 8, FALSE, px, NULL, 0);
    load_bytes_expect (png, set, CB_ERROR_UNSUPPORTED, "transparent pixels (alpha 0 at (0, 1))");
  }
  {
    const guint8 ga[] = { 1, 255, 5, 255, 0, 128, 0, 255 };
    g_autoptr (GBytes) png = make_png (2, 2, PNG_COLOR_TYPE_GRAY_ALPHA, 8, FALSE, ga, NULL, 0);
    load_bytes_expect (png, set, CB_ERROR_UNSUPPORTED, "alpha 128 at (0, 1)");
  }
}

static void
test_interlaced (void)
{
  g_autoptr (CbClassSet) set = small_set ();
  g_autoptr (CbLabelMap) map = random_map (29, 17, 7);
  g_autofree guint8 *rgb = g_malloc ((gsize)29 * 17 * 3);
  guint32 pal[256] = { 0 };

  pal[0] = 0x000001;
  pal[1] = 0xff0000;
  pal[5] = 0x00ff00;
  pal[254] = 0x0000ff;
  pal[255] = 0xffffff;
  for (gsize i = 0; i < (gsize)29 * 17; i++)
    {
      guint32 c = pal[map->ids[i]];
      rgb[3 * i] = (guint8)(c >> 16);
      rgb[3 * i + 1] = (guint8)(c >> 8);
      rgb[3 * i + 2] = (guint8)c;
    }
  {
    g_autoptr (GBytes) png = make_png (29, 17, PNG_COLOR_TYPE_PALETTE, 8, TRUE, map->ids, pal, 256);
    g_autoptr (CbLabelMap) back = load_bytes_expect (png, set, -1, NULL);
    assert_same_map (map, back);
  }
  {
    g_autoptr (GBytes) png = make_png (29, 17, PNG_COLOR_TYPE_RGB, 8, TRUE, rgb, NULL, 0);
    g_autoptr (CbLabelMap) back = load_bytes_expect (png, set, -1, NULL);
    assert_same_map (map, back);
  }
}

/* 4-bit palette: indices are not rescaled */
static void
test_low_depth (void)
{
  const guint8 px[] = { 0, 1, 2, 3, 15, 9 };
  guint32 pal[16] = { 0 };
  g_autoptr (GBytes) png = make_png (3, 2, PNG_COLOR_TYPE_PALETTE, 4, TRUE, px, pal, 16);
  g_autoptr (CbLabelMap) map = load_bytes_expect (png, NULL, -1, NULL);

  g_assert_cmpmem (map->ids, 6, px, 6);
}

static void
test_malformed (void)
{
  const guint8 px[4] = { 0, 1, 2, 3 };
  g_autoptr (GBytes) good = make_png (2, 2, PNG_COLOR_TYPE_GRAY, 8, FALSE, px, NULL, 0);
  gsize len;
  const guint8 *data = g_bytes_get_data (good, &len);

  {
    g_autoptr (GBytes) b = g_bytes_new_static ("GIF89a...", 9);
    load_bytes_expect (b, NULL, CB_ERROR_FORMAT, "not a PNG");
  }
  /* every truncation is an error, never a crash */
  for (gsize cut = 0; cut + 12 < len; cut++)
    {
      g_autoptr (GBytes) b = g_bytes_new_static (data, cut);
      load_bytes_expect (b, NULL, CB_ERROR_FORMAT, NULL);
    }
  {
    /* a corrupt byte in the compressed data */
    g_autofree guint8 *copy = g_memdup2 (data, len);
    g_autoptr (GBytes) b = NULL;
    g_autoptr (GError) error = NULL;
    g_autoptr (CbLabelMap) map = NULL;
    copy[len - 16] ^= 0xff;
    b = g_bytes_new (copy, len);
    map = cb_label_map_load_from_bytes (b, "x", NULL, &error);
    g_assert_true ((map == NULL) == (error != NULL));
  }
  {
    /* a side over the limit is refused before anything is allocated */
    g_autofree guint8 *copy = g_memdup2 (data, len);
    g_autoptr (GBytes) b = NULL;
    copy[16] = 0;
    copy[17] = 0;
    copy[18] = 0x40;
    copy[19] = 0x01; /* width 16385 */
    b = g_bytes_new (copy, len);
    load_bytes_expect (b, NULL, CB_ERROR_LIMIT, "16385");
  }
  {
    g_autoptr (GError) error = NULL;
    g_assert_null (cb_label_map_load ("/nonexistent/l.png", NULL, &error));
    g_assert_error (error, CB_ERROR, CB_ERROR_IO);
  }
}

static void
test_fuzz (void)
{
  g_autoptr (CbClassSet) set = small_set ();
  g_autoptr (CbLabelMap) map = random_map (16, 9, 3);
  g_autoptr (GBytes) good = cb_label_map_to_png_bytes (map, set, NULL);
  g_autoptr (GRand) rand = g_rand_new_with_seed (99);
  gsize len;
  const guint8 *data = g_bytes_get_data (good, &len);

  for (int iter = 0; iter < 3000; iter++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, len);
      g_autoptr (GBytes) b = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (CbLabelMap) out = NULL;
      int flips = g_rand_int_range (rand, 1, 5);

      for (int k = 0; k < flips; k++)
        copy[g_rand_int_range (rand, 8, (gint32)len)] = (guint8)g_rand_int_range (rand, 0, 256);
      b = g_bytes_new (copy, len);
      out = cb_label_map_load_from_bytes (b, "fuzz", iter % 2 ? set : NULL, &error);
      g_assert_true ((out == NULL) != (error == NULL));
    }
}

static void
test_save_errors (void)
{
  const char *dir = io_tmpdir ();
  g_autofree char *file = g_build_filename (dir, "file", NULL);
  g_autofree char *bad = g_build_filename (file, "x.png", NULL);
  g_autoptr (CbClassSet) set = small_set ();
  g_autoptr (CbLabelMap) map = random_map (5, 5, 2);
  g_autoptr (GError) error = NULL;
  g_autofree char *content = NULL;

  g_assert_true (g_file_set_contents (file, "old", -1, NULL));
  g_assert_false (cb_label_map_save (map, set, bad, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_IO);
  g_clear_error (&error);
  g_assert_false (cb_label_map_save_rgb (map, set, bad, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_IO);
  g_clear_error (&error);

  /* an id without a colour: refused, the old file kept */
  map->ids[7] = 42;
  g_assert_false (cb_label_map_save_rgb (map, set, file, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, "42 at (2, 1)"));
  g_clear_error (&error);
  g_assert_false (cb_label_map_save (map, set, file, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_MISMATCH);
  g_assert_true (g_file_get_contents (file, &content, NULL, NULL));
  g_assert_cmpstr (content, ==, "old");
}

static void
test_nearest (void)
{
  const guint down[] = { 0, 1, 3 };     /* 5 -> 3 */
  const guint up[] = { 0, 0, 1, 1, 2 }; /* 3 -> 5 */
  g_autoptr (CbLabelMap) map = cb_label_map_new (3, 2);
  g_autoptr (CbLabelMap) big = NULL, same = NULL;
  guint64 counts[256];

  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (cb_nearest_source_index (i, 5, 3), ==, down[i]);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (cb_nearest_source_index (i, 3, 5), ==, up[i]);
  for (guint i = 0; i < 8; i++)
    g_assert_cmpuint (cb_nearest_source_index (i, 4, 8), ==, i / 2);
  g_assert_cmpuint (cb_nearest_source_index (3, 3, 9), ==, 1);
  g_assert_cmpuint (cb_nearest_source_index (239, 240, 96), ==, 239);

  for (guint i = 0; i < 6; i++)
    map->ids[i] = (guint8)i;
  big = cb_label_map_resize_nearest (map, 6, 4);
  g_assert_cmpuint (big->ids[0], ==, 0);
  g_assert_cmpuint (big->ids[1], ==, 0);
  g_assert_cmpuint (big->ids[5], ==, 2);
  g_assert_cmpuint (big->ids[6 * 3 + 5], ==, 5);
  same = cb_label_map_resize_nearest (map, 3, 2);
  assert_same_map (map, same);

  cb_label_map_count (big, counts);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpuint (counts[i], ==, 4);
  g_assert_cmpuint (counts[255], ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/label-map/datasets", test_datasets);
  g_test_add_func ("/io/label-map/dataset-rgb-round-trip", test_dataset_rgb_round_trip);
  g_test_add_func ("/io/label-map/round-trip", test_round_trip);
  g_test_add_func ("/io/label-map/unknown-colors", test_unknown_colors);
  g_test_add_func ("/io/label-map/wrong-palette", test_wrong_palette);
  g_test_add_func ("/io/label-map/grey", test_grey);
  g_test_add_func ("/io/label-map/16-bit", test_16bit);
  g_test_add_func ("/io/label-map/rgba", test_rgba);
  g_test_add_func ("/io/label-map/interlaced", test_interlaced);
  g_test_add_func ("/io/label-map/low-depth", test_low_depth);
  g_test_add_func ("/io/label-map/malformed", test_malformed);
  g_test_add_func ("/io/label-map/fuzz", test_fuzz);
  g_test_add_func ("/io/label-map/save-errors", test_save_errors);
  g_test_add_func ("/io/label-map/nearest", test_nearest);
  return g_test_run ();
}
