/* cb-pth.c: torch.save zip checkpoints and the OASIS importer (docs/IMPORT.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-config.h"

#include "cb-pth.h"

#include "cb-datadir.h"
#include "cb-error.h"
#include "cb-fileutil.h"

#include <math.h>
#include <string.h>
#include <zip.h>

/* A pickle or storage larger than this is refused before it is read. */
#define MAX_PICKLE_BYTES (256u << 20)
#define MAX_STORAGE_BYTES (G_GUINT64_CONSTANT (8) << 30)

struct _CbPth
{
  char *path;
  zip_t *zip;
  char *top; /* "TOP/" */
  CbPickle *pickle;
  GPtrArray *names;    /* char *, file order, "module." removed */
  GHashTable *tensors; /* name -> const CbPickleValue * (TENSOR) */
  /* the legacy (before PyTorch 1.6) format: pickles, then the raw storages */
  GMappedFile *mapped;
  GBytes *file_bytes;
  GHashTable *legacy_offsets; /* key -> guint64 * offset of the data in the file */
};

void
cb_pth_free (CbPth *pth)
{
  if (!pth)
    return;
  if (pth->zip)
    zip_discard (pth->zip);
  g_free (pth->path);
  g_free (pth->top);
  cb_pickle_free (pth->pickle);
  if (pth->names)
    g_ptr_array_unref (pth->names);
  if (pth->legacy_offsets)
    g_hash_table_unref (pth->legacy_offsets);
  if (pth->file_bytes)
    g_bytes_unref (pth->file_bytes);
  if (pth->mapped)
    g_mapped_file_unref (pth->mapped);
  if (pth->tensors)
    g_hash_table_unref (pth->tensors);
  g_free (pth);
}

static char *
shape_to_string (guint n_dims, const guint64 *shape)
{
  GString *s = g_string_new ("[");
  for (guint i = 0; i < n_dims; i++)
    g_string_append_printf (s, "%s%" G_GUINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* Reads one whole zip entry, refusing sizes above limit. */
static GBytes *
read_entry (CbPth *pth, const char *name, guint64 limit, GError **error)
{
  zip_stat_t st;
  zip_file_t *f;
  guint8 *buf;
  zip_int64_t got;

  zip_stat_init (&st);
  if (zip_stat (pth->zip, name, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: the archive has no entry “%s”", pth->path, name);
      return NULL;
    }
  if (st.size > limit)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT,
                   "%s: entry “%s” is %" G_GUINT64_FORMAT " bytes, more than %" G_GUINT64_FORMAT, pth->path, name,
                   (guint64)st.size, limit);
      return NULL;
    }
  /* Deflate expands at most 1032:1; more would only be a bomb. The buffer is
   * allocated at the stated size, so bound it by the bytes in the file. */
  if ((st.valid & ZIP_STAT_COMP_SIZE) && st.size / 1032 > st.comp_size + 1024)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT,
                   "%s: entry “%s” claims %" G_GUINT64_FORMAT " bytes from %" G_GUINT64_FORMAT
                   " compressed (damaged, or a zip bomb)",
                   pth->path, name, (guint64)st.size, (guint64)st.comp_size);
      return NULL;
    }
  f = zip_fopen (pth->zip, name, 0);
  if (!f)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: cannot open entry “%s”: %s", pth->path, name,
                   zip_strerror (pth->zip));
      return NULL;
    }
  buf = g_malloc (st.size ? st.size : 1);
  got = zip_fread (f, buf, st.size);
  if (got < 0 || (zip_uint64_t)got != st.size)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: entry “%s” is damaged or truncated: %s", pth->path, name,
                   zip_file_strerror (f));
      zip_fclose (f);
      g_free (buf);
      return NULL;
    }
  /* a CRC mismatch shows at the end of the data */
  if (zip_fclose (f) != 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: entry “%s” fails its checksum", pth->path, name);
      g_free (buf);
      return NULL;
    }
  return g_bytes_new_take (buf, st.size);
}

static gboolean
looks_like_legacy (const char *path)
{
  guint8 head[2] = { 0 };
  FILE *f = fopen (path, "rb");
  gboolean legacy = FALSE;
  if (f)
    {
      legacy = fread (head, 1, 2, f) == 2 && head[0] == 0x80 && head[1] <= 5;
      fclose (f);
    }
  return legacy;
}

static zip_t *
open_zip (const char *path, GError **error)
{
  int zerr = 0;
  zip_t *zip = zip_open (path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);

  if (!zip)
    {
      zip_error_t ze;
      zip_error_init_with_code (&ze, zerr);
      if (zerr == ZIP_ER_OPEN || zerr == ZIP_ER_NOENT || zerr == ZIP_ER_READ)
        g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s: %s", path, zip_error_strerror (&ze));
      else
        g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: not a PyTorch zip checkpoint (truncated or damaged?): %s",
                     path, zip_error_strerror (&ze));
      zip_error_fini (&ze);
      return NULL;
    }
  return zip;
}

