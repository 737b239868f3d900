/* cb-window-classes.c: target classes: profiles, Reset to Source Classes, the remap question,
 * the Affinity and Import Target Classes dialogs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "app/gui/cb-affinity-dialog.h"
#include "app/gui/cb-alert.h"
#include "app/gui/cb-file-chooser.h"
#include "app/gui/cb-import-dialog.h"
#include "model/cb-error.h"

/* The document's classes changed (a project, a profile): palette, canvas, seeds, generator. */
void
cb_window_classes_changed (CbWindow *self)
{
  cb_palette_set_classes (self->palette, self->doc->classes);
  if (cb_class_set_get_n_classes (self->doc->classes) > 0)
    cb_canvas_set_class_id (self->canvas, (guint8)cb_class_set_get (self->doc->classes, 0)->id);
  cb_canvas_document_changed (self->canvas);
  cb_window_update_seed_entry (self);
  cb_window_update_actions (self);
  cb_window_send_profile (self);
  if (self->affinity_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->affinity_dialog));
}

static gboolean
check_profile (CbWindow *self, const CbProfile *profile, GError **error)
{
  if (self->source_classes == NULL || self->model_sha256 == NULL)
    {
      g_set_error_literal (error, CB_ERROR, CB_ERROR_INVALID,
                           _ ("No model is loaded: a target profile needs the model it was made for"));
      return FALSE;
    }
  if (!cb_profile_check_model (profile, self->model_sha256, error))
    {
      g_prefix_error (error, _ ("Made for another model: "));
      return FALSE;
    }
  if (profile->n_source != cb_class_set_get_n_classes (self->source_classes))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, _ ("The profile has %u source classes but the model has %u"),
                   profile->n_source, cb_class_set_get_n_classes (self->source_classes));
      return FALSE;
    }
  return TRUE;
}

/* Switches the painting to other classes: the map's ids mean other classes now. */
void
cb_window_switch_classes (CbWindow *self, CbProfile *profile, CbRemap remap)
{
  const CbClassSet *to = profile ? profile->target : self->source_classes;
  guint8 table[256];
  guint64 before = 0, after = 0;

  if (remap == CB_REMAP_BY_NAME)
    cb_class_remap_by_name (self->doc->classes, to, table);
  for (gsize i = 0; i < (gsize)self->doc->map->width * self->doc->map->height; i++)
    before += self->doc->map->ids[i] != CB_VOID_ID;
  cb_document_set_profile (self->doc, profile, profile ? NULL : cb_class_set_copy (self->source_classes),
                           remap == CB_REMAP_BY_NAME ? table : NULL);
  for (gsize i = 0; i < (gsize)self->doc->map->width * self->doc->map->height; i++)
    after += self->doc->map->ids[i] != CB_VOID_ID;
  if (remap == CB_REMAP_BY_NAME && after < before)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT " painted pixels were of classes that “%s” does "
                                               "not have by name, and were cleared.",
                                               before - after, to->name ? to->name : _ ("the new class set"));

      cb_window_show_message (self, text);
    }
  cb_window_mark_changed_beyond_map (self);
  cb_window_detach_from_project (self);
  self->map_dirty = TRUE;
  cb_window_classes_changed (self);
}

