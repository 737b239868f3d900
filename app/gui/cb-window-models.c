/* cb-window-models.c: models: the model menu, switching (a second worker loads meanwhile), the
 * OASIS import and Fine-tune dialogs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "app/gui/cb-alert.h"
#include "app/gui/cb-file-chooser.h"
#include "app/gui/cb-finetune-dialog.h"
#include "app/gui/cb-model-list.h"
#include "app/gui/cb-oasis-dialog.h"
#include "app/gui/cb-variations.h"

static void refresh_models (CbWindow *self);

/* What the worker said about its model: path, hash, classes, card, device. */
void
cb_window_take_model_info (CbWindow *self, const CbGenWorkerInfo *info)
{
  self->model_ready = TRUE;
  g_free (self->model_file);
  self->model_file = g_strdup (info->model_path);
  g_free (self->model_sha256);
  self->model_sha256 = g_strdup (info->model_sha256);
  g_clear_pointer (&self->source_classes, cb_class_set_free);
  if (info->classes != NULL)
    self->source_classes = cb_class_set_copy (info->classes);
  g_free (self->model_card);
  self->model_card = g_strdup (info->model_card);

  if (info->device_description != NULL)
    {
      g_autofree char *text = NULL;

      if (info->cpu_device && strstr (info->device_description, "CPU") == NULL)
        text = g_strdup_printf (_ ("%s (CPU device)"), info->device_description);
      else
        text = g_strdup (info->device_description);
      gtk_label_set_text (GTK_LABEL (self->device_label), text);
      gtk_widget_set_tooltip_text (self->device_label,
                                   info->cpu_device ? _ ("Images are computed on the CPU: expect seconds per image")
                                                    : _ ("Images are computed on the GPU"));
    }
  else
    gtk_label_set_text (GTK_LABEL (self->device_label), _ ("No generator"));
  refresh_models (self);
}

char *
cb_window_model_display_name (const char *path)
{
  g_autoptr (GPtrArray) models = cb_model_list_scan (path);
  int i = cb_model_list_find (models, path);

  if (i < 0)
    return g_path_get_basename (path);
  return g_strdup (((CbModelEntry *)g_ptr_array_index (models, i))->name);
}

/* The model menu: the list as it is on disk now, the current model checked. */
static void
refresh_models (CbWindow *self)
{
  g_autoptr (GPtrArray) models = cb_model_list_scan (self->model_file);
  g_autoptr (GMenuModel) menu = cb_model_list_to_menu (models);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "model");
  int current = cb_model_list_find (models, self->model_file);
  const char *path = current >= 0 ? ((CbModelEntry *)g_ptr_array_index (models, (guint)current))->path : "";
  g_autofree char *tooltip = NULL;

  if (self->model_button == NULL)
    return;
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (path));
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->model_button), menu);
  if (self->pending_worker != NULL)
    {
      g_autofree char *name = cb_window_model_display_name (self->pending_model);
      g_autofree char *label = g_strdup_printf (_ ("Loading %s…"), name);

      gtk_menu_button_set_label (GTK_MENU_BUTTON (self->model_button), label);
    }
  else
    gtk_menu_button_set_label (GTK_MENU_BUTTON (self->model_button),
                               current >= 0 ? ((CbModelEntry *)g_ptr_array_index (models, (guint)current))->name
                                            : _ ("No Model"));
  tooltip
    = g_strdup_printf (_ ("The model that makes the images: %s"), self->model_file ? self->model_file : _ ("none"));
  gtk_widget_set_tooltip_text (self->model_button, tooltip);
}

