/* cb-import-dialog.c: import target classes: the form, progress and heat map of a CbImportJob
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-import-dialog.h"

#include <glib/gi18n.h>

#include <string.h>

#include "app/gui/cb-example-folder.h"
#include "app/gui/cb-file-chooser.h"
#include "app/gui/cb-window.h"
#include "model/cb-error.h"

struct _CbImportDialog
{
  GtkWindow parent_instance;

  CbImportJob *job;  /* the target, the examples, the priors and the estimation */
  guint n_listed;    /* stems in the split file (an estimate before loading) */
  gboolean disposed; /* the widgets are gone; a running estimation still holds the job */

  char *hand_dir; /* where examples painted here go; NULL: chosen at the first one */

  GtkWidget *classes_label, *examples_label;
  GtkWidget *class_revealer, *add_example_button;
  CbClassEditor *class_editor;
  GtkWidget *checks[CB_AFFINITY_N_METHODS], *weight_spins[CB_AFFINITY_N_METHODS], *why_labels[CB_AFFINITY_N_METHODS];
  GtkWidget *temperature_spin, *top_k_spin;
  GtkWidget *compute_button, *cancel_button, *apply_button;
  GtkWidget *progress, *status;
  CbAffinityView *view;
};

G_DEFINE_FINAL_TYPE (CbImportDialog, cb_import_dialog, GTK_TYPE_WINDOW)

enum
{
  APPLY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------ presenting the job */

static void
set_status (CbImportDialog *self, const char *text)
{
  gtk_label_set_text (GTK_LABEL (self->status), text);
}

gboolean
cb_import_dialog_method_available (CbImportDialog *self, CbAffinityMethod method, char **why)
{
  return cb_import_job_method_available (self->job, method, why);
}

static void
update_sensitivity (CbImportDialog *self)
{
  gboolean computing = cb_import_job_is_running (self->job);
  gboolean have_target = cb_import_job_get_target (self->job) != NULL;

  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    {
      g_autofree char *why = NULL;
      g_autofree char *why_tip = NULL;
      gboolean available = cb_import_job_method_available (self->job, m, &why);

      gtk_widget_set_sensitive (self->checks[m], available && !computing);
      gtk_widget_set_sensitive (self->weight_spins[m], available && cb_import_job_get_use (self->job, m) && !computing);
      gtk_label_set_text (GTK_LABEL (self->why_labels[m]), why ? why : "");
      gtk_widget_set_visible (self->why_labels[m], why != NULL);
      if (why == NULL && m == CB_AFFINITY_VISION)
        why_tip = g_strdup (cb_import_job_get_model (self->job)->has_vision_encoder
                              ? "Features of the model's self-supervised encoder"
                              : "Features of the model's discriminator (the model has no self-supervised encoder)");
      gtk_widget_set_tooltip_text (self->checks[m], why != NULL ? why : why_tip);
    }
  gtk_widget_set_sensitive (self->compute_button, cb_import_job_can_compute (self->job));
  gtk_widget_set_sensitive (self->add_example_button, !computing && have_target);
  gtk_widget_set_visible (self->cancel_button, computing);
  gtk_widget_set_visible (self->progress, computing);
  gtk_widget_set_sensitive (self->apply_button, !computing && cb_import_job_get_profile (self->job) != NULL);
}

/* the check boxes and weights show the job's choice */
static void
sync_method_widgets (CbImportDialog *self)
{
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    {
      gtk_check_button_set_active (GTK_CHECK_BUTTON (self->checks[m]), cb_import_job_get_use (self->job, m));
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->weight_spins[m]), cb_import_job_get_weight (self->job, m));
    }
}

/* new inputs: each prior on when it can run, the old result gone */
static void
inputs_changed (CbImportDialog *self)
{
  cb_affinity_view_set_profile (self->view, NULL);
  cb_import_job_clear_profile (self->job);
  cb_import_job_use_available (self->job);
  sync_method_widgets (self);
  update_sensitivity (self);
}

