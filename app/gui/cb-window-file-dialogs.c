/* cb-window-file-dialogs.c: the file choosers of Open, Save, Save As, Save Label Map and the exports,
 * and what is done with the chosen file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-window-private.h"

#include <glib/gi18n.h>
#include <string.h>
#include <stdlib.h>

#include "app/gui/cb-alert.h"
#include "app/gui/cb-file-chooser.h"
#include "model/cb-error.h"

typedef struct
{
  CbWindow *self;
  FileChosenFunc func;
  ThenFunc then;
} FileChosen;

static void
file_chosen_cb (GFile *file, const char *choice, gpointer user_data)
{
  FileChosen *chosen = user_data;

  chosen->func (chosen->self, file, choice, chosen->then);
}

static void
add_filter (CbFileChooser *chooser, const char *name, const char *mime_type, const char *suffix)
{
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  if (mime_type != NULL)
    gtk_file_filter_add_mime_type (filter, mime_type);
  gtk_file_filter_add_suffix (filter, suffix);
  cb_file_chooser_add_filter (chooser, filter);
}

CbFileChooser *
cb_window_file_chooser_new (const char *title, CbFileChooserAction action, const char *accept,
                            const char *suggested_name, guint filters)
{
  CbFileChooser *chooser = cb_file_chooser_new (title, action, accept);

  if ((filters & FILTER_PNG) && (filters & FILTER_PROJECT))
    {
      g_autoptr (GtkFileFilter) all = gtk_file_filter_new ();

      gtk_file_filter_set_name (all, _ ("Projects and label maps"));
      gtk_file_filter_add_suffix (all, "catbrush");
      gtk_file_filter_add_mime_type (all, "image/png");
      gtk_file_filter_add_suffix (all, "png");
      cb_file_chooser_add_filter (chooser, all);
    }
  if (filters & FILTER_PROJECT)
    add_filter (chooser, _ ("Catbrush projects"), NULL, "catbrush");
  if (filters & FILTER_PNG)
    add_filter (chooser, _ ("PNG images"), "image/png", "png");
  if (filters & FILTER_JSON)
    add_filter (chooser, _ ("Target profiles (JSON)"), "application/json", "json");
  if (filters & FILTER_MODEL)
    add_filter (chooser, _ ("Catbrush models (safetensors)"), NULL, "safetensors");
  if (action == CB_FILE_CHOOSER_OPEN)
    {
      /* a file with another suffix is read by its content and refused with a reason */
      g_autoptr (GtkFileFilter) any = gtk_file_filter_new ();

      gtk_file_filter_set_name (any, _ ("All files"));
      gtk_file_filter_add_pattern (any, "*");
      cb_file_chooser_add_filter (chooser, any);
    }
  if (suggested_name != NULL)
    cb_file_chooser_set_current_name (chooser, suggested_name);
  return chooser;
}

void
cb_window_file_chooser_show (CbFileChooser *chooser, CbWindow *self, FileChosenFunc func, ThenFunc then)
{
  FileChosen *chosen = g_new (FileChosen, 1);

  chosen->self = self;
  chosen->func = func;
  chosen->then = then;
  cb_file_chooser_show (chooser, GTK_WINDOW (self), file_chosen_cb, chosen, g_free);
}

static void
open_mismatch_response_cb (GObject *alert, int response, gpointer user_data)
{
  CbWindow *self = user_data;
  GFile *file = g_object_get_data (alert, "cb-file");
  const char *model = g_object_get_data (alert, "cb-model");

  if (response == GTK_RESPONSE_ACCEPT)
    cb_window_open_async (self, file, TRUE, NULL, NULL);
  else if (response == GTK_RESPONSE_YES && model != NULL)
    cb_window_switch_model (self, model, CB_REMAP_CLEAR, file);
}

static void
open_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CbWindow *self = CB_WINDOW (source);
  g_autoptr (GFile) file = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *model = NULL;
  g_autofree char *body = NULL;
  CbAlert *alert;

  if (cb_window_open_file_finish (self, result, &error) || !g_error_matches (error, CB_ERROR, CB_ERROR_MISMATCH))
    return;
  if (!cb_window_is_project_file (file))
    return;
  /* a project made with another model: say so, offer to go on with this one */
  body = g_strdup_printf (_ ("%s.\n\nWith the current model, classes it does not know are cleared, a target profile is "
                             "left out, and the images will differ."),
                          error->message);
  alert = cb_alert_new (_ ("This project was made with another model"), body);
  cb_alert_add_button (alert, _ ("_Cancel"), GTK_RESPONSE_CANCEL, CB_ALERT_BUTTON_PLAIN);
  model = cb_window_find_project_model (self, file);
  cb_alert_add_button (alert, _ ("C_ontinue with the Current Model"), GTK_RESPONSE_ACCEPT,
                       model ? CB_ALERT_BUTTON_PLAIN : CB_ALERT_BUTTON_SUGGESTED);
  /* the model it was made with is at hand: offer it first */
  if (model != NULL)
    {
      g_autofree char *name = cb_window_model_display_name (model);
      g_autofree char *label = g_strdup_printf (_ ("_Switch to “%s”"), name);

      cb_alert_add_button (alert, label, GTK_RESPONSE_YES, CB_ALERT_BUTTON_SUGGESTED);
      cb_alert_set_default_response (alert, GTK_RESPONSE_YES);
      cb_alert_set_data_full (alert, "cb-model", g_steal_pointer (&model), g_free);
    }
  cb_alert_set_data_full (alert, "cb-file", g_object_ref (file), g_object_unref);
  cb_alert_present (alert, GTK_WINDOW (self), open_mismatch_response_cb, self);
}