static void
pending_ready_cb (const CbGenWorkerInfo *info, gpointer user_data)
{
  CbWindow *self = user_data;
  g_autoptr (GFile) project = g_steal_pointer (&self->pending_project);
  CbGenWorker *old;

  if (info->error != NULL || info->classes == NULL)
    {
      g_autofree char *name = g_path_get_basename (self->pending_model);
      g_autofree char *what = g_strdup_printf (_ ("Could not switch to “%s”; the current model stays"), name);

      /* inside this worker's own delivery: freeing it is safe (the delivery holds a reference) */
      g_clear_pointer (&self->pending_worker, cb_gen_worker_free);
      g_clear_pointer (&self->pending_model, g_free);
      refresh_models (self);
      cb_window_show_error (self, what, info->error);
      return;
    }

  /* the new worker takes over; the old one stops (after a generation it is running) */
  old = self->worker;
  self->worker = g_steal_pointer (&self->pending_worker);
  g_clear_pointer (&self->pending_model, g_free);
  cb_gen_worker_free (old);
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  self->requested_serial = self->shown_serial = self->profile_serial = 0;
  cb_variations_start (CB_VARIATIONS (self->variations), 0, NULL, 0); /* the old worker's batch is gone */
  cb_gen_worker_set_variation_func (self->worker, cb_window_worker_variation_cb);
  gtk_spinner_stop (GTK_SPINNER (self->spinner));
  gtk_widget_set_visible (self->spinner, FALSE);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->model_banner), FALSE);
  cb_window_take_model_info (self, info);
  self->native_width = info->native_width;
  self->native_height = info->native_height;
  /* dialogs made for the old model */
  if (self->import_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->import_dialog));

  if (project != NULL)
    {
      g_autoptr (GError) error = NULL;

      cb_document_set_profile (self->doc, NULL, cb_class_set_copy (self->source_classes), NULL);
      cb_window_classes_changed (self);
      if (!cb_window_open_project (self, project, FALSE, &error) && error != NULL)
        cb_window_show_error (self, _ ("The project still does not match the model"), error);
      return;
    }
  if (cb_window_document_untouched (self) && self->native_width > 0 && self->native_height > 0)
    {
      cb_document_set_profile (self->doc, NULL, cb_class_set_copy (self->source_classes), NULL);
      cb_window_place_starter_scene (self, self->native_width * 2, self->native_height * 2);
      cb_window_classes_changed (self);
      cb_canvas_zoom_fit (self->canvas);
      self->doc->modified = FALSE;
      cb_window_update_title (self);
      return;
    }
  /* like Reset to Source Classes: the painting's ids go to the new model's classes by name */
  cb_window_switch_classes (self, NULL, self->pending_remap);
}

void
cb_window_switch_model (CbWindow *self, const char *path, CbRemap remap, GFile *then_open)
{
  g_return_if_fail (path != NULL);

  g_clear_pointer (&self->pending_worker, cb_gen_worker_free);
  g_free (self->pending_model);
  self->pending_model = g_strdup (path);
  self->pending_remap = remap;
  g_clear_object (&self->pending_project);
  if (then_open != NULL)
    self->pending_project = g_object_ref (then_open);
  /* loaded off the main thread; the current model paints until this one is ready */
  self->pending_worker = cb_gen_worker_new (path, pending_ready_cb, cb_window_worker_result_cb, self);
  cb_gen_worker_set_profile_func (self->pending_worker, cb_window_worker_profile_cb);
  refresh_models (self);
}

gboolean
cb_window_is_switching_model (CbWindow *self)
{
  return self->pending_worker != NULL;
}

const char *
cb_window_get_model_path (CbWindow *self)
{
  return self->model_file;
}

char *
cb_window_find_project_model (CbWindow *self, GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (CbProject) project = path ? cb_project_load (path, NULL) : NULL;
  g_autoptr (GPtrArray) models = NULL;
  g_autofree char *base = NULL;

  if (project == NULL || project->model_path == NULL || !cb_window_model_differs (self, project->model_sha256))
    return NULL;
  models = cb_model_list_scan (NULL);
  if (g_file_test (project->model_path, G_FILE_TEST_IS_REGULAR))
    return g_strdup (project->model_path);
  /* moved since: a model of the list with the same file name */
  base = g_path_get_basename (project->model_path);
  for (guint i = 0; i < models->len; i++)
    {
      const CbModelEntry *entry = g_ptr_array_index (models, i);
      g_autofree char *entry_base = g_path_get_basename (entry->path);

      if (g_str_equal (base, entry_base))
        return g_strdup (entry->path);
    }
  return NULL;
}

static void
model_remap_response_cb (GObject *alert, int response, gpointer user_data)
{
  CbWindow *self = user_data;
  const char *path = g_object_get_data (alert, "cb-model");

  if (response == GTK_RESPONSE_ACCEPT || response == GTK_RESPONSE_REJECT)
    cb_window_switch_model (self, path, response == GTK_RESPONSE_ACCEPT ? CB_REMAP_BY_NAME : CB_REMAP_CLEAR, NULL);
}

