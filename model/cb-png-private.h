/* cb-png-private.h: libpng in memory, shared by cb-png.c and cb-label-map.c (not installed)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CB_PNG_GREY = 1,
  CB_PNG_GREY_ALPHA = 2,
  CB_PNG_RGB = 3,
  CB_PNG_RGBA = 4,
  CB_PNG_INDEXED = 5, /* one byte per pixel, palette */
} CbPngKind;

typedef struct
{
  guint width, height;
  CbPngKind kind;
  guint channels;  /* bytes per pixel in pixels */
  guint8 *pixels;  /* width * height * channels, g_free */
  guint n_palette; /* indexed only */
  guint32 palette[256];
} CbPngRaw;

/* Decodes 8-bit PNG data (any interlace). With to_rgb every colour type and
 * depth becomes 8-bit RGB; otherwise 16-bit is CB_ERROR_UNSUPPORTED and the
 * pixels come as stored (indices, grey, grey+alpha, RGB, RGBA). Sides over
 * max_side are CB_ERROR_LIMIT, refused before allocating. */
gboolean cb_png_read_raw (const guint8 *data, gsize size, const char *where, gboolean to_rgb, guint max_side,
                          CbPngRaw *out, GError **error);
/* Encodes 8-bit pixels of kind (INDEXED uses palette, n_palette entries). */
GBytes *cb_png_write_raw (guint width, guint height, CbPngKind kind, const guint8 *pixels, const guint32 *palette,
                          guint n_palette, const char *where, GError **error);
/* Maps a file for cb_png_read_raw. */
GMappedFile *cb_png_map_file (const char *path, GError **error);

G_END_DECLS
