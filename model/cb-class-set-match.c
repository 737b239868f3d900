/* cb-class-set-match.c: which known class set a label map's colours come from
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-class-set-match.h"

#include "model/cb-datadir.h"

/* The distinct colours of image, as a set of 0xRRGGBB keys */
static GHashTable *
image_colours (const CbImage *image)
{
  GHashTable *set = g_hash_table_new (NULL, NULL);
  gsize n = (gsize)image->width * image->height;

  for (gsize i = 0; i < n; i++)
    {
      const guint8 *p = image->rgb + i * 3;
      guint32 c = ((guint32)p[0] << 16) | ((guint32)p[1] << 8) | p[2];
      g_hash_table_add (set, GUINT_TO_POINTER (c + 1)); /* + 1: black is not NULL */
    }
  return set;
}

static gboolean
covers (const CbClassSet *set, GHashTable *colours)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, colours);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      guint32 c = GPOINTER_TO_UINT (key) - 1;
      gboolean found = c == set->void_color;

      for (guint i = 0; i < set->classes->len && !found; i++)
        found = ((const CbClass *)g_ptr_array_index (set->classes, i))->color == c;
      if (!found)
        return FALSE;
    }
  return TRUE;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *)a, *(const char *const *)b);
}

CbClassSet *
cb_class_set_match_image (const CbImage *image, const char *const *dirs, char **path_out)
{
  g_autoptr (GHashTable) colours = NULL;
  g_autoptr (CbClassSet) best = NULL;
  g_autofree char *best_path = NULL;

  g_return_val_if_fail (image != NULL && dirs != NULL, NULL);
  colours = image_colours (image);
  for (guint d = 0; dirs[d] != NULL; d++)
    {
      g_autoptr (GDir) dir = g_dir_open (dirs[d], 0, NULL);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (name, ".json"))
          g_ptr_array_add (names, g_strdup (name));
      /* a stable choice between equal fits, whatever the directory order */
      g_ptr_array_sort (names, compare_names);
      for (guint i = 0; i < names->len; i++)
        {
          g_autofree char *path = g_build_filename (dirs[d], g_ptr_array_index (names, i), NULL);
          g_autoptr (CbClassSet) set = cb_class_set_load (path, NULL);

          if (set == NULL || !covers (set, colours))
            continue;
          if (best == NULL || set->classes->len < best->classes->len)
            {
              g_clear_pointer (&best, cb_class_set_free);
              best = g_steal_pointer (&set);
              g_free (best_path);
              best_path = g_steal_pointer (&path);
            }
        }
    }
  if (path_out != NULL)
    *path_out = g_steal_pointer (&best_path);
  return g_steal_pointer (&best);
}

GStrv
cb_class_set_match_dirs (void)
{
  const char *const *search = cb_datadir_get_search_path ();
  g_autoptr (GStrvBuilder) dirs = g_strv_builder_new ();

  for (guint i = 0; search[i] != NULL; i++)
    {
      g_autofree char *dir = g_build_filename (search[i], "classes", NULL);
      g_strv_builder_add (dirs, dir);
    }
  {
    g_autofree char *user = g_build_filename (g_get_user_data_dir (), "catbrush", "classes", NULL);
    g_strv_builder_add (dirs, user);
  }
  return g_strv_builder_end (dirs);
}
