/* cb-safetensors.c: read (mmap, fully validated) and write safetensors files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-safetensors.h"
#include "cb-error.h"
#include "cb-fileutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A header this large is not a model; refusing it bounds the JSON parser's memory. */
/* (json-glib needs up to ~40 bytes of memory per byte of JSON: 16 MiB of
 * header costs at most ~650 MB; a real model's header is under 1 MB) */
#define MAX_HEADER_BYTES (16u * 1024u * 1024u)

typedef struct
{
  CbSafetensorsEntry pub;
  guint64 begin, end; /* data_offsets, relative to the data section */
} Entry;

struct _CbSafetensors
{
  char *path;
  GBytes *bytes;
  GArray *entries;     /* of Entry, sorted by name */
  GHashTable *by_name; /* name -> index + 1 */
  GHashTable *metadata;
};

static const struct
{
  const char *name;
  gboolean supported;
  CbDType dtype;
  guint size;
} dtypes[] = {
  { "F32", TRUE, CB_DTYPE_F32, 4 },
  { "F16", TRUE, CB_DTYPE_F16, 2 },
  { "BF16", TRUE, CB_DTYPE_BF16, 2 },
};

static guint
dtype_size (CbDType dtype)
{
  return dtype == CB_DTYPE_F32 ? 4 : 2;
}

static const char *
dtype_name (CbDType dtype)
{
  switch (dtype)
    {
    case CB_DTYPE_F32:
      return "F32";
    case CB_DTYPE_F16:
      return "F16";
    case CB_DTYPE_BF16:
      return "BF16";
    default:
      return "?";
    }
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

void
cb_safetensors_free (CbSafetensors *st)
{
  if (st == NULL)
    return;
  if (st->entries)
    {
      for (guint i = 0; i < st->entries->len; i++)
        g_free ((char *)g_array_index (st->entries, Entry, i).pub.name);
      g_array_unref (st->entries);
    }
  g_clear_pointer (&st->by_name, g_hash_table_unref);
  g_clear_pointer (&st->metadata, g_hash_table_unref);
  g_clear_pointer (&st->bytes, g_bytes_unref);
  g_free (st->path);
  g_free (st);
}

/* A JSON integer >= 0; json-glib keeps integers as gint64 and floats apart. */
static gboolean
get_uint (JsonNode *node, guint64 *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  if (json_node_get_int (node) < 0)
    return FALSE;
  *out = (guint64)json_node_get_int (node);
  return TRUE;
}

static gboolean
parse_entry (CbSafetensors *st, const char *name, JsonNode *node, guint64 data_size, Entry *e, GError **error)
{
  const char *where = st->path;
  JsonObject *obj;
  JsonNode *dnode, *snode, *onode;
  JsonArray *shape, *offsets;
  const char *dtype;
  gboolean found = FALSE;
  guint64 n = 1, n_bytes;
  g_autofree char *shape_str = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: tensor “%s”: header entry is not a JSON object", where, name);
      return FALSE;
    }
  obj = json_node_get_object (node);
  dnode = json_object_get_member (obj, "dtype");
  snode = json_object_get_member (obj, "shape");
  onode = json_object_get_member (obj, "data_offsets");
  if (dnode == NULL || json_node_get_value_type (dnode) != G_TYPE_STRING)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: tensor “%s”: “dtype” is missing or not a string", where,
                   name);
      return FALSE;
    }
  if (snode == NULL || !JSON_NODE_HOLDS_ARRAY (snode))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: tensor “%s”: “shape” is missing or not an array", where,
                   name);
      return FALSE;
    }
  if (onode == NULL || !JSON_NODE_HOLDS_ARRAY (onode) || json_array_get_length (json_node_get_array (onode)) != 2)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                   "%s: tensor “%s”: “data_offsets” is missing or not an array of two integers", where, name);
      return FALSE;
    }

  dtype = json_node_get_string (dnode);
  for (gsize i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (strcmp (dtype, dtypes[i].name) == 0)
      {
        e->pub.dtype = dtypes[i].dtype;
        found = TRUE;
      }
  if (!found)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED,
                   "%s: tensor “%s”: dtype “%s” is not supported (only F32, F16 and BF16 are)", where, name, dtype);
      return FALSE;
    }

  shape = json_node_get_array (snode);
  if (json_array_get_length (shape) > CB_SAFETENSORS_MAX_DIMS)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "%s: tensor “%s”: %u dimensions (at most %d are supported)",
                   where, name, json_array_get_length (shape), CB_SAFETENSORS_MAX_DIMS);
      return FALSE;
    }
  e->pub.n_dims = json_array_get_length (shape);
  for (guint i = 0; i < e->pub.n_dims; i++)
    {
      if (!get_uint (json_array_get_element (shape, i), &e->pub.shape[i]))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                       "%s: tensor “%s”: shape entry %u is not a non-negative integer", where, name, i);
          return FALSE;
        }
    }
  shape_str = shape_to_string (e->pub.n_dims, e->pub.shape);
  /* Overflow-safe: a crafted shape must not wrap around to a small size. */
  for (guint i = 0; i < e->pub.n_dims; i++)
    if (!g_uint64_checked_mul (&n, n, e->pub.shape[i]))
      {
        g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, "%s: tensor “%s”: shape %s is absurdly large", where, name,
                     shape_str);
        return FALSE;
      }
  if (!g_uint64_checked_mul (&n_bytes, n, dtype_size (e->pub.dtype)) || n_bytes > G_MAXSIZE)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, "%s: tensor “%s”: shape %s is absurdly large", where, name,
                   shape_str);
      return FALSE;
    }
  e->pub.n_elements = n;

  offsets = json_node_get_array (onode);
  if (!get_uint (json_array_get_element (offsets, 0), &e->begin)
      || !get_uint (json_array_get_element (offsets, 1), &e->end))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: tensor “%s”: “data_offsets” are not non-negative integers",
                   where, name);
      return FALSE;
    }
  if (e->begin > e->end || e->end - e->begin != n_bytes)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                   "%s: tensor “%s”: data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                   ") do not match shape %s × %s (%" G_GUINT64_FORMAT " bytes)",
                   where, name, e->begin, e->end, shape_str, dtype_name (e->pub.dtype), n_bytes);
      return FALSE;
    }
  if (e->end > data_size)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                   "%s: tensor “%s”: data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                   ") run past the end of the data (%" G_GUINT64_FORMAT " bytes; file truncated?)",
                   where, name, e->begin, e->end, data_size);
      return FALSE;
    }
  e->pub.n_bytes = (gsize)n_bytes;
  return TRUE;
}