/* The zip format: TOP/data.pkl and TOP/data/KEY. */
static gboolean
open_zip_checkpoint (CbPth *pth, GError **error)
{
  g_autoptr (GBytes) pkl = NULL;
  g_autofree char *pkl_name = NULL;
  g_autofree char *byteorder_name = NULL;
  g_autofree char *display = NULL;
  zip_int64_t n_entries;

  pth->zip = open_zip (pth->path, error);
  if (!pth->zip)
    return FALSE;

  /* the top folder is named after the file torch.save wrote */
  n_entries = zip_get_num_entries (pth->zip, 0);
  for (zip_int64_t i = 0; i < n_entries; i++)
    {
      const char *name = zip_get_name (pth->zip, (zip_uint64_t)i, 0);
      const char *slash = name ? strchr (name, '/') : NULL;
      if (slash && slash != name && strcmp (slash, "/data.pkl") == 0)
        {
          if (pkl_name)
            {
              g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: more than one data.pkl in the archive", pth->path);
              return FALSE;
            }
          pkl_name = g_strdup (name);
          pth->top = g_strndup (name, (gsize)(slash - name) + 1);
        }
    }
  if (!pkl_name)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: a zip file but not a PyTorch checkpoint (no TOP/data.pkl)",
                   pth->path);
      return FALSE;
    }

  /* newer torch versions record the byte order; storages are read as little-endian */
  byteorder_name = g_strconcat (pth->top, "byteorder", NULL);
  if (zip_name_locate (pth->zip, byteorder_name, 0) >= 0)
    {
      g_autoptr (GBytes) bo = read_entry (pth, byteorder_name, 64, error);
      gsize n = 0;
      const char *text = bo ? g_bytes_get_data (bo, &n) : NULL;
      if (!bo)
        return FALSE;
      if (!(n >= 6 && strncmp (text, "little", 6) == 0))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "%s: big-endian checkpoints are not supported",
                       pth->path);
          return FALSE;
        }
    }

  pkl = read_entry (pth, pkl_name, MAX_PICKLE_BYTES, error);
  if (!pkl)
    return FALSE;
  display = g_strdup_printf ("%s: %s", pth->path, pkl_name);
  pth->pickle = cb_pickle_parse (g_bytes_get_data (pkl, NULL), g_bytes_get_size (pkl), display, error);
  return pth->pickle != NULL;
}

/* The legacy format (torch.save before PyTorch 1.6, as the official OASIS
 * environment's PyTorch 1.0 wrote): pickles of the magic number, the
 * protocol version (1001), the system info, the object, the storage keys;
 * then per key an int64 element count and the raw data. */
static gboolean
open_legacy_checkpoint (CbPth *pth, GError **error)
{
  /* pickle of 0x1950a86a20f9469cfc6c, protocol 2 */
  static const guint8 magic[]
    = { 0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.' };
  g_autoptr (GError) local = NULL;
  g_autoptr (CbPickle) version = NULL;
  g_autoptr (CbPickle) sys_info = NULL;
  g_autoptr (CbPickle) keys = NULL;
  g_autoptr (GHashTable) storages = g_hash_table_new (g_str_hash, g_str_equal);
  const CbPickleValue *root, *v;
  const guint8 *data;
  gsize len, pos = sizeof magic;
  gboolean little = FALSE;

  pth->mapped = g_mapped_file_new (pth->path, FALSE, &local);
  if (!pth->mapped)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  pth->file_bytes = g_mapped_file_get_bytes (pth->mapped);
  data = g_bytes_get_data (pth->file_bytes, &len);
  if (len < sizeof magic || memcmp (data, magic, sizeof magic) != 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                   "%s: not a PyTorch checkpoint (neither a zip file nor the legacy format's magic number)", pth->path);
      return FALSE;
    }
  version = cb_pickle_parse_at (data, len, pos, pth->path, &pos, error);
  if (!version)
    return FALSE;
  v = cb_pickle_get_root (version);
  if (v->kind != CB_PICKLE_INT || v->i != 1001)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "%s: legacy checkpoint of an unknown protocol version",
                   pth->path);
      return FALSE;
    }
  sys_info = cb_pickle_parse_at (data, len, pos, pth->path, &pos, error);
  if (!sys_info)
    return FALSE;
  root = cb_pickle_get_root (sys_info);
  for (guint i = 0; root->kind == CB_PICKLE_DICT && i + 1 < root->items->len; i += 2)
    {
      const CbPickleValue *k = g_ptr_array_index (root->items, i);
      v = g_ptr_array_index (root->items, i + 1);
      if (k->kind == CB_PICKLE_STRING && strcmp (k->str, "little_endian") == 0)
        little = v->kind == CB_PICKLE_BOOL && v->i;
    }
  if (!little)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "%s: big-endian checkpoints are not supported", pth->path);
      return FALSE;
    }
  pth->pickle = cb_pickle_parse_at (data, len, pos, pth->path, &pos, error);
  if (!pth->pickle)
    return FALSE;
  keys = cb_pickle_parse_at (data, len, pos, pth->path, &pos, error);
  if (!keys)
    return FALSE;

  /* the element size of each storage comes from the tensors that use it */
  root = cb_pickle_get_root (pth->pickle);
  for (guint i = 0; root->kind == CB_PICKLE_DICT && i + 1 < root->items->len; i += 2)
    {
      v = g_ptr_array_index (root->items, i + 1);
      if (v->kind == CB_PICKLE_TENSOR)
        g_hash_table_insert (storages, v->storage->str, (gpointer)v->storage);
    }
  pth->legacy_offsets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  root = cb_pickle_get_root (keys);
  if (root->kind != CB_PICKLE_LIST)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: the storage key list is missing", pth->path);
      return FALSE;
    }
  for (guint i = 0; i < root->items->len; i++)
    {
      const CbPickleValue *key = g_ptr_array_index (root->items, i);
      const CbPickleValue *st = key->kind == CB_PICKLE_STRING ? g_hash_table_lookup (storages, key->str) : NULL;
      guint64 numel, n_bytes;

      if (!st)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: storage %u is not used by any tensor of the state dict",
                       pth->path, i);
          return FALSE;
        }
      if (len - pos < 8)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: truncated at storage “%s”", pth->path, st->str);
          return FALSE;
        }
      memcpy (&numel, data + pos, 8);
      numel = GUINT64_FROM_LE (numel);
      if (numel != st->numel)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                       "%s: storage “%s” has %" G_GUINT64_FORMAT " elements, %" G_GUINT64_FORMAT " expected", pth->path,
                       st->str, numel, st->numel);
          return FALSE;
        }
      pos += 8;
      n_bytes = numel * cb_torch_dtype_size (st->dtype); /* numel <= 2^40: no overflow */
      if (len - pos < n_bytes)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: truncated in storage “%s”", pth->path, st->str);
          return FALSE;
        }
      g_hash_table_insert (pth->legacy_offsets, g_strdup (st->str), g_memdup2 (&pos, sizeof (guint64)));
      pos += n_bytes;
    }
  return TRUE;
}

