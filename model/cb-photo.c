/* cb-photo.c: example photos: JPEG (libjpeg) and PNG loading, PIL's Lanczos resize
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-photo.h"
#include "cb-error.h"

#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

/* ---------------------------------------------------------------- JPEG */

typedef struct
{
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} CbJpegError;

/* libjpeg's default error_exit calls exit(): jump back with the message instead */
static void
cb_jpeg_error_exit (j_common_ptr cinfo)
{
  CbJpegError *err = (CbJpegError *)cinfo->err;
  err->pub.format_message (cinfo, err->message);
  longjmp (err->jump, 1);
}

/* warnings (e.g. extraneous bytes) are not errors; stay quiet */
static void
cb_jpeg_output_message (j_common_ptr cinfo)
{
  (void)cinfo;
}

/* Working memory of a decode at the chosen scale: a progressive (or
 * multi-scan) file keeps every DCT coefficient of the whole image, whatever
 * the output scale; a baseline file a few rows of blocks. Plus our image. */
static guint64
jpeg_decode_bytes (const struct jpeg_decompress_struct *cinfo)
{
  guint64 bytes = (guint64)cinfo->output_width * cinfo->output_height * 3;
  if (cinfo->progressive_mode || jpeg_has_multiple_scans ((j_decompress_ptr)cinfo))
    for (int i = 0; i < cinfo->num_components; i++)
      {
        const jpeg_component_info *c = &cinfo->comp_info[i];
        guint64 w = (guint64)c->width_in_blocks + (guint64)c->h_samp_factor;
        guint64 h = (guint64)c->height_in_blocks + (guint64)c->v_samp_factor;
        bytes += w * h * sizeof (JBLOCK);
      }
  return bytes;
}

/* The smallest scale n/8 at which the output is at least width x height. */
static void
jpeg_choose_scale (struct jpeg_decompress_struct *cinfo, guint width, guint height)
{
  cinfo->scale_denom = 8;
  for (guint n = 1; n <= 8; n++)
    {
      cinfo->scale_num = n;
      jpeg_calc_output_dimensions (cinfo);
      if (n == 8 || (cinfo->output_width >= width && cinfo->output_height >= height && width > 0 && height > 0))
        return;
    }
}

/* Decodes in a function of its own so that no local is live across setjmp
 * except what is volatile or set before it. */
static CbImage *
load_jpeg (const char *path, const guint8 *data, gsize size, guint width, guint height, GError **error)
{
  struct jpeg_decompress_struct cinfo;
  CbJpegError err;
  CbImage *volatile image = NULL;
  JSAMPROW volatile row = NULL;

  memset (&cinfo, 0, sizeof cinfo);
  cinfo.err = jpeg_std_error (&err.pub);
  err.pub.error_exit = cb_jpeg_error_exit;
  err.pub.output_message = cb_jpeg_output_message;
  err.message[0] = '\0';
  if (setjmp (err.jump))
    {
      /* only a decode over the memory limit asks for a backing store */
      if (err.pub.msg_code == JERR_NO_BACKING_STORE)
        g_set_error (error, CB_ERROR, CB_ERROR_LIMIT,
                     "%s: decoding this JPEG needs more than %" G_GUINT64_FORMAT
                     " MiB of memory; save it smaller or as a baseline (not progressive) JPEG",
                     path, CB_PHOTO_MAX_DECODE_BYTES >> 20);
      else
        g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: corrupt JPEG: %s", path, err.message);
      jpeg_destroy_decompress (&cinfo);
      cb_image_free (image);
      g_free (row);
      return NULL;
    }

  jpeg_create_decompress (&cinfo);
  /* libjpeg's own allocations beyond this fail (it has no backing store) */
  cinfo.mem->max_memory_to_use = (long)CB_PHOTO_MAX_DECODE_BYTES;
  jpeg_mem_src (&cinfo, data, (unsigned long)size);
  jpeg_read_header (&cinfo, TRUE);
  if (cinfo.image_width == 0 || cinfo.image_height == 0 || cinfo.image_width > CB_PHOTO_MAX_SIDE
      || cinfo.image_height > CB_PHOTO_MAX_SIDE
      || (guint64)cinfo.image_width * cinfo.image_height > CB_PHOTO_MAX_PIXELS)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT,
                   "%s: the photo is %u×%u; sides of 1 to %u pixels and at most %u megapixels are supported", path,
                   cinfo.image_width, cinfo.image_height, CB_PHOTO_MAX_SIDE, CB_PHOTO_MAX_PIXELS / 1000000);
      jpeg_destroy_decompress (&cinfo);
      return NULL;
    }
  /* grey and YCbCr convert to RGB in libjpeg; CMYK/YCCK come out as CMYK */
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK)
    cinfo.out_color_space = JCS_CMYK;
  else
    cinfo.out_color_space = JCS_RGB;
  jpeg_choose_scale (&cinfo, width, height);
  {
    guint64 need = jpeg_decode_bytes (&cinfo);
    if (need > CB_PHOTO_MAX_DECODE_BYTES)
      {
        g_set_error (error, CB_ERROR, CB_ERROR_LIMIT,
                     "%s: decoding this %u×%u %sJPEG needs %" G_GUINT64_FORMAT
                     " MiB of memory, over the limit of %" G_GUINT64_FORMAT
                     " MiB; save it smaller or as a baseline (not progressive) JPEG",
                     path, cinfo.image_width, cinfo.image_height, cinfo.progressive_mode ? "progressive " : "",
                     need >> 20, CB_PHOTO_MAX_DECODE_BYTES >> 20);
        jpeg_destroy_decompress (&cinfo);
        return NULL;
      }
  }
  jpeg_start_decompress (&cinfo);

  image = cb_image_new (cinfo.output_width, cinfo.output_height);
  row = g_new (JSAMPLE, (gsize)cinfo.output_width * cinfo.output_components);
  while (cinfo.output_scanline < cinfo.output_height)
    {
      guint y = cinfo.output_scanline;
      JSAMPROW rows[1] = { row };
      guint8 *dst = image->rgb + (gsize)y * image->width * 3;
      jpeg_read_scanlines (&cinfo, rows, 1);
      if (cinfo.out_color_space == JCS_RGB)
        memcpy (dst, row, (gsize)image->width * 3);
      else
        /* Adobe's CMYK JPEGs store inverted values: R = C·K / 255 on the stored bytes */
        for (guint x = 0; x < image->width; x++)
          for (guint k = 0; k < 3; k++)
            dst[x * 3 + k] = (guint8)((row[x * 4 + k] * row[x * 4 + 3] + 127) / 255);
    }
  jpeg_finish_decompress (&cinfo);
  jpeg_destroy_decompress (&cinfo);
  g_free (row);
  return image;
}