gboolean
cb_window_set_profile (CbWindow *self, const CbProfile *profile, CbRemap remap, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!check_profile (self, profile, &local_error))
    {
      cb_window_show_error (self, _ ("The target profile cannot be used"), local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  cb_window_switch_classes (self, cb_project_copy_profile (profile), remap);
  return TRUE;
}

gboolean
cb_window_load_profile (CbWindow *self, GFile *file, CbRemap remap, GError **error)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (CbProfile) profile = NULL;

  if (path == NULL)
    g_set_error (&local_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _ ("Only local files can be opened"));
  else
    profile = cb_profile_load (path, &local_error);
  if (profile == NULL)
    {
      cb_window_show_error (self, _ ("Could not load the target profile"), local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return cb_window_set_profile (self, profile, remap, error);
}

void
cb_window_reset_classes (CbWindow *self, CbRemap remap)
{
  if (self->doc->profile == NULL || self->source_classes == NULL)
    return;
  cb_window_switch_classes (self, NULL, remap);
}

const CbProfile *
cb_window_get_profile (CbWindow *self)
{
  return self->doc->profile;
}

static void
affinity_changed_cb (CbAffinityDialog *dialog, CbWindow *self)
{
  const CbProfile *edited = cb_affinity_dialog_get_profile (dialog);
  CbProfile *profile = self->doc->profile;

  if (profile == NULL || profile->n_source != edited->n_source
      || cb_class_set_get_n_classes (profile->target) != cb_class_set_get_n_classes (edited->target))
    return;
  memcpy (profile->affinity, edited->affinity,
          sizeof (float) * cb_class_set_get_n_classes (profile->target) * profile->n_source);
  g_clear_pointer (&profile->estimation, json_node_unref);
  if (edited->estimation != NULL)
    profile->estimation = json_node_copy (edited->estimation);
  cb_window_mark_changed_beyond_map (self);
  /* the classes stay: only the first layer changes, then a generation */
  cb_window_send_profile (self);
}

static void
affinity_fine_tune_cb (CbAffinityDialog *dialog, CbWindow *self)
{
  cb_window_show_finetune (self);
}

static void
affinity_destroy_cb (GtkWidget *dialog, CbWindow *self)
{
  cb_window_release_dialog (&self->affinity_dialog, dialog);
}

GtkWidget *
cb_window_show_affinity (CbWindow *self)
{
  if (self->doc->profile == NULL)
    return NULL;
  if (self->affinity_dialog == NULL)
    {
      cb_window_hold_dialog (&self->affinity_dialog, cb_affinity_dialog_new (GTK_WINDOW (self), self->doc->profile));
      g_signal_connect (self->affinity_dialog, "changed", G_CALLBACK (affinity_changed_cb), self);
      g_signal_connect (self->affinity_dialog, "destroy", G_CALLBACK (affinity_destroy_cb), self);
      g_signal_connect (self->affinity_dialog, "fine-tune", G_CALLBACK (affinity_fine_tune_cb), self);
    }
  gtk_window_present (GTK_WINDOW (self->affinity_dialog));
  return self->affinity_dialog;
}

/* What the painting becomes when the classes change: asked unless it is blank. */
static void
remap_response_cb (GObject *alert, int response, gpointer user_data)
{
  CbWindow *self = user_data;
  CbProfile *profile = g_object_get_data (alert, "cb-profile");
  gboolean reset = g_object_get_data (alert, "cb-reset") != NULL;
  CbRemap remap = response == GTK_RESPONSE_ACCEPT ? CB_REMAP_BY_NAME : CB_REMAP_CLEAR;

  if (response == GTK_RESPONSE_ACCEPT || response == GTK_RESPONSE_REJECT)
    {
      if (reset)
        cb_window_reset_classes (self, remap);
      else if (profile != NULL)
        cb_window_set_profile (self, profile, remap, NULL);
    }
}

static void
ask_remap (CbWindow *self, CbProfile *profile, gboolean reset)
{
  const CbClassSet *to = profile ? profile->target : self->source_classes;
  g_autofree char *heading = NULL;
  CbAlert *alert;

  /* nothing to lose: no question (the untouched starter keeps what it can by name) */
  if (cb_document_is_blank (self->doc) || cb_window_starter_untouched (self))
    {
      CbRemap remap = cb_document_is_blank (self->doc) ? CB_REMAP_CLEAR : CB_REMAP_BY_NAME;

      if (reset)
        cb_window_reset_classes (self, remap);
      else
        cb_window_set_profile (self, profile, remap, NULL);
      cb_profile_free (profile);
      return;
    }
  heading = g_strdup_printf (_ ("Paint with the classes of “%s”?"), to->name ? to->name : _ ("the new class set"));
  alert = cb_alert_new (heading, _ ("The label map's ids will mean other classes. Catbrush can keep the pixels of the "
                                    "classes that have the same name in the new classes and clear the others, or clear "
                                    "the whole painting."));
  cb_alert_add_button (alert, _ ("_Cancel"), GTK_RESPONSE_CANCEL, CB_ALERT_BUTTON_PLAIN);
  cb_alert_add_button (alert, _ ("C_lear Painting"), GTK_RESPONSE_REJECT, CB_ALERT_BUTTON_PLAIN);
  cb_alert_add_button (alert, _ ("_Keep Matching Classes"), GTK_RESPONSE_ACCEPT, CB_ALERT_BUTTON_SUGGESTED);
  cb_alert_set_default_response (alert, GTK_RESPONSE_ACCEPT);
  if (profile != NULL)
    cb_alert_set_data_full (alert, "cb-profile", profile, (GDestroyNotify)cb_profile_free);
  if (reset)
    cb_alert_set_data_full (alert, "cb-reset", GINT_TO_POINTER (1), NULL);
  cb_alert_present (alert, GTK_WINDOW (self), remap_response_cb, self);
}

static void
profile_chosen (CbWindow *self, GFile *file, const char *choice, ThenFunc then)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbProfile) profile = path ? cb_profile_load (path, &error) : NULL;

  if (profile == NULL)
    {
      if (error == NULL)
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _ ("Only local files can be opened"));
      cb_window_show_error (self, _ ("Could not load the target profile"), error);
      return;
    }
  /* refuse a profile of another model before asking anything */
  if (!check_profile (self, profile, &error))
    {
      cb_window_show_error (self, _ ("The target profile cannot be used"), error);
      return;
    }
  ask_remap (self, g_steal_pointer (&profile), FALSE);
}

