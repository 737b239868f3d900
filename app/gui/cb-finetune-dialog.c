/* cb-finetune-dialog.c: the form and the progress of a fine-tuning run (CbFinetuneJob)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-finetune-dialog.h"

#include <glib/gi18n.h>

#include <string.h>

#include "app/gui/cb-file-chooser.h"
#include "app/gui/cb-project.h"
#include "app/gui/cb-window.h"

struct _CbFinetuneDialog
{
  GtkWindow parent_instance;

  CbFinetuneJob *job;     /* kept to the end: the getters answer after the dialog is destroyed */
  gboolean disposed;      /* the widgets are gone; the job may run on until it has stopped */
  gboolean setting_split; /* the split entry is being set from the job */

  GtkWidget *dataset_button, *split_entry, *iterations_spin, *threads_spin, *name_entry, *f16_check;
  GtkWidget *start_button, *cancel_button, *switch_button, *progress, *status, *last_line;
};

G_DEFINE_FINAL_TYPE (CbFinetuneDialog, cb_finetune_dialog, GTK_TYPE_WINDOW)

enum
{
  DONE,
  SWITCH,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------ presenting the job */

static void
update_widgets (CbFinetuneDialog *self)
{
  CbFinetuneState state = cb_finetune_job_get_state (self->job);
  const char *output = cb_finetune_job_get_output_path (self->job);
  gboolean busy = cb_finetune_job_is_busy (self->job);
  gboolean running = cb_finetune_job_is_running (self->job);

  if (self->disposed)
    return;
  gtk_label_set_text (GTK_LABEL (self->status), cb_finetune_job_get_status (self->job));
  gtk_widget_set_sensitive (self->start_button, cb_finetune_job_can_start (self->job));
  gtk_widget_set_sensitive (self->cancel_button, state == CB_FINETUNE_RUNNING);
  gtk_widget_set_visible (self->cancel_button, running);
  for (GtkWidget **w = (GtkWidget *[]){ self->dataset_button, self->split_entry, self->iterations_spin,
                                        self->threads_spin, self->name_entry, self->f16_check, NULL };
       *w != NULL; w++)
    gtk_widget_set_sensitive (*w, !busy);
  gtk_widget_set_visible (self->progress, running || state == CB_FINETUNE_DONE);
  gtk_widget_set_visible (self->switch_button, state == CB_FINETUNE_DONE && output != NULL);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress), cb_finetune_job_get_fraction (self->job));
  if (output != NULL)
    {
      g_autofree char *base = g_path_get_basename (output);
      g_autofree char *label = NULL;
      char *dot = strrchr (base, '.');

      if (dot != NULL)
        *dot = '\0';
      label = g_strdup_printf (_ ("_Paint with “%s”"), base);
      gtk_button_set_label (GTK_BUTTON (self->switch_button), label);
    }
}

static void
job_changed_cb (CbFinetuneJob *job, CbFinetuneDialog *self)
{
  update_widgets (self);
}

static void
job_line_cb (CbFinetuneJob *job, const char *line, CbFinetuneDialog *self)
{
  if (!self->disposed)
    gtk_label_set_text (GTK_LABEL (self->last_line), line);
}

/* not destroyed (gtk_window_destroy() leaves it alive while a run holds references) */
static gboolean
is_toplevel (CbFinetuneDialog *self)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (toplevels, i);

      if (item == G_OBJECT (self))
        return TRUE;
    }
  return FALSE;
}

static void
job_finished_cb (CbFinetuneJob *job, const GError *error, CbFinetuneDialog *self)
{
  if (error != NULL || self->disposed || !is_toplevel (self))
    return;
  g_signal_emit (self, signals[DONE], 0, cb_finetune_job_get_output_path (job));
  /* it may have run while the dialog was closed: bring it back with the Switch button */
  gtk_window_present (GTK_WINDOW (self));
}

/* ------------------------------------------------------------------ API */

CbFinetuneJob *
cb_finetune_dialog_get_job (CbFinetuneDialog *self)
{
  return self->job;
}

void
cb_finetune_dialog_set_dataset (CbFinetuneDialog *self, const char *dir, const char *split)
{
  g_autofree char *base = dir ? g_path_get_basename (dir) : NULL;

  cb_finetune_job_set_dataset (self->job, dir, split);
  if (!self->disposed)
    {
      gtk_button_set_label (GTK_BUTTON (self->dataset_button), base ? base : _ ("(choose a folder)"));
      gtk_widget_set_tooltip_text (self->dataset_button, cb_finetune_job_get_dataset (self->job));
      /* the entry says "changed" between deleting and inserting: not a split to pass on */
      self->setting_split = TRUE;
      gtk_editable_set_text (GTK_EDITABLE (self->split_entry), cb_finetune_job_get_split (self->job));
      self->setting_split = FALSE;
    }
}

const char *
cb_finetune_dialog_get_dataset (CbFinetuneDialog *self)
{
  return cb_finetune_job_get_dataset (self->job);
}