static int
compare_by_name (gconstpointer a, gconstpointer b)
{
  return strcmp (((const Entry *)a)->pub.name, ((const Entry *)b)->pub.name);
}

static int
compare_by_begin (gconstpointer a, gconstpointer b)
{
  const Entry *ea = *(const Entry *const *)a, *eb = *(const Entry *const *)b;
  if (ea->begin != eb->begin)
    return ea->begin < eb->begin ? -1 : 1;
  return ea->end < eb->end ? -1 : ea->end > eb->end;
}

static gboolean
parse_metadata (CbSafetensors *st, JsonNode *node, GError **error)
{
  JsonObject *obj;
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: “__metadata__” is not a JSON object", st->path);
      return FALSE;
    }
  obj = json_node_get_object (node);
  json_object_iter_init (&iter, obj);
  while (json_object_iter_next (&iter, &key, &value))
    {
      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: “__metadata__” value “%s” is not a string", st->path,
                       key);
          return FALSE;
        }
      g_hash_table_insert (st->metadata, g_strdup (key), g_strdup (json_node_get_string (value)));
    }
  return TRUE;
}

static gboolean
parse (CbSafetensors *st, GError **error)
{
  gsize size;
  const guint8 *base = g_bytes_get_data (st->bytes, &size);
  guint64 header_len = 0;
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (GPtrArray) sorted = NULL;
  JsonObject *root;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  guint64 data_size;

  if (size < 8)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                   "%s: file is too short (%" G_GSIZE_FORMAT " bytes) for a safetensors header", st->path, size);
      return FALSE;
    }
  for (int i = 7; i >= 0; i--)
    header_len = (header_len << 8) | base[i];
  if (header_len > MAX_HEADER_BYTES)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT,
                   "%s: header length %" G_GUINT64_FORMAT " bytes is over the limit of %u bytes", st->path, header_len,
                   MAX_HEADER_BYTES);
      return FALSE;
    }
  if (header_len > size - 8)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                   "%s: header length %" G_GUINT64_FORMAT " runs past the end of the file (%" G_GSIZE_FORMAT
                   " bytes; truncated?)",
                   st->path, header_len, size);
      return FALSE;
    }
  if (header_len < 2 || base[8] != '{' || memchr (base + 8, '\0', header_len) != NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: the header is not a JSON object", st->path);
      return FALSE;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, (const char *)base + 8, (gssize)header_len, &local))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: the header is not valid JSON: %s", st->path, local->message);
      return FALSE;
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: the header is not a JSON object", st->path);
      return FALSE;
    }
  root = json_node_get_object (node);
  data_size = size - 8 - header_len;

  json_object_iter_init (&iter, root);
  while (json_object_iter_next (&iter, &name, &node))
    {
      Entry e = { 0 };

      if (strcmp (name, "__metadata__") == 0)
        {
          if (!parse_metadata (st, node, error))
            return FALSE;
          continue;
        }
      if (!parse_entry (st, name, node, data_size, &e, error))
        return FALSE;
      e.pub.name = g_strdup (name);
      e.pub.data = base + 8 + header_len + e.begin;
      g_array_append_val (st->entries, e);
    }

  g_array_sort (st->entries, compare_by_name);
  for (guint i = 0; i < st->entries->len; i++)
    {
      Entry *e = &g_array_index (st->entries, Entry, i);
      g_hash_table_insert (st->by_name, (gpointer)e->pub.name, GUINT_TO_POINTER (i + 1));
    }

  /* Disjoint byte ranges: sorted by begin, each must start at or after the
   * previous end. Empty tensors occupy nothing and cannot overlap. */
  sorted = g_ptr_array_new ();
  for (guint i = 0; i < st->entries->len; i++)
    {
      Entry *e = &g_array_index (st->entries, Entry, i);
      if (e->end > e->begin)
        g_ptr_array_add (sorted, e);
    }
  g_ptr_array_sort (sorted, compare_by_begin);
  for (guint i = 1; i < sorted->len; i++)
    {
      const Entry *a = sorted->pdata[i - 1], *b = sorted->pdata[i];
      if (b->begin < a->end)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                       "%s: tensors “%s” [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ") and “%s” [%" G_GUINT64_FORMAT
                       ", %" G_GUINT64_FORMAT ") overlap",
                       st->path, a->pub.name, a->begin, a->end, b->pub.name, b->begin, b->end);
          return FALSE;
        }
    }
  return TRUE;
}

