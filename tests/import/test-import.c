/* test-import.c: the restricted pickle reader, .pth checkpoints and the
 * OASIS importer against checkpoints written by torch.save
 * (training/make_pth_fixture.py; fixtures in tests/fixtures/oasis-tiny-*.pth)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-error.h"
#include "model/cb-model.h"
#include "model/cb-oasis.h"
#include "model/cb-pickle.h"
#include "model/cb-pth.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <zip.h>

#include "tests/test-util.h"

static char *fixtures;
static char *tmpdir;

static char *
fixture (const char *name)
{
  return g_build_filename (fixtures, name, NULL);
}

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* ------------------------------------------------------------ pickle */

/* pickle.dumps ({'a': [1, -2, 3.5, True, False, None, 2**40, -(2**40), 'x', 300, 70000, -70000],
 *                't': (1,), 'e': (), 't3': (1, 2, 3), 't4': (1, 2, 3, 4), 'd': {'k': 'v'}}, protocol=2) */
static const char plain_pickle[]
  = "\x80\x02\x7d\x71\x00\x28\x58\x01\x00\x00\x00\x61\x71\x01\x5d\x71\x02\x28\x4b\x01\x4a\xfe\xff\xff"
    "\xff\x47\x40\x0c\x00\x00\x00\x00\x00\x00\x88\x89\x4e\x8a\x06\x00\x00\x00\x00\x00\x01\x8a\x06\x00"
    "\x00\x00\x00\x00\xff\x58\x01\x00\x00\x00\x78\x71\x03\x4d\x2c\x01\x4a\x70\x11\x01\x00\x4a\x90\xee"
    "\xfe\xff\x65\x58\x01\x00\x00\x00\x74\x71\x04\x4b\x01\x85\x71\x05\x58\x01\x00\x00\x00\x65\x71\x06"
    "\x29\x58\x02\x00\x00\x00\x74\x33\x71\x07\x4b\x01\x4b\x02\x4b\x03\x87\x71\x08\x58\x02\x00\x00\x00"
    "\x74\x34\x71\x09\x28\x4b\x01\x4b\x02\x4b\x03\x4b\x04\x74\x71\x0a\x58\x01\x00\x00\x00\x64\x71\x0b"
    "\x7d\x71\x0c\x58\x01\x00\x00\x00\x6b\x71\x0d\x58\x01\x00\x00\x00\x76\x71\x0e\x73\x75\x2e";

static const CbPickleValue *
dict_get (const CbPickleValue *dict, const char *key)
{
  for (guint i = 0; i + 1 < dict->items->len; i += 2)
    {
      const CbPickleValue *k = g_ptr_array_index (dict->items, i);
      if (k->kind == CB_PICKLE_STRING && strcmp (k->str, key) == 0)
        return g_ptr_array_index (dict->items, i + 1);
    }
  return NULL;
}

static void
test_pickle_plain (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbPickle) p = cb_pickle_parse ((const guint8 *)plain_pickle, sizeof plain_pickle - 1, "plain", &error);
  const CbPickleValue *root, *a, *v;
  static const gint64 ints[] = { 1, -2 };

  g_assert_no_error (error);
  root = cb_pickle_get_root (p);
  g_assert_cmpint (root->kind, ==, CB_PICKLE_DICT);
  a = dict_get (root, "a");
  g_assert_nonnull (a);
  g_assert_cmpint (a->kind, ==, CB_PICKLE_LIST);
  g_assert_cmpuint (a->items->len, ==, 12);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpint (((CbPickleValue *)a->items->pdata[i])->i, ==, ints[i]);
  g_assert_cmpfloat (((CbPickleValue *)a->items->pdata[2])->f, ==, 3.5);
  g_assert_cmpint (((CbPickleValue *)a->items->pdata[3])->i, ==, 1);
  g_assert_cmpint (((CbPickleValue *)a->items->pdata[4])->i, ==, 0);
  g_assert_cmpint (((CbPickleValue *)a->items->pdata[5])->kind, ==, CB_PICKLE_NONE);
  g_assert_cmpint (((CbPickleValue *)a->items->pdata[6])->i, ==, G_GINT64_CONSTANT (1) << 40);
  g_assert_cmpint (((CbPickleValue *)a->items->pdata[7])->i, ==, -(G_GINT64_CONSTANT (1) << 40));
  g_assert_cmpstr (((CbPickleValue *)a->items->pdata[8])->str, ==, "x");
  g_assert_cmpint (((CbPickleValue *)a->items->pdata[9])->i, ==, 300);
  g_assert_cmpint (((CbPickleValue *)a->items->pdata[10])->i, ==, 70000);
  g_assert_cmpint (((CbPickleValue *)a->items->pdata[11])->i, ==, -70000);
  v = dict_get (root, "t4");
  g_assert_cmpint (v->kind, ==, CB_PICKLE_TUPLE);
  g_assert_cmpuint (v->items->len, ==, 4);
  v = dict_get (root, "t3");
  g_assert_cmpuint (v->items->len, ==, 3);
  g_assert_cmpint (((CbPickleValue *)v->items->pdata[2])->i, ==, 3);
  g_assert_cmpuint (dict_get (root, "e")->items->len, ==, 0);
  g_assert_cmpstr (((CbPickleValue *)dict_get (dict_get (root, "d"), "k"))->str, ==, "v");
}

