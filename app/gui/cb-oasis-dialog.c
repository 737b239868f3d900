/* cb-oasis-dialog.c: import an official OASIS checkpoint into the models folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-oasis-dialog.h"

#include <glib/gi18n.h>

#include <string.h>

#include "app/gui/cb-file-chooser.h"
#include "app/gui/cb-model-list.h"
#include "app/gui/cb-window.h"

#define PULSE_MS 120

/* the rows of the template's dataset drop-down, in order */
static const char *const datasets[] = { "ade20k", "cityscapes", "cocostuff", "custom", NULL };

enum
{
  FILE_GENERATOR,
  FILE_DISCRIMINATOR,
  FILE_CLASSES,
  N_FILES
};

struct _CbOasisDialog
{
  GtkWindow parent_instance;

  char *files[N_FILES];
  char *output_dir;
  char *output_path;
  GCancellable *cancellable; /* of the running import */
  gboolean disposed;         /* the widgets are gone; the task still holds a reference */
  guint pulse_id;

  GtkWidget *file_buttons[N_FILES];
  GtkWidget *clear_buttons[N_FILES]; /* none for the generator */
  GtkWidget *dataset_drop, *width_spin, *height_spin, *f16_check, *name_entry;
  GtkWidget *import_button, *progress, *status;
};

G_DEFINE_FINAL_TYPE (CbOasisDialog, cb_oasis_dialog, GTK_TYPE_WINDOW)

enum
{
  IMPORTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *const file_titles[N_FILES]
  = { N_ ("Generator Checkpoint (EMA)"), N_ ("Discriminator Checkpoint"), N_ ("Class Set") };
/* the file buttons' labels while nothing is chosen (as in the template) */
static const char *const file_empty[N_FILES]
  = { N_ ("(choose best_EMA.pth)"), N_ ("(none: only the text prior)"), N_ ("(the dataset's bundled classes)") };

static void
set_status (CbOasisDialog *self, const char *text)
{
  gtk_label_set_text (GTK_LABEL (self->status), text);
}

static void
update_sensitivity (CbOasisDialog *self)
{
  gboolean busy = self->cancellable != NULL;
  guint dataset = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->dataset_drop));
  gboolean custom = dataset < G_N_ELEMENTS (datasets) - 1 && g_str_equal (datasets[dataset], "custom");

  for (guint i = 0; i < N_FILES; i++)
    gtk_widget_set_sensitive (self->file_buttons[i], !busy);
  gtk_widget_set_sensitive (self->dataset_drop, !busy);
  gtk_widget_set_sensitive (self->name_entry, !busy);
  gtk_widget_set_sensitive (self->import_button,
                            !busy && self->files[FILE_GENERATOR] != NULL && (!custom || self->files[FILE_CLASSES]));
  gtk_widget_set_visible (self->progress, busy);
}

static void
set_file (CbOasisDialog *self, guint which, const char *path)
{
  g_autofree char *base = path ? g_path_get_basename (path) : NULL;

  g_free (self->files[which]);
  self->files[which] = g_strdup (path);
  gtk_button_set_label (GTK_BUTTON (self->file_buttons[which]), base ? base : _ (file_empty[which]));
  gtk_widget_set_tooltip_text (self->file_buttons[which], path);
  if (which == FILE_GENERATOR && path != NULL && *gtk_editable_get_text (GTK_EDITABLE (self->name_entry)) == '\0')
    {
      /* checkpoints/NAME/models/best_EMA.pth: NAME is the better name */
      g_autofree char *models = g_path_get_dirname (path);
      g_autofree char *top = g_path_get_dirname (models);
      g_autofree char *models_base = g_path_get_basename (models);
      g_autofree char *name = g_str_equal (models_base, "models") ? g_path_get_basename (top) : NULL;
      char *dot;

      if (name == NULL || g_str_equal (name, ".") || g_str_equal (name, "/"))
        {
          g_free (name);
          name = g_strdup (base);
          if ((dot = strrchr (name, '.')) != NULL)
            *dot = '\0';
        }
      gtk_editable_set_text (GTK_EDITABLE (self->name_entry), name);
    }
  update_sensitivity (self);
}

void
cb_oasis_dialog_set_generator (CbOasisDialog *self, const char *path)
{
  set_file (self, FILE_GENERATOR, path);
}

void
cb_oasis_dialog_set_discriminator (CbOasisDialog *self, const char *path)
{
  set_file (self, FILE_DISCRIMINATOR, path);
}

void
cb_oasis_dialog_set_classes (CbOasisDialog *self, const char *path)
{
  set_file (self, FILE_CLASSES, path);
}