static void
show_classes (CbImportDialog *self)
{
  const CbClassSet *target = cb_import_job_get_target (self->job);
  g_autoptr (GString) text = g_string_new (NULL);
  guint n = cb_class_set_get_n_classes (target);

  g_string_append_printf (text, "%s: %u classes (", target->name ? target->name : "Untitled", n);
  for (guint i = 0; i < n && i < 8; i++)
    g_string_append_printf (text, "%s%s", i ? ", " : "", cb_class_set_get (target, i)->name);
  g_string_append (text, n > 8 ? ", …)" : ")");
  gtk_label_set_text (GTK_LABEL (self->classes_label), text->str);
}

/* New target classes, no examples yet: only what needs no photos can run. */
static void
take_class_set (CbImportDialog *self, CbClassSet *set)
{
  cb_import_job_take_target (self->job, set);
  g_clear_pointer (&self->hand_dir, g_free);
  gtk_label_set_text (GTK_LABEL (self->examples_label), _ ("None: only the text prior can run"));
  show_classes (self);
  /* the first hint ("Import a class set…") is done with: say what comes next */
  {
    g_autofree char *text = g_strdup_printf (_ ("Imported %u classes. Choose the priors below, then Compute."),
                                             cb_class_set_get_n_classes (set));

    set_status (self, text);
  }
  /* what can run now: text only */
  inputs_changed (self);
}

gboolean
cb_import_dialog_load_class_set (CbImportDialog *self, const char *path, GError **error)
{
  CbClassSet *set = cb_class_set_load (path, error);

  if (set == NULL)
    return FALSE;
  take_class_set (self, set);
  return TRUE;
}

static guint
count_lines (const char *path)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint n = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    n += *g_strstrip (lines[i]) != '\0';
  return n;
}

gboolean
cb_import_dialog_load_dataset (CbImportDialog *self, const char *dir, const char *split, GError **error)
{
  g_autofree char *classes = g_build_filename (dir, "classes.json", NULL);
  g_autofree char *split_file = NULL;
  g_autofree char *text = NULL;
  const char *used;

  if (!cb_import_dialog_load_class_set (self, classes, error))
    return FALSE;
  cb_import_job_set_examples (self->job, dir, split);
  used = cb_import_job_get_split (self->job);
  split_file = g_strdup_printf ("%s/%s.txt", dir, used);
  self->n_listed = count_lines (split_file);
  if (g_file_test (split_file, G_FILE_TEST_IS_REGULAR))
    text = g_strdup_printf (_ ("%s, split “%s”: %u photos listed"), dir, used, self->n_listed);
  else
    text = g_strdup_printf (_ ("%s: every labelled photo (no %s.txt)"), dir, used);
  gtk_label_set_text (GTK_LABEL (self->examples_label), text);
  {
    g_autofree char *status = g_strdup_printf (_ ("Imported %u classes with their example photos. Choose the priors "
                                                  "below, then Compute."),
                                               cb_class_set_get_n_classes (cb_import_job_get_target (self->job)));

    set_status (self, status);
  }
  inputs_changed (self);
  return TRUE;
}

void
cb_import_dialog_set_method (CbImportDialog *self, CbAffinityMethod method, gboolean use, double weight)
{
  g_return_if_fail (method < CB_AFFINITY_N_METHODS);
  cb_import_job_set_method (self->job, method, use, weight);
  sync_method_widgets (self);
  update_sensitivity (self);
}

void
cb_import_dialog_set_temperature (CbImportDialog *self, double temperature)
{
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->temperature_spin), temperature);
}

void
cb_import_dialog_set_top_k (CbImportDialog *self, guint k)
{
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->top_k_spin), k);
}

CbImportJob *
cb_import_dialog_get_job (CbImportDialog *self)
{
  return self->job;
}

/* ------------------------------------------------------------------ classes and examples made here */

CbClassEditor *
cb_import_dialog_get_class_editor (CbImportDialog *self)
{
  return self->class_editor;
}

gboolean
cb_import_dialog_use_class_editor (CbImportDialog *self, GError **error)
{
  CbClassSet *set = cb_class_editor_build (self->class_editor, error);

  if (set == NULL)
    return FALSE;
  take_class_set (self, set);
  set_status (self, _ ("Classes defined here. Compute with the text prior, or add example photos and paint them."));
  return TRUE;
}

