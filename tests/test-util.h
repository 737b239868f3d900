/* test-util.h: small helpers shared by the C tests (header-only): temporary
 * trees, fixtures, running catbrush-cli, counting labels.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>

#include "model/cb-label-map.h"

/* CB_ASAN: built with AddressSanitizer (tools/sanitize.sh), where timings
 * of instrumented code against system libraries are not the app's */
#if defined(__SANITIZE_ADDRESS__)
#define CB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CB_ASAN 1
#endif
#endif

/* Removes a file or a directory with everything below it; a symbolic link
 * is removed, never followed. */
G_GNUC_UNUSED static void
cb_test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          cb_test_remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

/* Points the pipeline cache at a new private directory, not the user's:
 * call before any device is made; cb_test_remove_tree() it at the end. */
G_GNUC_UNUSED static char *
cb_test_private_cache_dir_new (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("catbrush-test-XXXXXX", &error);

  g_assert_no_error (error);
  g_setenv ("XDG_CACHE_HOME", dir, TRUE);
  return dir;
}

/* g_test_run() with *dir a new temporary directory (tmpl as for
 * g_dir_make_tmp()), removed with everything below it afterwards. */
G_GNUC_UNUSED static int
cb_test_run_in_tmp_dir (const char *tmpl, char **dir)
{
  g_autoptr (GError) error = NULL;
  int status;

  *dir = g_dir_make_tmp (tmpl, &error);
  g_assert_no_error (error);
  status = g_test_run ();
  cb_test_remove_tree (*dir);
  g_clear_pointer (dir, g_free);
  return status;
}

/* The path first/... (NULL-terminated) below the source tree
 * ($CB_SOURCE_DIR, set by meson test; else the current directory). */
G_GNUC_UNUSED G_GNUC_NULL_TERMINATED static char *
cb_test_source_path (const char *first, ...)
{
  const char *src = g_getenv ("CB_SOURCE_DIR");
  g_autofree char *below = NULL;
  va_list args;

  va_start (args, first);
  below = g_build_filename_valist (first, &args);
  va_end (args);
  return g_build_filename (src != NULL ? src : ".", below, NULL);
}

/* tests/fixtures/NAME in the source tree. */
G_GNUC_UNUSED static char *
cb_test_fixture (const char *name)
{
  return cb_test_source_path ("tests", "fixtures", name, NULL);
}

/* Runs $CATBRUSH_CLI with args (NULL-terminated) and returns its exit
 * status; out and err (either may be NULL) receive its output. Without out,
 * stdout goes to /dev/null so that it cannot mix with the TAP stream. */
G_GNUC_UNUSED static int
cb_test_run_cli (const char *const *args, char **out, char **err)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer)g_getenv ("CATBRUSH_CLI"));
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **)argv->pdata, NULL, out != NULL ? G_SPAWN_DEFAULT : G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                NULL, out, err, &status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

/* Fails the test, showing both, when `needle` is not in `haystack` (NULL counts as not). */
G_GNUC_UNUSED static void
cb_test_assert_contains (const char *haystack, const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("“%s” not in “%s”", needle, haystack ? haystack : "(null)");
}

/* The label at (x, y) and how many pixels carry `id`. */
G_GNUC_UNUSED static guint8
cb_test_label_at (const CbLabelMap *map, guint x, guint y)
{
  return map->ids[(gsize)y * map->width + x];
}

G_GNUC_UNUSED static guint
cb_test_count_id (const CbLabelMap *map, guint8 id)
{
  guint n = 0;

  for (gsize i = 0; i < (gsize)map->width * map->height; i++)
    n += map->ids[i] == id;
  return n;
}
