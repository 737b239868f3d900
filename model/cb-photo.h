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
/* Largest photo in pixels: 201 megapixels (16384 × 12288), above every
 * camera's (200 MP phones: 16320 × 12240). */
#define CB_PHOTO_MAX_PIXELS (16384u * 12288u)
/* Most memory one JPEG decode may use (libjpeg's working memory, chiefly a
 * progressive file's coefficients, plus the decoded image): 768 MiB. A
 * 200 MP progressive 4:2:0 photo needs 600 MiB; a baseline one a few MiB
 * besides its pixels. */
#define CB_PHOTO_MAX_DECODE_BYTES (G_GUINT64_CONSTANT (768) << 20)

/* Loads an RGB photo: JPEG (libjpeg; grey and CMYK are converted to RGB) or PNG
 * (any colour type), told apart by their signatures, not by the file name.
 * Errors name the file: CB_ERROR_IO (unreadable), CB_ERROR_FORMAT (neither
 * format, or a corrupt file), CB_ERROR_LIMIT (a side over CB_PHOTO_MAX_SIDE,
 * decided from the header, or a decode over CB_PHOTO_MAX_PIXELS or
 * CB_PHOTO_MAX_DECODE_BYTES). */
CbImage *cb_photo_load (const char *path, GError **error);

/* As cb_photo_load, for a photo that will be resized to width x height: a
 * JPEG is decoded with libjpeg's DCT scaling (scale_num / 8) to the smallest
 * size that is at least width x height, or at full size when width or height
 * is 0. A PNG is always read at full size. The result is at least
 * width x height unless the photo itself is smaller. */
CbImage *cb_photo_load_for_size (const char *path, guint width, guint height, GError **error);

/* Resamples to width x height with PIL's Image.LANCZOS, the filter
 * training/data.py uses for the photos the networks were trained on: separable
 * Lanczos-3, its support widened by the scale factor when shrinking
 * (antialiasing), pixel centres aligned, 22-bit fixed-point weights, the
 * horizontal pass first, each pass rounded and clamped to 8 bits. */
CbImage *cb_photo_resize (const CbImage *image, guint width, guint height);

/* The network input: 3 x H x W floats, v / 127.5 - 1 (as training/data.py). */
CbTensor *cb_photo_to_tensor (const CbImage *image);

G_END_DECLS