void
cb_window_load_profile_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;

  cb_window_file_chooser_show (
    cb_window_file_chooser_new (_ ("Load Target Profile"), CB_FILE_CHOOSER_OPEN, _ ("_Load"), NULL, FILTER_JSON), self,
    profile_chosen, NULL);
}

void
cb_window_reset_classes_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;

  if (self->doc->profile != NULL)
    ask_remap (self, NULL, TRUE);
}

void
cb_window_affinity_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  cb_window_show_affinity (CB_WINDOW (user_data));
}

static void
import_apply_cb (CbImportDialog *dialog, const CbProfile *profile, CbWindow *self)
{
  g_autoptr (GError) error = NULL;

  if (!check_profile (self, profile, &error))
    {
      cb_window_show_error (self, _ ("The target profile cannot be used"), error);
      return;
    }
  ask_remap (self, cb_project_copy_profile (profile), FALSE);
  /* done with it: hidden, not destroyed, so that the menu brings back the matrix as it was */
  gtk_widget_set_visible (GTK_WIDGET (dialog), FALSE);
}

static void
import_destroy_cb (GtkWidget *dialog, CbWindow *self)
{
  cb_window_release_dialog (&self->import_dialog, dialog);
}

GtkWidget *
cb_window_show_import (CbWindow *self)
{
  if (self->import_dialog == NULL)
    {
      g_autoptr (GError) error = NULL;
      CbImportDialog *dialog = cb_import_dialog_new (GTK_WINDOW (self), self->model_file, &error);

      if (dialog == NULL)
        {
          cb_window_show_error (self, _ ("Target classes cannot be imported"), error);
          return NULL;
        }
      cb_window_hold_dialog (&self->import_dialog, GTK_WIDGET (dialog));
      g_signal_connect (dialog, "apply", G_CALLBACK (import_apply_cb), self);
      g_signal_connect (dialog, "destroy", G_CALLBACK (import_destroy_cb), self);
    }
  gtk_window_present (GTK_WINDOW (self->import_dialog));
  return self->import_dialog;
}

void
cb_window_import_classes_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  cb_window_show_import (CB_WINDOW (user_data));
}