static void
expect_refused (const char *bytes, gsize len, const char *needle1, const char *needle2)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbPickle) p = cb_pickle_parse ((const guint8 *)bytes, len, "evil.pkl", &error);

  g_assert_null (p);
  g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, needle1));
  if (needle2)
    g_assert_nonnull (strstr (error->message, needle2));
}

static void
test_pickle_refuses (void)
{
  /* GLOBAL os system, then REDUCE: refused at the GLOBAL, byte 2 */
  static const char os_system[] = "\x80\x02\x63os\nsystem\nX\x02\x00\x00\x00ls\x85R.";
  /* a harmless-looking builtin is refused just the same */
  static const char builtins_eval[] = "\x80\x02\x63__builtin__\neval\n.";
  /* bytes of protocol 2 go through _codecs.encode: refused too */
  static const char codecs[] = "\x80\x02\x63_codecs\nencode\n.";
  /* REDUCE of something that is not an allowed callable */
  static const char reduce_storage[] = "\x80\x02\x63torch\nFloatStorage\n)R.";
  static const char reduce_dict[] = "\x80\x02})R.";
  /* opcodes outside the subset */
  static const char inst[] = "\x80\x02(ios\nsystem\n.";
  static const char stack_global[] = "\x80\x04\x8c\x02os\x8c\x06system\x93.";
  static const char newobj[] = "\x80\x02}))\x81.";
  /* structural damage */
  static const char no_stop[] = "\x80\x02}";
  static const char underflow[] = "\x80\x02s.";
  static const char bad_memo[] = "\x80\x02h\x05.";
  static const char long_string[] = "\x80\x02X\xff\xff\xff\x7f";

  expect_refused (os_system, sizeof os_system - 1, "os system", "GLOBAL at byte 2");
  expect_refused (builtins_eval, sizeof builtins_eval - 1, "__builtin__ eval", "byte 2");
  expect_refused (codecs, sizeof codecs - 1, "_codecs encode", NULL);
  expect_refused (reduce_storage, sizeof reduce_storage - 1, "REDUCE at byte 23", "cannot be called");
  expect_refused (reduce_dict, sizeof reduce_dict - 1, "REDUCE", "dict");
  expect_refused (inst, sizeof inst - 1, "INST at byte 3", "not allowed");
  expect_refused (stack_global, sizeof stack_global - 1, "STACK_GLOBAL", "not allowed");
  expect_refused (newobj, sizeof newobj - 1, "NEWOBJ at byte 5", NULL);
  expect_refused (no_stop, sizeof no_stop - 1, "without STOP", NULL);
  expect_refused (underflow, sizeof underflow - 1, "underflow", NULL);
  expect_refused (bad_memo, sizeof bad_memo - 1, "never stored", NULL);
  expect_refused (long_string, sizeof long_string - 1, "truncated", NULL);
}

/* Random bytes and every truncation of a real pickle: errors, never crashes. */
static void
test_pickle_fuzz (void)
{
  g_autofree char *path = fixture ("oasis-tiny-EMA.pth");
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  int zerr = 0;
  zip_t *zip = zip_open (path, ZIP_RDONLY, &zerr);
  zip_stat_t st;
  zip_file_t *f;
  g_autofree guint8 *data = NULL;

  g_assert_nonnull (zip);
  g_assert_cmpint (zip_stat (zip, "oasis-tiny-EMA/data.pkl", 0, &st), ==, 0);
  data = g_malloc (st.size);
  f = zip_fopen (zip, "oasis-tiny-EMA/data.pkl", 0);
  g_assert_cmpint (zip_fread (f, data, st.size), ==, (zip_int64_t)st.size);
  zip_fclose (f);
  zip_discard (zip);

  for (gsize n = 0; n < st.size; n += 7)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CbPickle) p = cb_pickle_parse (data, n, "cut", &error);
      g_assert_null (p);
      g_assert_nonnull (error);
    }
  for (int round = 0; round < 300; round++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, st.size);
      g_autoptr (GError) error = NULL;
      g_autoptr (CbPickle) p = NULL;
      for (int k = 0; k < 4; k++)
        copy[g_rand_int_range (rand, 0, (gint32)st.size)] = (guint8)g_rand_int (rand);
      p = cb_pickle_parse (copy, st.size, "fuzz", &error);
      g_assert_true ((p == NULL) == (error != NULL));
    }
}