CbPth *
cb_pth_open (const char *path, GError **error)
{
  g_autoptr (CbPth) pth = g_new0 (CbPth, 1);
  const CbPickleValue *root;

  pth->path = g_strdup (path);
  pth->names = g_ptr_array_new_with_free_func (g_free);
  pth->tensors = g_hash_table_new (g_str_hash, g_str_equal);

  if (looks_like_legacy (path) ? !open_legacy_checkpoint (pth, error) : !open_zip_checkpoint (pth, error))
    return NULL;

  root = cb_pickle_get_root (pth->pickle);
  if (root->kind != CB_PICKLE_DICT)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: holds a %s, not a state dict", path,
                   cb_pickle_kind_name (root->kind));
      return NULL;
    }
  for (guint i = 0; i + 1 < root->items->len; i += 2)
    {
      const CbPickleValue *k = g_ptr_array_index (root->items, i);
      const CbPickleValue *v = g_ptr_array_index (root->items, i + 1);
      const char *name;

      if (k->kind != CB_PICKLE_STRING || v->kind != CB_PICKLE_TENSOR)
        continue;
      /* nn.DataParallel prefixes every name with "module." */
      name = g_str_has_prefix (k->str, "module.") ? k->str + strlen ("module.") : k->str;
      if (g_hash_table_contains (pth->tensors, name))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: tensor “%s” appears twice", path, name);
          return NULL;
        }
      g_ptr_array_add (pth->names, g_strdup (name));
      g_hash_table_insert (pth->tensors, g_ptr_array_index (pth->names, pth->names->len - 1), (gpointer)v);
    }
  if (pth->names->len == 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: the state dict holds no tensors", path);
      return NULL;
    }
  return g_steal_pointer (&pth);
}

const char *
cb_pth_get_path (const CbPth *pth)
{
  return pth->path;
}

guint
cb_pth_get_n_tensors (const CbPth *pth)
{
  return pth->names->len;
}

const char *
cb_pth_get_name (const CbPth *pth, guint index)
{
  g_return_val_if_fail (index < pth->names->len, NULL);
  return g_ptr_array_index (pth->names, index);
}

gboolean
cb_pth_has (const CbPth *pth, const char *name)
{
  return g_hash_table_contains (pth->tensors, name);
}

const CbPickleValue *
cb_pth_lookup (const CbPth *pth, const char *name)
{
  return g_hash_table_lookup (pth->tensors, name);
}

/* Not cached: a state dict's tensors rarely share storages, and keeping a
 * 300 MB checkpoint in memory beside the model being written is wasteful. */
static GBytes *
get_storage (CbPth *pth, const CbPickleValue *storage, GError **error)
{
  g_autofree char *entry = NULL;
  g_autoptr (GBytes) bytes = NULL;
  guint64 need = storage->numel * cb_torch_dtype_size (storage->dtype);

  if (pth->legacy_offsets)
    {
      const guint64 *offset = g_hash_table_lookup (pth->legacy_offsets, storage->str);
      if (!offset)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: storage “%s” is missing", pth->path, storage->str);
          return NULL;
        }
      /* the sizes were checked when the file was opened */
      return g_bytes_new_from_bytes (pth->file_bytes, *offset, need);
    }
  entry = g_strconcat (pth->top, "data/", storage->str, NULL);
  bytes = read_entry (pth, entry, MAX_STORAGE_BYTES, error);

  if (!bytes)
    return NULL;
  if (g_bytes_get_size (bytes) < need)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                   "%s: storage “%s” has %" G_GSIZE_FORMAT " bytes, %" G_GUINT64_FORMAT " expected (truncated?)",
                   pth->path, storage->str, g_bytes_get_size (bytes), need);
      return NULL;
    }
  return g_steal_pointer (&bytes);
}

static float
load_element (const guint8 *base, CbTorchDType dtype, guint64 index)
{
  switch (dtype)
    {
    case CB_TORCH_F32:
      {
        guint32 bits;
        float f;
        memcpy (&bits, base + index * 4, 4);
        bits = GUINT32_FROM_LE (bits);
        memcpy (&f, &bits, 4);
        return f;
      }
    case CB_TORCH_F16:
      {
        guint16 h;
        memcpy (&h, base + index * 2, 2);
        return cb_f16_to_f32 (GUINT16_FROM_LE (h));
      }
    case CB_TORCH_BF16:
      {
        guint16 h;
        guint32 bits;
        float f;
        memcpy (&h, base + index * 2, 2);
        bits = (guint32)GUINT16_FROM_LE (h) << 16;
        memcpy (&f, &bits, 4);
        return f;
      }
    case CB_TORCH_F64:
      {
        guint64 bits;
        double d;
        memcpy (&bits, base + index * 8, 8);
        bits = GUINT64_FROM_LE (bits);
        memcpy (&d, &bits, 8);
        return (float)d;
      }
    default:
      return 0.0f;
    }
}

