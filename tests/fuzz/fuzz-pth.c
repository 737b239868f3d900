/* fuzz-pth.c: PyTorch checkpoints, zip (libzip + pickle) and legacy formats
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"

#include "model/cb-pth.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbPth) pth = NULL;

  cb_fuzz_init ();
  g_auto (CbFuzzFile) file = cb_fuzz_file (data, size);
  pth = cb_pth_open (file.path, &error);
  if (pth == NULL)
    CB_FUZZ_CHECK_ERROR (error);
  else
    {
      g_assert (cb_pth_get_n_tensors (pth) >= 1);
      for (guint i = 0; i < cb_pth_get_n_tensors (pth); i++)
        {
          const char *name = cb_pth_get_name (pth, i);
          g_autoptr (GError) terr = NULL;
          g_autofree float *f = NULL;

          g_assert (cb_pth_has (pth, name) && cb_pth_lookup (pth, name) != NULL);
          f = cb_pth_read_f32 (pth, name, 0, NULL, &terr);
          if (f == NULL)
            CB_FUZZ_CHECK_ERROR (terr);
        }
    }
  return 0;
}
