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