CbSafetensors *
cb_safetensors_new_from_bytes (GBytes *bytes, const char *display_name, GError **error)
{
  g_autoptr (CbSafetensors) st = g_new0 (CbSafetensors, 1);

  g_return_val_if_fail (bytes != NULL, NULL);

  st->path = g_strdup (display_name ? display_name : "(memory)");
  st->bytes = g_bytes_ref (bytes);
  st->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!parse (st, error))
    return NULL;
  return g_steal_pointer (&st);
}

CbSafetensors *
cb_safetensors_open (const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GMappedFile) mapped = NULL;
  g_autoptr (GBytes) bytes = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  mapped = g_mapped_file_new (path, FALSE, &local);
  if (mapped == NULL)
    {
      /* GLib's message already names the file */
      g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s", local->message);
      return NULL;
    }
  bytes = g_mapped_file_get_bytes (mapped);
  return cb_safetensors_new_from_bytes (bytes, path, error);
}

const char *
cb_safetensors_get_path (const CbSafetensors *st)
{
  return st->path;
}

guint
cb_safetensors_get_n_tensors (const CbSafetensors *st)
{
  return st->entries->len;
}

const CbSafetensorsEntry *
cb_safetensors_get_entry (const CbSafetensors *st, guint index)
{
  g_return_val_if_fail (index < st->entries->len, NULL);
  return &g_array_index (st->entries, Entry, index).pub;
}

const CbSafetensorsEntry *
cb_safetensors_lookup (const CbSafetensors *st, const char *name)
{
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (st->by_name, name));
  return i ? &g_array_index (st->entries, Entry, i - 1).pub : NULL;
}

const char *
cb_safetensors_get_metadata (const CbSafetensors *st, const char *key)
{
  return g_hash_table_lookup (st->metadata, key);
}

float
cb_f16_to_f32 (guint16 h)
{
  guint32 sign = (guint32)(h & 0x8000) << 16;
  guint32 exp = (h >> 10) & 0x1f;
  guint32 mant = h & 0x3ff;
  guint32 bits;
  float f;

  if (exp == 0x1f)
    bits = sign | 0x7f800000 | (mant << 13); /* inf / NaN */
  else if (exp != 0)
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  else if (mant == 0)
    bits = sign;
  else
    {
      /* subnormal: value = mant * 2^-24, exact in F32 */
      f = (float)mant * 0x1p-24f;
      return sign ? -f : f;
    }
  memcpy (&f, &bits, 4);
  return f;
}