float *
cb_pth_read_f32 (CbPth *pth, const char *name, guint n_dims, const guint64 *shape, GError **error)
{
  const CbPickleValue *t = cb_pth_lookup (pth, name);
  g_autoptr (GBytes) bytes = NULL;
  const guint8 *base;
  guint64 count = 1;
  guint64 idx[CB_PICKLE_MAX_DIMS] = { 0 };
  float *out;

  if (!t)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "%s: tensor “%s” is missing", pth->path, name);
      return NULL;
    }
  if (n_dims > 0)
    {
      gboolean same = t->n_dims == n_dims;
      for (guint i = 0; same && i < n_dims; i++)
        same = t->shape[i] == shape[i];
      if (!same)
        {
          g_autofree char *want = shape_to_string (n_dims, shape);
          g_autofree char *got = shape_to_string (t->n_dims, t->shape);
          g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "%s: tensor “%s” has shape %s, %s expected", pth->path, name,
                       got, want);
          return NULL;
        }
    }
  if (t->dtype != CB_TORCH_F32 && t->dtype != CB_TORCH_F16 && t->dtype != CB_TORCH_BF16 && t->dtype != CB_TORCH_F64)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "%s: tensor “%s” is stored as %s, not floating point",
                   pth->path, name, cb_torch_dtype_name (t->dtype));
      return NULL;
    }
  for (guint i = 0; i < t->n_dims; i++)
    count *= t->shape[i]; /* the pickle reader checked that this does not overflow */
  /* A view with more elements than its storage (stride 0, as expand() makes)
   * would need memory out of proportion to the file: a state dict has none. */
  if (count > t->storage->numel)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT,
                   "%s: tensor “%s” has %" G_GUINT64_FORMAT " elements over a storage of %" G_GUINT64_FORMAT
                   " (a broadcast view, not a weight)",
                   pth->path, name, count, t->storage->numel);
      return NULL;
    }
  bytes = get_storage (pth, t->storage, error);
  if (!bytes)
    return NULL;
  base = g_bytes_get_data (bytes, NULL);
  out = g_new (float, count ? count : 1);
  /* walk the index space in row-major order; the pickle reader checked bounds */
  for (guint64 e = 0; e < count; e++)
    {
      guint64 at = t->offset;
      for (guint d = 0; d < t->n_dims; d++)
        at += idx[d] * t->stride[d];
      out[e] = load_element (base, t->dtype, at);
      for (int d = (int)t->n_dims - 1; d >= 0; d--)
        {
          if (++idx[d] < t->shape[d])
            break;
          idx[d] = 0;
        }
    }
  return out;
}

gboolean
cb_pth_fold_spectral_norm (const float *w_orig, guint64 rows, guint64 cols, const float *u, const float *v,
                           float *w_out, double *sigma_out)
{
  double sigma = 0.0;

  for (guint64 r = 0; r < rows; r++)
    {
      double acc = 0.0;
      for (guint64 c = 0; c < cols; c++)
        acc += (double)w_orig[r * cols + c] * (double)v[c];
      sigma += (double)u[r] * acc;
    }
  if (sigma_out)
    *sigma_out = sigma;
  /* eval mode divides by whatever u . W v is; only 0 and non-finite are hopeless */
  if (sigma == 0.0 || !isfinite (sigma))
    return FALSE;
  for (guint64 i = 0; i < rows * cols; i++)
    w_out[i] = (float)((double)w_orig[i] / sigma);
  return TRUE;
}

/* ------------------------------------------------------------------ import */

typedef struct
{
  const char *name;
  guint semantic_nc;
  int dontcare_channel;
  guint width, height;
  const char *data;
  const char *data_licence;
} DatasetInfo;

static const DatasetInfo datasets[] = {
  { "ade20k", 151, 0, 256, 256, "ADE20K (MIT Scene Parsing, ADEChallengeData2016), 150 classes + don't-care channel 0",
    "ADE20K images and annotations: the dataset's terms of use (MIT CSAIL)" },
  { "cityscapes", 35, 0, 512, 256,
    "Cityscapes (gtFine labelIds 0-33 + channel 34), channel 0 = unlabeled as don't-care",
    "Cityscapes: the dataset's terms of use (non-commercial research)" },
  { "cocostuff", 183, 0, 256, 256, "COCO-Stuff 164k (182 ids), channel 0 = unlabeled as don't-care",
    "COCO images: Flickr terms of use; COCO-Stuff annotations: CC BY 4.0" },
};

void
cb_oasis_import_options_init (CbOasisImportOptions *options)
{
  memset (options, 0, sizeof *options);
  options->z_dim = -1;
  options->dontcare_channel = -2;
}

static const DatasetInfo *
find_dataset (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (datasets); i++)
    if (g_strcmp0 (name, datasets[i].name) == 0)
      return &datasets[i];
  return NULL;
}

CbClassSet *
cb_oasis_load_bundled_classes (const char *dataset, GError **error)
{
  g_autofree char *relative = g_strconcat ("classes/", dataset, ".json", NULL);
  g_autofree char *path = NULL;
  g_autofree char *where = NULL;

  if (!find_dataset (dataset))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "no bundled class set for “%s” (ade20k, cityscapes, cocostuff)",
                   dataset);
      return NULL;
    }
  path = cb_datadir_find (relative);
  if (path != NULL)
    return cb_class_set_load (path, error);
  where = cb_datadir_describe ();
  g_set_error (error, CB_ERROR, CB_ERROR_IO,
               "the bundled class set %s is not installed (looked in %s): reinstall Catbrush or set "
               "CATBRUSH_DATADIR to its data folder",
               relative, where);
  return NULL;
}

