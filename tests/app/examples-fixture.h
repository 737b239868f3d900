/* examples-fixture.h: a tiny example dataset folder (the shared layout:
 * classes.json, images/, labels/, train.txt) for the fine-tune and import
 * tests, made in a few milliseconds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "model/cb-class-set.h"
#include "model/cb-label-map.h"
#include "model/cb-png.h"

/* four 32x24 photos with label maps of the target's first three ids (0 above,
 * 1 and 2 in stripes below), split train */
static inline void
cb_test_write_examples (const char *dir, const CbClassSet *target)
{
  g_autofree char *images = g_build_filename (dir, "images", NULL);
  g_autofree char *labels = g_build_filename (dir, "labels", NULL);
  g_autofree char *classes = g_build_filename (dir, "classes.json", NULL);
  g_autofree char *split = g_build_filename (dir, "train.txt", NULL);
  g_autoptr (GString) stems = g_string_new (NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (images, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (labels, 0755), ==, 0);
  g_assert_true (cb_class_set_save (target, classes, &error));
  for (guint k = 0; k < 4; k++)
    {
      g_autoptr (CbImage) photo = cb_image_new (32, 24);
      g_autoptr (CbLabelMap) map = cb_label_map_new (32, 24);
      g_autofree char *stem = g_strdup_printf ("ex%u", k);
      g_autofree char *photo_name = g_strdup_printf ("%s.jpg", stem); /* PNG bytes: PIL reads by content */
      g_autofree char *label_name = g_strdup_printf ("%s.png", stem);
      g_autofree char *photo_path = g_build_filename (images, photo_name, NULL);
      g_autofree char *label_path = g_build_filename (labels, label_name, NULL);

      for (guint y = 0; y < 24; y++)
        for (guint x = 0; x < 32; x++)
          {
            guint8 id = y < 8 ? 0 : (x + k * 4) % 32 < 16 ? 1 : 2;
            guint8 *rgb = photo->rgb + ((gsize)y * 32 + x) * 3;

            map->ids[y * 32 + x] = id;
            rgb[0] = (guint8)(id == 1 ? 200 : 40 + x);
            rgb[1] = (guint8)(id == 2 ? 180 : 60 + y);
            rgb[2] = (guint8)(id == 0 ? 220 : 30 + k * 10);
          }
      g_assert_true (cb_image_save_png (photo, photo_path, &error));
      g_assert_true (cb_label_map_save (map, target, label_path, &error));
      g_string_append_printf (stems, "%s\n", stem);
    }
  g_assert_true (g_file_set_contents (split, stems->str, -1, &error));
}
