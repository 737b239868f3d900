/* cb-png.h: RGB(A) 8-bit image PNG writing and reading, used for generated images and photos
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint width, height;
  guint8 *rgb; /* width * height * 3 */
} CbImage;

CbImage *cb_image_new (guint width, guint height);
void cb_image_free (CbImage *image);
/* PNG (any colour type, converted to 8-bit RGB) or JPEG is not needed: photos are read by training/ */
CbImage *cb_image_load_png (const char *path, GError **error);
gboolean cb_image_save_png (const CbImage *image, const char *path, GError **error); /* atomic */
/* An image from PNG data in memory; display_name names it in errors */
CbImage *cb_image_load_png_from_bytes (GBytes *png, const char *display_name, GError **error);
/* The PNG file save writes, in memory (for a GFile anywhere, cb-file-io.c) */
GBytes *cb_image_to_png_bytes (const CbImage *image, GError **error);
/* bilinear? no: nearest upscale by an integer factor, for export */
CbImage *cb_image_upscale (const CbImage *image, guint factor);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbImage, cb_image_free)

G_END_DECLS
