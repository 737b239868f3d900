/* cb-png.c: RGB 8-bit image PNG writing and reading, and the libpng glue shared with label maps
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-png.h"
#include "cb-error.h"
#include "cb-fileutil.h"
#include "cb-label-map.h"
#include "cb-png-private.h"

#include <png.h>
#include <string.h>

/* State of one libpng call. It lives in the caller's frame, not in the frame
 * that calls setjmp, so its fields keep their values after a longjmp
 * (C11 7.13.2.1: only non-volatile locals of the setjmp frame are lost). */
typedef struct
{
  const char *where;
  const guint8 *data;
  gsize size, pos;
  GByteArray *out;
  char *message;
  int code; /* CbError when the failure is not a libpng error */
  png_structp png;
  png_infop info;
  guint8 *pixels;
  png_bytep *rows;
} PngCtx;

static void
on_error (png_structp png, png_const_charp msg)
{
  PngCtx *c = png_get_error_ptr (png);
  if (c->message == NULL)
    c->message = g_strdup (msg);
  png_longjmp (png, 1);
}

static void
on_warning (png_structp png, png_const_charp msg)
{
  /* warnings (unknown chunks, bad gamma) do not stop a label map */
}

static void
read_fn (png_structp png, png_bytep buf, size_t n)
{
  PngCtx *c = png_get_io_ptr (png);
  if (n > c->size - c->pos)
    png_error (png, "the file is truncated");
  memcpy (buf, c->data + c->pos, n);
  c->pos += n;
}

static void
write_fn (png_structp png, png_bytep buf, size_t n)
{
  PngCtx *c = png_get_io_ptr (png);
  g_byte_array_append (c->out, buf, (guint)n);
}

