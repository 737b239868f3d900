/* cb-file-chooser.c: file choosers, GtkFileChooserNative on GTK 4.8 and
 * GtkFileDialog on GTK ≥ 4.10
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-file-chooser.h"

#include <glib/gi18n.h>

/* GTK_CHECK_VERSION names the headers built against: one build is one branch. */
#define CB_FILE_DIALOG GTK_CHECK_VERSION (4, 10, 0)

#define CHOICE_ID "cb-choice"

struct _CbFileChooser
{
  char *title;
  CbFileChooserAction action;
  char *accept_label;
  GListStore *filters;
  char *current_name;
  char *choice_label;
  GStrv choice_ids;
  GStrv choice_labels;
  char *choice_selected;
};

typedef struct
{
  CbFileChosenFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
} Pending;

static void
pending_free (Pending *pending)
{
  if (pending->destroy != NULL)
    pending->destroy (pending->user_data);
  g_free (pending);
}

CbFileChooser *
cb_file_chooser_new (const char *title, CbFileChooserAction action, const char *accept_label)
{
  CbFileChooser *self = g_new0 (CbFileChooser, 1);

  self->title = g_strdup (title);
  self->action = action;
  self->accept_label = g_strdup (accept_label);
  self->filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  return self;
}

void
cb_file_chooser_add_filter (CbFileChooser *self, GtkFileFilter *filter)
{
  g_list_store_append (self->filters, filter);
}

void
cb_file_chooser_set_current_name (CbFileChooser *self, const char *name)
{
  g_free (self->current_name);
  self->current_name = g_strdup (name);
}

void
cb_file_chooser_set_choice (CbFileChooser *self, const char *label, const char *const *ids, const char *const *labels,
                            const char *selected)
{
  g_free (self->choice_label);
  g_strfreev (self->choice_ids);
  g_strfreev (self->choice_labels);
  g_free (self->choice_selected);
  self->choice_label = g_strdup (label);
  self->choice_ids = g_strdupv ((char **)ids);
  self->choice_labels = g_strdupv ((char **)labels);
  self->choice_selected = g_strdup (selected);
}

static void
cb_file_chooser_free (CbFileChooser *self)
{
  g_free (self->title);
  g_free (self->accept_label);
  g_object_unref (self->filters);
  g_free (self->current_name);
  g_free (self->choice_label);
  g_strfreev (self->choice_ids);
  g_strfreev (self->choice_labels);
  g_free (self->choice_selected);
  g_free (self);
}

/* ------------------------------------------------------------------ GtkFileChooserNative */

static void
pending_closure_free (gpointer data, GClosure *closure)
{
  pending_free (data);
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

static void
native_response_cb (GtkNativeDialog *native, int response, Pending *pending)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      const char *choice = g_object_get_data (G_OBJECT (native), CHOICE_ID)
                             ? gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (native), CHOICE_ID)
                             : NULL;

      if (file != NULL)
        pending->func (file, choice, pending->user_data);
    }
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}

static void
show_native (CbFileChooser *self, GtkWindow *parent, Pending *pending)
{
  static const GtkFileChooserAction actions[] = {
    [CB_FILE_CHOOSER_OPEN] = GTK_FILE_CHOOSER_ACTION_OPEN,
    [CB_FILE_CHOOSER_SAVE] = GTK_FILE_CHOOSER_ACTION_SAVE,
    [CB_FILE_CHOOSER_SELECT_FOLDER] = GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
  };
  GtkFileChooserNative *native
    = gtk_file_chooser_native_new (self->title, parent, actions[self->action], self->accept_label, _ ("_Cancel"));
  GtkFileChooser *chooser = GTK_FILE_CHOOSER (native);

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->filters)); i++)
    {
      g_autoptr (GtkFileFilter) filter = g_list_model_get_item (G_LIST_MODEL (self->filters), i);

      gtk_file_chooser_add_filter (chooser, filter);
    }
  if (self->current_name != NULL)
    gtk_file_chooser_set_current_name (chooser, self->current_name);
  if (self->choice_ids != NULL)
    {
      gtk_file_chooser_add_choice (chooser, CHOICE_ID, self->choice_label, (const char **)self->choice_ids,
                                   (const char **)self->choice_labels);
      if (self->choice_selected != NULL)
        gtk_file_chooser_set_choice (chooser, CHOICE_ID, self->choice_selected);
      g_object_set_data (G_OBJECT (native), CHOICE_ID, GINT_TO_POINTER (1));
    }
  g_signal_connect_data (native, "response", G_CALLBACK (native_response_cb), pending, pending_closure_free, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

G_GNUC_END_IGNORE_DEPRECATIONS

/* ------------------------------------------------------------------ GtkFileDialog */

#if CB_FILE_DIALOG

static void
dialog_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Pending *pending = data;
  GtkFileDialog *dialog = GTK_FILE_DIALOG (source);
  CbFileChooserAction action = GPOINTER_TO_INT (g_object_get_data (source, "cb-action"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = NULL;

  if (action == CB_FILE_CHOOSER_SAVE)
    file = gtk_file_dialog_save_finish (dialog, result, &error);
  else if (action == CB_FILE_CHOOSER_SELECT_FOLDER)
    file = gtk_file_dialog_select_folder_finish (dialog, result, &error);
  else
    file = gtk_file_dialog_open_finish (dialog, result, &error);
  /* an error is a cancel or a dismissed dialog: nothing to do */
  if (file != NULL)
    pending->func (file, NULL, pending->user_data);
  pending_free (pending);
}

static void
show_dialog (CbFileChooser *self, GtkWindow *parent, Pending *pending)
{
  g_autoptr (GtkFileDialog) dialog = gtk_file_dialog_new ();

  gtk_file_dialog_set_title (dialog, self->title);
  gtk_file_dialog_set_modal (dialog, TRUE);
  gtk_file_dialog_set_accept_label (dialog, self->accept_label);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->filters)) > 0)
    gtk_file_dialog_set_filters (dialog, G_LIST_MODEL (self->filters));
  if (self->current_name != NULL)
    gtk_file_dialog_set_initial_name (dialog, self->current_name);
  g_object_set_data (G_OBJECT (dialog), "cb-action", GINT_TO_POINTER (self->action));
  if (self->action == CB_FILE_CHOOSER_SAVE)
    gtk_file_dialog_save (dialog, parent, NULL, dialog_done_cb, pending);
  else if (self->action == CB_FILE_CHOOSER_SELECT_FOLDER)
    gtk_file_dialog_select_folder (dialog, parent, NULL, dialog_done_cb, pending);
  else
    gtk_file_dialog_open (dialog, parent, NULL, dialog_done_cb, pending);
}

#endif

void
cb_file_chooser_show (CbFileChooser *self, GtkWindow *parent, CbFileChosenFunc func, gpointer user_data,
                      GDestroyNotify destroy)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->func = func;
  pending->user_data = user_data;
  pending->destroy = destroy;
#if CB_FILE_DIALOG
  if (self->choice_ids == NULL)
    show_dialog (self, parent, pending);
  else
    show_native (self, parent, pending);
#else
  show_native (self, parent, pending);
#endif
  cb_file_chooser_free (self);
}
