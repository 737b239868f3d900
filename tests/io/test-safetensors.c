/* test-safetensors.c: the safetensors reader and writer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-error.h"
#include "model/cb-safetensors.h"

#include "io-test-util.h"

#include <math.h>
#include <string.h>

static GBytes *
make_file (const char *header, const void *data, gsize data_len)
{
  gsize hlen = strlen (header);
  guint8 *buf = g_malloc0 (8 + hlen + data_len + 1);

  for (int i = 0; i < 8; i++)
    buf[i] = (guint8)((guint64)hlen >> (8 * i));
  memcpy (buf + 8, header, hlen);
  if (data_len)
    {
      if (data)
        memcpy (buf + 8 + hlen, data, data_len);
      else
        memset (buf + 8 + hlen, 0, data_len);
    }
  return g_bytes_new_take (buf, 8 + hlen + data_len);
}

static void
expect_error (GBytes *bytes, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbSafetensors) st = cb_safetensors_new_from_bytes (bytes, "bad.safetensors", &error);

  g_assert_null (st);
  g_assert_error (error, CB_ERROR, code);
  g_assert_true (g_str_has_prefix (error->message, "bad.safetensors: "));
  if (fragment && strstr (error->message, fragment) == NULL)
    g_error ("“%s” not in “%s”", fragment, error->message);
  g_test_message ("%s", error->message);
}

static void
test_round_trip (void)
{
  const char *dir = io_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr (CbSafetensorsWriter) w = cb_safetensors_writer_new ();
  g_autoptr (CbSafetensors) st = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *raw = NULL;
  gsize raw_len;
  guint64 hlen = 0;
  const float a[6] = { 1, -2, 3.5f, 1e-3f, 1e30f, -0.0f };
  const float h[5] = { 1, -2, 0.5f, 65504, 0.099975586f }; /* all exact in F16 */
  const float s[1] = { 42 };
  const guint64 sa[2] = { 2, 3 }, sh[1] = { 5 }, se[2] = { 0, 4 };
  const CbSafetensorsEntry *e;
  g_autofree float *fa = NULL, *fh = NULL, *fs = NULL;

  cb_safetensors_writer_add (w, "z.a", CB_DTYPE_F32, 2, sa, a);
  cb_safetensors_writer_add (w, "b.half", CB_DTYPE_F16, 1, sh, h);
  cb_safetensors_writer_add (w, "c.scalar", CB_DTYPE_F32, 0, NULL, s);
  cb_safetensors_writer_add (w, "a.empty", CB_DTYPE_F32, 2, se, NULL);
  cb_safetensors_writer_set_metadata (w, "catbrush.config", "{\"x\": \"é \\\" \"}");
  g_assert_true (cb_safetensors_writer_write (w, path, &error));
  g_assert_no_error (error);

  /* layout of FORMATS.md: header padded with spaces to a multiple of 8 */
  g_assert_true (g_file_get_contents (path, (char **)&raw, &raw_len, NULL));
  for (int i = 7; i >= 0; i--)
    hlen = (hlen << 8) | raw[i];
  g_assert_cmpuint (hlen % 8, ==, 0);
  g_assert_cmpuint (raw[8], ==, '{');

  st = cb_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (st);
  g_assert_cmpuint (cb_safetensors_get_n_tensors (st), ==, 4);
  g_assert_cmpstr (cb_safetensors_get_entry (st, 0)->name, ==, "a.empty");
  g_assert_cmpstr (cb_safetensors_get_entry (st, 1)->name, ==, "b.half");
  g_assert_cmpstr (cb_safetensors_get_entry (st, 2)->name, ==, "c.scalar");
  g_assert_cmpstr (cb_safetensors_get_entry (st, 3)->name, ==, "z.a");
  g_assert_cmpstr (cb_safetensors_get_metadata (st, "catbrush.config"), ==, "{\"x\": \"é \\\" \"}");
  g_assert_null (cb_safetensors_get_metadata (st, "nope"));
  g_assert_null (cb_safetensors_lookup (st, "nope"));

  e = cb_safetensors_lookup (st, "z.a");
  g_assert_cmpint (e->dtype, ==, CB_DTYPE_F32);
  g_assert_cmpuint (e->n_dims, ==, 2);
  g_assert_cmpuint (e->shape[0], ==, 2);
  g_assert_cmpuint (e->shape[1], ==, 3);
  g_assert_cmpuint (e->n_elements, ==, 6);
  fa = cb_safetensors_entry_to_f32 (e);
  g_assert_cmpmem (fa, sizeof a, a, sizeof a);

  e = cb_safetensors_lookup (st, "b.half");
  g_assert_cmpint (e->dtype, ==, CB_DTYPE_F16);
  g_assert_cmpuint (e->n_bytes, ==, 10);
  fh = cb_safetensors_entry_to_f32 (e);
  g_assert_cmpmem (fh, sizeof h, h, sizeof h);

  e = cb_safetensors_lookup (st, "c.scalar");
  g_assert_cmpuint (e->n_dims, ==, 0);
  g_assert_cmpuint (e->n_elements, ==, 1);
  fs = cb_safetensors_entry_to_f32 (e);
  g_assert_cmpfloat (fs[0], ==, 42);

  e = cb_safetensors_lookup (st, "a.empty");
  g_assert_cmpuint (e->n_elements, ==, 0);
  g_assert_cmpuint (e->n_bytes, ==, 0);
}