gboolean
cb_import_dialog_save_class_set (CbImportDialog *self, const char *path, GError **error)
{
  g_autoptr (CbClassSet) set = cb_class_editor_build (self->class_editor, error);

  return set != NULL && cb_class_set_save (set, path, error);
}

void
cb_import_dialog_set_examples_folder (CbImportDialog *self, const char *dir)
{
  g_free (self->hand_dir);
  self->hand_dir = g_strdup (dir);
}

const char *
cb_import_dialog_get_examples_folder (CbImportDialog *self)
{
  return self->hand_dir;
}

/* $XDG_DATA_HOME/catbrush/examples/NAME, a folder not used yet */
static void
ensure_hand_dir (CbImportDialog *self)
{
  const CbClassSet *target = cb_import_job_get_target (self->job);
  g_autofree char *name = g_strdup (target->name && *target->name ? target->name : "examples");

  if (self->hand_dir != NULL)
    return;
  for (char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      *p = '-';
  for (guint n = 1;; n++)
    {
      g_autofree char *leaf = n == 1 ? g_strdup (name) : g_strdup_printf ("%s-%u", name, n);
      g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "catbrush", "examples", leaf, NULL);

      if (!g_file_test (dir, G_FILE_TEST_EXISTS))
        {
          self->hand_dir = g_steal_pointer (&dir);
          return;
        }
    }
}

static void
example_saved_cb (CbExampleEditor *editor, const char *stem, CbImportDialog *self)
{
  g_autofree char *text = NULL;

  if (self->disposed || self->hand_dir == NULL)
    return;
  /* the folder is a dataset folder now: the estimators read it like any other */
  cb_import_job_set_examples (self->job, self->hand_dir, "train");
  self->n_listed = cb_example_folder_count (self->hand_dir);
  text = g_strdup_printf (_ ("%s: %u example photos painted here"), self->hand_dir, self->n_listed);
  gtk_label_set_text (GTK_LABEL (self->examples_label), text);
  inputs_changed (self);
}

CbExampleEditor *
cb_import_dialog_add_example (CbImportDialog *self, const char *photo_path, GError **error)
{
  CbExampleEditor *editor;

  if (cb_import_job_get_target (self->job) == NULL)
    {
      g_set_error_literal (error, CB_ERROR, CB_ERROR_INVALID, _ ("Define or import the target classes first"));
      return NULL;
    }
  ensure_hand_dir (self);
  editor = cb_example_editor_new (GTK_WINDOW (self), cb_import_job_get_target (self->job), photo_path, self->hand_dir,
                                  error);
  if (editor == NULL)
    return NULL;
  g_signal_connect_object (editor, "saved", G_CALLBACK (example_saved_cb), self, 0);
  gtk_window_present (GTK_WINDOW (editor));
  return editor;
}

/* ------------------------------------------------------------------ computing */

static void
job_progress_cb (CbImportJob *job, double fraction, const char *text, CbImportDialog *self)
{
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress), fraction);
  if (text != NULL)
    set_status (self, text);
}

static void
job_finished_cb (CbImportJob *job, const GError *error, CbImportDialog *self)
{
  const CbProfile *profile = cb_import_job_get_profile (job);

  if (error != NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        text = g_strdup ("Cancelled.");
      else
        text = g_strdup_printf (_ ("The affinity could not be estimated: %s"), error->message);
      set_status (self, text);
    }
  else
    {
      g_autofree char *text = NULL;
      g_autofree char *similar = cb_profile_describe_similar_rows (profile, CB_PROFILE_SIMILAR_ROWS);

      cb_affinity_view_set_profile (self->view, profile);
      text = g_strdup_printf (_ ("Done: %u target classes × %u model classes. Hover a cell for its value; Apply to "
                                 "paint with these classes.%s%s%s"),
                              cb_class_set_get_n_classes (profile->target), profile->n_source,
                              similar ? " These classes would come out looking the same: " : "", similar ? similar : "",
                              similar ? ". To tell them apart, give one of each pair its own mix of model classes: "
                                        "after Apply, open Affinity…, where a button selects its row."
                                      : "");
      set_status (self, text);
    }
  update_sensitivity (self);
}

