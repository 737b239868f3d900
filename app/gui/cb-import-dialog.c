/* cb-import-dialog.c: import target classes, estimate their affinity off the main thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-import-dialog.h"

#include <glib/gi18n.h>

#include <string.h>

#include "app/gui/cb-example-folder.h"
#include "app/gui/cb-file-chooser.h"
#include "model/cb-discriminator.h"
#include "model/cb-error.h"
#include "model/cb-vision-encoder.h"
#include "model/cb-wordnet.h"
#include "render/cb-backend.h"

/* the heat map's least height: a dozen rows under their column names */
#define HEATMAP_MIN_HEIGHT 320

struct _CbImportDialog
{
  GtkWindow parent_instance;

  CbModel *model;
  CbWordNet *wordnet; /* NULL when WordNet is missing */
  char *wordnet_why;
  CbClassSet *target;
  char *examples_dir; /* a dataset folder, or NULL */
  char *split;
  guint n_listed; /* stems in the split file (an estimate before loading) */
  gboolean use[CB_AFFINITY_N_METHODS];
  double weights[CB_AFFINITY_N_METHODS];
  CbProfile *profile;
  GCancellable *cancellable; /* of the running computation */
  gboolean disposed;         /* the widgets are gone; a running task still holds a reference */

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

static const char *const method_labels[CB_AFFINITY_N_METHODS] = {
  [CB_AFFINITY_SEG] = N_ ("_Segmentation (the model's discriminator on the examples)"),
  [CB_AFFINITY_TEXT] = N_ ("_Text (WordNet: names, synonyms, part-of)"),
  [CB_AFFINITY_VISION] = N_ ("_Vision features (class prototypes)"),
};

/* ------------------------------------------------------------------ state */

static void
set_status (CbImportDialog *self, const char *text)
{
  gtk_label_set_text (GTK_LABEL (self->status), text);
}

gboolean
cb_import_dialog_method_available (CbImportDialog *self, CbAffinityMethod method, char **why)
{
  g_autoptr (GError) error = NULL;
  CbDiscriminatorConfig config;

  if (method == CB_AFFINITY_TEXT)
    {
      if (self->wordnet == NULL)
        {
          if (why)
            *why = g_strdup (self->wordnet_why);
          return FALSE;
        }
      return TRUE;
    }
  if (method == CB_AFFINITY_VISION && self->model->has_vision_encoder)
    {
      CbVisionEncoderConfig vconfig;
      if (!cb_vision_encoder_get_config (self->model, &vconfig, &error))
        {
          if (why)
            *why = g_strdup_printf (_ ("The model's vision encoder is unusable: %s"), error->message);
          return FALSE;
        }
    }
  else if (!cb_discriminator_get_config (self->model, &config, &error))
    {
      if (why)
        *why = g_strdup_printf (_ ("The model has no discriminator: %s"), error->message);
      return FALSE;
    }
  if (self->examples_dir == NULL)
    {
      if (why)
        *why = g_strdup ("Needs example photos with label maps: import a dataset folder, or add example photos and "
                         "paint their classes");
      return FALSE;
    }
  return TRUE;
}

static void
update_sensitivity (CbImportDialog *self)
{
  gboolean computing = self->cancellable != NULL;
  gboolean any = FALSE;

  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    {
      g_autofree char *why = NULL;
      g_autofree char *why_tip = NULL;
      gboolean available = cb_import_dialog_method_available (self, m, &why);

      gtk_widget_set_sensitive (self->checks[m], available && !computing);
      gtk_widget_set_sensitive (self->weight_spins[m], available && self->use[m] && !computing);
      gtk_label_set_text (GTK_LABEL (self->why_labels[m]), why ? why : "");
      gtk_widget_set_visible (self->why_labels[m], why != NULL);
      if (why == NULL && m == CB_AFFINITY_VISION)
        why_tip = g_strdup (self->model->has_vision_encoder
                              ? "Features of the model's self-supervised encoder"
                              : "Features of the model's discriminator (the model has no self-supervised encoder)");
      gtk_widget_set_tooltip_text (self->checks[m], why != NULL ? why : why_tip);
      any |= available && self->use[m] && self->weights[m] > 0;
    }
  gtk_widget_set_sensitive (self->compute_button, !computing && self->target != NULL && any);
  gtk_widget_set_sensitive (self->add_example_button, !computing && self->target != NULL);
  gtk_widget_set_visible (self->cancel_button, computing);
  gtk_widget_set_visible (self->progress, computing);
  gtk_widget_set_sensitive (self->apply_button, !computing && self->profile != NULL);
}

static void
sync_method_widgets (CbImportDialog *self)
{
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    {
      gtk_check_button_set_active (GTK_CHECK_BUTTON (self->checks[m]), self->use[m]);
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->weight_spins[m]), self->weights[m]);
    }
}