static void
flush_fn (png_structp png)
{
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

/* Runs under setjmp; everything it allocates goes into c for the caller to free. */
static gboolean
read_inner (PngCtx *c, gboolean to_rgb, guint max_side, CbPngRaw *out)
{
  png_uint_32 width, height;
  int depth, color_type, interlace;
  gsize rowbytes;

  if (setjmp (png_jmpbuf (c->png)))
    return FALSE;

  png_set_user_limits (c->png, max_side, max_side);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  /* A mutated byte almost always breaks a chunk's CRC or zlib's Adler-32;
   * fuzz builds ignore both so that mutations reach the decoder and our
   * checks. Normal builds refuse such files (tests/io/test-png.c /io/png/crc). */
  png_set_crc_action (c->png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
#ifdef PNG_IGNORE_ADLER32
  png_set_option (c->png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
#endif
  png_set_read_fn (c->png, c, read_fn);
  png_read_info (c->png, c->info);
  png_get_IHDR (c->png, c->info, &width, &height, &depth, &color_type, &interlace, NULL, NULL);

  if (to_rgb)
    {
      png_set_expand (c->png);
      png_set_strip_16 (c->png);
      png_set_strip_alpha (c->png);
      png_set_gray_to_rgb (c->png);
      out->kind = CB_PNG_RGB;
    }
  else
    {
      if (depth == 16)
        {
          c->code = CB_ERROR_UNSUPPORTED;
          c->message = g_strdup ("16-bit PNGs are not supported as label maps; save it with 8 bits per channel");
          return FALSE;
        }
      /* 1, 2 and 4-bit indices or grey values: one byte each, not rescaled */
      if (depth < 8)
        png_set_packing (c->png);
      switch (color_type)
        {
        case PNG_COLOR_TYPE_PALETTE:
          out->kind = CB_PNG_INDEXED;
          break;
        case PNG_COLOR_TYPE_GRAY:
          out->kind = CB_PNG_GREY;
          break;
        case PNG_COLOR_TYPE_GRAY_ALPHA:
          out->kind = CB_PNG_GREY_ALPHA;
          break;
        case PNG_COLOR_TYPE_RGB:
          out->kind = CB_PNG_RGB;
          break;
        case PNG_COLOR_TYPE_RGB_ALPHA:
          out->kind = CB_PNG_RGBA;
          break;
        default:
          png_error (c->png, "unknown colour type");
        }
      if (color_type == PNG_COLOR_TYPE_PALETTE)
        {
          png_colorp pal = NULL;
          int n = 0;
          if (png_get_PLTE (c->png, c->info, &pal, &n) & PNG_INFO_PLTE)
            {
              out->n_palette = (guint)CLAMP (n, 0, 256);
              for (guint i = 0; i < out->n_palette; i++)
                out->palette[i] = ((guint32)pal[i].red << 16) | ((guint32)pal[i].green << 8) | pal[i].blue;
            }
        }
    }
  out->channels = out->kind == CB_PNG_INDEXED ? 1 : (guint)out->kind;
  png_set_interlace_handling (c->png);
  png_read_update_info (c->png, c->info);
  rowbytes = png_get_rowbytes (c->png, c->info);
  if (rowbytes != (gsize)width * out->channels)
    png_error (c->png, "unexpected row size");

  c->pixels = g_try_malloc (MAX (rowbytes * height, 1));
  c->rows = g_try_new (png_bytep, height);
  if (c->pixels == NULL || c->rows == NULL)
    {
      c->code = CB_ERROR_LIMIT;
      c->message = g_strdup_printf ("not enough memory for %u × %u pixels", width, height);
      return FALSE;
    }
  for (png_uint_32 y = 0; y < height; y++)
    c->rows[y] = c->pixels + y * rowbytes;
  png_read_image (c->png, c->rows);
  out->width = width;
  out->height = height;
  return TRUE;
}

gboolean
cb_png_read_raw (const guint8 *data, gsize size, const char *where, gboolean to_rgb, guint max_side, CbPngRaw *out,
                 GError **error)
{
  PngCtx c = { 0 };
  gboolean ok;

  memset (out, 0, sizeof *out);
  if (size < 8 || png_sig_cmp (data, 0, 8) != 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: not a PNG file", where);
      return FALSE;
    }
  /* The first chunk must be IHDR; check its size before libpng allocates anything. */
  if (size >= 24 && memcmp (data + 12, "IHDR", 4) == 0)
    {
      guint32 w = be32 (data + 16), h = be32 (data + 20);
      if (w > max_side || h > max_side)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, "%s: %u × %u pixels is over the limit of %u pixels a side",
                       where, w, h, max_side);
          return FALSE;
        }
    }

  c.where = where;
  c.data = data;
  c.size = size;
  c.code = CB_ERROR_FORMAT;
  c.png = png_create_read_struct (PNG_LIBPNG_VER_STRING, &c, on_error, on_warning);
  if (c.png == NULL || (c.info = png_create_info_struct (c.png)) == NULL)
    {
      png_destroy_read_struct (&c.png, NULL, NULL);
      g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s: could not start libpng", where);
      return FALSE;
    }
  ok = read_inner (&c, to_rgb, max_side, out);
  png_destroy_read_struct (&c.png, &c.info, NULL);
  g_free (c.rows);
  if (!ok)
    {
      g_free (c.pixels);
      if (c.code == CB_ERROR_FORMAT)
        g_set_error (error, CB_ERROR, c.code, "%s: not a valid PNG: %s", where, c.message ? c.message : "?");
      else
        g_set_error (error, CB_ERROR, c.code, "%s: %s", where, c.message);
      g_free (c.message);
      memset (out, 0, sizeof *out);
      return FALSE;
    }
  g_free (c.message);
  out->pixels = c.pixels;
  return TRUE;
}

static gboolean
write_inner (PngCtx *c, guint width, guint height, CbPngKind kind, const guint8 *pixels, const guint32 *palette,
             guint n_palette)
{
  static const int types[] = { 0,
                               PNG_COLOR_TYPE_GRAY,
                               PNG_COLOR_TYPE_GRAY_ALPHA,
                               PNG_COLOR_TYPE_RGB,
                               PNG_COLOR_TYPE_RGB_ALPHA,
                               PNG_COLOR_TYPE_PALETTE };
  gsize stride = (gsize)width * (kind == CB_PNG_INDEXED ? 1 : (guint)kind);

  if (setjmp (png_jmpbuf (c->png)))
    return FALSE;

  png_set_write_fn (c->png, c, write_fn, flush_fn);
  png_set_IHDR (c->png, c->info, width, height, 8, types[kind], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                PNG_FILTER_TYPE_DEFAULT);
  if (kind == CB_PNG_INDEXED)
    {
      png_color pal[256];
      for (guint i = 0; i < n_palette; i++)
        {
          pal[i].red = (png_byte)(palette[i] >> 16);
          pal[i].green = (png_byte)(palette[i] >> 8);
          pal[i].blue = (png_byte)palette[i];
        }
      png_set_PLTE (c->png, c->info, pal, (int)n_palette);
    }
  png_write_info (c->png, c->info);
  for (guint y = 0; y < height; y++)
    c->rows[y] = (png_bytep)pixels + y * stride;
  png_write_image (c->png, c->rows);
  png_write_end (c->png, NULL);
  return TRUE;
}

GBytes *
cb_png_write_raw (guint width, guint height, CbPngKind kind, const guint8 *pixels, const guint32 *palette,
                  guint n_palette, const char *where, GError **error)
{
  PngCtx c = { 0 };
  gboolean ok;

  g_return_val_if_fail (width > 0 && height > 0, NULL);
  g_return_val_if_fail (kind != CB_PNG_INDEXED || (n_palette > 0 && n_palette <= 256), NULL);

  c.where = where;
  c.out = g_byte_array_new ();
  c.rows = g_new (png_bytep, height);
  c.png = png_create_write_struct (PNG_LIBPNG_VER_STRING, &c, on_error, on_warning);
  if (c.png == NULL || (c.info = png_create_info_struct (c.png)) == NULL)
    {
      png_destroy_write_struct (&c.png, NULL);
      g_free (c.rows);
      g_byte_array_unref (c.out);
      g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s: could not start libpng", where);
      return NULL;
    }
  ok = write_inner (&c, width, height, kind, pixels, palette, n_palette);
  png_destroy_write_struct (&c.png, &c.info);
  g_free (c.rows);
  if (!ok)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s: could not encode the PNG: %s", where,
                   c.message ? c.message : "?");
      g_free (c.message);
      g_byte_array_unref (c.out);
      return NULL;
    }
  return g_byte_array_free_to_bytes (c.out);
}

