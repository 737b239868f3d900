/* cb-npy.c: NumPy .npy arrays of float32
 *
 * The format: "\x93NUMPY", major and minor version bytes, the header length
 * (2 bytes little-endian in version 1, 4 bytes in versions 2 and 3), then a
 * Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (…), }
 * padded with spaces and a newline, then the raw data.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-npy.h"

#include "cb-error.h"
#include "cb-fileutil.h"

#include <string.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAX_HEADER 65536
#define NPY_MAX_ELEMENTS ((guint64)1 << 30)

void
cb_npy_free (CbNpy *npy)
{
  if (npy == NULL)
    return;
  g_free (npy->data);
  g_free (npy);
}

guint64
cb_npy_n_elements (const CbNpy *npy)
{
  guint64 n = 1;

  for (guint i = 0; i < npy->n_dims; i++)
    n *= npy->shape[i];
  return n;
}

/* The value of 'key' in the header dict, as the text up to the next top-level comma. */
static const char *
find_key (const char *header, const char *key)
{
  g_autofree char *quoted = g_strdup_printf ("'%s'", key);
  const char *p = strstr (header, quoted);

  if (p == NULL)
    return NULL;
  p += strlen (quoted);
  while (*p == ' ')
    p++;
  if (*p != ':')
    return NULL;
  p++;
  while (*p == ' ')
    p++;
  return p;
}

static gboolean
parse_header (const char *header, const char *where, CbNpy *npy, GError **error)
{
  const char *descr = find_key (header, "descr");
  const char *order = find_key (header, "fortran_order");
  const char *shape = find_key (header, "shape");
  const char *p;

  if (descr == NULL || order == NULL || shape == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: the .npy header lacks descr, fortran_order or shape", where);
      return FALSE;
    }
  if (!g_str_has_prefix (descr, "'<f4'"))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED,
                   "%s: only little-endian float32 arrays ('<f4') are read; save with .astype('<f4')", where);
      return FALSE;
    }
  if (!g_str_has_prefix (order, "False"))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "%s: Fortran-order arrays are not read; save a C-order copy",
                   where);
      return FALSE;
    }
  if (*shape != '(')
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: the .npy shape is not a tuple", where);
      return FALSE;
    }
  p = shape + 1;
  npy->n_dims = 0;
  for (;;)
    {
      char *end = NULL;
      guint64 v;

      while (*p == ' ' || *p == ',')
        p++;
      if (*p == ')')
        break;
      if (!g_ascii_isdigit (*p) || npy->n_dims == CB_NPY_MAX_DIMS)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: bad .npy shape (at most %d dimensions of integers)",
                       where, CB_NPY_MAX_DIMS);
          return FALSE;
        }
      v = g_ascii_strtoull (p, &end, 10);
      if (end == p || v > NPY_MAX_ELEMENTS)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, "%s: a .npy dimension is too large", where);
          return FALSE;
        }
      npy->shape[npy->n_dims++] = v;
      p = end;
    }
  if (cb_npy_n_elements (npy) > NPY_MAX_ELEMENTS)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, "%s: the array has more than 2^30 elements", where);
      return FALSE;
    }
  return TRUE;
}

CbNpy *
cb_npy_load_from_bytes (GBytes *bytes, const char *display_name, GError **error)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  g_autoptr (CbNpy) npy = g_new0 (CbNpy, 1);
  g_autofree char *header = NULL;
  gsize header_len, offset;
  guint64 n_bytes;

  if (size < 10 || memcmp (data, NPY_MAGIC, 6) != 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: not a NumPy .npy file", display_name);
      return NULL;
    }
  if (data[6] == 1)
    {
      header_len = data[8] | ((gsize)data[9] << 8);
      offset = 10;
    }
  else if (data[6] == 2 || data[6] == 3)
    {
      if (size < 12)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: the .npy file is truncated", display_name);
          return NULL;
        }
      header_len = data[8] | ((gsize)data[9] << 8) | ((gsize)data[10] << 16) | ((gsize)data[11] << 24);
      offset = 12;
    }
  else
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "%s: .npy format version %u is not known", display_name,
                   data[6]);
      return NULL;
    }
  if (header_len > NPY_MAX_HEADER || header_len > size - offset)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: the .npy header runs past the end of the file", display_name);
      return NULL;
    }
  header = g_strndup ((const char *)data + offset, header_len);
  if (!parse_header (header, display_name, npy, error))
    return NULL;
  offset += header_len;

  n_bytes = cb_npy_n_elements (npy) * sizeof (float);
  if (n_bytes != size - offset)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                   "%s: the shape needs %" G_GUINT64_FORMAT " bytes of data but the file holds %" G_GSIZE_FORMAT,
                   display_name, n_bytes, size - offset);
      return NULL;
    }
  npy->data = g_malloc (MAX (n_bytes, 1));
  memcpy (npy->data, data + offset, n_bytes);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (guint64 i = 0; i < n_bytes / 4; i++)
    {
      guint32 v;
      memcpy (&v, &npy->data[i], 4);
      v = GUINT32_SWAP_LE_BE (v);
      memcpy (&npy->data[i], &v, 4);
    }
#endif
  return g_steal_pointer (&npy);
}

CbNpy *
cb_npy_load (const char *path, GError **error)
{
  g_autoptr (GMappedFile) file = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) local = NULL;

  file = g_mapped_file_new (path, FALSE, &local);
  if (file == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s", local->message);
      return NULL;
    }
  bytes = g_mapped_file_get_bytes (file);
  return cb_npy_load_from_bytes (bytes, path, error);
}

gboolean
cb_npy_save (const char *path, guint n_dims, const guint64 *shape, const float *data, GError **error)
{
  g_autoptr (GString) header = g_string_new ("{'descr': '<f4', 'fortran_order': False, 'shape': (");
  g_autoptr (GByteArray) out = g_byte_array_new ();
  guint64 n = 1;
  guint16 len;

  g_return_val_if_fail (n_dims <= CB_NPY_MAX_DIMS, FALSE);
  for (guint i = 0; i < n_dims; i++)
    {
      g_string_append_printf (header, "%" G_GUINT64_FORMAT "%s", shape[i], n_dims == 1 || i + 1 < n_dims ? ", " : "");
      n *= shape[i];
    }
  g_string_append (header, "), }");
  /* pad so that the data starts at a multiple of 64 bytes */
  while ((10 + header->len + 1) % 64 != 0)
    g_string_append_c (header, ' ');
  g_string_append_c (header, '\n');

  g_byte_array_append (out, (const guint8 *)NPY_MAGIC "\x01\x00", 8);
  len = GUINT16_TO_LE ((guint16)header->len);
  g_byte_array_append (out, (const guint8 *)&len, 2);
  g_byte_array_append (out, (const guint8 *)header->str, header->len);
  g_byte_array_append (out, (const guint8 *)data, n * sizeof (float));
  return cb_file_set_contents_atomic (path, out->data, out->len, error);
}
