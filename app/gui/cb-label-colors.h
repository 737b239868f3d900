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
#include "model/cb-png.h"

G_BEGIN_DECLS

/* width x height RGBA, row-major, 4 bytes a pixel: the class colour, opaque;
 * void and ids the classes lack are transparent. */
guint8 *cb_label_colors_rgba (const CbLabelMap *map, const CbClassSet *classes, guint width, guint height);

/* The way out for a map painted with another class set's colours: each
 * colour becomes the class (or void) of the nearest colour in classes
 * (squared RGB distance; the first on a tie). *n_colors (may be NULL): the
 * distinct colours that were not exactly a class or void colour. */
CbLabelMap *cb_label_map_from_nearest_colors (const CbImage *image, const CbClassSet *classes, guint *n_colors);

G_END_DECLS