guint16
cb_f32_to_f16 (float f)
{
  guint32 x, sign, exp, mant;

  memcpy (&x, &f, 4);
  sign = (x >> 16) & 0x8000;
  exp = (x >> 23) & 0xff;
  mant = x & 0x7fffff;

  if (exp == 0xff)
    return (guint16)(sign | 0x7c00 | (mant ? 0x200 | (mant >> 13) : 0)); /* NaN stays NaN */
  if (exp > 142)
    return (guint16)(sign | 0x7c00); /* |f| >= 2^16: overflow to inf */
  if (exp >= 113)
    {
      /* normal half: round the 13 dropped bits to nearest even; a carry
       * into the exponent is correct (up to inf) */
      guint32 h = ((exp - 112) << 10) | (mant >> 13);
      guint32 rest = mant & 0x1fff;
      if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
        h++;
      return (guint16)(sign | h);
    }
  if (exp < 102)
    return (guint16)sign; /* below half of the smallest subnormal */
  {
    /* subnormal half: value = m * 2^-24 */
    guint32 m = mant | 0x800000;
    guint shift = 126 - exp; /* 14..24 */
    guint32 h = m >> shift;
    guint32 rest = m & ((1u << shift) - 1);
    guint32 half = 1u << (shift - 1);
    if (rest > half || (rest == half && (h & 1)))
      h++;
    return (guint16)(sign | h);
  }
}

float *
cb_safetensors_entry_to_f32 (const CbSafetensorsEntry *entry)
{
  float *out = g_new (float, MAX (entry->n_elements, 1));
  const guint8 *p = entry->data;

  /* memcpy: tensor data is not necessarily aligned inside the file */
  for (guint64 i = 0; i < entry->n_elements; i++)
    {
      switch (entry->dtype)
        {
        case CB_DTYPE_F32:
          {
            guint32 v;
            memcpy (&v, p + 4 * i, 4);
            v = GUINT32_FROM_LE (v);
            memcpy (&out[i], &v, 4);
            break;
          }
        case CB_DTYPE_F16:
          {
            guint16 v;
            memcpy (&v, p + 2 * i, 2);
            out[i] = cb_f16_to_f32 (GUINT16_FROM_LE (v));
            break;
          }
        case CB_DTYPE_BF16:
          {
            guint16 v;
            guint32 w;
            memcpy (&v, p + 2 * i, 2);
            w = (guint32)GUINT16_FROM_LE (v) << 16;
            memcpy (&out[i], &w, 4);
            break;
          }
        default:
          g_assert_not_reached ();
        }
    }
  return out;
}

/* ---- writer ---- */

typedef struct
{
  char *name;
  CbDType dtype;
  guint n_dims;
  guint64 shape[CB_SAFETENSORS_MAX_DIMS];
  guint8 *data; /* little-endian, in dtype */
  gsize n_bytes;
} WEntry;

struct _CbSafetensorsWriter
{
  GHashTable *tensors; /* name -> WEntry* */
  GHashTable *metadata;
};

static void
wentry_free (gpointer p)
{
  WEntry *e = p;
  g_free (e->name);
  g_free (e->data);
  g_free (e);
}

CbSafetensorsWriter *
cb_safetensors_writer_new (void)
{
  CbSafetensorsWriter *w = g_new0 (CbSafetensorsWriter, 1);
  w->tensors = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, wentry_free);
  w->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return w;
}

void
cb_safetensors_writer_free (CbSafetensorsWriter *w)
{
  if (w == NULL)
    return;
  g_hash_table_unref (w->tensors);
  g_hash_table_unref (w->metadata);
  g_free (w);
}