/* Every tensor starts at a multiple of 8 in the data section. */
static void
test_alignment (void)
{
  const char *dir = io_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "a.safetensors", NULL);
  g_autoptr (CbSafetensorsWriter) w = cb_safetensors_writer_new ();
  g_autoptr (CbSafetensors) st = NULL;
  g_autoptr (GError) error = NULL;
  const float v[3] = { 1, 2, 3 };

  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("t%u", i);
      guint64 shape = i;
      cb_safetensors_writer_add (w, name, CB_DTYPE_F16, 1, &shape, v);
    }
  g_assert_true (cb_safetensors_writer_write (w, path, &error));
  st = cb_safetensors_open (path, &error);
  g_assert_no_error (error);
  for (guint i = 1; i < 3; i++)
    {
      const CbSafetensorsEntry *e0 = cb_safetensors_get_entry (st, 0);
      const CbSafetensorsEntry *e = cb_safetensors_get_entry (st, i);
      g_assert_cmpuint ((gsize)(e->data - e0->data) % 8, ==, 0);
    }
}

static void
test_f16 (void)
{
  g_assert_cmphex (cb_f32_to_f16 (1.0f), ==, 0x3c00);
  g_assert_cmphex (cb_f32_to_f16 (-2.0f), ==, 0xc000);
  g_assert_cmphex (cb_f32_to_f16 (65504.0f), ==, 0x7bff);
  g_assert_cmphex (cb_f32_to_f16 (65519.0f), ==, 0x7bff);
  g_assert_cmphex (cb_f32_to_f16 (65520.0f), ==, 0x7c00); /* ties to even: overflows */
  g_assert_cmphex (cb_f32_to_f16 (1e10f), ==, 0x7c00);
  g_assert_cmphex (cb_f32_to_f16 (INFINITY), ==, 0x7c00);
  g_assert_cmphex (cb_f32_to_f16 (-INFINITY), ==, 0xfc00);
  g_assert_cmphex (cb_f32_to_f16 (-0.0f), ==, 0x8000);
  g_assert_cmphex (cb_f32_to_f16 (0x1p-24f), ==, 0x0001);
  g_assert_cmphex (cb_f32_to_f16 (0x1p-25f), ==, 0x0000);        /* tie to even: 0 */
  g_assert_cmphex (cb_f32_to_f16 (0x1.8p-24f), ==, 0x0002);      /* tie to even: 2 */
  g_assert_cmphex (cb_f32_to_f16 (0x1p-14f), ==, 0x0400);        /* smallest normal */
  g_assert_cmphex (cb_f32_to_f16 (1.0f + 0x1p-11f), ==, 0x3c00); /* tie, even below */
  g_assert_cmphex (cb_f32_to_f16 (1.0f + 0x1.8p-10f), ==, 0x3c02);
  g_assert_true ((cb_f32_to_f16 (NAN) & 0x7c00) == 0x7c00 && (cb_f32_to_f16 (NAN) & 0x3ff) != 0);
  g_assert_true (isnan (cb_f16_to_f32 (0x7e00)));
  g_assert_cmpfloat (cb_f16_to_f32 (0x0001), ==, 0x1p-24f);
  g_assert_cmpfloat (cb_f16_to_f32 (0xfbff), ==, -65504.0f);

  /* every non-NaN half survives half -> float -> half */
  for (guint h = 0; h < 65536; h++)
    {
      if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff))
        continue;
      g_assert_cmphex (cb_f32_to_f16 (cb_f16_to_f32 ((guint16)h)), ==, h);
    }
}

