/* test-npy.c: NumPy .npy float32 arrays: round trip and malformed files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-error.h"
#include "model/cb-npy.h"

#include <glib/gstdio.h>
#include <string.h>

static void
test_round_trip (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cb-npy-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "a.npy", NULL);
  const guint64 shapes[][3] = { { 5, 0, 0 }, { 2, 3, 4 } };
  const guint n_dims[] = { 1, 3 };

  for (guint k = 0; k < G_N_ELEMENTS (n_dims); k++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CbNpy) npy = NULL;
      guint64 n = 1;
      g_autofree float *data = NULL;

      for (guint i = 0; i < n_dims[k]; i++)
        n *= shapes[k][i];
      data = g_new (float, n);
      for (guint64 i = 0; i < n; i++)
        data[i] = (float)i * 0.5f - 3.0f;
      g_assert_true (cb_npy_save (path, n_dims[k], shapes[k], data, &error));
      g_assert_no_error (error);
      npy = cb_npy_load (path, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (npy->n_dims, ==, n_dims[k]);
      for (guint i = 0; i < n_dims[k]; i++)
        g_assert_cmpuint (npy->shape[i], ==, shapes[k][i]);
      g_assert_cmpmem (npy->data, n * sizeof (float), data, n * sizeof (float));
    }
  g_unlink (path);
  g_rmdir (dir);
}

static void
expect_error (const char *header, gsize data_bytes, int code)
{
  g_autoptr (GByteArray) file = g_byte_array_new ();
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CbNpy) npy = NULL;
  guint16 len = GUINT16_TO_LE ((guint16)strlen (header));
  g_autofree guint8 *zeros = g_malloc0 (data_bytes + 1);

  g_byte_array_append (file, (const guint8 *)"\x93NUMPY\x01\x00", 8);
  g_byte_array_append (file, (const guint8 *)&len, 2);
  g_byte_array_append (file, (const guint8 *)header, strlen (header));
  g_byte_array_append (file, zeros, data_bytes);
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&file));
  npy = cb_npy_load_from_bytes (bytes, "bad.npy", &error);
  g_assert_null (npy);
  g_assert_error (error, CB_ERROR, code);
  g_assert_nonnull (strstr (error->message, "bad.npy"));
}

static void
test_malformed (void)
{
  g_autoptr (GBytes) junk = g_bytes_new_static ("PNG....", 7);
  g_autoptr (GError) error = NULL;

  g_assert_null (cb_npy_load_from_bytes (junk, "bad.npy", &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);

  expect_error ("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n", 16, CB_ERROR_UNSUPPORTED);
  expect_error ("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }\n", 8, CB_ERROR_UNSUPPORTED);
  expect_error ("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }\n", 8, CB_ERROR_UNSUPPORTED);
  expect_error ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", 8, CB_ERROR_FORMAT);
  expect_error ("{'descr': '<f4', 'fortran_order': False, 'shape': (x,), }\n", 8, CB_ERROR_FORMAT);
  expect_error ("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1), }\n", 4, CB_ERROR_FORMAT);
  expect_error ("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }\n", 4, CB_ERROR_LIMIT);
  expect_error ("{'descr': '<f4', 'shape': (2,), }\n", 8, CB_ERROR_FORMAT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/npy/round-trip", test_round_trip);
  g_test_add_func ("/npy/malformed", test_malformed);
  return g_test_run ();
}