static void
clear_result (CbImportDialog *self)
{
  cb_affinity_view_set_profile (self->view, NULL);
  g_clear_pointer (&self->profile, cb_profile_free);
}

static void
show_classes (CbImportDialog *self)
{
  g_autoptr (GString) text = g_string_new (NULL);
  guint n = cb_class_set_get_n_classes (self->target);

  g_string_append_printf (text, "%s: %u classes (", self->target->name ? self->target->name : "Untitled", n);
  for (guint i = 0; i < n && i < 8; i++)
    g_string_append_printf (text, "%s%s", i ? ", " : "", cb_class_set_get (self->target, i)->name);
  g_string_append (text, n > 8 ? ", …)" : ")");
  gtk_label_set_text (GTK_LABEL (self->classes_label), text->str);
}

/* New target classes, no examples yet: only what needs no photos can run. */
static void
take_class_set (CbImportDialog *self, CbClassSet *set)
{
  g_clear_pointer (&self->target, cb_class_set_free);
  self->target = set;
  g_clear_pointer (&self->examples_dir, g_free);
  g_clear_pointer (&self->hand_dir, g_free);
  gtk_label_set_text (GTK_LABEL (self->examples_label), _ ("None: only the text prior can run"));
  show_classes (self);
  clear_result (self);
  /* the first hint ("Import a class set…") is done with: say what comes next */
  {
    g_autofree char *text = g_strdup_printf (_ ("Imported %u classes. Choose the priors below, then Compute."),
                                             cb_class_set_get_n_classes (set));

    set_status (self, text);
  }
  /* what can run now: text only */
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    self->use[m] = cb_import_dialog_method_available (self, m, NULL);
  sync_method_widgets (self);
  update_sensitivity (self);
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

  if (!cb_import_dialog_load_class_set (self, classes, error))
    return FALSE;
  self->examples_dir = g_strdup (dir);
  g_free (self->split);
  self->split = g_strdup (split ? split : "train");
  split_file = g_strdup_printf ("%s/%s.txt", dir, self->split);
  self->n_listed = count_lines (split_file);
  if (g_file_test (split_file, G_FILE_TEST_IS_REGULAR))
    text = g_strdup_printf (_ ("%s, split “%s”: %u photos listed"), dir, self->split, self->n_listed);
  else
    text = g_strdup_printf (_ ("%s: every labelled photo (no %s.txt)"), dir, self->split);
  gtk_label_set_text (GTK_LABEL (self->examples_label), text);
  {
    g_autofree char *status = g_strdup_printf (_ ("Imported %u classes with their example photos. Choose the priors "
                                                  "below, then Compute."),
                                               cb_class_set_get_n_classes (self->target));

    set_status (self, status);
  }
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    self->use[m] = cb_import_dialog_method_available (self, m, NULL);
  sync_method_widgets (self);
  update_sensitivity (self);
  return TRUE;
}

void
cb_import_dialog_set_method (CbImportDialog *self, CbAffinityMethod method, gboolean use, double weight)
{
  g_return_if_fail (method < CB_AFFINITY_N_METHODS);
  self->use[method] = use;
  self->weights[method] = MAX (weight, 0.0);
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
  g_autofree char *name = g_strdup (self->target->name && *self->target->name ? self->target->name : "examples");

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
  g_free (self->examples_dir);
  self->examples_dir = g_strdup (self->hand_dir);
  g_free (self->split);
  self->split = g_strdup ("train");
  self->n_listed = cb_example_folder_count (self->hand_dir);
  text = g_strdup_printf (_ ("%s: %u example photos painted here"), self->hand_dir, self->n_listed);
  gtk_label_set_text (GTK_LABEL (self->examples_label), text);
  clear_result (self);
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    self->use[m] = cb_import_dialog_method_available (self, m, NULL);
  sync_method_widgets (self);
  update_sensitivity (self);
}

