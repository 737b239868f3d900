/* test-fileutil.c: atomic writes and SHA-256
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-error.h"
#include "model/cb-fileutil.h"

#include "io-test-util.h"

#include <string.h>

static void
test_atomic_write (void)
{
  const char *dir = io_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "f.txt", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GDir) d = NULL;
  guint n = 0;

  g_assert_true (cb_file_set_contents_atomic (path, "one", 3, &error));
  g_assert_no_error (error);
  g_assert_true (cb_file_set_contents_atomic (path, "second", 6, &error));
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "second");
  g_assert_true (cb_file_set_contents_atomic (path, NULL, 0, &error));
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "");

  /* no temporary files left behind */
  d = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (d))
    n++;
  g_assert_cmpuint (n, ==, 1);
}

/* A failed write leaves the old file as it was. Tests run as root, so an
 * unwritable directory is no failure: use a path whose parent is a file,
 * and a target that is a directory. */
static void
test_atomic_failure (void)
{
  const char *dir = io_tmpdir ();
  g_autofree char *file = g_build_filename (dir, "keep.txt", NULL);
  g_autofree char *bad = g_build_filename (file, "child.txt", NULL);
  g_autofree char *subdir = g_build_filename (dir, "sub", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (cb_file_set_contents_atomic (file, "precious", 8, &error));
  g_assert_false (cb_file_set_contents_atomic (bad, "x", 1, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "child.txt"));
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "precious");

  g_assert_cmpint (g_mkdir (subdir, 0755), ==, 0);
  g_assert_false (cb_file_set_contents_atomic (subdir, "x", 1, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_IO);
  g_assert_true (g_file_test (subdir, G_FILE_TEST_IS_DIR));
}

static void
test_sha256 (void)
{
  const char *dir = io_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "h", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *h = NULL, *big = NULL;
  g_autofree char *data = g_malloc (200000);

  g_assert_true (cb_file_set_contents_atomic (path, "abc", 3, &error));
  h = cb_file_sha256 (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (h, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

  /* more than one read buffer */
  for (int i = 0; i < 200000; i++)
    data[i] = (char)(i * 7);
  g_assert_true (cb_file_set_contents_atomic (path, data, 200000, &error));
  big = cb_file_sha256 (path, &error);
  {
    g_autofree char *want = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)data, 200000);
    g_assert_cmpstr (big, ==, want);
  }

  g_assert_null (cb_file_sha256 ("/nonexistent/file", &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_IO);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/fileutil/atomic-write", test_atomic_write);
  g_test_add_func ("/io/fileutil/atomic-failure", test_atomic_failure);
  g_test_add_func ("/io/fileutil/sha256", test_sha256);
  return g_test_run ();
}