/* The same question as for target classes: the painting's ids will mean the new model's classes. */
static void
ask_switch_model (CbWindow *self, const char *path)
{
  g_autofree char *name = cb_window_model_display_name (path);
  g_autofree char *heading = NULL;
  CbAlert *alert;

  /* an untouched starter scene is painted anew in the new model's classes */
  if (cb_document_is_blank (self->doc) || cb_window_starter_untouched (self))
    {
      cb_window_switch_model (self, path, CB_REMAP_CLEAR, NULL);
      return;
    }
  heading = g_strdup_printf (_ ("Paint with the model “%s”?"), name);
  alert
    = cb_alert_new (heading, _ ("The label map's ids will mean the new model's classes. Catbrush can keep the pixels "
                                "of the classes that have the same name in the new model and clear the others, or "
                                "clear the whole painting. A target profile belongs to the current model and is "
                                "dropped; its classes are matched by name too (a model fine-tuned on them keeps "
                                "the painting). If the model cannot be loaded, nothing changes."));
  cb_alert_add_button (alert, _ ("_Cancel"), GTK_RESPONSE_CANCEL, CB_ALERT_BUTTON_PLAIN);
  cb_alert_add_button (alert, _ ("C_lear Painting"), GTK_RESPONSE_REJECT, CB_ALERT_BUTTON_PLAIN);
  cb_alert_add_button (alert, _ ("_Keep Matching Classes"), GTK_RESPONSE_ACCEPT, CB_ALERT_BUTTON_SUGGESTED);
  cb_alert_set_default_response (alert, GTK_RESPONSE_ACCEPT);
  cb_alert_set_data_full (alert, "cb-model", g_strdup (path), g_free);
  cb_alert_present (alert, GTK_WINDOW (self), model_remap_response_cb, self);
}

void
cb_window_model_change_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  CbWindow *self = user_data;
  const char *path = g_variant_get_string (value, NULL);
  g_autoptr (GPtrArray) current = NULL;

  /* the state follows the model actually loaded (refresh_models), not the click */
  if (*path == '\0')
    return;
  if (self->model_file != NULL)
    {
      current = g_ptr_array_new_with_free_func ((GDestroyNotify)cb_model_entry_free);
      g_ptr_array_add (current, g_new0 (CbModelEntry, 1));
      ((CbModelEntry *)current->pdata[0])->path = g_strdup (self->model_file);
      if (cb_model_list_find (current, path) == 0 && self->pending_worker == NULL)
        return;
    }
  ask_switch_model (self, path);
}

static void
oasis_imported_cb (CbOasisDialog *dialog, const char *path, CbWindow *self)
{
  refresh_models (self);
}

static void
finetune_done_cb (CbFinetuneDialog *dialog, const char *path, CbWindow *self)
{
  refresh_models (self);
}

static void
finetune_switch_cb (CbFinetuneDialog *dialog, const char *path, CbWindow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (dialog), FALSE);
  ask_switch_model (self, path);
}

static void
finetune_destroy_cb (GtkWidget *dialog, CbWindow *self)
{
  cb_window_release_dialog (&self->finetune_dialog, dialog);
}

GtkWidget *
cb_window_show_finetune (CbWindow *self)
{
  /* an idle dialog may hold an older profile or model: made again */
  if (self->finetune_dialog != NULL && !cb_finetune_dialog_is_busy (CB_FINETUNE_DIALOG (self->finetune_dialog)))
    gtk_window_destroy (GTK_WINDOW (self->finetune_dialog));
  if (self->finetune_dialog == NULL)
    {
      if (self->doc->profile == NULL)
        return NULL;
      cb_window_hold_dialog (&self->finetune_dialog,
                             cb_finetune_dialog_new (GTK_WINDOW (self), self->model_file, self->doc->profile));
      g_signal_connect (self->finetune_dialog, "done", G_CALLBACK (finetune_done_cb), self);
      g_signal_connect (self->finetune_dialog, "switch", G_CALLBACK (finetune_switch_cb), self);
      g_signal_connect (self->finetune_dialog, "destroy", G_CALLBACK (finetune_destroy_cb), self);
    }
  gtk_window_present (GTK_WINDOW (self->finetune_dialog));
  return self->finetune_dialog;
}

static void
oasis_destroy_cb (GtkWidget *dialog, CbWindow *self)
{
  cb_window_release_dialog (&self->oasis_dialog, dialog);
}

GtkWidget *
cb_window_show_import_model (CbWindow *self)
{
  if (self->oasis_dialog == NULL)
    {
      cb_window_hold_dialog (&self->oasis_dialog, cb_oasis_dialog_new (GTK_WINDOW (self)));
      g_signal_connect (self->oasis_dialog, "imported", G_CALLBACK (oasis_imported_cb), self);
      g_signal_connect (self->oasis_dialog, "destroy", G_CALLBACK (oasis_destroy_cb), self);
    }
  gtk_window_present (GTK_WINDOW (self->oasis_dialog));
  return self->oasis_dialog;
}

void
cb_window_import_model_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  cb_window_show_import_model (CB_WINDOW (user_data));
}

static void
model_file_chosen (CbWindow *self, GFile *file, const char *choice, ThenFunc then)
{
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    ask_switch_model (self, path);
}

void
cb_window_open_model_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;

  cb_window_file_chooser_show (
    cb_window_file_chooser_new (_ ("Open Model File"), CB_FILE_CHOOSER_OPEN, _ ("_Open"), NULL, FILTER_MODEL), self,
    model_file_chosen, NULL);
}