CbExampleEditor *
cb_import_dialog_add_example (CbImportDialog *self, const char *photo_path, GError **error)
{
  CbExampleEditor *editor;

  if (self->target == NULL)
    {
      g_set_error_literal (error, CB_ERROR, CB_ERROR_INVALID, _ ("Define or import the target classes first"));
      return NULL;
    }
  ensure_hand_dir (self);
  editor = cb_example_editor_new (GTK_WINDOW (self), self->target, photo_path, self->hand_dir, error);
  if (editor == NULL)
    return NULL;
  g_signal_connect_object (editor, "saved", G_CALLBACK (example_saved_cb), self, 0);
  gtk_window_present (GTK_WINDOW (editor));
  return editor;
}

/* ------------------------------------------------------------------ computing */

typedef struct
{
  CbModel *model;     /* borrowed from the dialog, which the task keeps alive */
  CbWordNet *wordnet; /* borrowed likewise */
  CbClassSet *target;
  char *examples_dir;
  char *split;
  gboolean use[CB_AFFINITY_N_METHODS];
  float weights[CB_AFFINITY_N_METHODS];
  float temperature;
  guint top_k;
  CbImportDialog *dialog; /* for progress; only touched on the main thread */
} Job;

static void
job_free (Job *job)
{
  cb_class_set_free (job->target);
  g_free (job->examples_dir);
  g_free (job->split);
  g_free (job);
}

typedef struct
{
  CbImportDialog *dialog;
  double fraction;
  char *text;
} Progress;

static gboolean
progress_idle_cb (gpointer data)
{
  Progress *p = data;

  if (!p->dialog->disposed && p->dialog->cancellable != NULL)
    {
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (p->dialog->progress), CLAMP (p->fraction, 0.0, 1.0));
      if (p->text != NULL)
        set_status (p->dialog, p->text);
    }
  return G_SOURCE_REMOVE;
}

static void
progress_free (gpointer data)
{
  Progress *p = data;

  g_object_unref (p->dialog);
  g_free (p->text);
  g_free (p);
}

static void
post_progress (CbImportDialog *dialog, double fraction, const char *text)
{
  Progress *p = g_new0 (Progress, 1);

  p->dialog = g_object_ref (dialog);
  p->fraction = fraction;
  p->text = g_strdup (text);
  g_idle_add_full (G_PRIORITY_DEFAULT, progress_idle_cb, p, progress_free);
}

static void
estimate_progress_cb (double fraction, gpointer user_data)
{
  /* the photos are most of the work: 10 % .. 100 % */
  post_progress (user_data, 0.1 + 0.9 * fraction, NULL);
}

static gpointer
backend_prepare (gpointer user_data, const CbGraph *graph, GError **error)
{
  return cb_backend_prepare (user_data, graph, error);
}

static gboolean
backend_run (gpointer plan, CbTensor *const *inputs, guint n_inputs, CbTensor *output, GError **error)
{
  return cb_plan_run (plan, inputs, n_inputs, output, error);
}

static void
backend_free_plan (gpointer plan)
{
  cb_plan_free (plan);
}