/* ------------------------------------------------------------ pth */

/* Writes a zip holding TOP/data.pkl = pkl (and the storages of src, if any). */
static void
write_zip (const char *path, const char *top, const void *pkl, gsize len, const char *storages_from)
{
  int zerr = 0;
  zip_t *z = zip_open (path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
  g_autofree char *name = g_strdup_printf ("%s/data.pkl", top);
  zip_source_t *src = zip_source_buffer (z, pkl, len, 0);
  zip_t *from = NULL;

  g_assert_nonnull (z);
  g_assert_cmpint (zip_file_add (z, name, src, ZIP_FL_OVERWRITE), >=, 0);
  if (storages_from)
    {
      from = zip_open (storages_from, ZIP_RDONLY, &zerr);
      g_assert_nonnull (from);
      for (zip_int64_t i = 0; i < zip_get_num_entries (from, 0); i++)
        {
          const char *n = zip_get_name (from, (zip_uint64_t)i, 0);
          const char *rest = strchr (n, '/');
          g_autofree char *dst = NULL;
          if (!rest || strcmp (rest, "/data.pkl") == 0)
            continue;
          dst = g_strconcat (top, rest, NULL);
          g_assert_cmpint (zip_file_add (z, dst, zip_source_zip (z, from, (zip_uint64_t)i, 0, 0, -1), ZIP_FL_OVERWRITE),
                           >=, 0);
        }
    }
  g_assert_cmpint (zip_close (z), ==, 0);
  if (from)
    zip_discard (from);
}

static guint8 *
read_pkl (const char *pth, gsize *len)
{
  int zerr = 0;
  zip_t *zip = zip_open (pth, ZIP_RDONLY, &zerr);
  zip_stat_t st;
  zip_file_t *f;
  guint8 *data;
  g_autofree char *base = g_path_get_basename (pth);
  g_autofree char *name = NULL;

  *strrchr (base, '.') = '\0';
  name = g_strdup_printf ("%s/data.pkl", base);
  g_assert_nonnull (zip);
  g_assert_cmpint (zip_stat (zip, name, 0, &st), ==, 0);
  data = g_malloc (st.size);
  f = zip_fopen (zip, name, 0);
  g_assert_cmpint (zip_fread (f, data, st.size), ==, (zip_int64_t)st.size);
  zip_fclose (f);
  zip_discard (zip);
  *len = st.size;
  return data;
}

/* Replaces every occurrence of a (BINUNICODE-framed) key by another of the same length. */
static void
replace_key (guint8 *data, gsize len, const char *from, const char *to)
{
  gsize n = strlen (from);
  guint hits = 0;
  g_assert_cmpuint (strlen (to), ==, n);
  for (gsize i = 4; i + n <= len; i++)
    if (data[i - 4] == n && memcmp (data + i, from, n) == 0)
      {
        memcpy (data + i, to, n);
        hits++;
      }
  g_assert_cmpuint (hits, >, 0);
}

static void
test_pth_read (void)
{
  g_autofree char *path = fixture ("oasis-tiny-EMA.pth");
  g_autofree char *epath = fixture ("oasis-tiny-expected.pth");
  g_autoptr (GError) error = NULL;
  g_autoptr (CbPth) pth = cb_pth_open (path, &error);
  g_autoptr (CbPth) dpth = NULL;
  const CbPickleValue *t;
  guint64 shape[4] = { 4, 4, 3, 3 }; /* it is [4, 8, 3, 3] */
  g_autofree float *w = NULL;

  g_assert_no_error (error);
  g_assert_true (cb_pth_has (pth, "fc.weight"));
  g_assert_true (cb_pth_has (pth, "body.0.conv_0.weight_orig"));
  /* stored in float16 / bfloat16 by the fixture */
  t = cb_pth_lookup (pth, "fc.bias");
  g_assert_cmpint (t->dtype, ==, CB_TORCH_F16);
  t = cb_pth_lookup (pth, "body.0.norm_0.mlp_gamma.weight");
  g_assert_cmpint (t->dtype, ==, CB_TORCH_BF16);
  /* a non-contiguous view and a storage offset */
  t = cb_pth_lookup (pth, "body.0.conv_1.weight_orig");
  g_assert_cmpuint (t->stride[3], !=, 1);
  t = cb_pth_lookup (pth, "body.1.conv_1.bias");
  g_assert_cmpuint (t->offset, >, 0);
  /* num_batches_tracked is an int64 tensor: refused as float */
  g_assert_null (cb_pth_read_f32 (pth, "body.0.norm_0.first_norm.num_batches_tracked", 0, NULL, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  /* shape check */
  w = cb_pth_read_f32 (pth, "body.1.conv_0.weight_orig", 4, shape, &error);
  g_assert_null (w);
  g_assert_error (error, CB_ERROR, CB_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, "[4, 8, 3, 3]"));
  g_clear_error (&error);
  /* the "module." prefix of the D checkpoint is gone */
  g_free (path);
  path = fixture ("oasis-tiny-D.pth");
  dpth = cb_pth_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (cb_pth_has (dpth, "layer_up_last.weight"));
  g_assert_false (cb_pth_has (dpth, "module.layer_up_last.weight"));
  (void)epath;
}

static void
expect_open_error (const char *path, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbPth) pth = cb_pth_open (path, &error);
  g_assert_null (pth);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, needle));
}

