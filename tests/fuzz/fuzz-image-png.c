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

  cb_fuzz_init ();
  g_auto (CbFuzzFile) file = cb_fuzz_file (data, size);
  image = cb_image_load_png (file.path, &error);
  if (image == NULL)
    {
      CB_FUZZ_CHECK_ERROR (error);
      return 0;
    }
  g_assert (image->width >= 1 && image->height >= 1);
  cb_fuzz_read_all (image->rgb, (gsize)image->width * image->height * 3);
  return 0;
}
