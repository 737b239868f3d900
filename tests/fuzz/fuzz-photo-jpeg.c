/* fuzz-photo-jpeg.c: example photos (JPEG, libjpeg) as users send them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"

#include "model/cb-photo.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbImage) image = NULL;
  char path[64];
  int fd;

  cb_fuzz_init ();
  fd = cb_fuzz_memfd (data, size, path);
  /* as example sets load them: scaled to at least 2× a 32 × 24 model; the
   * size varies with the input so that every DCT scale is reached */
  image = cb_photo_load_for_size (path, 64u << (size % 3), 48u << (size % 3), &error);
  cb_fuzz_memfd_close (fd);
  if (image == NULL)
    {
      CB_FUZZ_CHECK_ERROR (error);
      return 0;
    }
  g_assert (image->width >= 1 && image->height >= 1);
  g_assert (image->width <= CB_PHOTO_MAX_SIDE && image->height <= CB_PHOTO_MAX_SIDE);
  {
    volatile guint sum = 0;
    for (gsize i = 0; i < (gsize)image->width * image->height * 3; i++)
      sum += image->rgb[i];
    (void)sum;
  }
  return 0;
}
