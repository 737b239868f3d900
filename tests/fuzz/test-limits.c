/* test-limits.c: sizes that would exhaust memory are refused before anything
 * that size is allocated, with CB_ERROR_LIMIT and a message that says so
 * (docs/RELIABILITY.md, "Limits"). Each input is tiny: only its header claims
 * the huge size.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-config.h"

#include "model/cb-class-set.h"
#include "model/cb-error.h"
#include "model/cb-label-map.h"
#include "model/cb-model.h"
#include "model/cb-png.h"
#include "model/cb-profile.h"
#include "model/cb-pth.h"

#include <glib/gstdio.h>
#include <string.h>
#include <zlib.h>

#include "tests/test-util.h"

static char *tmpdir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static void
write_file (const char *path, const void *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (path, data, (gssize)len, &error));
  g_assert_no_error (error);
}

/* ---- safetensors ---- */

static GBytes *
safetensors_with_header (guint64 header_len, const char *json)
{
  GByteArray *a = g_byte_array_new ();
  guint8 le[8];
  for (int i = 0; i < 8; i++)
    le[i] = (guint8)(header_len >> (8 * i));
  g_byte_array_append (a, le, 8);
  if (json)
    g_byte_array_append (a, (const guint8 *)json, (guint)strlen (json));
  return g_byte_array_free_to_bytes (a);
}

static void
test_safetensors_header_length (void)
{
  const guint64 lens[] = { G_MAXUINT64, G_GUINT64_CONSTANT (1) << 63, G_GUINT64_CONSTANT (100) << 30, 17u << 20 };
  for (guint i = 0; i < G_N_ELEMENTS (lens); i++)
    {
      g_autoptr (GBytes) b = safetensors_with_header (lens[i], NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (CbSafetensors) st = cb_safetensors_new_from_bytes (b, "huge.safetensors", &error);
      g_assert_null (st);
      g_assert_error (error, CB_ERROR, CB_ERROR_LIMIT);
      g_assert_nonnull (strstr (error->message, "over the limit"));
    }
  {
    /* under the limit but past the end of the file: a format error, not a read */
    g_autoptr (GBytes) b = safetensors_with_header (1u << 20, "{}");
    g_autoptr (GError) error = NULL;
    g_autoptr (CbSafetensors) st = cb_safetensors_new_from_bytes (b, "short.safetensors", &error);
    g_assert_null (st);
    g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
  }
}

static void
test_safetensors_absurd_shapes (void)
{
  const char *shapes[] = {
    "[1099511627776, 1099511627776, 1099511627776]", /* (2^40)^3 overflows 64 bits */
    "[4611686018427387904, 4]",                      /* 2^62 elements, 2^64 bytes */
  };
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      g_autofree char *json
        = g_strdup_printf ("{\"G.w\":{\"dtype\":\"F32\",\"shape\":%s,\"data_offsets\":[0,4]}}    ", shapes[i]);
      g_autoptr (GByteArray) a = g_byte_array_new ();
      g_autoptr (GBytes) b = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (CbSafetensors) st = NULL;
      guint64 n = strlen (json);
      guint8 le[8], data[4] = { 0 };

      for (int k = 0; k < 8; k++)
        le[k] = (guint8)(n >> (8 * k));
      g_byte_array_append (a, le, 8);
      g_byte_array_append (a, (const guint8 *)json, (guint)n);
      g_byte_array_append (a, data, 4);
      b = g_bytes_new (a->data, a->len);
      st = cb_safetensors_new_from_bytes (b, "shape.safetensors", &error);
      g_assert_null (st);
      g_assert_error (error, CB_ERROR, CB_ERROR_LIMIT);
      g_assert_nonnull (strstr (error->message, "absurdly large"));
    }
}