CbImage *
cb_photo_load (const char *path, GError **error)
{
  return cb_photo_load_for_size (path, 0, 0, error);
}

CbImage *
cb_photo_load_for_size (const char *path, guint width, guint height, GError **error)
{
  static const guint8 png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  g_autoptr (GMappedFile) mapped = NULL;
  g_autoptr (GError) local = NULL;
  const guint8 *data;
  gsize size;

  g_return_val_if_fail (path != NULL, NULL);
  mapped = g_mapped_file_new (path, FALSE, &local);
  if (mapped == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_IO, "Cannot read the photo %s: %s", path, local->message);
      return NULL;
    }
  data = (const guint8 *)g_mapped_file_get_contents (mapped);
  size = g_mapped_file_get_length (mapped);
  if (size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    return load_jpeg (path, data, size, width, height, error);
  if (size >= 8 && memcmp (data, png_sig, 8) == 0)
    {
      /* the pixel limit, from the IHDR before libpng allocates (sides are cb-png.c's) */
      if (size >= 24 && memcmp (data + 12, "IHDR", 4) == 0)
        {
          guint32 w, h;
          memcpy (&w, data + 16, 4);
          memcpy (&h, data + 20, 4);
          w = GUINT32_FROM_BE (w);
          h = GUINT32_FROM_BE (h);
          if ((guint64)w * h > CB_PHOTO_MAX_PIXELS)
            {
              g_set_error (error, CB_ERROR, CB_ERROR_LIMIT,
                           "%s: the photo is %u×%u; at most %u megapixels are supported", path, w, h,
                           CB_PHOTO_MAX_PIXELS / 1000000);
              return NULL;
            }
        }
      return cb_image_load_png (path, error);
    }
  g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: not a JPEG or PNG photo", path);
  return NULL;
}

/* -------------------------------------------------------------- Lanczos */

#define CB_PRECISION_BITS (32 - 8 - 2)

static double
sinc (double x)
{
  if (x == 0.0)
    return 1.0;
  x *= G_PI;
  return sin (x) / x;
}

static double
lanczos3 (double x)
{
  /* truncated sinc, as PIL's lanczos_filter */
  if (-3.0 <= x && x < 3.0)
    return sinc (x) * sinc (x / 3.0);
  return 0.0;
}

/* One axis of PIL's precompute_coeffs + normalize_coeffs_8bpc: for output
 * index i, taps bounds[2i] .. bounds[2i] + bounds[2i+1] - 1 of the input with
 * fixed-point weights k[i * ksize + j]. */