gboolean
cb_oasis_dialog_set_dataset (CbOasisDialog *self, const char *dataset)
{
  for (guint i = 0; datasets[i] != NULL; i++)
    if (g_str_equal (datasets[i], dataset))
      {
        gtk_drop_down_set_selected (GTK_DROP_DOWN (self->dataset_drop), i);
        update_sensitivity (self);
        return TRUE;
      }
  return FALSE;
}

void
cb_oasis_dialog_set_size (CbOasisDialog *self, guint width, guint height)
{
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->width_spin), width);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->height_spin), height);
}

void
cb_oasis_dialog_set_name (CbOasisDialog *self, const char *name)
{
  gtk_editable_set_text (GTK_EDITABLE (self->name_entry), name ? name : "");
}

void
cb_oasis_dialog_set_output_dir (CbOasisDialog *self, const char *dir)
{
  g_free (self->output_dir);
  self->output_dir = g_strdup (dir);
}

gboolean
cb_oasis_dialog_is_importing (CbOasisDialog *self)
{
  return self->cancellable != NULL;
}

const char *
cb_oasis_dialog_get_status (CbOasisDialog *self)
{
  return gtk_label_get_text (GTK_LABEL (self->status));
}

const char *
cb_oasis_dialog_get_output_path (CbOasisDialog *self)
{
  return self->output_path;
}

/* ------------------------------------------------------------------ importing */

static gboolean
pulse_cb (gpointer data)
{
  CbOasisDialog *self = data;

  gtk_progress_bar_pulse (GTK_PROGRESS_BAR (self->progress));
  return G_SOURCE_CONTINUE;
}

static void
import_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CbOasisDialog) self = user_data; /* the reference taken for the task */
  g_autoptr (GError) error = NULL;
  g_autofree char *path = cb_model_import_oasis_finish (result, &error);

  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->pulse_id, g_source_remove);
  if (self->disposed)
    return;
  if (path == NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        text = g_strdup ("Cancelled: nothing was written.");
      else
        text = g_strdup_printf (_ ("The checkpoint could not be imported: %s"), error->message);
      set_status (self, text);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (_ ("Imported as %s. It is in the model list now."), path);

      g_free (self->output_path);
      self->output_path = g_strdup (path);
      set_status (self, text);
      g_signal_emit (self, signals[IMPORTED], 0, path);
    }
  update_sensitivity (self);
}

void
cb_oasis_dialog_import (CbOasisDialog *self)
{
  CbOasisImportOptions options;
  guint dataset = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->dataset_drop));
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_entry));
  g_autofree char *dir = NULL;
  g_autofree char *output = NULL;
  g_autofree char *command = NULL;
  g_autofree char *text = NULL;

  if (self->cancellable != NULL || self->files[FILE_GENERATOR] == NULL || dataset >= G_N_ELEMENTS (datasets) - 1)
    return;
  dir = self->output_dir ? g_strdup (self->output_dir) : cb_model_list_user_dir ();
  output = cb_model_list_new_path (dir, *name ? name : datasets[dataset]);
  command = g_strdup_printf ("catbrush: Import OASIS Checkpoint (generator %s%s%s, dataset %s)",
                             self->files[FILE_GENERATOR], self->files[FILE_DISCRIMINATOR] ? ", discriminator " : "",
                             self->files[FILE_DISCRIMINATOR] ? self->files[FILE_DISCRIMINATOR] : "", datasets[dataset]);
  cb_oasis_import_options_init (&options);
  options.generator_path = self->files[FILE_GENERATOR];
  options.discriminator_path = self->files[FILE_DISCRIMINATOR];
  options.dataset = datasets[dataset];
  options.classes_path = self->files[FILE_CLASSES];
  options.width = (guint)gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->width_spin));
  options.height = (guint)gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->height_spin));
  options.f16 = gtk_check_button_get_active (GTK_CHECK_BUTTON (self->f16_check));
  options.command = command;

  self->cancellable = g_cancellable_new ();
  self->pulse_id = g_timeout_add (PULSE_MS, pulse_cb, self);
  text = g_strdup_printf (_ ("Importing into %s… (reading the checkpoint, folding spectral norm, writing)"), output);
  set_status (self, text);
  update_sensitivity (self);
  cb_model_import_oasis_async (&options, output, self->cancellable, import_done_cb, g_object_ref (self));
}

/* ------------------------------------------------------------------ widgets */

typedef struct
{
  CbOasisDialog *self;
  guint which;
} Choosing;

static void
chooser_chosen_cb (GFile *file, const char *choice, gpointer user_data)
{
  Choosing *choosing = user_data;
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    set_file (choosing->self, choosing->which, path);
}

/* which file a button of the template stands for */
static guint
button_file (CbOasisDialog *self, GtkButton *button)
{
  for (guint i = 0; i < N_FILES; i++)
    if (GTK_WIDGET (button) == self->file_buttons[i] || GTK_WIDGET (button) == self->clear_buttons[i])
      return i;
  g_return_val_if_reached (FILE_GENERATOR);
}

