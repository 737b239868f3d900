/* cb-label-colors.h: a label map as the colours of its classes, at the size
 * of the image it made — what the image pane lays over the image
 *
 * Plain C over model/. The map is resized with the generator's own nearest
 * rule (cb_label_map_resize_nearest()), so each label pixel lies over the
 * image pixel it was generated from.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-class-set.h"
#include "model/cb-label-map.h"

G_BEGIN_DECLS

/* width x height RGBA, row-major, 4 bytes a pixel: the class colour, opaque;
 * void and ids the classes lack are transparent. */
guint8 *cb_label_colors_rgba (const CbLabelMap *map, const CbClassSet *classes, guint width, guint height);

G_END_DECLS
