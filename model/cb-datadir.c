/* cb-datadir.c: where bundled data lives (see cb-datadir.h)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-datadir.h"
#include "cb-config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static gboolean
path_is_under (const char *path, const char *dir)
{
  gsize n = strlen (dir);

  return n > 0 && strncmp (path, dir, n) == 0 && (path[n] == G_DIR_SEPARATOR || dir[n - 1] == G_DIR_SEPARATOR);
}

static void
add_unique (GPtrArray *dirs, char *dir)
{
  for (guint i = 0; i < dirs->len; i++)
    if (g_strcmp0 (g_ptr_array_index (dirs, i), dir) == 0)
      {
        g_free (dir);
        return;
      }
  g_ptr_array_add (dirs, dir);
}

GStrv
cb_datadir_build_search_path (const char *exe, const char *env_datadir, const char *build_dir, const char *source_dir,
                              const char *bindir_to_datadir, const char *datadir)
{
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);

  if (env_datadir != NULL && env_datadir[0] != '\0')
    add_unique (dirs, g_strdup (env_datadir));
  /* Only a program in this build's directory (uninstalled, or a test) may use
   * the source tree: an installed one must not pick up a checkout's data. */
  if (exe != NULL && build_dir != NULL && source_dir != NULL && path_is_under (exe, build_dir))
    {
      add_unique (dirs, g_build_filename (source_dir, "resources", NULL));
      add_unique (dirs, g_strdup (source_dir));
    }
  if (exe != NULL && bindir_to_datadir != NULL && bindir_to_datadir[0] != '\0')
    {
      g_autofree char *bindir = g_path_get_dirname (exe);
      g_autofree char *joined = g_build_filename (bindir, bindir_to_datadir, NULL);

      add_unique (dirs, g_canonicalize_filename (joined, NULL));
    }
  if (datadir != NULL && datadir[0] != '\0')
    add_unique (dirs, g_strdup (datadir));
  g_ptr_array_add (dirs, NULL);
  return (GStrv)g_ptr_array_steal (dirs, NULL);
}

static char *
canonical_or_null (const char *path)
{
  char buf[PATH_MAX];

  return path != NULL && realpath (path, buf) != NULL ? g_strdup (buf) : NULL;
}

const char *const *
cb_datadir_get_search_path (void)
{
  static GStrv search_path;

  if (g_once_init_enter (&search_path))
    {
      /* Linux: the running program's own path, symlinks resolved. */
      g_autofree char *exe = canonical_or_null ("/proc/self/exe");
      g_autofree char *build_dir = canonical_or_null (CB_BUILD_DIR);
      g_autofree char *source_dir = canonical_or_null (CB_SOURCE_DIR);
      GStrv dirs = cb_datadir_build_search_path (exe, g_getenv ("CATBRUSH_DATADIR"), build_dir, source_dir,
                                                 CB_BINDIR_TO_DATADIR, CB_DATADIR);

      g_once_init_leave (&search_path, dirs);
    }
  return (const char *const *)search_path;
}

char *
cb_datadir_find (const char *relative)
{
  const char *const *dirs = cb_datadir_get_search_path ();

  for (gsize i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], relative, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

char *
cb_datadir_describe (void)
{
  return g_strjoinv (", ", (GStrv)cb_datadir_get_search_path ());
}