void
cb_import_dialog_compute (CbImportDialog *self)
{
  cb_import_job_set_temperature (self->job, gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->temperature_spin)));
  cb_import_job_set_top_k (self->job, (guint)gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->top_k_spin)));
  if (cb_import_job_is_running (self->job) || cb_import_job_get_target (self->job) == NULL
      || !cb_import_job_compute (self->job))
    return;
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress), 0);
  set_status (self, _ ("Starting…"));
  update_sensitivity (self);
}

void
cb_import_dialog_cancel (CbImportDialog *self)
{
  if (cb_import_job_is_running (self->job))
    {
      cb_import_job_cancel (self->job);
      set_status (self, _ ("Cancelling…"));
    }
}

gboolean
cb_import_dialog_is_computing (CbImportDialog *self)
{
  return cb_import_job_is_running (self->job);
}

const CbProfile *
cb_import_dialog_get_profile (CbImportDialog *self)
{
  return cb_import_job_get_profile (self->job);
}

const char *
cb_import_dialog_get_status (CbImportDialog *self)
{
  return gtk_label_get_text (GTK_LABEL (self->status));
}

CbAffinityView *
cb_import_dialog_get_view (CbImportDialog *self)
{
  return self->view;
}

void
cb_import_dialog_apply (CbImportDialog *self)
{
  const CbProfile *profile = cb_import_job_get_profile (self->job);

  if (profile != NULL && !cb_import_job_is_running (self->job))
    g_signal_emit (self, signals[APPLY], 0, profile);
}

/* ------------------------------------------------------------------ widgets */

enum
{
  CHOOSE_CLASS_SET,
  CHOOSE_DATASET,
  CHOOSE_PHOTO,
  CHOOSE_SAVE_CLASS_SET,
};

static gboolean
chosen (CbImportDialog *self, int what, const char *path, GError **error)
{
  switch (what)
    {
    case CHOOSE_DATASET:
      return cb_import_dialog_load_dataset (self, path, NULL, error);
    case CHOOSE_PHOTO:
      return cb_import_dialog_add_example (self, path, error) != NULL;
    case CHOOSE_SAVE_CLASS_SET:
      return cb_import_dialog_save_class_set (self, path, error);
    default:
      return cb_import_dialog_load_class_set (self, path, error);
    }
}

typedef struct
{
  CbImportDialog *self;
  int what;
} Choosing;

static void
chooser_chosen_cb (GFile *file, const char *choice, gpointer user_data)
{
  Choosing *choosing = user_data;
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) error = NULL;

  if (path != NULL && !chosen (choosing->self, choosing->what, path, &error))
    {
      g_autofree char *text = g_strdup_printf (
        "%s: %s", choosing->what == CHOOSE_SAVE_CLASS_SET ? "Could not save" : "Could not open", error->message);

      set_status (choosing->self, text);
    }
}

static void
choose (CbImportDialog *self, int what)
{
  static const char *const titles[] = { N_ ("Import a Class Set"), N_ ("Import a Dataset Folder"),
                                        N_ ("Add an Example Photo"), N_ ("Save the Class Set") };
  static const char *const accepts[] = { N_ ("_Import"), N_ ("_Import"), N_ ("_Open"), N_ ("_Save") };
  CbFileChooserAction action = what == CHOOSE_DATASET          ? CB_FILE_CHOOSER_SELECT_FOLDER
                               : what == CHOOSE_SAVE_CLASS_SET ? CB_FILE_CHOOSER_SAVE
                                                               : CB_FILE_CHOOSER_OPEN;
  CbFileChooser *chooser = cb_file_chooser_new (_ (titles[what]), action, _ (accepts[what]));
  Choosing *choosing = g_new (Choosing, 1);

  if (what != CHOOSE_DATASET)
    {
      g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

      if (what == CHOOSE_PHOTO)
        {
          gtk_file_filter_set_name (filter, _ ("Photos (JPEG, PNG)"));
          gtk_file_filter_add_mime_type (filter, "image/jpeg");
          gtk_file_filter_add_mime_type (filter, "image/png");
          gtk_file_filter_add_suffix (filter, "jpg");
          gtk_file_filter_add_suffix (filter, "jpeg");
          gtk_file_filter_add_suffix (filter, "png");
        }
      else
        {
          gtk_file_filter_set_name (filter, _ ("Class sets (JSON)"));
          gtk_file_filter_add_suffix (filter, "json");
        }
      cb_file_chooser_add_filter (chooser, filter);
    }
  if (what == CHOOSE_SAVE_CLASS_SET)
    cb_file_chooser_set_current_name (chooser, "classes.json");
  choosing->self = self;
  choosing->what = what;
  cb_file_chooser_show (chooser, GTK_WINDOW (self), chooser_chosen_cb, choosing, g_free);
}