const char *
cb_finetune_dialog_get_split (CbFinetuneDialog *self)
{
  return cb_finetune_job_get_split (self->job);
}

void
cb_finetune_dialog_set_iterations (CbFinetuneDialog *self, guint iterations)
{
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->iterations_spin), iterations);
}

void
cb_finetune_dialog_set_threads (CbFinetuneDialog *self, guint threads)
{
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->threads_spin), threads);
}

void
cb_finetune_dialog_set_name (CbFinetuneDialog *self, const char *name)
{
  gtk_editable_set_text (GTK_EDITABLE (self->name_entry), name ? name : "");
}

void
cb_finetune_dialog_set_output_dir (CbFinetuneDialog *self, const char *dir)
{
  cb_finetune_job_set_output_dir (self->job, dir);
}

void
cb_finetune_dialog_set_kill_timeout (CbFinetuneDialog *self, guint ms)
{
  cb_finetune_job_set_kill_timeout (self->job, ms);
}

gboolean
cb_finetune_dialog_can_start (CbFinetuneDialog *self)
{
  return cb_finetune_job_can_start (self->job);
}

void
cb_finetune_dialog_start (CbFinetuneDialog *self)
{
  if (self->disposed || !cb_finetune_job_can_start (self->job))
    return;
  cb_finetune_job_set_iterations (self->job,
                                  (guint)gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->iterations_spin)));
  cb_finetune_job_set_threads (self->job,
                               (guint)gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->threads_spin)));
  cb_finetune_job_set_name (self->job, gtk_editable_get_text (GTK_EDITABLE (self->name_entry)));
  cb_finetune_job_set_f16 (self->job, gtk_check_button_get_active (GTK_CHECK_BUTTON (self->f16_check)));
  gtk_label_set_text (GTK_LABEL (self->last_line), "");
  /* a failure to start is in the job's status, which the dialog shows */
  (void)cb_finetune_job_start (self->job, NULL);
}

void
cb_finetune_dialog_cancel (CbFinetuneDialog *self)
{
  cb_finetune_job_cancel (self->job);
}

void
cb_finetune_dialog_switch (CbFinetuneDialog *self)
{
  if (cb_finetune_job_get_state (self->job) == CB_FINETUNE_DONE && cb_finetune_job_get_output_path (self->job))
    g_signal_emit (self, signals[SWITCH], 0, cb_finetune_job_get_output_path (self->job));
}

CbFinetuneState
cb_finetune_dialog_get_state (CbFinetuneDialog *self)
{
  return cb_finetune_job_get_state (self->job);
}

gboolean
cb_finetune_dialog_is_busy (CbFinetuneDialog *self)
{
  return cb_finetune_job_is_busy (self->job);
}

guint
cb_finetune_dialog_get_iteration (CbFinetuneDialog *self)
{
  return cb_finetune_job_get_iteration (self->job);
}

double
cb_finetune_dialog_get_fraction (CbFinetuneDialog *self)
{
  return cb_finetune_job_get_fraction (self->job);
}

const char *
cb_finetune_dialog_get_status (CbFinetuneDialog *self)
{
  return self->disposed ? "" : gtk_label_get_text (GTK_LABEL (self->status));
}

const char *
cb_finetune_dialog_get_output_path (CbFinetuneDialog *self)
{
  return cb_finetune_job_get_output_path (self->job);
}

const char *
cb_finetune_dialog_get_run_dir (CbFinetuneDialog *self)
{
  return cb_finetune_job_get_run_dir (self->job);
}

gboolean
cb_finetune_dialog_was_forced (CbFinetuneDialog *self)
{
  return cb_finetune_job_was_forced (self->job);
}

/* ------------------------------------------------------------------ widgets */

static void
folder_chosen_cb (GFile *file, const char *choice, gpointer user_data)
{
  CbFinetuneDialog *self = user_data;
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    cb_finetune_dialog_set_dataset (self, path, cb_finetune_job_get_split (self->job));
}

static void
dataset_clicked_cb (GtkButton *button, CbFinetuneDialog *self)
{
  cb_file_chooser_show (cb_file_chooser_new (_ ("Target Example Folder"), CB_FILE_CHOOSER_SELECT_FOLDER, _ ("_Select")),
                        GTK_WINDOW (self), folder_chosen_cb, self, NULL);
}

static void
split_changed_cb (GtkEditable *editable, CbFinetuneDialog *self)
{
  const char *text = gtk_editable_get_text (editable);

  /* the template sets "train" before there is a job */
  if (self->job == NULL || self->setting_split || g_strcmp0 (text, cb_finetune_job_get_split (self->job)) == 0)
    return;
  cb_finetune_job_set_dataset (self->job, cb_finetune_job_get_dataset (self->job), text);
}

static void
start_clicked_cb (GtkButton *button, CbFinetuneDialog *self)
{
  cb_finetune_dialog_start (self);
}

static void
cancel_clicked_cb (GtkButton *button, CbFinetuneDialog *self)
{
  cb_finetune_dialog_cancel (self);
}

