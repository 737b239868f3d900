/* test-model-copy.h: a modified copy of a model file, for tests that need a
 * model without some networks or with another model card (header-only).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-safetensors.h"

#include <json-glib/json-glib.h>

typedef void (*CbTestConfigEdit) (JsonObject *config, gpointer user_data);

/* Copies the model src to dest in F32, without the tensors whose names start
 * with drop (NULL: keeps all), its catbrush.config passed through edit (may
 * be NULL). */
G_GNUC_UNUSED static void
cb_test_copy_model (const char *src, const char *drop, CbTestConfigEdit edit, gpointer user_data, const char *dest)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbSafetensors) st = cb_safetensors_open (src, &error);
  g_assert_no_error (error);
  g_autoptr (CbSafetensorsWriter) w = cb_safetensors_writer_new ();
  for (guint i = 0; i < cb_safetensors_get_n_tensors (st); i++)
    {
      const CbSafetensorsEntry *e = cb_safetensors_get_entry (st, i);
      if (drop != NULL && g_str_has_prefix (e->name, drop))
        continue;
      g_autofree float *data = cb_safetensors_entry_to_f32 (e);
      cb_safetensors_writer_add (w, e->name, CB_DTYPE_F32, e->n_dims, e->shape, data);
    }
  g_autoptr (JsonNode) config = json_from_string (cb_safetensors_get_metadata (st, "catbrush.config"), &error);
  g_assert_no_error (error);
  if (edit != NULL)
    edit (json_node_get_object (config), user_data);
  g_autofree char *text = json_to_string (config, FALSE);
  cb_safetensors_writer_set_metadata (w, "catbrush.config", text);
  g_assert_true (cb_safetensors_writer_write (w, dest, &error));
  g_assert_no_error (error);
}