static void
class_set_clicked_cb (GtkButton *button, CbImportDialog *self)
{
  choose (self, CHOOSE_CLASS_SET);
}

static void
dataset_clicked_cb (GtkButton *button, CbImportDialog *self)
{
  choose (self, CHOOSE_DATASET);
}

static void
add_example_clicked_cb (GtkButton *button, CbImportDialog *self)
{
  choose (self, CHOOSE_PHOTO);
}

static void
new_class_set_toggled_cb (GtkToggleButton *button, CbImportDialog *self)
{
  gboolean active = gtk_toggle_button_get_active (button);

  gtk_revealer_set_reveal_child (GTK_REVEALER (self->class_revealer), active);
  /* start from the classes at hand, or from one empty row */
  if (active && cb_class_editor_get_n_classes (self->class_editor) == 0)
    {
      if (cb_import_job_get_target (self->job) != NULL)
        cb_class_editor_set_classes (self->class_editor, cb_import_job_get_target (self->job));
      else
        cb_class_editor_add (self->class_editor, NULL, G_MAXUINT32, NULL);
    }
}

static void
use_classes_clicked_cb (GtkButton *button, CbImportDialog *self)
{
  g_autoptr (GError) error = NULL;

  if (!cb_import_dialog_use_class_editor (self, &error))
    {
      g_autofree char *text = g_strdup_printf (_ ("The classes are not valid yet: %s"), error->message);

      set_status (self, text);
    }
}

static void
save_class_set_clicked_cb (GtkButton *button, CbImportDialog *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbClassSet) set = cb_class_editor_build (self->class_editor, &error);

  if (set == NULL)
    {
      g_autofree char *text = g_strdup_printf (_ ("The classes are not valid yet: %s"), error->message);

      set_status (self, text);
      return;
    }
  choose (self, CHOOSE_SAVE_CLASS_SET);
}

static void
method_toggled_cb (GtkCheckButton *check, CbImportDialog *self)
{
  if (self->job == NULL) /* the template is being built */
    return;
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    if (GTK_WIDGET (check) == self->checks[m])
      cb_import_job_set_method (self->job, m, gtk_check_button_get_active (check),
                                cb_import_job_get_weight (self->job, m));
  update_sensitivity (self);
}

static void
weight_changed_cb (GtkSpinButton *spin, CbImportDialog *self)
{
  if (self->job == NULL) /* the template is being built */
    return;
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    if (GTK_WIDGET (spin) == self->weight_spins[m])
      cb_import_job_set_method (self->job, m, cb_import_job_get_use (self->job, m), gtk_spin_button_get_value (spin));
  update_sensitivity (self);
}

static void
compute_clicked_cb (GtkButton *button, CbImportDialog *self)
{
  cb_import_dialog_compute (self);
}

static void
cancel_clicked_cb (GtkButton *button, CbImportDialog *self)
{
  cb_import_dialog_cancel (self);
}

static void
apply_clicked_cb (GtkButton *button, CbImportDialog *self)
{
  cb_import_dialog_apply (self);
}

static void
cb_import_dialog_dispose (GObject *object)
{
  CbImportDialog *self = CB_IMPORT_DIALOG (object);

  /* the thread holds the job until it ends; tell it to stop, and nothing more to show */
  if (!self->disposed && self->job != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->job, self);
      cb_import_job_cancel (self->job);
    }
  self->disposed = TRUE;
  G_OBJECT_CLASS (cb_import_dialog_parent_class)->dispose (object);
}