static void
test_pth_corrupt (void)
{
  g_autofree char *good = fixture ("oasis-tiny-EMA.pth");
  g_autofree char *bad = tmp_path ("bad.pth");
  g_autofree char *contents = NULL;
  g_autofree guint8 *pkl = NULL;
  gsize len = 0, pkl_len = 0;
  static const char evil[] = "\x80\x02\x63os\nsystem\nX\x05\x00\x00\x00touch\x85R.";

  /* truncated zip */
  g_assert_true (g_file_get_contents (good, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (bad, contents, (gssize)(len / 2), NULL));
  expect_open_error (bad, "not a PyTorch zip checkpoint");
  /* not a zip at all; a pickle that is not a checkpoint */
  g_assert_true (g_file_set_contents (bad, "hello", 5, NULL));
  expect_open_error (bad, "not a PyTorch zip checkpoint");
  g_assert_true (g_file_set_contents (bad, "\x80\x02\x8a\x0a", 4, NULL));
  expect_open_error (bad, "magic number");
  /* the legacy format, truncated anywhere: an error, never a crash */
  {
    g_autofree char *legacy = fixture ("oasis-tiny-EMA-legacy.pth");
    g_autofree char *lc = NULL;
    gsize ll = 0;
    g_assert_true (g_file_get_contents (legacy, &lc, &ll, NULL));
    for (gsize cut = 16; cut < ll; cut += ll / 37)
      {
        g_autoptr (GError) error = NULL;
        g_autoptr (CbPth) pth = NULL;
        g_assert_true (g_file_set_contents (bad, lc, (gssize)cut, NULL));
        pth = cb_pth_open (bad, &error);
        g_assert_null (pth);
        g_assert_nonnull (error);
      }
    g_assert_true (g_file_set_contents (bad, lc, (gssize)(ll - 1), NULL));
    expect_open_error (bad, "truncated in storage");
    /* GLOBAL os system inside a legacy file is refused like in a zip */
    {
      static const char evil_legacy[] = "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."
                                        "\x80\x02M\xe9\x03.\x80\x02}X\x0d\x00\x00\x00little_endian\x88s."
                                        "\x80\x02\x63os\nsystem\n.";
      g_assert_true (g_file_set_contents (bad, evil_legacy, sizeof evil_legacy - 1, NULL));
    }
    expect_open_error (bad, "global “os system” is not allowed");
  }
  /* missing file */
  expect_open_error ("/nonexistent/x.pth", "x.pth");
  /* a zip with an evil pickle: GLOBAL os system is named, nothing runs */
  write_zip (bad, "archive", evil, sizeof evil - 1, NULL);
  expect_open_error (bad, "global “os system” is not allowed");
  /* a real pickle whose storages are missing: found when a tensor is read */
  pkl = read_pkl (good, &pkl_len);
  write_zip (bad, "renamed_top", pkl, pkl_len, NULL);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (CbPth) pth = cb_pth_open (bad, &error);
    g_autofree float *w = NULL;
    g_assert_no_error (error);
    w = cb_pth_read_f32 (pth, "fc.weight", 0, NULL, &error);
    g_assert_null (w);
    g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
    g_assert_nonnull (strstr (error->message, "renamed_top/data/"));
  }
  /* the top folder's name does not matter */
  write_zip (bad, "renamed_top", pkl, pkl_len, good);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (CbPth) pth = cb_pth_open (bad, &error);
    g_autofree float *w = NULL;
    g_assert_no_error (error);
    w = cb_pth_read_f32 (pth, "fc.weight", 0, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (w);
  }
}

/* ------------------------------------------------------------ import */

static float *
expected_tensor (CbPth *expected, const char *name, guint64 *n)
{
  g_autoptr (GError) error = NULL;
  const CbPickleValue *t = cb_pth_lookup (expected, name);
  float *data;
  g_assert_nonnull (t);
  data = cb_pth_read_f32 (expected, name, 0, NULL, &error);
  g_assert_no_error (error);
  *n = 1;
  for (guint i = 0; i < t->n_dims; i++)
    *n *= t->shape[i];
  return data;
}

