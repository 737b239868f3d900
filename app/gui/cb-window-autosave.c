/* cb-window-autosave.c: the autosave slot, its timer, and the restore question after a crash
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-window-private.h"

#include <glib/gi18n.h>

#include "app/gui/cb-alert.h"
#include "app/gui/cb-autosave.h"
#include "model/cb-error.h"

gboolean
cb_window_autosave (CbWindow *self, GError **error)
{
  g_autoptr (CbProject) project = NULL;

  if (self->autosave == NULL)
    {
      g_set_error_literal (error, CB_ERROR, CB_ERROR_IO, _ ("No autosave slot"));
      return FALSE;
    }
  project = cb_document_to_project (self->doc, self->model_file, self->model_sha256, self->image);
  if (!cb_project_save (project, cb_autosave_get_path (self->autosave), error))
    return FALSE;
  self->autosave_dirty = FALSE;
  return TRUE;
}

const char *
cb_window_get_autosave_path (CbWindow *self)
{
  return self->autosave ? cb_autosave_get_path (self->autosave) : NULL;
}

static gboolean
autosave_tick_cb (gpointer data)
{
  CbWindow *self = data;
  g_autoptr (GError) error = NULL;

  if (!self->autosave_dirty || self->restore_pending || !self->doc->modified)
    return G_SOURCE_CONTINUE;
  if (!cb_window_autosave (self, &error))
    {
      cb_window_show_error (self, _ ("Could not autosave"), error);
      self->autosave_dirty = FALSE; /* say it once per change, not every 30 s */
    }
  return G_SOURCE_CONTINUE;
}

static void
restore_response_cb (GObject *alert, int response, gpointer user_data)
{
  CbWindow *self = user_data;
  g_autoptr (GError) error = NULL;

  self->restore_pending = FALSE;
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (CbProject) project = cb_project_load (cb_autosave_get_path (self->autosave), &error);

      if (project == NULL)
        {
          cb_window_show_error (self, _ ("The autosaved painting could not be restored"), error);
          return;
        }
      cb_window_apply_project (self, project);
      /* restored work is unsaved work: untitled, modified, and autosaved again */
      g_clear_object (&self->doc->project_file);
      g_clear_object (&self->doc->label_file);
      cb_document_mark_unsaved (self->doc);
      self->autosave_dirty = TRUE;
      cb_window_update_title (self);
    }
  else if (response == GTK_RESPONSE_REJECT)
    cb_autosave_remove (self->autosave);
}

/* After a crash or a kill the autosave is still there: ask. */
void
cb_window_offer_restore (CbWindow *self)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (GFileInfo) info = NULL;
  g_autofree char *when = NULL;
  g_autofree char *body = NULL;
  CbAlert *alert;

  if (self->autosave == NULL || !cb_autosave_exists (self->autosave) || self->restore_pending)
    return;
  file = g_file_new_for_path (cb_autosave_get_path (self->autosave));
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_TIME_MODIFIED, G_FILE_QUERY_INFO_NONE, NULL, NULL);
  if (info != NULL)
    {
      g_autoptr (GDateTime) time = g_file_info_get_modification_date_time (info);
      g_autoptr (GDateTime) local = time ? g_date_time_to_local (time) : NULL;

      if (local != NULL)
        when = g_date_time_format (local, "%x %X");
    }
  self->restore_pending = TRUE;
  body = g_strdup_printf (_ ("Catbrush did not close normally. A painting autosaved %s%s can be restored; "
                             "discarding it deletes it."),
                          when ? "on " : "", when ? when : "before");
  alert = cb_alert_new (_ ("Restore the unsaved painting?"), body);
  cb_alert_add_button (alert, _ ("_Discard"), GTK_RESPONSE_REJECT, CB_ALERT_BUTTON_DESTRUCTIVE);
  cb_alert_add_button (alert, _ ("_Restore"), GTK_RESPONSE_ACCEPT, CB_ALERT_BUTTON_SUGGESTED);
  cb_alert_set_default_response (alert, GTK_RESPONSE_ACCEPT);
  cb_alert_set_data_full (alert, "cb-restore", GINT_TO_POINTER (1), NULL);
  cb_alert_present (alert, GTK_WINDOW (self), restore_response_cb, self);
}

/* The window's autosave slot and its timer (every CB_AUTOSAVE_INTERVAL_S,
 * or $CATBRUSH_AUTOSAVE_INTERVAL seconds; 0: none). */
void
cb_window_autosave_start (CbWindow *self)
{
  g_autoptr (GError) error = NULL;
  const char *interval = g_getenv ("CATBRUSH_AUTOSAVE_INTERVAL");
  guint64 seconds = CB_AUTOSAVE_INTERVAL_S;

  self->autosave = cb_autosave_claim (&error);
  if (self->autosave == NULL)
    cb_window_show_error (self, _ ("Paintings will not be autosaved"), error);
  if (interval != NULL && !g_ascii_string_to_unsigned (interval, 10, 0, 24 * 3600, &seconds, NULL))
    seconds = CB_AUTOSAVE_INTERVAL_S;
  if (seconds > 0)
    self->autosave_id = g_timeout_add_seconds ((guint)seconds, autosave_tick_cb, self);
}