static void
switch_clicked_cb (GtkButton *button, CbFinetuneDialog *self)
{
  cb_finetune_dialog_switch (self);
}

static void
cb_finetune_dialog_dispose (GObject *object)
{
  CbFinetuneDialog *self = CB_FINETUNE_DIALOG (object);

  /* the dialog goes with its window: a run is stopped (SIGTERM, then the kill timeout) */
  if (!self->disposed)
    {
      self->disposed = TRUE;
      if (self->job != NULL)
        {
          g_signal_handlers_disconnect_by_data (self->job, self);
          cb_finetune_job_cancel (self->job);
        }
    }
  G_OBJECT_CLASS (cb_finetune_dialog_parent_class)->dispose (object);
}

static void
cb_finetune_dialog_finalize (GObject *object)
{
  CbFinetuneDialog *self = CB_FINETUNE_DIALOG (object);

  g_clear_object (&self->job);
  G_OBJECT_CLASS (cb_finetune_dialog_parent_class)->finalize (object);
}

static void
cb_finetune_dialog_class_init (CbFinetuneDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = cb_finetune_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = cb_finetune_dialog_finalize;
  signals[DONE] = g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                1, G_TYPE_STRING);
  signals[SWITCH] = g_signal_new ("switch", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                  G_TYPE_NONE, 1, G_TYPE_STRING);

  cb_gui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/catbrush/Catbrush/ui/cb-finetune-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CbFinetuneDialog, dataset_button);
  gtk_widget_class_bind_template_child (widget_class, CbFinetuneDialog, split_entry);
  gtk_widget_class_bind_template_child (widget_class, CbFinetuneDialog, iterations_spin);
  gtk_widget_class_bind_template_child (widget_class, CbFinetuneDialog, threads_spin);
  gtk_widget_class_bind_template_child (widget_class, CbFinetuneDialog, name_entry);
  gtk_widget_class_bind_template_child (widget_class, CbFinetuneDialog, f16_check);
  gtk_widget_class_bind_template_child (widget_class, CbFinetuneDialog, start_button);
  gtk_widget_class_bind_template_child (widget_class, CbFinetuneDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, CbFinetuneDialog, switch_button);
  gtk_widget_class_bind_template_child (widget_class, CbFinetuneDialog, progress);
  gtk_widget_class_bind_template_child (widget_class, CbFinetuneDialog, status);
  gtk_widget_class_bind_template_child (widget_class, CbFinetuneDialog, last_line);
  gtk_widget_class_bind_template_callback (widget_class, dataset_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, split_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, start_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, switch_clicked_cb);
}

static void
cb_finetune_dialog_init (CbFinetuneDialog *self)
{
  guint cpus = g_get_num_processors ();

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_spin_button_set_range (GTK_SPIN_BUTTON (self->threads_spin), 1, MAX (cpus, 1));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->threads_spin), MAX (cpus / 2, 1));
}

/* estimation.example_dir / example_split, as cb_affinity_estimate() records them */
static void
dataset_from_profile (CbFinetuneDialog *self, const CbProfile *profile)
{
  JsonObject *e;
  JsonNode *dir, *split;

  if (profile->estimation == NULL || !JSON_NODE_HOLDS_OBJECT (profile->estimation))
    return;
  e = json_node_get_object (profile->estimation);
  dir = json_object_get_member (e, "example_dir");
  split = json_object_get_member (e, "example_split");
  if (dir == NULL || !JSON_NODE_HOLDS_VALUE (dir) || json_node_get_value_type (dir) != G_TYPE_STRING
      || !g_file_test (json_node_get_string (dir), G_FILE_TEST_IS_DIR))
    return;
  cb_finetune_dialog_set_dataset (self, json_node_get_string (dir),
                                  split != NULL && JSON_NODE_HOLDS_VALUE (split)
                                      && json_node_get_value_type (split) == G_TYPE_STRING
                                    ? json_node_get_string (split)
                                    : NULL);
}

GtkWidget *
cb_finetune_dialog_new (GtkWindow *parent, const char *model_path, const CbProfile *profile)
{
  CbFinetuneDialog *self;
  g_autofree char *title = NULL;

  g_return_val_if_fail (profile != NULL, NULL);
  self = g_object_new (CB_TYPE_FINETUNE_DIALOG, "transient-for", parent, "destroy-with-parent", TRUE, NULL);
  self->job = cb_finetune_job_new (model_path, profile);
  g_signal_connect (self->job, "changed", G_CALLBACK (job_changed_cb), self);
  g_signal_connect (self->job, "line", G_CALLBACK (job_line_cb), self);
  g_signal_connect (self->job, "finished", G_CALLBACK (job_finished_cb), self);
  title = g_strdup_printf (_ ("Fine-tune for “%s”"), profile->target->name ? profile->target->name : "target classes");
  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->name_entry), profile->target->name && *profile->target->name
                                                                  ? profile->target->name
                                                                  : "finetuned");
  dataset_from_profile (self, profile);
  cb_finetune_job_check (self->job);
  update_widgets (self);
  return GTK_WIDGET (self);
}
