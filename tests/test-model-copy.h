/* test-model-copy.h: a modified copy of a model file, for tests that need a
 * model without some networks or with another model card (header-only).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-safetensors.h"

#include <json-glib/json-glib.h>

typedef void (*CbTestConfigEdit) (JsonObject *config, gpointer user_data);

/* Writes tensor e of the copy to w, its values (data, F32) free to change;
 * or writes it under other names too, or not at all. */
typedef void (*CbTestTensorEdit) (CbSafetensorsWriter *w, const CbSafetensorsEntry *e, float *data, gpointer user_data);

/* Copies the model src to dest in F32, each tensor through tensor_edit (NULL:
 * as it is) and its catbrush.config through config_edit (NULL: as it is). */
G_GNUC_UNUSED static void
cb_test_copy_model_edited (const char *src, CbTestTensorEdit tensor_edit, CbTestConfigEdit config_edit,
                           gpointer user_data, const char *dest)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbSafetensors) st = cb_safetensors_open (src, &error);
  g_assert_no_error (error);
  g_autoptr (CbSafetensorsWriter) w = cb_safetensors_writer_new ();
  for (guint i = 0; i < cb_safetensors_get_n_tensors (st); i++)
    {
      const CbSafetensorsEntry *e = cb_safetensors_get_entry (st, i);
      g_autofree float *data = cb_safetensors_entry_to_f32 (e);

      if (tensor_edit != NULL)
        tensor_edit (w, e, data, user_data);
      else
        cb_safetensors_writer_add (w, e->name, CB_DTYPE_F32, e->n_dims, e->shape, data);
    }
  g_autoptr (JsonNode) config = json_from_string (cb_safetensors_get_metadata (st, "catbrush.config"), &error);
  g_assert_no_error (error);
  if (config_edit != NULL)
    config_edit (json_node_get_object (config), user_data);
  g_autofree char *text = json_to_string (config, FALSE);
  cb_safetensors_writer_set_metadata (w, "catbrush.config", text);
  g_assert_true (cb_safetensors_writer_write (w, dest, &error));
  g_assert_no_error (error);
}

typedef struct
{
  const char *drop;
  CbTestConfigEdit edit;
  gpointer user_data;
} CbTestCopyDrop;

G_GNUC_UNUSED static void
cb_test_copy_drop_tensor (CbSafetensorsWriter *w, const CbSafetensorsEntry *e, float *data, gpointer user_data)
{
  const CbTestCopyDrop *d = user_data;

  if (d->drop == NULL || !g_str_has_prefix (e->name, d->drop))
    cb_safetensors_writer_add (w, e->name, CB_DTYPE_F32, e->n_dims, e->shape, data);
}

G_GNUC_UNUSED static void
cb_test_copy_drop_config (JsonObject *config, gpointer user_data)
{
  const CbTestCopyDrop *d = user_data;

  if (d->edit != NULL)
    d->edit (config, d->user_data);
}

/* Copies the model src to dest in F32, without the tensors whose names start
 * with drop (NULL: keeps all), its catbrush.config passed through edit (may
 * be NULL). */
G_GNUC_UNUSED static void
cb_test_copy_model (const char *src, const char *drop, CbTestConfigEdit edit, gpointer user_data, const char *dest)
{
  CbTestCopyDrop d = { drop, edit, user_data };

  cb_test_copy_model_edited (src, cb_test_copy_drop_tensor, cb_test_copy_drop_config, &d, dest);
}