typedef struct
{
  CbPth *pth;
  const char *net; /* "G" or "D", for messages */
  GHashTable *used;
  CbSafetensorsWriter *writer;
  CbDType dtype;
} Ctx;

/* The (out, in, k, k) shape of a conv, spectral-normalised or not; FALSE when absent. */
static gboolean
conv_shape (Ctx *ctx, const char *prefix, guint64 shape[4])
{
  g_autofree char *orig = g_strconcat (prefix, ".weight_orig", NULL);
  g_autofree char *plain = g_strconcat (prefix, ".weight", NULL);
  const CbPickleValue *t = cb_pth_lookup (ctx->pth, orig);

  if (!t)
    t = cb_pth_lookup (ctx->pth, plain);
  if (!t || t->n_dims != 4)
    return FALSE;
  memcpy (shape, t->shape, 4 * sizeof (guint64));
  return TRUE;
}

static gboolean
copy_tensor (Ctx *ctx, const char *src, const char *dst, guint n_dims, const guint64 *shape, GError **error)
{
  g_autofree float *data = cb_pth_read_f32 (ctx->pth, src, n_dims, shape, error);
  g_autofree char *out_name = g_strconcat (ctx->net, ".", dst, NULL);
  if (!data)
    return FALSE;
  g_hash_table_add (ctx->used, g_strdup (src));
  cb_safetensors_writer_add (ctx->writer, out_name, ctx->dtype, n_dims, shape, data);
  return TRUE;
}

/* A conv (out, in, k, k) [+ bias (out)], with spectral norm folded when the
 * checkpoint has weight_orig/weight_u/weight_v. */
static gboolean
import_conv (Ctx *ctx, const char *prefix, guint64 out, guint64 in, guint64 k, gboolean bias, GError **error)
{
  guint64 shape[4] = { out, in, k, k };
  g_autofree char *orig = g_strconcat (prefix, ".weight_orig", NULL);
  g_autofree char *weight = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *bias_name = g_strconcat (prefix, ".bias", NULL);

  if (cb_pth_has (ctx->pth, orig))
    {
      g_autofree char *u_name = g_strconcat (prefix, ".weight_u", NULL);
      g_autofree char *v_name = g_strconcat (prefix, ".weight_v", NULL);
      g_autofree char *out_name = g_strconcat (ctx->net, ".", weight, NULL);
      guint64 cols = in * k * k;
      g_autofree float *w = cb_pth_read_f32 (ctx->pth, orig, 4, shape, error);
      g_autofree float *u = w ? cb_pth_read_f32 (ctx->pth, u_name, 1, &out, error) : NULL;
      g_autofree float *v = u ? cb_pth_read_f32 (ctx->pth, v_name, 1, &cols, error) : NULL;
      g_autofree float *folded = NULL;
      double sigma = 0.0;

      if (!v)
        return FALSE;
      folded = g_new (float, out *cols);
      if (!cb_pth_fold_spectral_norm (w, out, cols, u, v, folded, &sigma))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: spectral norm of “%s” is %g (cannot divide by it)",
                       cb_pth_get_path (ctx->pth), prefix, sigma);
          return FALSE;
        }
      g_hash_table_add (ctx->used, g_strdup (orig));
      g_hash_table_add (ctx->used, g_strdup (u_name));
      g_hash_table_add (ctx->used, g_strdup (v_name));
      cb_safetensors_writer_add (ctx->writer, out_name, ctx->dtype, 4, shape, folded);
    }
  else if (!copy_tensor (ctx, weight, weight, 4, shape, error))
    return FALSE;

  if (bias)
    return copy_tensor (ctx, bias_name, bias_name, 1, &out, error);
  if (cb_pth_has (ctx->pth, bias_name))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "%s: “%s” has a bias, none expected", cb_pth_get_path (ctx->pth),
                   prefix);
      return FALSE;
    }
  return TRUE;
}

/* SPADE norm_X: first_norm running stats, mlp_shared.0, mlp_gamma, mlp_beta. */
static gboolean
import_spade (Ctx *ctx, const char *prefix, guint64 norm_nc, guint64 label_nc, guint64 hidden, GError **error)
{
  g_autofree char *mean = g_strconcat (prefix, ".first_norm.running_mean", NULL);
  g_autofree char *var = g_strconcat (prefix, ".first_norm.running_var", NULL);
  g_autofree char *nbt = g_strconcat (prefix, ".first_norm.num_batches_tracked", NULL);
  g_autofree char *shared = g_strconcat (prefix, ".mlp_shared.0", NULL);
  g_autofree char *gamma = g_strconcat (prefix, ".mlp_gamma", NULL);
  g_autofree char *beta = g_strconcat (prefix, ".mlp_beta", NULL);
  guint64 ks[4];

  if (!cb_pth_has (ctx->pth, mean) && cb_pth_has (ctx->pth, shared))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED,
                   "%s: “%s” has no running statistics (instance norm?); only batch-norm OASIS models are supported",
                   cb_pth_get_path (ctx->pth), mean);
      return FALSE;
    }
  if (!copy_tensor (ctx, mean, mean, 1, &norm_nc, error) || !copy_tensor (ctx, var, var, 1, &norm_nc, error))
    return FALSE;
  g_hash_table_add (ctx->used, g_strdup (nbt));
  if (conv_shape (ctx, shared, ks) && ks[2] != 3)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED,
                   "%s: SPADE kernel size %" G_GUINT64_FORMAT " (only 3, the OASIS default, is supported)",
                   cb_pth_get_path (ctx->pth), ks[2]);
      return FALSE;
    }
  return import_conv (ctx, shared, hidden, label_nc, 3, TRUE, error)
         && import_conv (ctx, gamma, norm_nc, hidden, 3, TRUE, error)
         && import_conv (ctx, beta, norm_nc, hidden, 3, TRUE, error);
}

