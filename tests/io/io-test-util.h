/* io-test-util.h: small helpers shared by the io tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>

#include "tests/test-util.h"

/* A fresh temporary directory, removed (with its files) at the end of the test. */
static inline void
io_free_tmpdir (gpointer path)
{
  cb_test_remove_tree (path);
  g_free (path);
}

static inline const char *
io_tmpdir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("catbrush-io-XXXXXX", &error);
  g_assert_no_error (error);
  g_test_queue_destroy (io_free_tmpdir, dir);
  return dir;
}

/* $CB_DATASETS/NAME, or NULL after g_test_skip when it is missing. */
static inline char *
io_dataset (const char *name)
{
  const char *root = g_getenv ("CB_DATASETS");
  g_autofree char *dir = NULL;

  if (root == NULL)
    {
      g_test_skip ("CB_DATASETS is not set");
      return NULL;
    }
  dir = g_build_filename (root, name, NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *msg = g_strdup_printf ("dataset %s is missing", dir);
      g_test_skip (msg);
      return NULL;
    }
  return g_steal_pointer (&dir);
}