GMappedFile *
cb_png_map_file (const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  GMappedFile *mapped = g_mapped_file_new (path, FALSE, &local);
  if (mapped == NULL)
    g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s", local->message);
  return mapped;
}

/* ---- RGB images ---- */

CbImage *
cb_image_new (guint width, guint height)
{
  CbImage *image = g_new0 (CbImage, 1);
  image->width = width;
  image->height = height;
  image->rgb = g_malloc0 (MAX ((gsize)width * height * 3, 1));
  return image;
}

void
cb_image_free (CbImage *image)
{
  if (image == NULL)
    return;
  g_free (image->rgb);
  g_free (image);
}

/* Photos and generated images are bounded like label maps. */
#define MAX_IMAGE_SIDE CB_LABEL_MAP_MAX_SIDE

CbImage *
cb_image_load_png (const char *path, GError **error)
{
  g_autoptr (GMappedFile) mapped = cb_png_map_file (path, error);
  CbPngRaw raw;
  CbImage *image;

  if (mapped == NULL)
    return NULL;
  if (!cb_png_read_raw ((const guint8 *)g_mapped_file_get_contents (mapped), g_mapped_file_get_length (mapped), path,
                        TRUE, MAX_IMAGE_SIDE, &raw, error))
    return NULL;
  image = g_new0 (CbImage, 1);
  image->width = raw.width;
  image->height = raw.height;
  image->rgb = raw.pixels;
  return image;
}

GBytes *
cb_image_to_png_bytes (const CbImage *image, GError **error)
{
  g_return_val_if_fail (image != NULL, NULL);

  return cb_png_write_raw (image->width, image->height, CB_PNG_RGB, image->rgb, NULL, 0, "image", error);
}

CbImage *
cb_image_load_png_from_bytes (GBytes *png, const char *display_name, GError **error)
{
  CbPngRaw raw;
  CbImage *image;
  gsize size;
  const guint8 *data = g_bytes_get_data (png, &size);

  if (!cb_png_read_raw (data, size, display_name, TRUE, MAX_IMAGE_SIDE, &raw, error))
    return NULL;
  image = g_new0 (CbImage, 1);
  image->width = raw.width;
  image->height = raw.height;
  image->rgb = raw.pixels;
  return image;
}

gboolean
cb_image_save_png (const CbImage *image, const char *path, GError **error)
{
  g_autoptr (GBytes) png = NULL;

  g_return_val_if_fail (image != NULL && path != NULL, FALSE);

  png = cb_png_write_raw (image->width, image->height, CB_PNG_RGB, image->rgb, NULL, 0, path, error);
  if (png == NULL)
    return FALSE;
  return cb_file_set_contents_atomic (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), error);
}

CbImage *
cb_image_upscale (const CbImage *image, guint factor)
{
  CbImage *out;

  g_return_val_if_fail (image != NULL && factor > 0, NULL);
  g_return_val_if_fail (image->width <= G_MAXUINT / factor && image->height <= G_MAXUINT / factor, NULL);

  out = cb_image_new (image->width * factor, image->height * factor);
  for (guint y = 0; y < out->height; y++)
    {
      const guint8 *src = image->rgb + (gsize)(y / factor) * image->width * 3;
      guint8 *dst = out->rgb + (gsize)y * out->width * 3;
      for (guint x = 0; x < out->width; x++)
        memcpy (dst + 3 * x, src + 3 * (x / factor), 3);
    }
  return out;
}