static void
test_bf16 (void)
{
  const guint8 data[4] = { 0x80, 0x3f, 0x40, 0xc0 }; /* 1.0, -3.0 */
  g_autoptr (GBytes) b
    = make_file ("{\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", data, sizeof data);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbSafetensors) st = cb_safetensors_new_from_bytes (b, "bf16.safetensors", &error);
  g_autofree float *f = NULL;

  g_assert_no_error (error);
  f = cb_safetensors_entry_to_f32 (cb_safetensors_lookup (st, "w"));
  g_assert_cmpfloat (f[0], ==, 1.0f);
  g_assert_cmpfloat (f[1], ==, -3.0f);
  g_assert_cmpstr (cb_safetensors_get_path (st), ==, "bf16.safetensors");
}

#define T(json) "{\"w\":" json "}"

/* Headers that parse as far as their flaw: each is refused with its code
 * and a message that names the flaw (data_len zero bytes follow). */
static const struct
{
  const char *header;
  gsize data_len;
  int code;
  const char *fragment;
} malformed_headers[] = {
  { "{\"w\": {\"dtype\": ", 0, CB_ERROR_FORMAT, "JSON" },
  { "[1, 2]", 0, CB_ERROR_FORMAT, "JSON object" },
  { T ("{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}"), 8, CB_ERROR_UNSUPPORTED,
    "tensor “w”: dtype “I64”" },
  { T ("{\"dtype\":\"Q3\",\"shape\":[1],\"data_offsets\":[0,8]}"), 8, CB_ERROR_UNSUPPORTED, "“Q3”" },
  { T ("{\"dtype\":\"F32\",\"shape\":[3,3],\"data_offsets\":[0,100]}"), 100, CB_ERROR_FORMAT,
    "tensor “w”: data_offsets [0, 100) do not match shape [3, 3] × F32 (36 bytes)" },
  { T ("{\"dtype\":\"F32\",\"shape\":[3,3],\"data_offsets\":[0,36]}"), 20, CB_ERROR_FORMAT,
    "past the end of the data" },
  { T ("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}"), 8, CB_ERROR_FORMAT, "do not match" },
  { "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
    "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
    16, CB_ERROR_FORMAT, "overlap" },
  /* the product wraps around 2^64 to 0, which would match [0, 0) */
  { T ("{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}"), 0, CB_ERROR_LIMIT, "absurd" },
  { T ("{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,0]}"), 0, CB_ERROR_LIMIT, "absurd" },
  { T ("{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}"), 0, CB_ERROR_FORMAT, "shape" },
  { T ("{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}"), 4, CB_ERROR_FORMAT, "shape" },
  { T ("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}"), 4, CB_ERROR_FORMAT, "data_offsets" },
  { T ("{\"shape\":[1],\"data_offsets\":[0,4]}"), 4, CB_ERROR_FORMAT, "dtype" },
  { T ("{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}"), 4, CB_ERROR_UNSUPPORTED,
    "dimensions" },
  { "{\"__metadata__\":{\"k\":3}}", 0, CB_ERROR_FORMAT, "__metadata__" },
  { "{\"__metadata__\":[]}", 0, CB_ERROR_FORMAT, "__metadata__" },
  { T ("3"), 0, CB_ERROR_FORMAT, "not a JSON object" },
};

