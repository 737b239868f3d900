/* fuzz-image-png.c: PNG photos and generated images read as 8-bit RGB
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"

#include "model/cb-png.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbImage) image = NULL;
  char path[64];
  int fd;

  cb_fuzz_init ();
  fd = cb_fuzz_memfd (data, size, path);
  image = cb_image_load_png (path, &error);
  cb_fuzz_memfd_close (fd);
  if (image == NULL)
    {
      CB_FUZZ_CHECK_ERROR (error);
      return 0;
    }
  g_assert (image->width >= 1 && image->height >= 1);
  {
    volatile guint sum = 0;
    for (gsize i = 0; i < (gsize)image->width * image->height * 3; i++)
      sum += image->rgb[i];
    (void)sum;
  }
  return 0;
}
