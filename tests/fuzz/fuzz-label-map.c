/* fuzz-label-map.c: label map PNGs (indexed, grey, RGB, RGBA, 16-bit,
 * interlaced), with and without a class set (docs/FORMATS.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"

#include "model/cb-label-map.h"

#include <string.h>

/* the classes the seeds are painted with (tests/fuzz/make-seeds.py) */
static CbClassSet *
seed_classes (void)
{
  static CbClassSet *set;

  if (set == NULL)
    {
      set = cb_class_set_new ("fuzz");
      g_assert (cb_class_set_add (set, 0, "sky", 0x808080, NULL, NULL));
      g_assert (cb_class_set_add (set, 1, "road", 0x804080, NULL, NULL));
      g_assert (cb_class_set_add (set, 2, "car", 0x400080, NULL, NULL));
      g_assert (cb_class_set_add (set, 7, "tree", 0x808000, NULL, NULL));
    }
  return set;
}

static void
exercise (const CbLabelMap *map, const CbClassSet *classes)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) png = NULL;
  g_autoptr (CbLabelMap) half = NULL;
  guint64 counts[256];
  guint64 total = 0;

  g_assert (map->width >= 1 && map->height >= 1);
  g_assert (map->width <= CB_LABEL_MAP_MAX_SIDE && map->height <= CB_LABEL_MAP_MAX_SIDE);
  cb_label_map_count (map, counts);
  for (guint i = 0; i < 256; i++)
    total += counts[i];
  g_assert (total == (guint64)map->width * map->height);
  half = cb_label_map_resize_nearest (map, MAX (map->width / 2, 1), MAX (map->height / 2, 1));
  g_assert (half != NULL);
  if (classes != NULL)
    {
      /* a map that loaded with a class set saves with it and loads back the same */
      g_autoptr (CbLabelMap) back = NULL;
      png = cb_label_map_to_png_bytes (map, classes, &error);
      g_assert_no_error (error);
      back = cb_label_map_load_from_bytes (png, "round trip", classes, &error);
      g_assert_no_error (error);
      g_assert (back->width == map->width && back->height == map->height);
      g_assert (memcmp (back->ids, map->ids, (gsize)map->width * map->height) == 0);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);

  cb_fuzz_init ();
  for (int with_classes = 0; with_classes < 2; with_classes++)
    {
      const CbClassSet *classes = with_classes ? seed_classes () : NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (CbLabelMap) map = cb_label_map_load_from_bytes (bytes, "fuzz.png", classes, &error);

      if (map == NULL)
        {
          CB_FUZZ_CHECK_ERROR (error);
          continue;
        }
      exercise (map, classes);
    }
  return 0;
}