/* Every G./D. tensor of the expected file is in the model with the same
 * values (within 1e-6 relative); and nothing else is. */
static void
compare_weights (const char *model_path, const char *expected_path, gboolean with_d)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbPth) expected = cb_pth_open (expected_path, &error);
  g_autoptr (CbSafetensors) st = NULL;
  guint n_compared = 0, n_model = 0;

  g_assert_no_error (error);
  st = cb_safetensors_open (model_path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < cb_pth_get_n_tensors (expected); i++)
    {
      const char *name = cb_pth_get_name (expected, i);
      const CbSafetensorsEntry *e;
      g_autofree float *want = NULL, *got = NULL;
      guint64 n = 0;
      double max_err = 0.0, max_ref = 0.0;

      if (!g_str_has_prefix (name, "G.") && !g_str_has_prefix (name, "D."))
        continue;
      if (name[0] == 'D' && !with_d)
        {
          g_assert_null (cb_safetensors_lookup (st, name));
          continue;
        }
      e = cb_safetensors_lookup (st, name);
      if (!e)
        g_error ("%s missing from the model", name);
      want = expected_tensor (expected, name, &n);
      g_assert_cmpuint (e->n_elements, ==, n);
      got = cb_safetensors_entry_to_f32 (e);
      for (guint64 k = 0; k < n; k++)
        {
          max_err = MAX (max_err, fabs ((double)got[k] - (double)want[k]));
          max_ref = MAX (max_ref, fabs ((double)want[k]));
        }
      if (max_err / MAX (1e-6, max_ref) > 1e-6)
        g_error ("%s: relative error %g", name, max_err / MAX (1e-6, max_ref));
      n_compared++;
    }
  for (guint i = 0; i < cb_safetensors_get_n_tensors (st); i++)
    n_model++;
  g_assert_cmpuint (n_compared, ==, n_model);
  g_test_message ("%u tensors equal to PyTorch's effective weights", n_compared);
}

/* Generates with the CPU reference (io.rows, seed 7) and compares with io.out. */
static void
compare_output (const char *model_path, const char *expected_path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbModel) model = cb_model_load (model_path, &error);
  g_autoptr (CbPth) expected = NULL;
  g_autoptr (CbGraph) graph = NULL;
  g_autoptr (CbEmbedTable) table = NULL;
  g_autoptr (CbTensor) rows = NULL;
  g_autoptr (CbTensor) tab = NULL;
  g_autoptr (CbTensor) out = NULL;
  g_autoptr (CbTensor) want = NULL;
  g_autofree float *io_rows = NULL, *io_z = NULL, *io_out = NULL;
  CbSeeds seeds = { 7, 0, NULL, NULL };
  guint n_classes, h, w;
  guint64 n;
  double err;

  g_assert_no_error (error);
  expected = cb_pth_open (expected_path, &error);
  g_assert_no_error (error);
  n_classes = cb_class_set_get_n_classes (model->classes);
  h = model->gen.height;
  w = model->gen.width;

  io_rows = expected_tensor (expected, "io.rows", &n);
  g_assert_cmpuint (n, ==, (guint64)h * w);
  io_z = expected_tensor (expected, "io.z", &n);
  g_assert_cmpuint (n, ==, model->gen.z_dim);
  io_out = expected_tensor (expected, "io.out", &n);
  g_assert_cmpuint (n, ==, 3 * (guint64)h * w);

  table = cb_embed_table_new (model, NULL, n_classes, &seeds);
  g_assert_nonnull (table);
  g_assert_cmpuint (table->n_rows, ==, n_classes + 1);
  /* the C noise is Python's noise: row 0 starts with the global z */
  for (guint k = 0; k < model->gen.z_dim; k++)
    g_assert_cmpfloat_with_epsilon (table->table[k], io_z[k], 1e-6);

  graph = cb_oasis_build_generator (model, n_classes + 1, &error);
  g_assert_no_error (error);
  rows = cb_tensor_new (1, h, w);
  memcpy (rows->data, io_rows, sizeof (float) * h * w);
  tab = cb_tensor_new (1, table->n_rows, table->n_channels);
  memcpy (tab->data, table->table, sizeof (float) * table->n_rows * table->n_channels);
  {
    CbTensor *inputs[] = { rows, tab };
    out = cb_graph_run_reference (graph, inputs, 2, &error);
  }
  g_assert_no_error (error);
  g_assert_cmpuint (out->c, ==, 3);
  g_assert_cmpuint (out->h, ==, h);
  g_assert_cmpuint (out->w, ==, w);
  want = cb_tensor_new (3, h, w);
  memcpy (want->data, io_out, sizeof (float) * 3 * h * w);
  err = cb_tensor_rel_error (out, want);
  g_test_message ("relative error against PyTorch: %g", err);
  g_assert_cmpfloat (err, <=, 1e-4);
}