static gboolean
check_all_used (Ctx *ctx, GError **error)
{
  for (guint i = 0; i < cb_pth_get_n_tensors (ctx->pth); i++)
    {
      const char *name = cb_pth_get_name (ctx->pth, i);
      if (!g_hash_table_contains (ctx->used, name))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH,
                       "%s: unexpected tensor “%s” (not an OASIS %s state dict, or another variant)",
                       cb_pth_get_path (ctx->pth), name, ctx->net[0] == 'G' ? "generator" : "discriminator");
          return FALSE;
        }
    }
  return TRUE;
}

#define MAX_BLOCKS 12

typedef struct
{
  guint n_blocks;
  guint64 channels[MAX_BLOCKS + 1];
  guint64 label_nc; /* z_dim + semantic_nc */
  guint64 hidden;
} GenShape;

static gboolean
infer_generator (Ctx *ctx, GenShape *g, GError **error)
{
  guint64 s[4];
  char name[64];

  if (!conv_shape (ctx, "fc", s))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH,
                   "%s: no “fc.weight” (not an OASIS generator? the EMA or G checkpoint is needed)",
                   cb_pth_get_path (ctx->pth));
      return FALSE;
    }
  g->label_nc = s[1];
  g->channels[0] = s[0];
  for (g->n_blocks = 0;; g->n_blocks++)
    {
      g_snprintf (name, sizeof name, "body.%u.conv_1", g->n_blocks);
      if (!conv_shape (ctx, name, s))
        break;
      if (g->n_blocks >= MAX_BLOCKS)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, "%s: more than %d blocks", cb_pth_get_path (ctx->pth),
                       MAX_BLOCKS);
          return FALSE;
        }
      g->channels[g->n_blocks + 1] = s[0];
    }
  if (g->n_blocks == 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "%s: “body.0.conv_1.weight_orig” is missing",
                   cb_pth_get_path (ctx->pth));
      return FALSE;
    }
  if (!conv_shape (ctx, "body.0.norm_0.mlp_shared.0", s))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "%s: “body.0.norm_0.mlp_shared.0.weight” is missing",
                   cb_pth_get_path (ctx->pth));
      return FALSE;
    }
  g->hidden = s[0];
  return TRUE;
}

static gboolean
import_generator (Ctx *ctx, const GenShape *g, GError **error)
{
  char prefix[64], sub[96];

  if (!import_conv (ctx, "fc", g->channels[0], g->label_nc, 3, TRUE, error))
    return FALSE;
  for (guint i = 0; i < g->n_blocks; i++)
    {
      guint64 fin = g->channels[i], fout = g->channels[i + 1], fmid = MIN (fin, fout);
      g_snprintf (prefix, sizeof prefix, "body.%u", i);
      g_snprintf (sub, sizeof sub, "%s.conv_0", prefix);
      if (!import_conv (ctx, sub, fmid, fin, 3, TRUE, error))
        return FALSE;
      g_snprintf (sub, sizeof sub, "%s.conv_1", prefix);
      if (!import_conv (ctx, sub, fout, fmid, 3, TRUE, error))
        return FALSE;
      g_snprintf (sub, sizeof sub, "%s.norm_0", prefix);
      if (!import_spade (ctx, sub, fin, g->label_nc, g->hidden, error))
        return FALSE;
      g_snprintf (sub, sizeof sub, "%s.norm_1", prefix);
      if (!import_spade (ctx, sub, fmid, g->label_nc, g->hidden, error))
        return FALSE;
      if (fin != fout)
        {
          g_snprintf (sub, sizeof sub, "%s.conv_s", prefix);
          if (!import_conv (ctx, sub, fout, fin, 1, FALSE, error))
            return FALSE;
          g_snprintf (sub, sizeof sub, "%s.norm_s", prefix);
          if (!import_spade (ctx, sub, fin, g->label_nc, g->hidden, error))
            return FALSE;
        }
    }
  if (!import_conv (ctx, "conv_img", 3, g->channels[g->n_blocks], 3, TRUE, error))
    return FALSE;
  return check_all_used (ctx, error);
}

typedef struct
{
  guint n_blocks; /* k down blocks, k up blocks */
  guint64 channels[MAX_BLOCKS + 1];
  guint64 head;
  guint64 n_out; /* semantic_nc + 1 */
} DiscShape;

/* Official D: conv1 is Sequential([conv]) for the first block,
 * ([LeakyReLU, conv]) going down and ([LeakyReLU, Upsample, conv]) going up;
 * conv2 is ([LeakyReLU, conv]). */
static gboolean
import_disc_block (Ctx *ctx, const char *kind, guint i, guint conv1_index, guint64 fin, guint64 fout, GError **error)
{
  char name[96];
  guint64 s[4];

  g_snprintf (name, sizeof name, "%s.%u.conv1.%u", kind, i, conv1_index);
  if (!conv_shape (ctx, name, s))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "%s: “%s.weight_orig” is missing", cb_pth_get_path (ctx->pth),
                   name);
      return FALSE;
    }
  if (!import_conv (ctx, name, fout, fin, 3, TRUE, error))
    return FALSE;
  g_snprintf (name, sizeof name, "%s.%u.conv2.1", kind, i);
  if (!import_conv (ctx, name, fout, fout, 3, TRUE, error))
    return FALSE;
  g_snprintf (name, sizeof name, "%s.%u.conv_s", kind, i);
  if (fin != fout)
    return import_conv (ctx, name, fout, fin, 1, TRUE, error);
  if (conv_shape (ctx, name, s))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "%s: “%s” present but the block keeps its width",
                   cb_pth_get_path (ctx->pth), name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
