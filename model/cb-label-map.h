/* cb-label-map.h: a painted semantic label map; one byte per pixel = class id, 255 = void
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-class-set.h"

G_BEGIN_DECLS

#define CB_LABEL_MAP_MAX_SIDE 16384

typedef struct
{
  guint width, height;
  guint8 *ids; /* width * height, row-major */
} CbLabelMap;

CbLabelMap *cb_label_map_new (guint width, guint height); /* filled with void */
CbLabelMap *cb_label_map_copy (const CbLabelMap *map);
void cb_label_map_free (CbLabelMap *map);

/* Loads an indexed PNG (index = id), a grey 8-bit PNG (value = id) or an RGB
 * PNG (exact colour match against classes; unknown colours are an error that
 * names each colour and one pixel where it occurs). classes may be NULL for
 * indexed and grey PNGs. Ids not in classes (other than void) are an error
 * when classes is given. */
CbLabelMap *cb_label_map_load (const char *path, const CbClassSet *classes, GError **error);
CbLabelMap *cb_label_map_load_from_bytes (GBytes *png, const char *display_name, const CbClassSet *classes,
                                          GError **error);

/* Writes an indexed PNG, palette = class colours, entry 255 = void colour. Atomic. */
gboolean cb_label_map_save (const CbLabelMap *map, const CbClassSet *classes, const char *path, GError **error);
/* Writes an RGB PNG with class colours (void as void_color). Atomic. */
gboolean cb_label_map_save_rgb (const CbLabelMap *map, const CbClassSet *classes, const char *path, GError **error);
/* The PNG file save_rgb writes, in memory */
GBytes *cb_label_map_to_rgb_png_bytes (const CbLabelMap *map, const CbClassSet *classes, GError **error);
GBytes *cb_label_map_to_png_bytes (const CbLabelMap *map, const CbClassSet *classes, GError **error);

/* Nearest-neighbour resize with the PyTorch rule of docs/FORMATS.md. */
CbLabelMap *cb_label_map_resize_nearest (const CbLabelMap *map, guint width, guint height);
/* counts[256]: pixels per id */
void cb_label_map_count (const CbLabelMap *map, guint64 counts[256]);

/* The PyTorch nearest source index for one axis (docs/FORMATS.md). */
guint cb_nearest_source_index (guint dst, guint in_size, guint out_size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbLabelMap, cb_label_map_free)

G_END_DECLS