static void
compute_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr (CbExampleSet) examples = NULL;
  g_autoptr (CbBackend) backend = NULL;
  g_autoptr (GError) error = NULL;
  CbGraphRunner runner = { 0 };
  CbAffinityOptions options;
  CbProfile *profile;
  gboolean photos = job->use[CB_AFFINITY_SEG] || job->use[CB_AFFINITY_VISION];

  cb_affinity_options_init (&options);
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    {
      options.use[m] = job->use[m];
      options.weights[m] = job->weights[m];
    }
  options.temperature = job->temperature;
  options.top_k = job->top_k;
  options.wordnet = job->wordnet;
  options.cancellable = cancellable;
  options.progress = estimate_progress_cb;
  options.progress_data = job->dialog;

  if (photos)
    {
      post_progress (job->dialog, 0.02, "Loading the example photos…");
      examples = cb_example_set_load (job->examples_dir, job->split, job->target, job->model->gen.width,
                                      job->model->gen.height, CB_EXAMPLE_LOAD_DEFAULT, &error);
      if (examples == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      options.examples = examples;
      backend = cb_backend_new (CB_BACKEND_AUTO, NULL, &error);
      if (backend != NULL)
        {
          runner = (CbGraphRunner){
            .prepare = backend_prepare,
            .run = backend_run,
            .free_plan = backend_free_plan,
            .user_data = backend,
            .description = cb_backend_get_description (backend),
          };
          options.runner = &runner;
        }
      /* no device: the CPU reference (options.runner NULL) */
      g_clear_error (&error);
    }
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    if (options.use[m] && !cb_affinity_can_run (job->model, m, &options, &error))
      {
        g_task_return_error (task, g_steal_pointer (&error));
        return;
      }
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  {
    g_autofree char *text
      = g_strdup_printf (_ ("Estimating with %u example photos…"), examples ? examples->examples->len : 0);

    post_progress (job->dialog, 0.1, text);
  }
  profile = cb_affinity_estimate (job->model, job->target, &options, &error);
  if (profile == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, profile, (GDestroyNotify)cb_profile_free);
}

static void
compute_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CbImportDialog *self = CB_IMPORT_DIALOG (source);
  g_autoptr (GError) error = NULL;
  CbProfile *profile = g_task_propagate_pointer (G_TASK (result), &error);

  g_clear_object (&self->cancellable);
  if (self->disposed)
    {
      g_clear_pointer (&profile, cb_profile_free);
      return;
    }
  if (profile == NULL)
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
      g_autofree char *similar = NULL;

      g_clear_pointer (&self->profile, cb_profile_free);
      self->profile = profile;
      cb_affinity_view_set_profile (self->view, self->profile);
      similar = cb_profile_describe_similar_rows (profile, CB_PROFILE_SIMILAR_ROWS);
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
  g_autoptr (GTask) task = NULL;
  Job *job;

  if (self->cancellable != NULL || self->target == NULL)
    return;
  job = g_new0 (Job, 1);
  job->model = self->model;
  job->wordnet = self->wordnet;
  job->target = cb_class_set_copy (self->target);
  job->examples_dir = g_strdup (self->examples_dir);
  job->split = g_strdup (self->split);
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    {
      job->use[m] = self->use[m] && self->weights[m] > 0 && cb_import_dialog_method_available (self, m, NULL);
      job->weights[m] = (float)self->weights[m];
    }
  job->temperature = (float)gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->temperature_spin));
  job->top_k = (guint)gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->top_k_spin));
  job->dialog = self;

  self->cancellable = g_cancellable_new ();
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress), 0);
  set_status (self, _ ("Starting…"));
  update_sensitivity (self);
  task = g_task_new (self, self->cancellable, compute_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify)job_free);
  g_task_run_in_thread (task, compute_thread);
}

void
cb_import_dialog_cancel (CbImportDialog *self)
{
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      set_status (self, _ ("Cancelling…"));
    }
}

gboolean
cb_import_dialog_is_computing (CbImportDialog *self)
{
  return self->cancellable != NULL;
}

const CbProfile *
cb_import_dialog_get_profile (CbImportDialog *self)
{
  return self->profile;
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
  if (self->profile != NULL && self->cancellable == NULL)
    g_signal_emit (self, signals[APPLY], 0, self->profile);
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
      if (self->target != NULL)
        cb_class_editor_set_classes (self->class_editor, self->target);
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
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    if (GTK_WIDGET (check) == self->checks[m])
      self->use[m] = gtk_check_button_get_active (check);
  update_sensitivity (self);
}

static void
weight_changed_cb (GtkSpinButton *spin, CbImportDialog *self)
{
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    if (GTK_WIDGET (spin) == self->weight_spins[m])
      self->weights[m] = gtk_spin_button_get_value (spin);
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

static GtkWidget *
heading (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "heading");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  return label;
}

