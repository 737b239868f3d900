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

  cb_fuzz_init ();
  g_auto (CbFuzzFile) file = cb_fuzz_file (data, size);
  /* as example sets load them: scaled to at least 2× a 32 × 24 model; the
   * size varies with the input so that every DCT scale is reached */
  image = cb_photo_load_for_size (file.path, 64u << (size % 3), 48u << (size % 3), &error);
  if (image == NULL)
    {
      CB_FUZZ_CHECK_ERROR (error);
      return 0;
    }
  g_assert (image->width >= 1 && image->height >= 1);
  g_assert (image->width <= CB_PHOTO_MAX_SIDE && image->height <= CB_PHOTO_MAX_SIDE);
  cb_fuzz_read_all (image->rgb, (gsize)image->width * image->height * 3);
  return 0;
}
