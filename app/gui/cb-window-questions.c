/* cb-window-questions.c: the close/replace question: save, discard or cancel before the painting goes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-window-private.h"

#include <glib/gi18n.h>

#include "app/gui/cb-alert.h"

typedef struct
{
  ThenFunc then;
} Then;

static void
confirm_response_cb (GObject *alert, int response, gpointer user_data)
{
  CbWindow *self = user_data;
  Then *then = g_object_get_data (alert, "cb-then");
  ThenFunc func = then->then;

  if (response == GTK_RESPONSE_ACCEPT)
    func (self);
  else if (response == GTK_RESPONSE_APPLY)
    {
      if (self->doc->project_file != NULL)
        {
          cb_window_save_async (self, self->doc->project_file, TRUE, func, NULL, NULL);
        }
      else
        cb_window_show_save_project_dialog (self, func);
    }
}

/* Runs then() now, or after the person saved or agreed to lose unsaved changes. */
void
cb_window_confirm_discard (CbWindow *self, ThenFunc then)
{
  g_autofree char *name = NULL;
  g_autofree char *heading = NULL;
  CbAlert *alert;
  Then *holder;

  if (!self->doc->modified)
    {
      then (self);
      return;
    }
  if (self->doc->project_file != NULL)
    name = g_file_get_basename (self->doc->project_file);
  else if (self->doc->label_file != NULL)
    name = g_file_get_basename (self->doc->label_file);
  heading = g_strdup_printf (_ ("Save the changes to “%s”?"), name ? name : _ ("Untitled"));
  alert = cb_alert_new (heading, _ ("The painting has unsaved changes (label map, classes, seeds). If you don't save, "
                                    "they will be lost."));
  cb_alert_add_button (alert, _ ("_Cancel"), GTK_RESPONSE_CANCEL, CB_ALERT_BUTTON_PLAIN);
  cb_alert_add_button (alert, _ ("_Discard"), GTK_RESPONSE_ACCEPT, CB_ALERT_BUTTON_DESTRUCTIVE);
  cb_alert_add_button (alert, self->doc->project_file ? _ ("_Save") : _ ("_Save As…"), GTK_RESPONSE_APPLY,
                       CB_ALERT_BUTTON_SUGGESTED);
  cb_alert_set_default_response (alert, GTK_RESPONSE_APPLY);
  holder = g_new (Then, 1);
  holder->then = then;
  cb_alert_set_data_full (alert, "cb-then", holder, g_free);
  cb_alert_present (alert, GTK_WINDOW (self), confirm_response_cb, self);
}