static void
cb_import_dialog_finalize (GObject *object)
{
  CbImportDialog *self = CB_IMPORT_DIALOG (object);

  g_clear_object (&self->job);
  g_free (self->hand_dir);
  G_OBJECT_CLASS (cb_import_dialog_parent_class)->finalize (object);
}

static void
cb_import_dialog_class_init (CbImportDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  static const char *const method_ids[CB_AFFINITY_N_METHODS] = {
    [CB_AFFINITY_SEG] = "seg",
    [CB_AFFINITY_TEXT] = "text",
    [CB_AFFINITY_VISION] = "vision",
  };

  G_OBJECT_CLASS (klass)->dispose = cb_import_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = cb_import_dialog_finalize;
  signals[APPLY] = g_signal_new ("apply", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                 G_TYPE_NONE, 1, G_TYPE_POINTER);

  cb_gui_ensure_resources ();
  g_type_ensure (CB_TYPE_CLASS_EDITOR);
  g_type_ensure (CB_TYPE_AFFINITY_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/catbrush/Catbrush/ui/cb-import-dialog.ui");
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    {
      g_autofree char *check = g_strdup_printf ("%s_check", method_ids[m]);
      g_autofree char *weight = g_strdup_printf ("%s_weight", method_ids[m]);
      g_autofree char *why = g_strdup_printf ("%s_why", method_ids[m]);

      gtk_widget_class_bind_template_child_full (widget_class, g_intern_string (check), FALSE,
                                                 G_STRUCT_OFFSET (CbImportDialog, checks) + m * sizeof (GtkWidget *));
      gtk_widget_class_bind_template_child_full (widget_class, g_intern_string (weight), FALSE,
                                                 G_STRUCT_OFFSET (CbImportDialog, weight_spins)
                                                   + m * sizeof (GtkWidget *));
      gtk_widget_class_bind_template_child_full (widget_class, g_intern_string (why), FALSE,
                                                 G_STRUCT_OFFSET (CbImportDialog, why_labels)
                                                   + m * sizeof (GtkWidget *));
    }
  gtk_widget_class_bind_template_child (widget_class, CbImportDialog, classes_label);
  gtk_widget_class_bind_template_child (widget_class, CbImportDialog, examples_label);
  gtk_widget_class_bind_template_child (widget_class, CbImportDialog, class_revealer);
  gtk_widget_class_bind_template_child (widget_class, CbImportDialog, add_example_button);
  gtk_widget_class_bind_template_child (widget_class, CbImportDialog, class_editor);
  gtk_widget_class_bind_template_child (widget_class, CbImportDialog, temperature_spin);
  gtk_widget_class_bind_template_child (widget_class, CbImportDialog, top_k_spin);
  gtk_widget_class_bind_template_child (widget_class, CbImportDialog, compute_button);
  gtk_widget_class_bind_template_child (widget_class, CbImportDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, CbImportDialog, apply_button);
  gtk_widget_class_bind_template_child (widget_class, CbImportDialog, progress);
  gtk_widget_class_bind_template_child (widget_class, CbImportDialog, status);
  gtk_widget_class_bind_template_child (widget_class, CbImportDialog, view);
  gtk_widget_class_bind_template_callback (widget_class, class_set_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, dataset_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, new_class_set_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, use_classes_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, save_class_set_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_example_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, method_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, weight_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, compute_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, apply_clicked_cb);
}

static void
cb_import_dialog_init (CbImportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->temperature_spin), CB_AFFINITY_DEFAULT_TEMPERATURE);
}

CbImportDialog *
cb_import_dialog_new (GtkWindow *parent, const char *model_path, GError **error)
{
  g_autoptr (CbImportJob) job = cb_import_job_new (model_path, error);
  CbImportDialog *self;

  if (job == NULL)
    return NULL;
  self = g_object_new (CB_TYPE_IMPORT_DIALOG, "transient-for", parent, "destroy-with-parent", TRUE, NULL);
  self->job = g_steal_pointer (&job);
  g_signal_connect (self->job, "progress", G_CALLBACK (job_progress_cb), self);
  g_signal_connect (self->job, "finished", G_CALLBACK (job_finished_cb), self);
  /* the template's check boxes and weights from the job's defaults */
  sync_method_widgets (self);
  update_sensitivity (self);
  return self;
}