static gboolean
import_tiny (gboolean with_d, gboolean legacy, const char *out, GError **error)
{
  g_autofree char *gpath = fixture (legacy ? "oasis-tiny-EMA-legacy.pth" : "oasis-tiny-EMA.pth");
  g_autofree char *dpath = fixture ("oasis-tiny-D.pth");
  g_autofree char *classes
    = g_build_filename (g_getenv ("CB_SOURCE_DIR"), "tests", "import", "tiny-classes.json", NULL);
  CbOasisImportOptions o;

  cb_oasis_import_options_init (&o);
  o.generator_path = gpath;
  o.discriminator_path = with_d ? dpath : NULL;
  o.dataset = "custom";
  o.classes_path = classes;
  o.width = 16;
  o.height = 8;
  o.z_dim = with_d ? -1 : 4; /* with D, semantic_nc comes from D's outputs */
  o.command = "test-import";
  return cb_oasis_import (&o, out, error);
}

static void
check_config (const char *path, gboolean with_d)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbSafetensors) st = cb_safetensors_open (path, &error);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *cfg, *gen, *card;
  JsonArray *ch;

  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, cb_safetensors_get_metadata (st, "catbrush.config"), -1, NULL));
  cfg = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (cfg, "architecture"), ==, "oasis");
  gen = json_object_get_object_member (cfg, "generator");
  ch = json_object_get_array_member (gen, "channels");
  g_assert_cmpuint (json_array_get_length (ch), ==, 4);
  g_assert_cmpint (json_array_get_int_element (ch, 0), ==, 8);
  g_assert_cmpint (json_array_get_int_element (ch, 3), ==, 4);
  g_assert_cmpint (json_object_get_int_member (gen, "z_dim"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (gen, "semantic_nc"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (gen, "dontcare_channel"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (gen, "spade_hidden"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (gen, "width"), ==, 16);
  g_assert_cmpint (json_object_get_int_member (gen, "height"), ==, 8);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (cfg, "tensors"), "discriminator")
                 == with_d);
  g_assert_true (json_object_has_member (cfg, "discriminator") == with_d);
  if (with_d)
    {
      JsonObject *d = json_object_get_object_member (cfg, "discriminator");
      JsonArray *dch = json_object_get_array_member (d, "channels");
      g_assert_cmpuint (json_array_get_length (dch), ==, 3);
      g_assert_cmpint (json_array_get_int_element (dch, 2), ==, 16);
      g_assert_cmpint (json_object_get_int_member (d, "num_res_blocks"), ==, 2);
      g_assert_cmpint (json_object_get_int_member (d, "head"), ==, 8);
    }
  card = json_object_get_object_member (cfg, "model_card");
  g_assert_nonnull (strstr (json_object_get_string_member (card, "licence"), "AGPL-3.0"));
  g_assert_nonnull (strstr (json_object_get_string_member (card, "training"), "oasis-tiny-EMA"));
}

/* variant: 0 = the generator alone, 1 = with the discriminator, 2 = the
 * generator in the legacy format */
static void
test_import_tiny (gconstpointer variant_p)
{
  int variant = GPOINTER_TO_INT (variant_p);
  gboolean with_d = variant == 1;
  g_autofree char *out = tmp_path (with_d ? "tiny-gd.safetensors" : "tiny-g.safetensors");
  g_autofree char *expected = fixture ("oasis-tiny-expected.pth");
  g_autoptr (GError) error = NULL;

  g_assert_true (import_tiny (with_d, variant == 2, out, &error));
  g_assert_no_error (error);
  check_config (out, with_d);
  compare_weights (out, expected, with_d);
  compare_output (out, expected);
}

static void
expect_import_error (const char *gpath, const char *dpath, const char *dataset, const char *needle)
{
  g_autofree char *out = tmp_path ("fail.safetensors");
  g_autofree char *classes
    = g_build_filename (g_getenv ("CB_SOURCE_DIR"), "tests", "import", "tiny-classes.json", NULL);
  g_autoptr (GError) error = NULL;
  CbOasisImportOptions o;

  g_remove (out);
  cb_oasis_import_options_init (&o);
  o.generator_path = gpath;
  o.discriminator_path = dpath;
  o.dataset = dataset;
  o.classes_path = g_str_equal (dataset, "custom") ? classes : NULL;
  o.width = 16;
  o.height = 8;
  o.z_dim = 4;
  g_assert_false (cb_oasis_import (&o, out, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, needle));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

static void
test_import_errors (void)
{
  g_autofree char *good = fixture ("oasis-tiny-EMA.pth");
  g_autofree char *dgood = fixture ("oasis-tiny-D.pth");
  g_autofree char *bad = tmp_path ("edited.pth");
  g_autofree guint8 *pkl = NULL;
  gsize len = 0;

  /* a missing key: conv_img.bias renamed */
  pkl = read_pkl (good, &len);
  replace_key (pkl, len, "conv_img.bias", "conv_img.bXas");
  write_zip (bad, "edited", pkl, len, good);
  expect_import_error (bad, NULL, "custom", "“conv_img.bias” is missing");
  g_clear_pointer (&pkl, g_free);

  /* wrong shapes: two biases of different widths swapped */
  pkl = read_pkl (good, &len);
  replace_key (pkl, len, "body.0.conv_0.bias", "body.X.conv_0.bias");
  replace_key (pkl, len, "body.1.conv_0.bias", "body.0.conv_0.bias");
  replace_key (pkl, len, "body.X.conv_0.bias", "body.1.conv_0.bias");
  write_zip (bad, "edited", pkl, len, good);
  expect_import_error (bad, NULL, "custom", "has shape [4], [8] expected");
  g_clear_pointer (&pkl, g_free);

  /* a tensor the architecture does not have */
  pkl = read_pkl (good, &len);
  replace_key (pkl, len, "body.0.norm_1.first_norm.num_batches_tracked",
               "body.0.norm_1.first_norm.num_batches_trackex");
  write_zip (bad, "edited", pkl, len, good);
  expect_import_error (bad, NULL, "custom", "unexpected tensor “body.0.norm_1.first_norm.num_batches_trackex”");
  g_clear_pointer (&pkl, g_free);

  /* the discriminator given as the generator, and the reverse */
  expect_import_error (dgood, NULL, "custom", "fc.weight");
  expect_import_error (good, good, "custom", "no OASIS discriminator blocks");
  /* a tiny model is not an ADE20K one */
  expect_import_error (good, NULL, "ade20k", "151 semantic channels");
  expect_import_error (good, dgood, "cityscapes", "the discriminator has 7 outputs");
  /* a size the blocks do not divide */
  {
    g_autofree char *out = tmp_path ("fail.safetensors");
    g_autofree char *classes
      = g_build_filename (g_getenv ("CB_SOURCE_DIR"), "tests", "import", "tiny-classes.json", NULL);
    g_autoptr (GError) error = NULL;
    CbOasisImportOptions o;
    cb_oasis_import_options_init (&o);
    o.generator_path = good;
    o.dataset = "custom";
    o.classes_path = classes;
    o.width = 18;
    o.height = 8;
    o.z_dim = 4;
    g_assert_false (cb_oasis_import (&o, out, &error));
    g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  }
}

static void
test_bundled_classes (void)
{
  static const struct
  {
    const char *name;
    guint n;
    guint first_id, last_id;
    const char *first_name;
  } sets[] = {
    { "ade20k", 150, 1, 150, "wall" },
    { "cityscapes", 34, 1, 34, "ego vehicle" },
    { "cocostuff", 182, 0, 181, "person" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CbClassSet) set = cb_oasis_load_bundled_classes (sets[i].name, &error);
      const CbClass *c;
      g_assert_no_error (error);
      g_assert_cmpuint (cb_class_set_get_n_classes (set), ==, sets[i].n);
      c = cb_class_set_get (set, 0);
      g_assert_cmpuint (c->id, ==, sets[i].first_id);
      g_assert_cmpstr (c->name, ==, sets[i].first_name);
      g_assert_cmpuint (cb_class_set_get (set, sets[i].n - 1)->id, ==, sets[i].last_id);
    }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (CbClassSet) set = cb_oasis_load_bundled_classes ("ade20k", &error);
    /* the official colours */
    g_assert_cmpuint (cb_class_set_lookup_name (set, "sky")->color, ==, 0x06e6e6);
    g_assert_cmpuint (cb_class_set_lookup_name (set, "road")->color, ==, 0x8c8c8c);
    g_clear_pointer (&set, cb_class_set_free);
    set = cb_oasis_load_bundled_classes ("cityscapes", &error);
    g_assert_cmpuint (cb_class_set_lookup_name (set, "road")->color, ==, 0x804080);
    g_assert_cmpuint (cb_class_set_lookup_name (set, "car")->color, ==, 0x00008e);
  }
}

/* The CLI end to end: success, then a truncated checkpoint (exit 1, a clear message). */
static void
test_cli (void)
{
  const char *cli = g_getenv ("CB_CLI");
  g_autofree char *gpath = fixture ("oasis-tiny-EMA.pth");
  g_autofree char *dpath = fixture ("oasis-tiny-D.pth");
  g_autofree char *classes
    = g_build_filename (g_getenv ("CB_SOURCE_DIR"), "tests", "import", "tiny-classes.json", NULL);
  g_autofree char *out = tmp_path ("cli.safetensors");
  g_autofree char *cut = tmp_path ("cut.pth");
  g_autofree char *contents = NULL;
  g_autofree char *std_out = NULL, *std_err = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;
  int status = 0;

  if (!cli || !g_file_test (cli, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("catbrush-cli not built");
      return;
    }
  {
    const char *argv[] = { cli,      "import-oasis", "--generator", gpath,       "--discriminator",
                           dpath,    "--dataset",    "custom",      "--classes", classes,
                           "--size", "16x8",         "-o",          out,         NULL };
    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, 0, NULL, NULL, &std_out, &std_err, &status, &error));
    g_assert_no_error (error);
    g_test_message ("%s%s", std_out, std_err);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_assert_true (g_file_test (out, G_FILE_TEST_IS_REGULAR));
  }
  g_clear_pointer (&std_out, g_free);
  g_clear_pointer (&std_err, g_free);
  g_assert_true (g_file_get_contents (gpath, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (cut, contents, (gssize)(len - 100), NULL));
  {
    const char *argv[] = { cli, "import-oasis", "--generator", cut, "--dataset", "ade20k", "-o", out, NULL };
    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, 0, NULL, NULL, &std_out, &std_err, &status, &error));
    g_assert_no_error (error);
    g_test_message ("%s", std_err);
    g_assert_false (g_spawn_check_wait_status (status, NULL));
    g_assert_nonnull (strstr (std_err, "cut.pth"));
  }
}