static void
test_malformed (void)
{
  static const guint8 short_file[5] = { 1, 2, 3, 4, 5 };
  guint8 big_len[16] = { 0 };

  {
    g_autoptr (GBytes) b = g_bytes_new_static (short_file, sizeof short_file);
    expect_error (b, CB_ERROR_FORMAT, "too short");
  }
  {
    g_autoptr (GBytes) b = g_bytes_new_static ("", 0);
    expect_error (b, CB_ERROR_FORMAT, "too short");
  }
  {
    /* header length past the end */
    g_autoptr (GBytes) full = make_file ("{}      ", NULL, 0);
    g_autoptr (GBytes) b = g_bytes_new_from_bytes (full, 0, 12);
    expect_error (b, CB_ERROR_FORMAT, "past the end");
  }
  {
    /* an absurd header length is refused before reading it */
    big_len[3] = 0x10; /* 256 MiB */
    g_autoptr (GBytes) b = g_bytes_new_static (big_len, sizeof big_len);
    expect_error (b, CB_ERROR_LIMIT, "header length");
  }
  for (gsize i = 0; i < G_N_ELEMENTS (malformed_headers); i++)
    {
      g_autoptr (GBytes) b = make_file (malformed_headers[i].header, NULL, malformed_headers[i].data_len);

      expect_error (b, malformed_headers[i].code, malformed_headers[i].fragment);
    }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (CbSafetensors) st = cb_safetensors_open ("/nonexistent/x.safetensors", &error);
    g_assert_null (st);
    g_assert_error (error, CB_ERROR, CB_ERROR_IO);
  }
}

/* A valid file cut at every length is refused cleanly (or, cut inside the
 * padding after the last tensor, still valid). */
static void
test_truncated (void)
{
  const char *dir = io_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "t.safetensors", NULL);
  g_autoptr (CbSafetensorsWriter) w = cb_safetensors_writer_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = NULL;
  gsize len;
  const float v[7] = { 1, 2, 3, 4, 5, 6, 7 };
  guint64 shape = 7;

  cb_safetensors_writer_add (w, "a", CB_DTYPE_F32, 1, &shape, v);
  cb_safetensors_writer_add (w, "b", CB_DTYPE_F16, 1, &shape, v);
  cb_safetensors_writer_set_metadata (w, "k", "v");
  g_assert_true (cb_safetensors_writer_write (w, path, &error));
  g_assert_true (g_file_get_contents (path, &raw, &len, NULL));
  for (gsize cut = 0; cut < len; cut++)
    {
      g_autoptr (GBytes) b = g_bytes_new_static (raw, cut);
      g_autoptr (GError) e2 = NULL;
      g_autoptr (CbSafetensors) st = cb_safetensors_new_from_bytes (b, "cut", &e2);
      /* the last tensor ends 2 bytes before the padded end */
      if (cut >= len - 2)
        g_assert_no_error (e2);
      else
        {
          g_assert_null (st);
          g_assert_true (e2->code == CB_ERROR_FORMAT);
        }
    }
}

/* Random bytes in the header: never a crash. */
static void
test_fuzz_header (void)
{
  const char *header
    = "{\"__metadata__\":{\"a\":\"b\"},\"w\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]}}";
  g_autoptr (GRand) rand = g_rand_new_with_seed (1234);

  for (int iter = 0; iter < 2000; iter++)
    {
      g_autoptr (GBytes) good = make_file (header, NULL, 8);
      gsize len;
      guint8 *copy = g_bytes_unref_to_data (g_bytes_ref (good), &len);
      g_autoptr (GBytes) b = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (CbSafetensors) st = NULL;
      int flips = g_rand_int_range (rand, 1, 4);

      for (int k = 0; k < flips; k++)
        copy[g_rand_int_range (rand, 0, (gint32)len)] = (guint8)g_rand_int_range (rand, 0, 256);
      b = g_bytes_new_take (copy, len);
      st = cb_safetensors_new_from_bytes (b, "fuzz", &error);
      g_assert_true ((st == NULL) != (error == NULL));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/safetensors/round-trip", test_round_trip);
  g_test_add_func ("/io/safetensors/alignment", test_alignment);
  g_test_add_func ("/io/safetensors/f16", test_f16);
  g_test_add_func ("/io/safetensors/bf16", test_bf16);
  g_test_add_func ("/io/safetensors/malformed", test_malformed);
  g_test_add_func ("/io/safetensors/truncated", test_truncated);
  g_test_add_func ("/io/safetensors/fuzz-header", test_fuzz_header);
  return g_test_run ();
}