static void
test_model_from_bytes (void)
{
  g_autofree char *path = cb_test_fixture ("tiny-model.safetensors");
  g_autoptr (GError) error = NULL;
  g_autoptr (CbModel) a = cb_model_load (path, &error);
  g_autoptr (GMappedFile) f = NULL;
  g_autoptr (GBytes) b = NULL;
  g_autoptr (CbModel) m = NULL;

  g_assert_no_error (error);
  f = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  b = g_mapped_file_get_bytes (f);
  m = cb_model_load_from_bytes (b, "tiny (memory)", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (m->sha256, ==, a->sha256);
  g_assert_cmpstr (m->path, ==, "tiny (memory)");
  g_assert_cmpuint (m->gen.n_blocks, ==, a->gen.n_blocks);
  g_assert_cmpuint (cb_class_set_get_n_classes (m->classes), ==, cb_class_set_get_n_classes (a->classes));
}

/* ---- PNG ---- */

static void
append_chunk (GByteArray *a, const char *type, const guint8 *data, guint len)
{
  guint8 be[4] = { len >> 24, len >> 16, len >> 8, len };
  guint32 crc = (guint32)crc32 (0, (const Bytef *)type, 4);
  crc = (guint32)crc32 (crc, data, len);
  g_byte_array_append (a, be, 4);
  g_byte_array_append (a, (const guint8 *)type, 4);
  if (len)
    g_byte_array_append (a, data, len);
  be[0] = crc >> 24, be[1] = crc >> 16, be[2] = crc >> 8, be[3] = crc;
  g_byte_array_append (a, be, 4);
}

/* A PNG header for width x height, an empty IDAT and IEND: ~60 bytes. */
static GBytes *
png_claiming (guint32 width, guint32 height, guint8 colour_type)
{
  static const guint8 sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  guint8 ihdr[13] = { width >> 24, width >> 16, width >> 8, width, height >> 24, height >> 16, height >> 8, height, 8,
                      colour_type, 0,           0,          0 };
  GByteArray *a = g_byte_array_new ();
  g_byte_array_append (a, sig, 8);
  append_chunk (a, "IHDR", ihdr, 13);
  append_chunk (a, "IDAT", (const guint8 *)"\x78\x9c\x03\x00\x00\x00\x00\x01", 8);
  append_chunk (a, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (a);
}

static void
test_label_map_sides (void)
{
  const guint32 sides[][2] = {
    { 100000, 100000 }, { CB_LABEL_MAP_MAX_SIDE + 1, 1 }, { 1, CB_LABEL_MAP_MAX_SIDE + 1 }, { G_MAXINT32, G_MAXINT32 }
  };
  const guint8 types[] = { 0, 2, 3, 6 };

  for (guint i = 0; i < G_N_ELEMENTS (sides); i++)
    for (guint k = 0; k < G_N_ELEMENTS (types); k++)
      {
        g_autoptr (GBytes) png = png_claiming (sides[i][0], sides[i][1], types[k]);
        g_autoptr (GError) error = NULL;
        g_autoptr (CbLabelMap) map = cb_label_map_load_from_bytes (png, "huge.png", NULL, &error);
        g_autofree char *path = tmp_path ("huge.png");
        g_autoptr (CbImage) image = NULL;

        g_assert_null (map);
        g_assert_error (error, CB_ERROR, CB_ERROR_LIMIT);
        g_assert_nonnull (strstr (error->message, "over the limit"));
        g_clear_error (&error);
        write_file (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png));
        image = cb_image_load_png (path, &error);
        g_assert_null (image);
        g_assert_error (error, CB_ERROR, CB_ERROR_LIMIT);
      }
}

/* ---- class sets and profiles ---- */

static GString *
class_list_json (guint n)
{
  GString *s = g_string_new ("{\"name\":\"many\",\"void\":255,\"classes\":[");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s{\"id\":%u,\"name\":\"c%u\",\"color\":\"#%06x\"}", i ? "," : "", i % 255, i,
                            (i + 1) & 0xffffff);
  g_string_append (s, "]}");
  return s;
}

static void
test_class_set_million (void)
{
  g_autoptr (GString) json = class_list_json (1000000);
  g_autofree char *path = tmp_path ("million.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (CbClassSet) set = NULL;

  /* ~50 MB: refused from its size, before it is read or parsed */
  write_file (path, json->str, json->len);
  set = cb_class_set_load (path, &error);
  g_assert_null (set);
  g_assert_error (error, CB_ERROR, CB_ERROR_LIMIT);
  g_assert_nonnull (strstr (error->message, "too large for a class set"));
  g_unlink (path);
}

static void
test_class_set_over_255 (void)
{
  g_autoptr (GString) json = class_list_json (256);
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;
  g_autoptr (CbClassSet) set = NULL;

  g_assert_true (json_parser_load_from_data (parser, json->str, (gssize)json->len, &error));
  set = cb_class_set_from_json (json_parser_get_root (parser), "256.json", &error);
  g_assert_null (set);
  g_assert_error (error, CB_ERROR, CB_ERROR_LIMIT);
}

static void
test_profile_huge (void)
{
  g_autofree char *path = tmp_path ("huge-profile.json");
  g_autoptr (GString) s = g_string_new ("{\"format\":\"catbrush-profile\",\"version\":1,\"affinity\":[");
  g_autoptr (GError) error = NULL;
  g_autoptr (CbProfile) p = NULL;

  /* a matrix of 3000 x 3000 numbers, ~18 MB */
  for (guint r = 0; r < 3000; r++)
    {
      g_string_append (s, r ? ",[" : "[");
      for (guint c = 0; c < 3000; c++)
        g_string_append (s, c ? ",0" : "0");
      g_string_append_c (s, ']');
    }
  g_string_append (s, "]}");
  write_file (path, s->str, s->len);
  p = cb_profile_load (path, &error);
  g_assert_null (p);
  g_assert_error (error, CB_ERROR, CB_ERROR_LIMIT);
  g_assert_nonnull (strstr (error->message, "too large for a profile"));
  g_unlink (path);
}

static void
test_profile_too_many_sources (void)
{
  g_autoptr (GString) s = g_string_new (
    "{\"format\":\"catbrush-profile\",\"version\":1,"
    "\"classes\":{\"name\":\"t\",\"classes\":[{\"id\":0,\"name\":\"a\",\"color\":\"#010101\"}]},"
    "\"source_model\":{\"sha256\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"classes\":[");
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;
  g_autoptr (CbProfile) p = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_printf (s, "%s\"s%u\"", i ? "," : "", i);
  g_string_append (s, "]},\"affinity\":[[1]]}");
  g_assert_true (json_parser_load_from_data (parser, s->str, (gssize)s->len, &error));
  p = cb_profile_from_json (json_parser_get_root (parser), "many-sources.json", &error);
  g_assert_null (p);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "source_model.classes"));
}