static void
file_clicked_cb (GtkButton *button, CbOasisDialog *self)
{
  guint which = button_file (self, button);
  CbFileChooser *chooser = cb_file_chooser_new (_ (file_titles[which]), CB_FILE_CHOOSER_OPEN, _ ("_Select"));
  Choosing *choosing = g_new (Choosing, 1);
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  if (which == FILE_CLASSES)
    {
      gtk_file_filter_set_name (filter, _ ("Class sets (JSON)"));
      gtk_file_filter_add_suffix (filter, "json");
    }
  else
    {
      gtk_file_filter_set_name (filter, _ ("PyTorch checkpoints"));
      gtk_file_filter_add_suffix (filter, "pth");
      gtk_file_filter_add_suffix (filter, "pt");
    }
  cb_file_chooser_add_filter (chooser, filter);
  choosing->self = self;
  choosing->which = which;
  cb_file_chooser_show (chooser, GTK_WINDOW (self), chooser_chosen_cb, choosing, g_free);
}

static void
clear_clicked_cb (GtkButton *button, CbOasisDialog *self)
{
  set_file (self, button_file (self, button), NULL);
}

static void
import_clicked_cb (GtkButton *button, CbOasisDialog *self)
{
  cb_oasis_dialog_import (self);
}

static void
dataset_notify_cb (GObject *drop, GParamSpec *pspec, CbOasisDialog *self)
{
  update_sensitivity (self);
}

static void
cb_oasis_dialog_dispose (GObject *object)
{
  CbOasisDialog *self = CB_OASIS_DIALOG (object);

  /* closing the dialog cancels: the file written meanwhile is removed */
  self->disposed = TRUE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->pulse_id, g_source_remove);
  G_OBJECT_CLASS (cb_oasis_dialog_parent_class)->dispose (object);
}

static void
cb_oasis_dialog_finalize (GObject *object)
{
  CbOasisDialog *self = CB_OASIS_DIALOG (object);

  for (guint i = 0; i < N_FILES; i++)
    g_free (self->files[i]);
  g_free (self->output_dir);
  g_free (self->output_path);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (cb_oasis_dialog_parent_class)->finalize (object);
}

static void
cb_oasis_dialog_class_init (CbOasisDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = cb_oasis_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = cb_oasis_dialog_finalize;
  signals[IMPORTED] = g_signal_new ("imported", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 1, G_TYPE_STRING);

  cb_gui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/catbrush/Catbrush/ui/cb-oasis-dialog.ui");
  gtk_widget_class_bind_template_child_full (widget_class, "generator_button", FALSE,
                                             G_STRUCT_OFFSET (CbOasisDialog, file_buttons[FILE_GENERATOR]));
  gtk_widget_class_bind_template_child_full (widget_class, "discriminator_button", FALSE,
                                             G_STRUCT_OFFSET (CbOasisDialog, file_buttons[FILE_DISCRIMINATOR]));
  gtk_widget_class_bind_template_child_full (widget_class, "classes_button", FALSE,
                                             G_STRUCT_OFFSET (CbOasisDialog, file_buttons[FILE_CLASSES]));
  gtk_widget_class_bind_template_child_full (widget_class, "discriminator_clear", FALSE,
                                             G_STRUCT_OFFSET (CbOasisDialog, clear_buttons[FILE_DISCRIMINATOR]));
  gtk_widget_class_bind_template_child_full (widget_class, "classes_clear", FALSE,
                                             G_STRUCT_OFFSET (CbOasisDialog, clear_buttons[FILE_CLASSES]));
  gtk_widget_class_bind_template_child (widget_class, CbOasisDialog, dataset_drop);
  gtk_widget_class_bind_template_child (widget_class, CbOasisDialog, width_spin);
  gtk_widget_class_bind_template_child (widget_class, CbOasisDialog, height_spin);
  gtk_widget_class_bind_template_child (widget_class, CbOasisDialog, f16_check);
  gtk_widget_class_bind_template_child (widget_class, CbOasisDialog, name_entry);
  gtk_widget_class_bind_template_child (widget_class, CbOasisDialog, import_button);
  gtk_widget_class_bind_template_child (widget_class, CbOasisDialog, progress);
  gtk_widget_class_bind_template_child (widget_class, CbOasisDialog, status);
  gtk_widget_class_bind_template_callback (widget_class, file_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, clear_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, import_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, dataset_notify_cb);
}

static void
cb_oasis_dialog_init (CbOasisDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update_sensitivity (self);
}

GtkWidget *
cb_oasis_dialog_new (GtkWindow *parent)
{
  return g_object_new (CB_TYPE_OASIS_DIALOG, "transient-for", parent, "destroy-with-parent", TRUE, NULL);
}