static GtkWidget *
wrapped_label (const char *text, gboolean dim)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  if (dim)
    gtk_widget_add_css_class (label, "dim-label");
  return label;
}

static void
cb_import_dialog_dispose (GObject *object)
{
  CbImportDialog *self = CB_IMPORT_DIALOG (object);

  /* the task holds a reference until the thread ends; tell it to stop */
  self->disposed = TRUE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (cb_import_dialog_parent_class)->dispose (object);
}

static void
cb_import_dialog_finalize (GObject *object)
{
  CbImportDialog *self = CB_IMPORT_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->profile, cb_profile_free);
  g_clear_pointer (&self->target, cb_class_set_free);
  g_clear_pointer (&self->wordnet, cb_wordnet_free);
  g_clear_pointer (&self->model, cb_model_free);
  g_free (self->wordnet_why);
  g_free (self->examples_dir);
  g_free (self->hand_dir);
  g_free (self->split);
  G_OBJECT_CLASS (cb_import_dialog_parent_class)->finalize (object);
}

static void
cb_import_dialog_class_init (CbImportDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cb_import_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = cb_import_dialog_finalize;
  signals[APPLY] = g_signal_new ("apply", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                 G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
cb_import_dialog_init (CbImportDialog *self)
{
  GtkWidget *header = gtk_header_bar_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *class_set = gtk_button_new_with_mnemonic (_ ("Class _Set…"));
  GtkWidget *dataset = gtk_button_new_with_mnemonic (_ ("_Dataset Folder…"));
  GtkWidget *new_set = gtk_toggle_button_new_with_mnemonic (_ ("_New Class Set…"));
  GtkWidget *editor_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *editor_buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *use_classes = gtk_button_new_with_mnemonic (_ ("_Use These Classes"));
  GtkWidget *save_classes = gtk_button_new_with_mnemonic (_ ("Sa_ve Class Set…"));
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *params = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *run = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *label;

  gtk_window_set_title (GTK_WINDOW (self), _ ("Import Target Classes"));
  gtk_window_set_default_size (GTK_WINDOW (self), 800, 860);
  self->apply_button = gtk_button_new_with_mnemonic (_ ("_Apply"));
  gtk_widget_add_css_class (self->apply_button, "suggested-action");
  gtk_widget_set_tooltip_text (self->apply_button, _ ("Paint with the target classes through this matrix"));
  g_signal_connect (self->apply_button, "clicked", G_CALLBACK (apply_clicked_cb), self);
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), self->apply_button);
  gtk_window_set_titlebar (GTK_WINDOW (self), header);

  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 18);

  gtk_box_append (GTK_BOX (box), heading (_ ("Target classes")));
  gtk_widget_set_tooltip_text (class_set, _ ("A class-set JSON (name, colour, synonyms of each class)"));
  gtk_widget_set_tooltip_text (dataset, _ ("A folder with classes.json, images/, labels/ and split files (train.txt)"));
  g_signal_connect (class_set, "clicked", G_CALLBACK (class_set_clicked_cb), self);
  g_signal_connect (dataset, "clicked", G_CALLBACK (dataset_clicked_cb), self);
  gtk_widget_set_tooltip_text (new_set, _ ("Define the classes here: name, colour and synonyms of each"));
  g_signal_connect (new_set, "toggled", G_CALLBACK (new_class_set_toggled_cb), self);
  gtk_box_append (GTK_BOX (buttons), class_set);
  gtk_box_append (GTK_BOX (buttons), dataset);
  gtk_box_append (GTK_BOX (buttons), new_set);
  gtk_box_append (GTK_BOX (box), buttons);

  self->class_editor = CB_CLASS_EDITOR (cb_class_editor_new ());
  gtk_box_append (GTK_BOX (editor_box), GTK_WIDGET (self->class_editor));
  gtk_widget_add_css_class (use_classes, "suggested-action");
  g_signal_connect (use_classes, "clicked", G_CALLBACK (use_classes_clicked_cb), self);
  gtk_widget_set_tooltip_text (save_classes, _ ("Save the classes as a class-set JSON"));
  g_signal_connect (save_classes, "clicked", G_CALLBACK (save_class_set_clicked_cb), self);
  gtk_box_append (GTK_BOX (editor_buttons), use_classes);
  gtk_box_append (GTK_BOX (editor_buttons), save_classes);
  gtk_box_append (GTK_BOX (editor_box), editor_buttons);
  self->class_revealer = gtk_revealer_new ();
  gtk_revealer_set_child (GTK_REVEALER (self->class_revealer), editor_box);
  gtk_box_append (GTK_BOX (box), self->class_revealer);

  self->classes_label = wrapped_label (_ ("None yet"), FALSE);
  self->examples_label = wrapped_label (_ ("No example photos"), TRUE);
  gtk_box_append (GTK_BOX (box), self->classes_label);
  self->add_example_button = gtk_button_new_with_mnemonic (_ ("Add _Example Photo…"));
  gtk_widget_set_tooltip_text (self->add_example_button,
                               _ ("Open a photo and paint its label map with the target classes"));
  gtk_widget_set_halign (self->add_example_button, GTK_ALIGN_START);
  g_signal_connect (self->add_example_button, "clicked", G_CALLBACK (add_example_clicked_cb), self);
  gtk_box_append (GTK_BOX (box), self->examples_label);
  gtk_box_append (GTK_BOX (box), self->add_example_button);

  gtk_box_append (GTK_BOX (box), heading (_ ("Priors")));
  gtk_grid_set_row_spacing (GTK_GRID (grid), 4);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    {
      self->weights[m] = 1.0;
      self->checks[m] = gtk_check_button_new_with_mnemonic (_ (method_labels[m]));
      g_signal_connect (self->checks[m], "toggled", G_CALLBACK (method_toggled_cb), self);
      self->weight_spins[m] = gtk_spin_button_new_with_range (0, 10, 0.1);
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->weight_spins[m]), 1.0);
      gtk_widget_set_tooltip_text (self->weight_spins[m], _ ("Weight in the combination"));
      g_signal_connect (self->weight_spins[m], "value-changed", G_CALLBACK (weight_changed_cb), self);
      self->why_labels[m] = wrapped_label (NULL, TRUE);
      gtk_widget_set_margin_start (self->why_labels[m], 28);
      gtk_grid_attach (GTK_GRID (grid), self->checks[m], 0, (int)(2 * m), 1, 1);
      gtk_grid_attach (GTK_GRID (grid), self->weight_spins[m], 1, (int)(2 * m), 1, 1);
      gtk_grid_attach (GTK_GRID (grid), self->why_labels[m], 0, (int)(2 * m + 1), 2, 1);
    }
  gtk_box_append (GTK_BOX (box), grid);

  label = gtk_label_new_with_mnemonic (_ ("_Temperature"));
  self->temperature_spin = gtk_spin_button_new_with_range (0.05, 5, 0.05);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->temperature_spin), CB_AFFINITY_DEFAULT_TEMPERATURE);
  gtk_widget_set_tooltip_text (self->temperature_spin, _ ("Below 1 sharpens the rows, above 1 flattens them"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->temperature_spin);
  gtk_box_append (GTK_BOX (params), label);
  gtk_box_append (GTK_BOX (params), self->temperature_spin);
  label = gtk_label_new_with_mnemonic (_ ("Top-_k"));
  self->top_k_spin = gtk_spin_button_new_with_range (0, 255, 1);
  gtk_widget_set_tooltip_text (self->top_k_spin, _ ("Keep the k largest entries of each row (0: all)"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->top_k_spin);
  gtk_box_append (GTK_BOX (params), label);
  gtk_box_append (GTK_BOX (params), self->top_k_spin);
  gtk_box_append (GTK_BOX (box), params);

  self->compute_button = gtk_button_new_with_mnemonic (_ ("_Compute"));
  g_signal_connect (self->compute_button, "clicked", G_CALLBACK (compute_clicked_cb), self);
  self->cancel_button = gtk_button_new_with_mnemonic (_ ("C_ancel"));
  g_signal_connect (self->cancel_button, "clicked", G_CALLBACK (cancel_clicked_cb), self);
  self->progress = gtk_progress_bar_new ();
  gtk_widget_set_hexpand (self->progress, TRUE);
  gtk_widget_set_valign (self->progress, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (run), self->compute_button);
  gtk_box_append (GTK_BOX (run), self->progress);
  gtk_box_append (GTK_BOX (run), self->cancel_button);
  gtk_box_append (GTK_BOX (box), run);
  self->status = wrapped_label (_ ("Import a class set or a dataset folder, or define a new class set."), TRUE);
  gtk_box_append (GTK_BOX (box), self->status);

  self->view = CB_AFFINITY_VIEW (cb_affinity_view_new ());
  gtk_widget_set_halign (GTK_WIDGET (self->view), GTK_ALIGN_START);
  gtk_widget_set_valign (GTK_WIDGET (self->view), GTK_ALIGN_START);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->view));
  gtk_widget_set_vexpand (scrolled, TRUE);
  /* the heat map below the controls, with room of its own (it had what was
   * left of the window: ~140 px, its column names scrolled away); the
   * divider moves, the controls scroll when they do not fit */
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), HEATMAP_MIN_HEIGHT);
  {
    GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_VERTICAL);
    GtkWidget *controls = gtk_scrolled_window_new ();

    gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (controls), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
    gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (controls), TRUE);
    GtkWidget *top = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

    /* Compute and the status stay in view, under the controls that scroll */
    g_object_ref (run);
    g_object_ref (self->status);
    gtk_box_remove (GTK_BOX (box), run);
    gtk_box_remove (GTK_BOX (box), self->status);
    gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (controls), box);
    gtk_widget_set_vexpand (controls, TRUE);
    gtk_box_append (GTK_BOX (top), controls);
    gtk_box_append (GTK_BOX (top), run);
    gtk_box_append (GTK_BOX (top), self->status);
    g_object_unref (run);
    g_object_unref (self->status);
    gtk_widget_set_margin_start (run, 18);
    gtk_widget_set_margin_end (run, 18);
    gtk_widget_set_margin_start (self->status, 18);
    gtk_widget_set_margin_end (self->status, 18);
    gtk_widget_set_margin_bottom (self->status, 6);
    gtk_paned_set_start_child (GTK_PANED (paned), top);
    gtk_paned_set_end_child (GTK_PANED (paned), scrolled);
    gtk_paned_set_shrink_start_child (GTK_PANED (paned), TRUE);
    gtk_paned_set_shrink_end_child (GTK_PANED (paned), FALSE);
    gtk_paned_set_resize_start_child (GTK_PANED (paned), TRUE);
    gtk_paned_set_resize_end_child (GTK_PANED (paned), FALSE);
    gtk_paned_set_wide_handle (GTK_PANED (paned), TRUE);
    gtk_widget_set_margin_start (scrolled, 18);
    gtk_widget_set_margin_end (scrolled, 18);
    gtk_widget_set_margin_bottom (scrolled, 12);
    gtk_window_set_child (GTK_WINDOW (self), paned);
  }
}

CbImportDialog *
cb_import_dialog_new (GtkWindow *parent, const char *model_path, GError **error)
{
  g_autoptr (CbModel) model = NULL;
  g_autoptr (GError) wn_error = NULL;
  CbImportDialog *self;

  if (model_path == NULL)
    {
      g_set_error_literal (error, CB_ERROR, CB_ERROR_INVALID, _ ("No model is loaded"));
      return NULL;
    }
  model = cb_model_load (model_path, error);
  if (model == NULL)
    return NULL;
  self = g_object_new (CB_TYPE_IMPORT_DIALOG, "transient-for", parent, "destroy-with-parent", TRUE, NULL);
  self->model = g_steal_pointer (&model);
  self->wordnet = cb_wordnet_open (NULL, &wn_error);
  if (self->wordnet == NULL)
    self->wordnet_why
      = g_strdup_printf (_ ("WordNet is not available (apt install wordnet-base): %s"), wn_error->message);
  update_sensitivity (self);
  return self;
}
