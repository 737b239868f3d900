/* cb-alert.c: questions and errors over a window, GtkMessageDialog on GTK 4.8
 * and GtkAlertDialog on GTK ≥ 4.10
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-alert.h"

#include <glib/gi18n.h>

/* GTK_CHECK_VERSION names the headers built against: one build is one branch. */
#define CB_ALERT_DIALOG GTK_CHECK_VERSION (4, 10, 0)

struct _CbAlert
{
#if CB_ALERT_DIALOG
  GtkAlertDialog *dialog;
  char *body;
  char *details;
  GPtrArray *labels;
  GArray *responses;
  int default_response;
#else
  GtkWidget *dialog; /* a GtkMessageDialog */
#endif
};

typedef struct
{
  CbAlertFunc func;
  gpointer user_data;
#if CB_ALERT_DIALOG
  GtkAlertDialog *dialog;
  GArray *responses;
#endif
} Pending;

#if CB_ALERT_DIALOG

CbAlert *
cb_alert_new (const char *heading, const char *body)
{
  CbAlert *self = g_new0 (CbAlert, 1);

  self->dialog = gtk_alert_dialog_new ("%s", heading);
  gtk_alert_dialog_set_modal (self->dialog, TRUE);
  self->body = g_strdup (body);
  self->labels = g_ptr_array_new_with_free_func (g_free);
  self->responses = g_array_new (FALSE, FALSE, sizeof (int));
  self->default_response = GTK_RESPONSE_NONE;
  return self;
}

void
cb_alert_add_button (CbAlert *self, const char *label, int response, CbAlertButtonStyle style)
{
  g_ptr_array_add (self->labels, g_strdup (label));
  g_array_append_val (self->responses, response);
}

void
cb_alert_set_default_response (CbAlert *self, int response)
{
  self->default_response = response;
}

void
cb_alert_set_details (CbAlert *self, const char *details)
{
  g_free (self->details);
  self->details = g_strdup (details);
}

void
cb_alert_set_data_full (CbAlert *self, const char *key, gpointer data, GDestroyNotify destroy)
{
  g_object_set_data_full (G_OBJECT (self->dialog), key, data, destroy);
}

static void
choose_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Pending *pending = data;
  g_autoptr (GError) error = NULL;
  int index = gtk_alert_dialog_choose_finish (GTK_ALERT_DIALOG (source), result, &error);
  int response = GTK_RESPONSE_DELETE_EVENT;

  if (index >= 0 && (guint)index < pending->responses->len)
    response = g_array_index (pending->responses, int, index);
  if (pending->func != NULL)
    pending->func (source, response, pending->user_data);
  g_array_unref (pending->responses);
  g_object_unref (pending->dialog);
  g_free (pending);
}

void
cb_alert_present (CbAlert *self, GtkWindow *parent, CbAlertFunc func, gpointer user_data)
{
  Pending *pending = g_new0 (Pending, 1);
  g_autofree char *detail = NULL;

  if (self->details != NULL)
    detail = g_strconcat (self->body ? self->body : "", self->body ? "\n\n" : "", self->details, NULL);
  gtk_alert_dialog_set_detail (self->dialog, detail ? detail : self->body);
  g_ptr_array_add (self->labels, NULL);
  gtk_alert_dialog_set_buttons (self->dialog, (const char *const *)self->labels->pdata);
  for (guint i = 0; i < self->responses->len; i++)
    {
      int response = g_array_index (self->responses, int, i);

      if (response == GTK_RESPONSE_CANCEL || response == GTK_RESPONSE_CLOSE)
        gtk_alert_dialog_set_cancel_button (self->dialog, (int)i);
      if (response == self->default_response)
        gtk_alert_dialog_set_default_button (self->dialog, (int)i);
    }
  pending->func = func;
  pending->user_data = user_data;
  pending->dialog = self->dialog;
  pending->responses = self->responses;
  gtk_alert_dialog_choose (self->dialog, parent, NULL, choose_cb, pending);
  g_ptr_array_unref (self->labels);
  g_free (self->body);
  g_free (self->details);
  g_free (self);
}

#else /* GTK 4.8 */

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

CbAlert *
cb_alert_new (const char *heading, const char *body)
{
  CbAlert *self = g_new0 (CbAlert, 1);

  self->dialog = gtk_message_dialog_new (NULL, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT, GTK_MESSAGE_QUESTION,
                                         GTK_BUTTONS_NONE, "%s", heading);
  if (body != NULL)
    gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (self->dialog), "%s", body);
  return self;
}

void
cb_alert_add_button (CbAlert *self, const char *label, int response, CbAlertButtonStyle style)
{
  GtkWidget *button = gtk_dialog_add_button (GTK_DIALOG (self->dialog), label, response);

  if (style == CB_ALERT_BUTTON_SUGGESTED)
    gtk_widget_add_css_class (button, "suggested-action");
  else if (style == CB_ALERT_BUTTON_DESTRUCTIVE)
    gtk_widget_add_css_class (button, "destructive-action");
}

void
cb_alert_set_default_response (CbAlert *self, int response)
{
  gtk_dialog_set_default_response (GTK_DIALOG (self->dialog), response);
}

/* behind an expander rather than a wall of text */
void
cb_alert_set_details (CbAlert *self, const char *details)
{
  GtkWidget *area = gtk_message_dialog_get_message_area (GTK_MESSAGE_DIALOG (self->dialog));
  GtkWidget *label = gtk_label_new (details);
  GtkWidget *expander = gtk_expander_new_with_mnemonic (_ ("_Details"));

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 60);
  gtk_expander_set_child (GTK_EXPANDER (expander), label);
  gtk_box_append (GTK_BOX (area), expander);
}

void
cb_alert_set_data_full (CbAlert *self, const char *key, gpointer data, GDestroyNotify destroy)
{
  g_object_set_data_full (G_OBJECT (self->dialog), key, data, destroy);
}

static void
pending_free (gpointer data, GClosure *closure)
{
  g_free (data);
}

static void
response_cb (GtkDialog *dialog, int response, Pending *pending)
{
  CbAlertFunc func = pending->func;
  gpointer user_data = pending->user_data;

  /* func may close and finalize the parent: the alert must not point at it any more;
   * the reference keeps the data set on it until func is done */
  g_object_ref (dialog);
  g_signal_handlers_disconnect_matched (dialog, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, pending);
  gtk_window_set_transient_for (GTK_WINDOW (dialog), NULL);
  gtk_window_destroy (GTK_WINDOW (dialog));
  if (func != NULL)
    func (G_OBJECT (dialog), response, user_data);
  g_object_unref (dialog);
}

void
cb_alert_present (CbAlert *self, GtkWindow *parent, CbAlertFunc func, gpointer user_data)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->func = func;
  pending->user_data = user_data;
  gtk_window_set_transient_for (GTK_WINDOW (self->dialog), parent);
  g_signal_connect_data (self->dialog, "response", G_CALLBACK (response_cb), pending, pending_free, 0);
  gtk_window_present (GTK_WINDOW (self->dialog));
  g_free (self);
}

G_GNUC_END_IGNORE_DEPRECATIONS

#endif

void
cb_alert_show_error (GtkWindow *parent, const char *heading, const char *message)
{
  CbAlert *alert = cb_alert_new (heading, message);

  cb_alert_add_button (alert, _ ("_Close"), GTK_RESPONSE_CLOSE, CB_ALERT_BUTTON_PLAIN);
  cb_alert_set_default_response (alert, GTK_RESPONSE_CLOSE);
  cb_alert_present (alert, parent, NULL, NULL);
}
