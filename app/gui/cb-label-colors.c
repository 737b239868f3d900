/* cb-label-colors.c: a label map as class colours at the image's size
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-label-colors.h"

guint8 *
cb_label_colors_rgba (const CbLabelMap *map, const CbClassSet *classes, guint width, guint height)
{
  g_autoptr (CbLabelMap) sized = NULL;
  guint32 color[256];
  gboolean known[256] = { FALSE };
  guint8 *rgba;

  g_return_val_if_fail (width > 0 && height > 0, NULL);
  for (guint i = 0; i < cb_class_set_get_n_classes (classes); i++)
    {
      const CbClass *c = cb_class_set_get (classes, i);

      known[c->id] = TRUE;
      color[c->id] = c->color;
    }
  known[CB_VOID_ID] = FALSE;
  sized = (map->width == width && map->height == height) ? cb_label_map_copy (map)
                                                         : cb_label_map_resize_nearest (map, width, height);
  rgba = g_malloc0 ((gsize)width * height * 4);
  for (gsize i = 0; i < (gsize)width * height; i++)
    {
      guint8 id = sized->ids[i];

      if (!known[id])
        continue;
      rgba[i * 4 + 0] = (guint8)(color[id] >> 16);
      rgba[i * 4 + 1] = (guint8)(color[id] >> 8);
      rgba[i * 4 + 2] = (guint8)color[id];
      rgba[i * 4 + 3] = 255;
    }
  return rgba;
}

static guint8
nearest_id (guint32 color, const CbClassSet *classes, gboolean *exact)
{
  guint best_d = G_MAXUINT;
  guint8 best = CB_VOID_ID;

  for (guint i = 0; i <= cb_class_set_get_n_classes (classes); i++)
    {
      gboolean is_void = i == cb_class_set_get_n_classes (classes);
      guint32 c = is_void ? classes->void_color : cb_class_set_get (classes, i)->color;
      int dr = (int)(color >> 16 & 0xff) - (int)(c >> 16 & 0xff);
      int dg = (int)(color >> 8 & 0xff) - (int)(c >> 8 & 0xff);
      int db = (int)(color & 0xff) - (int)(c & 0xff);
      guint d = (guint)(dr * dr + dg * dg + db * db);

      if (d < best_d)
        {
          best_d = d;
          best = is_void ? CB_VOID_ID : (guint8)cb_class_set_get (classes, i)->id;
        }
    }
  *exact = best_d == 0;
  return best;
}

CbLabelMap *
cb_label_map_from_nearest_colors (const CbImage *image, const CbClassSet *classes, guint *n_colors)
{
  /* colour → id + 1; a map has few colours, so each is matched once */
  g_autoptr (GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  CbLabelMap *map = cb_label_map_new (image->width, image->height);
  guint inexact = 0;

  for (gsize i = 0; i < (gsize)image->width * image->height; i++)
    {
      const guint8 *p = image->rgb + i * 3;
      guint32 color = (guint32)p[0] << 16 | (guint32)p[1] << 8 | p[2];
      guint v = GPOINTER_TO_UINT (g_hash_table_lookup (seen, GUINT_TO_POINTER (color)));

      if (v == 0)
        {
          gboolean exact;

          v = nearest_id (color, classes, &exact) + 1u;
          inexact += !exact;
          g_hash_table_insert (seen, GUINT_TO_POINTER (color), GUINT_TO_POINTER (v));
        }
      map->ids[i] = (guint8)(v - 1);
    }
  if (n_colors != NULL)
    *n_colors = inexact;
  return map;
}