import_discriminator (Ctx *ctx, DiscShape *d, GError **error)
{
  char name[96];
  guint64 s[4];
  guint k;

  d->channels[0] = 3;
  for (k = 0;; k++)
    {
      g_snprintf (name, sizeof name, "body_down.%u.conv1.%u", k, k == 0 ? 0 : 1);
      if (!conv_shape (ctx, name, s))
        break;
      if (k >= MAX_BLOCKS)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, "%s: more than %d blocks", cb_pth_get_path (ctx->pth),
                       MAX_BLOCKS);
          return FALSE;
        }
      d->channels[k + 1] = s[0];
    }
  if (k < 2)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH,
                   "%s: no OASIS discriminator blocks (“body_down.0.conv1.0.weight_orig” ...)",
                   cb_pth_get_path (ctx->pth));
      return FALSE;
    }
  d->n_blocks = k;
  if (!conv_shape (ctx, "layer_up_last", s))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "%s: “layer_up_last.weight” is missing",
                   cb_pth_get_path (ctx->pth));
      return FALSE;
    }
  d->n_out = s[0];
  d->head = s[1];
  if (d->n_out < 2)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "%s: “layer_up_last” has %" G_GUINT64_FORMAT " outputs",
                   cb_pth_get_path (ctx->pth), d->n_out);
      return FALSE;
    }
  for (guint i = 0; i < k; i++)
    if (!import_disc_block (ctx, "body_down", i, i == 0 ? 0 : 1, d->channels[i], d->channels[i + 1], error))
      return FALSE;
  if (!import_disc_block (ctx, "body_up", 0, 2, d->channels[k], d->channels[k - 1], error))
    return FALSE;
  for (guint i = 1; i + 1 < k; i++)
    if (!import_disc_block (ctx, "body_up", i, 2, 2 * d->channels[k - i], d->channels[k - 1 - i], error))
      return FALSE;
  if (!import_disc_block (ctx, "body_up", k - 1, 2, 2 * d->channels[1], d->head, error))
    return FALSE;
  if (!import_conv (ctx, "layer_up_last", d->n_out, d->head, 1, TRUE, error))
    return FALSE;
  return check_all_used (ctx, error);
}

static void
add_uint_array (JsonBuilder *b, const char *member, const guint64 *values, guint n)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    json_builder_add_int_value (b, (gint64)values[i]);
  json_builder_end_array (b);
}