static int *
lanczos_coeffs (guint in_size, guint out_size, guint *ksize_out, int **bounds_out)
{
  double scale = (double)in_size / (double)out_size;
  double filterscale = MAX (scale, 1.0);
  double support = 3.0 * filterscale;
  guint ksize = (guint)ceil (support) * 2 + 1;
  int *k = g_new0 (int, (gsize)out_size *ksize);
  int *bounds = g_new0 (int, (gsize)out_size * 2);
  g_autofree double *kd = g_new0 (double, ksize);

  for (guint i = 0; i < out_size; i++)
    {
      double center = ((double)i + 0.5) * scale, ww = 0.0, ss = 1.0 / filterscale;
      int xmin = (int)(center - support + 0.5), xmax = (int)(center + support + 0.5);
      xmin = MAX (xmin, 0);
      xmax = MIN (xmax, (int)in_size) - xmin;
      for (int x = 0; x < xmax; x++)
        {
          double w = lanczos3 (((double)(x + xmin) - center + 0.5) * ss);
          kd[x] = w;
          ww += w;
        }
      for (int x = 0; x < xmax; x++)
        {
          double v = ww != 0.0 ? kd[x] / ww : kd[x];
          /* round half away from zero, as PIL */
          k[i * ksize + x] = (int)(v < 0 ? v * (1 << CB_PRECISION_BITS) - 0.5 : v * (1 << CB_PRECISION_BITS) + 0.5);
        }
      bounds[i * 2] = xmin;
      bounds[i * 2 + 1] = xmax;
    }
  *ksize_out = ksize;
  *bounds_out = bounds;
  return k;
}

static guint8
clip8 (gint64 v)
{
  v >>= CB_PRECISION_BITS;
  return (guint8)CLAMP (v, 0, 255);
}

CbImage *
cb_photo_resize (const CbImage *image, guint width, guint height)
{
  g_return_val_if_fail (image != NULL && width > 0 && height > 0, NULL);
  guint in_w = image->width, in_h = image->height;
  guint kx_size, ky_size;
  g_autofree int *bx = NULL;
  g_autofree int *by = NULL;
  g_autofree int *kx = lanczos_coeffs (in_w, width, &kx_size, &bx);
  g_autofree int *ky = lanczos_coeffs (in_h, height, &ky_size, &by);

  /* horizontal: in_h x width (PIL skips a pass whose size does not change) */
  g_autoptr (CbImage) mid = NULL;
  const CbImage *h_out = image;
  if (width != in_w)
    {
      mid = cb_image_new (width, in_h);
      for (guint y = 0; y < in_h; y++)
        for (guint x = 0; x < width; x++)
          for (guint c = 0; c < 3; c++)
            {
              gint64 ss = (gint64)1 << (CB_PRECISION_BITS - 1);
              const int *k = &kx[x * kx_size];
              for (int i = 0; i < bx[x * 2 + 1]; i++)
                ss += (gint64)image->rgb[((gsize)y * in_w + (guint)(bx[x * 2] + i)) * 3 + c] * k[i];
              mid->rgb[((gsize)y * width + x) * 3 + c] = clip8 (ss);
            }
      h_out = mid;
    }
  if (height == in_h)
    {
      CbImage *out = cb_image_new (width, height);
      memcpy (out->rgb, h_out->rgb, (gsize)width * height * 3);
      return out;
    }

  CbImage *out = cb_image_new (width, height);
  for (guint y = 0; y < height; y++)
    {
      const int *k = &ky[y * ky_size];
      for (guint x = 0; x < width; x++)
        for (guint c = 0; c < 3; c++)
          {
            gint64 ss = (gint64)1 << (CB_PRECISION_BITS - 1);
            for (int i = 0; i < by[y * 2 + 1]; i++)
              ss += (gint64)h_out->rgb[((gsize)(guint)(by[y * 2] + i) * width + x) * 3 + c] * k[i];
            out->rgb[((gsize)y * width + x) * 3 + c] = clip8 (ss);
          }
    }
  return out;
}

CbTensor *
cb_photo_to_tensor (const CbImage *image)
{
  g_return_val_if_fail (image != NULL, NULL);
  gsize hw = (gsize)image->width * image->height;
  CbTensor *t = cb_tensor_new (3, image->height, image->width);
  for (gsize i = 0; i < hw; i++)
    for (guint c = 0; c < 3; c++)
      t->data[c * hw + i] = (float)image->rgb[i * 3 + c] / 127.5f - 1.0f;
  return t;
}
