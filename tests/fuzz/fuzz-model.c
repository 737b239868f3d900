/* fuzz-model.c: the safetensors reader and the model config (catbrush.config)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"

#include "model/cb-model.h"

#include <math.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbSafetensors) st = NULL;
  g_autoptr (CbModel) model = NULL;

  cb_fuzz_init ();
  st = cb_safetensors_new_from_bytes (bytes, "fuzz.safetensors", &error);
  if (st == NULL)
    CB_FUZZ_CHECK_ERROR (error);
  else
    {
      for (guint i = 0; i < cb_safetensors_get_n_tensors (st); i++)
        {
          const CbSafetensorsEntry *e = cb_safetensors_get_entry (st, i);
          g_autofree float *f = NULL;
          volatile float sum = 0;

          g_assert (cb_safetensors_lookup (st, e->name) == e);
          g_assert (e->data + e->n_bytes <= data + size);
          f = cb_safetensors_entry_to_f32 (e);
          for (guint64 k = 0; k < e->n_elements; k++)
            sum += f[k];
          (void)sum;
        }
      (void)cb_safetensors_get_metadata (st, "catbrush.config");
    }
  g_clear_error (&error);

  model = cb_model_load_from_bytes (bytes, "fuzz.safetensors", &error);
  if (model == NULL)
    {
      CB_FUZZ_CHECK_ERROR (error);
      return 0;
    }
  g_assert (model->sha256 != NULL && model->classes != NULL);
  g_assert (model->gen.n_blocks >= 1 && model->gen.n_blocks <= CB_MODEL_MAX_BLOCKS);
  for (guint s = 0; s < cb_class_set_get_n_classes (model->classes); s++)
    g_assert (cb_model_source_channel (model, s) < model->gen.semantic_nc);
  (void)cb_model_count_parameters (model, "G.");
  {
    /* every weight the generator will ask for, by its stored shape */
    for (guint i = 0; i < cb_safetensors_get_n_tensors (model->weights); i++)
      {
        const CbSafetensorsEntry *e = cb_safetensors_get_entry (model->weights, i);
        g_autoptr (GError) werr = NULL;
        g_autofree float *w = cb_model_get_weight (model, e->name, e->n_dims, e->shape, &werr);
        g_assert_no_error (werr);
        g_assert (w != NULL);
      }
  }
  return 0;
}