/* ---- .pth: a 753-byte checkpoint whose one tensor is a stride-0 view of
 * 2^36 elements over a one-element storage (tests/fuzz/regressions/pth) ---- */

/* Reading tensor w of tests/fuzz/regressions/pth/NAME is refused as past
 * a limit, with fragment (if any) in the message. */
static void
assert_pth_refused (const char *name, const char *fragment)
{
  g_autofree char *path = g_build_filename (CB_SOURCE_DIR, "tests", "fuzz", "regressions", "pth", name, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbPth) pth = cb_pth_open (path, &error);
  g_autofree float *w = NULL;

  g_assert_no_error (error);
  w = cb_pth_read_f32 (pth, "w", 0, NULL, &error);
  g_assert_null (w);
  g_assert_error (error, CB_ERROR, CB_ERROR_LIMIT);
  if (fragment != NULL)
    cb_test_assert_contains (error->message, fragment);
}

static void
test_pth_broadcast_view (void)
{
  assert_pth_refused ("broadcast-view.pth", NULL);
}

/* a 499-byte checkpoint whose deflated storage entry claims 3.75 GB */
static void
test_pth_zip_bomb (void)
{
  assert_pth_refused ("zip-bomb-size.pth", "zip bomb");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/limits/safetensors/header-length", test_safetensors_header_length);
  g_test_add_func ("/limits/safetensors/absurd-shapes", test_safetensors_absurd_shapes);
  g_test_add_func ("/limits/model/from-bytes", test_model_from_bytes);
  g_test_add_func ("/limits/label-map/sides", test_label_map_sides);
  g_test_add_func ("/limits/class-set/million", test_class_set_million);
  g_test_add_func ("/limits/class-set/over-255", test_class_set_over_255);
  g_test_add_func ("/limits/profile/huge", test_profile_huge);
  g_test_add_func ("/limits/profile/too-many-sources", test_profile_too_many_sources);
  g_test_add_func ("/limits/pth/broadcast-view", test_pth_broadcast_view);
  g_test_add_func ("/limits/pth/zip-bomb", test_pth_zip_bomb);
  return cb_test_run_in_tmp_dir ("catbrush-limits-XXXXXX", &tmpdir);
}