void
cb_safetensors_writer_add (CbSafetensorsWriter *w, const char *name, CbDType dtype, guint n_dims, const guint64 *shape,
                           const float *data)
{
  WEntry *e;
  guint64 n = 1;

  g_return_if_fail (w != NULL && name != NULL);
  g_return_if_fail (strcmp (name, "__metadata__") != 0);
  g_return_if_fail (dtype == CB_DTYPE_F32 || dtype == CB_DTYPE_F16);
  g_return_if_fail (n_dims <= CB_SAFETENSORS_MAX_DIMS);

  for (guint i = 0; i < n_dims; i++)
    g_return_if_fail (g_uint64_checked_mul (&n, n, shape[i]) && n <= G_MAXSIZE / 4);
  g_return_if_fail (data != NULL || n == 0);

  e = g_new0 (WEntry, 1);
  e->name = g_strdup (name);
  e->dtype = dtype;
  e->n_dims = n_dims;
  if (n_dims)
    memcpy (e->shape, shape, n_dims * sizeof (guint64));
  e->n_bytes = (gsize)n * dtype_size (dtype);
  e->data = g_malloc (MAX (e->n_bytes, 1));
  for (gsize i = 0; i < n; i++)
    {
      if (dtype == CB_DTYPE_F32)
        {
          guint32 v;
          memcpy (&v, &data[i], 4);
          v = GUINT32_TO_LE (v);
          memcpy (e->data + 4 * i, &v, 4);
        }
      else
        {
          guint16 v = GUINT16_TO_LE (cb_f32_to_f16 (data[i]));
          memcpy (e->data + 2 * i, &v, 2);
        }
    }
  /* a second add of the same name replaces the first */
  g_hash_table_replace (w->tensors, e->name, e);
}

void
cb_safetensors_writer_set_metadata (CbSafetensorsWriter *w, const char *key, const char *value)
{
  g_return_if_fail (w != NULL && key != NULL && value != NULL);
  g_hash_table_replace (w->metadata, g_strdup (key), g_strdup (value));
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

gboolean
cb_safetensors_writer_write (CbSafetensorsWriter *w, const char *path, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autofree const char **names = NULL;
  g_autofree guint64 *offsets = NULL;
  g_autofree guint8 *buf = NULL;
  guint8 *p;
  guint n_names = 0, n_keys = 0;
  gsize json_len, header_len, data_len = 0, total;

  g_return_val_if_fail (w != NULL && path != NULL, FALSE);

  names = (const char **)g_hash_table_get_keys_as_array (w->tensors, &n_names);
  qsort (names, n_names, sizeof (char *), compare_strings);
  offsets = g_new (guint64, n_names + 1);

  json_builder_begin_object (b);
  if (g_hash_table_size (w->metadata) > 0)
    {
      g_autofree const char **keys = (const char **)g_hash_table_get_keys_as_array (w->metadata, &n_keys);
      qsort (keys, n_keys, sizeof (char *), compare_strings);
      json_builder_set_member_name (b, "__metadata__");
      json_builder_begin_object (b);
      for (guint i = 0; i < n_keys; i++)
        {
          json_builder_set_member_name (b, keys[i]);
          json_builder_add_string_value (b, g_hash_table_lookup (w->metadata, keys[i]));
        }
      json_builder_end_object (b);
    }
  for (guint i = 0; i < n_names; i++)
    {
      const WEntry *e = g_hash_table_lookup (w->tensors, names[i]);

      offsets[i] = data_len;
      json_builder_set_member_name (b, e->name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "dtype");
      json_builder_add_string_value (b, dtype_name (e->dtype));
      json_builder_set_member_name (b, "shape");
      json_builder_begin_array (b);
      for (guint d = 0; d < e->n_dims; d++)
        json_builder_add_int_value (b, (gint64)e->shape[d]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "data_offsets");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, (gint64)data_len);
      json_builder_add_int_value (b, (gint64)(data_len + e->n_bytes));
      json_builder_end_array (b);
      json_builder_end_object (b);
      /* every tensor starts 8-byte aligned */
      data_len += (e->n_bytes + 7) & ~(gsize)7;
    }
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json = json_generator_to_data (gen, &json_len);
  header_len = (json_len + 7) & ~(gsize)7;

  total = 8 + header_len + data_len;
  buf = g_try_malloc (total);
  if (buf == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, "%s: not enough memory for %" G_GSIZE_FORMAT " bytes", path, total);
      return FALSE;
    }
  for (int i = 0; i < 8; i++)
    buf[i] = (guint8)(((guint64)header_len >> (8 * i)) & 0xff);
  memcpy (buf + 8, json, json_len);
  memset (buf + 8 + json_len, ' ', header_len - json_len);
  p = buf + 8 + header_len;
  for (guint i = 0; i < n_names; i++)
    {
      const WEntry *e = g_hash_table_lookup (w->tensors, names[i]);
      gsize padded = (e->n_bytes + 7) & ~(gsize)7;
      memcpy (p, e->data, e->n_bytes);
      memset (p + e->n_bytes, 0, padded - e->n_bytes);
      p += padded;
    }
  return cb_file_set_contents_atomic (path, buf, total, error);
}