/* An ADE20K-shaped generator (151 channels, 6 blocks, 64x64), made now by
 * PyTorch when /usr/bin/python3 has torch; skipped otherwise. */
static void
test_import_ade20k (void)
{
  g_autofree char *script = g_build_filename (g_getenv ("CB_SOURCE_DIR"), "training", "make_pth_fixture.py", NULL);
  g_autofree char *dir = tmp_path ("ade");
  g_autofree char *gpath = NULL, *epath = NULL, *out = NULL;
  g_autofree char *std_err = NULL;
  g_autoptr (GError) error = NULL;
  const char *argv[] = { "/usr/bin/python3", script, "--ade20k", dir, NULL };
  CbOasisImportOptions o;
  int status = 0;
  gint64 t0;

  if (!g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("no /usr/bin/python3");
      return;
    }
  t0 = g_get_monotonic_time ();
  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &std_err, &status, &error)
      || !g_spawn_check_wait_status (status, NULL))
    {
      g_test_skip_printf ("python3-torch could not make the ADE20K-shaped checkpoint: %s",
                          std_err ? std_err : error->message);
      return;
    }
  g_test_message ("PyTorch made the checkpoint in %.1f s", (double)(g_get_monotonic_time () - t0) / 1e6);
  gpath = g_build_filename (dir, "oasis-ade-EMA.pth", NULL);
  epath = g_build_filename (dir, "oasis-ade-expected.pth", NULL);
  out = g_build_filename (dir, "ade.safetensors", NULL);
  cb_oasis_import_options_init (&o);
  o.generator_path = gpath;
  o.dataset = "ade20k";
  o.width = 64;
  o.height = 64;
  g_assert_true (cb_oasis_import (&o, out, &error));
  g_assert_no_error (error);
  compare_weights (out, epath, FALSE);
  compare_output (out, epath);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  fixtures = cb_test_source_path ("tests", "fixtures", NULL);

  g_test_add_func ("/import/pickle/plain", test_pickle_plain);
  g_test_add_func ("/import/pickle/refuses", test_pickle_refuses);
  g_test_add_func ("/import/pickle/fuzz", test_pickle_fuzz);
  g_test_add_func ("/import/pth/read", test_pth_read);
  g_test_add_func ("/import/pth/corrupt", test_pth_corrupt);
  g_test_add_func ("/import/classes/bundled", test_bundled_classes);
  g_test_add_data_func ("/import/oasis/tiny-generator", GINT_TO_POINTER (0), test_import_tiny);
  g_test_add_data_func ("/import/oasis/tiny-with-discriminator", GINT_TO_POINTER (1), test_import_tiny);
  g_test_add_data_func ("/import/oasis/tiny-legacy-format", GINT_TO_POINTER (2), test_import_tiny);
  g_test_add_func ("/import/oasis/errors", test_import_errors);
  g_test_add_func ("/import/oasis/ade20k-shaped", test_import_ade20k);
  g_test_add_func ("/import/cli", test_cli);

  ret = cb_test_run_in_tmp_dir ("cb-import-XXXXXX", &tmpdir);
  g_free (fixtures);
  return ret;
}