static void
open_chosen (CbWindow *self, GFile *file, const char *choice, ThenFunc then)
{
  cb_window_open_file_async (self, file, open_done_cb, g_object_ref (file));
}

static void
save_labels_chosen (CbWindow *self, GFile *file, const char *choice, ThenFunc then)
{
  cb_window_save_async (self, file, FALSE, NULL, NULL, NULL);
}

static void
save_project_chosen (CbWindow *self, GFile *file, const char *choice, ThenFunc then)
{
  cb_window_save_async (self, file, TRUE, then, NULL, NULL);
}

static void
export_labels_chosen (CbWindow *self, GFile *file, const char *choice, ThenFunc then)
{
  cb_window_export_labels_async (self, file, NULL, NULL);
}

static void
export_image_chosen (CbWindow *self, GFile *file, const char *choice, ThenFunc then)
{
  guint factor = choice ? (guint)atoi (choice) : 1;

  cb_window_export_image_async (self, file, factor, NULL, NULL);
}

static char *
suggested_project_name (CbWindow *self)
{
  g_autofree char *base = NULL;
  char *dot;

  if (self->doc->project_file != NULL)
    return g_file_get_basename (self->doc->project_file);
  if (self->doc->label_file == NULL)
    return g_strdup ("Untitled" CB_PROJECT_SUFFIX);
  base = g_file_get_basename (self->doc->label_file);
  if ((dot = strrchr (base, '.')) != NULL)
    *dot = '\0';
  return g_strconcat (base, CB_PROJECT_SUFFIX, NULL);
}

void
cb_window_show_save_project_dialog (CbWindow *self, ThenFunc then)
{
  g_autofree char *name = suggested_project_name (self);

  cb_window_file_chooser_show (
    cb_window_file_chooser_new (_ ("Save Project"), CB_FILE_CHOOSER_SAVE, _ ("_Save"), name, FILTER_PROJECT), self,
    save_project_chosen, then);
}

static void
show_open_dialog (CbWindow *self)
{
  cb_window_file_chooser_show (cb_window_file_chooser_new (_ ("Open Project or Label Map"), CB_FILE_CHOOSER_OPEN,
                                                           _ ("_Open"), NULL, FILTER_PROJECT | FILTER_PNG),
                               self, open_chosen, NULL);
}

void
cb_window_open_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  cb_window_confirm_discard (CB_WINDOW (user_data), show_open_dialog);
}

void
cb_window_save_as_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  cb_window_show_save_project_dialog (CB_WINDOW (user_data), NULL);
}

void
cb_window_save_labels_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;
  g_autofree char *name = self->doc->label_file ? g_file_get_basename (self->doc->label_file) : NULL;

  cb_window_file_chooser_show (cb_window_file_chooser_new (_ ("Save Label Map"), CB_FILE_CHOOSER_SAVE, _ ("_Save"),
                                                           name ? name : "labels.png", FILTER_PNG),
                               self, save_labels_chosen, NULL);
}

void
cb_window_export_labels_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;

  cb_window_file_chooser_show (cb_window_file_chooser_new (_ ("Export Label Map as Colours"), CB_FILE_CHOOSER_SAVE,
                                                           _ ("_Export"), "labels-rgb.png", FILTER_PNG),
                               self, export_labels_chosen, NULL);
}

void
cb_window_export_image_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;
  CbFileChooser *chooser;
  const char *ids[] = { "1", "2", "4", NULL };
  g_autofree char *native_label = NULL, *x2 = NULL, *x4 = NULL;
  const char *labels[4];

  if (self->image == NULL)
    return;
  native_label = g_strdup_printf (_ ("Native (%u × %u)"), self->image->width, self->image->height);
  x2 = g_strdup_printf ("×2 (%u × %u)", self->image->width * 2, self->image->height * 2);
  x4 = g_strdup_printf ("×4 (%u × %u)", self->image->width * 4, self->image->height * 4);
  labels[0] = native_label;
  labels[1] = x2;
  labels[2] = x4;
  labels[3] = NULL;
  chooser
    = cb_window_file_chooser_new (_ ("Export Image"), CB_FILE_CHOOSER_SAVE, _ ("_Export"), "image.png", FILTER_PNG);
  cb_file_chooser_set_choice (chooser, _ ("Size"), ids, labels, "1");
  cb_window_file_chooser_show (chooser, self, export_image_chosen, NULL);
}

void
cb_window_save_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;

  if (self->doc->project_file != NULL)
    cb_window_save_async (self, self->doc->project_file, TRUE, NULL, NULL, NULL);
  else
    cb_window_show_save_project_dialog (self, NULL);
}
