/* cb-photo.h: example photos for the affinity priors (DESIGN §4): JPEG or PNG in,
 * resized to the model's native size as training/ resizes its photos
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-png.h"
#include "cb-tensor.h"

G_BEGIN_DECLS

#define CB_PHOTO_MAX_SIDE 16384

/* Loads an RGB photo: JPEG (libjpeg; grey and CMYK are converted to RGB) or PNG
 * (any colour type), told apart by their signatures, not by the file name.
 * Errors name the file: CB_ERROR_IO (unreadable), CB_ERROR_FORMAT (neither
 * format, or a corrupt file), CB_ERROR_LIMIT (a side over CB_PHOTO_MAX_SIDE,
 * decided from the header). */
CbImage *cb_photo_load (const char *path, GError **error);

/* Resamples to width x height with PIL's Image.LANCZOS, the filter
 * training/data.py uses for the photos the networks were trained on: separable
 * Lanczos-3, its support widened by the scale factor when shrinking
 * (antialiasing), pixel centres aligned, 22-bit fixed-point weights, the
 * horizontal pass first, each pass rounded and clamped to 8 bits. */
CbImage *cb_photo_resize (const CbImage *image, guint width, guint height);

/* The network input: 3 x H x W floats, v / 127.5 - 1 (as training/data.py). */
CbTensor *cb_photo_to_tensor (const CbImage *image);

G_END_DECLS