gboolean
cb_oasis_import (const CbOasisImportOptions *options, const char *output_path, GError **error)
{
  const DatasetInfo *info = NULL;
  g_autoptr (CbClassSet) classes = NULL;
  g_autoptr (CbPth) gpth = NULL;
  g_autoptr (CbPth) dpth = NULL;
  g_autoptr (CbSafetensorsWriter) writer = cb_safetensors_writer_new ();
  g_autoptr (GHashTable) gused = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) dused = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *config_text = NULL;
  g_autofree char *gbase = NULL;
  g_autofree char *dbase = NULL;
  g_autofree char *training = NULL;
  g_autofree char *data_text = NULL;
  GenShape g = { 0 };
  DiscShape d = { 0 };
  Ctx gctx, dctx;
  guint n_classes;
  guint64 semantic_nc;
  int dontcare;
  guint width, height, factor;
  gint64 z_dim;
  gboolean custom;

  g_return_val_if_fail (options && options->generator_path && output_path, FALSE);
  custom = g_strcmp0 (options->dataset, "custom") == 0;
  if (!custom && !(info = find_dataset (options->dataset)))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "unknown dataset “%s” (ade20k, cityscapes, cocostuff or custom)",
                   options->dataset ? options->dataset : "");
      return FALSE;
    }
  if (custom && !options->classes_path)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "--dataset custom needs --classes");
      return FALSE;
    }
  classes = options->classes_path ? cb_class_set_load (options->classes_path, error)
                                  : cb_oasis_load_bundled_classes (info->name, error);
  if (!classes)
    return FALSE;
  n_classes = cb_class_set_get_n_classes (classes);

  gpth = cb_pth_open (options->generator_path, error);
  if (!gpth)
    return FALSE;
  if (options->discriminator_path && !(dpth = cb_pth_open (options->discriminator_path, error)))
    return FALSE;

  gctx = (Ctx){ gpth, "G", gused, writer, options->f16 ? CB_DTYPE_F16 : CB_DTYPE_F32 };
  dctx = (Ctx){ dpth, "D", dused, writer, gctx.dtype };
  if (!infer_generator (&gctx, &g, error))
    return FALSE;
  if (dpth && !import_discriminator (&dctx, &d, error))
    return FALSE;

  /* semantic_nc: the dataset's, else D's outputs - 1, else fc's input - z_dim */
  if (info)
    semantic_nc = info->semantic_nc;
  else if (dpth)
    semantic_nc = d.n_out - 1;
  else
    {
      guint64 zd = options->z_dim >= 0 ? (guint64)options->z_dim : 64;
      if (zd >= g.label_nc)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH,
                       "%s: fc has %" G_GUINT64_FORMAT " input channels, not more than z_dim %" G_GUINT64_FORMAT,
                       options->generator_path, g.label_nc, zd);
          return FALSE;
        }
      semantic_nc = g.label_nc - zd;
    }
  if (dpth && d.n_out != semantic_nc + 1)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH,
                   "%s: the discriminator has %" G_GUINT64_FORMAT " outputs; %" G_GUINT64_FORMAT
                   " (semantic channels + fake) expected for this dataset",
                   options->discriminator_path, d.n_out, semantic_nc + 1);
      return FALSE;
    }
  if (g.label_nc < semantic_nc)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH,
                   "%s: fc has %" G_GUINT64_FORMAT " input channels, fewer than the %" G_GUINT64_FORMAT
                   " semantic channels of the dataset",
                   options->generator_path, g.label_nc, semantic_nc);
      return FALSE;
    }
  z_dim = (gint64)(g.label_nc - semantic_nc);
  if (!custom && z_dim != 64 && options->z_dim < 0)
    g_debug ("imported z_dim %" G_GINT64_FORMAT " (OASIS default 64)", z_dim);

  if (info && options->dontcare_channel == -2)
    dontcare = info->dontcare_channel;
  else if (options->dontcare_channel >= -1)
    dontcare = options->dontcare_channel;
  else
    dontcare = semantic_nc == (guint64)n_classes + 1 ? 0 : -1;
  if (dontcare >= (int)semantic_nc || semantic_nc != (guint64)n_classes + (dontcare >= 0 ? 1 : 0))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH,
                   "the class set has %u classes but the model has %" G_GUINT64_FORMAT
                   " semantic channels (don't-care channel %d)",
                   n_classes, semantic_nc, dontcare);
      return FALSE;
    }

  width = options->width ? options->width : (info ? info->width : 256);
  height = options->height ? options->height : (info ? info->height : 256);
  factor = 1u << (g.n_blocks - 1);
  if (width % factor || height % factor || width == 0 || height == 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "size %ux%u is not a multiple of %u (2^(blocks-1) for %u blocks)",
                   width, height, factor, g.n_blocks);
      return FALSE;
    }

  if (!import_generator (&gctx, &g, error))
    return FALSE;

  /* catbrush.config (docs/FORMATS.md) */
  gbase = g_path_get_basename (options->generator_path);
  dbase = options->discriminator_path ? g_path_get_basename (options->discriminator_path) : NULL;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, "catbrush-model");
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "architecture");
  json_builder_add_string_value (b, "oasis");

  json_builder_set_member_name (b, "generator");
  json_builder_begin_object (b);
  add_uint_array (b, "channels", g.channels, g.n_blocks + 1);
  json_builder_set_member_name (b, "z_dim");
  json_builder_add_int_value (b, z_dim);
  json_builder_set_member_name (b, "semantic_nc");
  json_builder_add_int_value (b, (gint64)semantic_nc);
  json_builder_set_member_name (b, "dontcare_channel");
  json_builder_add_int_value (b, dontcare);
  json_builder_set_member_name (b, "spade_hidden");
  json_builder_add_int_value (b, (gint64)g.hidden);
  json_builder_set_member_name (b, "width");
  json_builder_add_int_value (b, width);
  json_builder_set_member_name (b, "height");
  json_builder_add_int_value (b, height);
  json_builder_set_member_name (b, "bn_eps");
  json_builder_add_double_value (b, 1e-5);
  json_builder_end_object (b);

  if (dpth)
    {
      json_builder_set_member_name (b, "discriminator");
      json_builder_begin_object (b);
      add_uint_array (b, "channels", d.channels, d.n_blocks + 1);
      json_builder_set_member_name (b, "num_res_blocks");
      json_builder_add_int_value (b, d.n_blocks);
      json_builder_set_member_name (b, "head");
      json_builder_add_int_value (b, (gint64)d.head);
      json_builder_end_object (b);
    }

  json_builder_set_member_name (b, "classes");
  json_builder_add_value (b, cb_class_set_to_json (classes));

  json_builder_set_member_name (b, "tensors");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "generator");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "discriminator");
  json_builder_add_boolean_value (b, dpth != NULL);
  json_builder_set_member_name (b, "vision_encoder");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_set_member_name (b, "source_prototypes");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_end_object (b);

  data_text = info ? g_strdup (info->data) : g_strdup_printf ("custom: %s (%u classes)", classes->name, n_classes);
  training = g_strdup_printf ("OASIS (Sushko et al., ICLR 2021), imported from %s%s%s by catbrush-cli import-oasis; "
                              "spectral norm folded, batch-norm statistics kept",
                              gbase, dbase ? " and " : "", dbase ? dbase : "");
  json_builder_set_member_name (b, "model_card");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "data");
  json_builder_add_string_value (b, data_text);
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, "boschresearch/OASIS (https://github.com/boschresearch/OASIS)");
  json_builder_set_member_name (b, "licence");
  {
    g_autofree char *lic = g_strdup_printf ("OASIS code and pretrained checkpoints: AGPL-3.0 (boschresearch/OASIS)%s%s",
                                            info ? ". " : "", info ? info->data_licence : "");
    json_builder_add_string_value (b, lic);
  }
  json_builder_set_member_name (b, "training");
  json_builder_add_string_value (b, training);
  json_builder_set_member_name (b, "iterations");
  json_builder_add_int_value (b, 0);
  json_builder_set_member_name (b, "metrics");
  json_builder_begin_object (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "command");
  json_builder_add_string_value (b, options->command ? options->command : "");
  json_builder_end_object (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  config_text = json_to_string (root, FALSE);
  cb_safetensors_writer_set_metadata (writer, "catbrush.config", config_text);
  return cb_safetensors_writer_write (writer, output_path, error);
}
