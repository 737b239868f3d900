/* cb-finetune-dialog.c: run training/finetune.py as a subprocess, with progress and cancel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-finetune-dialog.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "cb-config.h"
#include "model/cb-datadir.h"
#include "app/gui/cb-file-chooser.h"
#include "app/gui/cb-model-list.h"
#include "app/gui/cb-project.h"

#define TAIL_LINES 12
#define CHILD_NICENESS 10

struct _CbFinetuneDialog
{
  GtkWindow parent_instance;

  char *model_path;
  CbProfile *profile;
  char *dataset, *split;
  char *python, *script;
  char *output_dir;
  char *output_path; /* the model written by the last successful run */
  char *run_output;  /* --export of the running one */
  char *run_dir;
  guint kill_timeout_ms;

  CbFinetuneState state;
  guint iteration, total;
  double fraction, it_per_s;
  gboolean forced;
  gboolean disposed; /* the widgets are gone; callbacks still hold references */
  GSubprocess *process;
  GDataInputStream *output;
  GCancellable *check_cancellable;
  guint kill_id;
  GQueue tail; /* the last lines of the tool's output (char *) */
  FILE *log;

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

/* ------------------------------------------------------------------ plain C */

gboolean
cb_finetune_parse_line (const char *line, guint *iteration, double *it_per_s)
{
  const char *p = line, *rate;
  char *end;
  guint64 n;

  while (*p == ' ' || *p == '\t')
    p++;
  if (!g_str_has_prefix (p, "iter ") || !g_ascii_isdigit (p[5]))
    return FALSE;
  n = g_ascii_strtoull (p + 5, &end, 10);
  if (n > G_MAXUINT || (*end != '\0' && *end != ' ' && *end != '\t' && *end != '\r'))
    return FALSE;
  if (iteration != NULL)
    *iteration = (guint)n;
  if (it_per_s != NULL)
    {
      *it_per_s = 0;
      /* "… 0.210 it/s …": the number before the unit */
      if ((rate = strstr (end, " it/s")) != NULL)
        {
          const char *start = rate;

          while (start > end && start[-1] != ' ')
            start--;
          *it_per_s = g_ascii_strtod (start, NULL);
          if (!(*it_per_s > 0) || !isfinite (*it_per_s))
            *it_per_s = 0;
        }
    }
  return TRUE;
}

char *
cb_finetune_find_script (void)
{
  const char *env = g_getenv ("CATBRUSH_FINETUNE_SCRIPT");

  if (env != NULL && *env != '\0')
    return g_file_test (env, G_FILE_TEST_IS_REGULAR) ? g_strdup (env) : NULL;
  return cb_datadir_find ("training/finetune.py");
}

/* ------------------------------------------------------------------ state */

static const char *
split_or_default (CbFinetuneDialog *self)
{
  return self->split && *self->split ? self->split : "train";
}

/* NULL when a run can start, else why not */
static char *
why_not (CbFinetuneDialog *self)
{
  g_autofree char *split_file = NULL;

  if (self->model_path == NULL)
    return g_strdup ("No model is loaded.");
  if (self->dataset == NULL)
    return g_strdup ("Choose the folder with the target example photos (classes.json, images/, labels/ and a "
                     "split file such as train.txt).");
  split_file = g_strdup_printf ("%s/%s.txt", self->dataset, split_or_default (self));
  if (!g_file_test (split_file, G_FILE_TEST_IS_REGULAR))
    return g_strdup_printf (_ ("The example folder has no split file %s."), split_file);
  return NULL;
}

gboolean
cb_finetune_dialog_can_start (CbFinetuneDialog *self)
{
  g_autofree char *why = NULL;

  if (self->state == CB_FINETUNE_CHECKING || self->state == CB_FINETUNE_MISSING || self->state == CB_FINETUNE_RUNNING
      || self->state == CB_FINETUNE_STOPPING)
    return FALSE;
  why = why_not (self);
  return why == NULL;
}

static void
set_status (CbFinetuneDialog *self, const char *text)
{
  if (!self->disposed)
    gtk_label_set_text (GTK_LABEL (self->status), text);
}

static void
update_widgets (CbFinetuneDialog *self)
{
  gboolean busy = cb_finetune_dialog_is_busy (self);
  gboolean running = self->state == CB_FINETUNE_RUNNING || self->state == CB_FINETUNE_STOPPING;
  g_autofree char *label = NULL;

  if (self->disposed)
    return;
  gtk_widget_set_sensitive (self->start_button, cb_finetune_dialog_can_start (self));
  gtk_widget_set_sensitive (self->cancel_button, self->state == CB_FINETUNE_RUNNING);
  gtk_widget_set_visible (self->cancel_button, running);
  for (GtkWidget **w = (GtkWidget *[]){ self->dataset_button, self->split_entry, self->iterations_spin,
                                        self->threads_spin, self->name_entry, self->f16_check, NULL };
       *w != NULL; w++)
    gtk_widget_set_sensitive (*w, !busy);
  gtk_widget_set_visible (self->progress, running || self->state == CB_FINETUNE_DONE);
  gtk_widget_set_visible (self->switch_button, self->state == CB_FINETUNE_DONE && self->output_path != NULL);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress), self->fraction);
  if (self->output_path != NULL)
    {
      g_autofree char *base = g_path_get_basename (self->output_path);
      char *dot = strrchr (base, '.');

      if (dot != NULL)
        *dot = '\0';
      label = g_strdup_printf (_ ("_Paint with “%s”"), base);
      gtk_button_set_label (GTK_BUTTON (self->switch_button), label);
    }
}

/* The reason a run cannot start, in the status line, when idle. */
static void
show_ready_status (CbFinetuneDialog *self)
{
  g_autofree char *why = why_not (self);

  if (self->state != CB_FINETUNE_READY)
    return;
  if (why != NULL)
    set_status (self, why);
  else
    {
      g_autofree char *text = g_strdup_printf (_ ("Ready: %s, split “%s”."), self->dataset, split_or_default (self));

      set_status (self, text);
    }
}

void
cb_finetune_dialog_set_dataset (CbFinetuneDialog *self, const char *dir, const char *split)
{
  g_autofree char *base = dir ? g_path_get_basename (dir) : NULL;
  /* copies: the arguments may be self->dataset or self->split, and the entry's
   * "changed" (split_changed_cb) replaces self->split */
  g_autofree char *new_dir = g_strdup (dir);
  g_autofree char *new_split = g_strdup (split ? split : "train");

  g_free (self->dataset);
  self->dataset = g_strdup (new_dir);
  if (!self->disposed)
    {
      gtk_button_set_label (GTK_BUTTON (self->dataset_button), base ? base : _ ("(choose a folder)"));
      gtk_widget_set_tooltip_text (self->dataset_button, new_dir);
      gtk_editable_set_text (GTK_EDITABLE (self->split_entry), new_split);
    }
  g_free (self->split);
  self->split = g_strdup (new_split);
  show_ready_status (self);
  update_widgets (self);
}

const char *
cb_finetune_dialog_get_dataset (CbFinetuneDialog *self)
{
  return self->dataset;
}

const char *
cb_finetune_dialog_get_split (CbFinetuneDialog *self)
{
  return split_or_default (self);
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
  g_free (self->output_dir);
  self->output_dir = g_strdup (dir);
}

void
cb_finetune_dialog_set_kill_timeout (CbFinetuneDialog *self, guint ms)
{
  self->kill_timeout_ms = ms;
}

CbFinetuneState
cb_finetune_dialog_get_state (CbFinetuneDialog *self)
{
  return self->state;
}

gboolean
cb_finetune_dialog_is_busy (CbFinetuneDialog *self)
{
  return self->state == CB_FINETUNE_CHECKING || self->state == CB_FINETUNE_RUNNING
         || self->state == CB_FINETUNE_STOPPING;
}

guint
cb_finetune_dialog_get_iteration (CbFinetuneDialog *self)
{
  return self->iteration;
}

double
cb_finetune_dialog_get_fraction (CbFinetuneDialog *self)
{
  return self->fraction;
}

const char *
cb_finetune_dialog_get_status (CbFinetuneDialog *self)
{
  return self->disposed ? "" : gtk_label_get_text (GTK_LABEL (self->status));
}

const char *
cb_finetune_dialog_get_output_path (CbFinetuneDialog *self)
{
  return self->output_path;
}

const char *
cb_finetune_dialog_get_run_dir (CbFinetuneDialog *self)
{
  return self->run_dir;
}

gboolean
cb_finetune_dialog_was_forced (CbFinetuneDialog *self)
{
  return self->forced;
}

void
cb_finetune_dialog_switch (CbFinetuneDialog *self)
{
  if (self->state == CB_FINETUNE_DONE && self->output_path != NULL)
    g_signal_emit (self, signals[SWITCH], 0, self->output_path);
}

/* ------------------------------------------------------------------ the check */

static void
set_missing (CbFinetuneDialog *self, const char *what)
{
  g_autofree char *text
    = g_strdup_printf (_ ("%s\n\nFine-tuning runs training/finetune.py with Python 3, PyTorch, NumPy and PIL. "
                          "Install them with:\n\n    %s"),
                       what, CB_FINETUNE_INSTALL_COMMAND);

  self->state = CB_FINETUNE_MISSING;
  set_status (self, text);
  update_widgets (self);
}

static void
check_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CbFinetuneDialog) self = user_data; /* the reference taken for the check */
  GSubprocess *process = G_SUBPROCESS (source);
  g_autoptr (GError) error = NULL;

  if (!g_subprocess_wait_finish (process, result, &error) || self->disposed)
    return;
  g_clear_object (&self->check_cancellable);
  if (g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0)
    {
      self->state = CB_FINETUNE_READY;
      show_ready_status (self);
      update_widgets (self);
    }
  else
    {
      g_autofree char *what
        = g_strdup_printf (_ ("PyTorch is not available to %s (“import torch, numpy, PIL” failed)."), self->python);

      set_missing (self, what);
    }
}

/* python -c "import torch…" in a subprocess: the main thread only waits for its end */
static void
start_check (CbFinetuneDialog *self)
{
  const char *argv[] = { self->python, "-c", "import torch, numpy, PIL", NULL };
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;

  if (self->script == NULL)
    {
      g_autofree char *what = g_strdup_printf (_ ("The fine-tuning script was not found (looked for "
                                                  "%s/training/finetune.py and %s/training/finetune.py)."),
                                               CB_SOURCE_DIR, CB_DATADIR);

      set_missing (self, what);
      return;
    }
  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  if (process == NULL)
    {
      g_autofree char *what = g_strdup_printf (_ ("Python 3 could not be run: %s."), error->message);

      set_missing (self, what);
      return;
    }
  self->state = CB_FINETUNE_CHECKING;
  set_status (self, _ ("Looking for Python 3 with PyTorch…"));
  self->check_cancellable = g_cancellable_new ();
  g_subprocess_wait_async (process, self->check_cancellable, check_done_cb, g_object_ref (self));
  update_widgets (self);
}

/* ------------------------------------------------------------------ the run */

static char *
format_duration (double seconds)
{
  if (seconds < 90)
    return g_strdup_printf ("%.0f s", seconds);
  if (seconds < 90 * 60)
    return g_strdup_printf (_ ("%.0f min"), seconds / 60);
  return g_strdup_printf ("%.1f h", seconds / 3600);
}

static void
handle_line (CbFinetuneDialog *self, const char *line)
{
  guint iteration;
  double rate;

  if (self->log != NULL)
    {
      fputs (line, self->log);
      fputc ('\n', self->log);
      fflush (self->log);
    }
  g_queue_push_tail (&self->tail, g_strdup (line));
  while (self->tail.length > TAIL_LINES)
    g_free (g_queue_pop_head (&self->tail));
  if (!self->disposed)
    gtk_label_set_text (GTK_LABEL (self->last_line), line);

  if (!cb_finetune_parse_line (line, &iteration, &rate))
    return;
  self->iteration = iteration;
  self->fraction = self->total > 0 ? MIN (1.0, (double)iteration / self->total) : 0;
  if (rate > 0)
    self->it_per_s = rate;
  if (self->state == CB_FINETUNE_RUNNING)
    {
      g_autofree char *text = NULL;

      if (self->it_per_s > 0 && iteration < self->total)
        {
          g_autofree char *left = format_duration ((self->total - iteration) / self->it_per_s);

          text = g_strdup_printf (_ ("Iteration %u of %u (%.2f it/s, about %s left)"), iteration, self->total,
                                  self->it_per_s, left);
        }
      else
        text = g_strdup_printf (_ ("Iteration %u of %u"), iteration, self->total);
      set_status (self, text);
    }
  update_widgets (self);
}

static char *
tail_text (CbFinetuneDialog *self)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (GList *l = self->tail.head; l != NULL; l = l->next)
    g_string_append_printf (text, "%s%s", text->len ? "\n" : "", (const char *)l->data);
  return g_string_free (g_steal_pointer (&text), FALSE);
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
wait_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CbFinetuneDialog) self = user_data; /* the reference taken for the wait */
  GSubprocess *process = G_SUBPROCESS (source);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  gboolean exited_ok;
  gboolean written;

  g_subprocess_wait_finish (process, result, &error);
  g_clear_handle_id (&self->kill_id, g_source_remove);
  g_clear_pointer (&self->log, fclose);
  exited_ok = g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0;
  written = self->run_output != NULL && g_file_test (self->run_output, G_FILE_TEST_IS_REGULAR);

  if (exited_ok && written)
    {
      g_autofree char *base = g_path_get_basename (self->run_output);

      g_free (self->output_path);
      self->output_path = g_strdup (self->run_output);
      self->state = CB_FINETUNE_DONE;
      self->fraction = 1.0;
      text = g_strdup_printf (_ ("Done: the fine-tuned model is %s, in the model list now. Its classes are the target "
                                 "classes. (Checkpoints, sample grids and the log: %s)"),
                              self->output_path, self->run_dir);
    }
  else if (self->state == CB_FINETUNE_STOPPING)
    {
      self->state = CB_FINETUNE_CANCELLED;
      if (self->forced)
        text = g_strdup_printf (_ ("Cancelled: the tool did not stop within %u s and was ended; nothing was added."),
                                (self->kill_timeout_ms + 999) / 1000);
      else
        text = g_strdup_printf (_ ("Cancelled at iteration %u of %u; nothing was added. The run was saved in %s."),
                                self->iteration, self->total, self->run_dir);
    }
  else
    {
      g_autofree char *tail = tail_text (self);
      g_autofree char *how = NULL;

      if (g_subprocess_get_if_signaled (process))
        how = g_strdup_printf ("was killed by signal %d", g_subprocess_get_term_sig (process));
      else if (!exited_ok)
        how = g_strdup_printf ("exited with status %d", g_subprocess_get_exit_status (process));
      else
        how = g_strdup_printf ("ended without writing %s", self->run_output);
      self->state = CB_FINETUNE_FAILED;
      text = g_strdup_printf (_ ("Fine-tuning failed: finetune.py %s. Its last output:\n%s"), how,
                              *tail ? tail : "(none)");
    }
  g_clear_object (&self->output);
  g_clear_object (&self->process);
  set_status (self, text);
  update_widgets (self);
  if (self->state == CB_FINETUNE_DONE && !self->disposed && is_toplevel (self))
    {
      g_signal_emit (self, signals[DONE], 0, self->output_path);
      /* it may have run while the dialog was closed: bring it back with the Switch button */
      gtk_window_present (GTK_WINDOW (self));
    }
}

static void read_next_line (CbFinetuneDialog *self);

static void
line_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CbFinetuneDialog) self = user_data; /* the reference taken for the read */
  g_autoptr (GError) error = NULL;
  gsize length;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, &length, &error);

  if (line == NULL)
    {
      /* end of the output (or a read error): the process is ending */
      g_subprocess_wait_async (self->process, NULL, wait_done_cb, g_object_ref (self));
      return;
    }
  g_strchomp (line);
  {
    g_autofree char *valid = g_utf8_make_valid (line, -1);

    handle_line (self, valid);
  }
  read_next_line (self);
}

static void
read_next_line (CbFinetuneDialog *self)
{
  g_data_input_stream_read_line_async (self->output, G_PRIORITY_DEFAULT, NULL, line_cb, g_object_ref (self));
}

/* in the child, before exec: a long training should not slow the painting */
static void
child_setup (gpointer data)
{
  (void)setpriority (PRIO_PROCESS, 0, CHILD_NICENESS);
}

static void
fail_start (CbFinetuneDialog *self, const char *what, const GError *error)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", what, error->message);

  self->state = CB_FINETUNE_FAILED;
  set_status (self, text);
  update_widgets (self);
}

void
cb_finetune_dialog_start (CbFinetuneDialog *self)
{
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_entry));
  guint iterations = (guint)gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->iterations_spin));
  guint threads = (guint)gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->threads_spin));
  g_autofree char *dir = self->output_dir ? g_strdup (self->output_dir) : cb_model_list_user_dir ();
  g_autofree char *runs = g_build_filename (g_get_user_cache_dir (), "catbrush", "finetune", NULL);
  g_autofree char *stem = NULL;
  g_autofree char *template = NULL;
  g_autofree char *profile_path = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *iters_arg = g_strdup_printf ("%u", iterations);
  g_autofree char *threads_arg = g_strdup_printf ("%u", threads);
  g_autofree char *log_every = g_strdup_printf ("%u", CLAMP (iterations / 100, 1, 10));
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  char *dot;

  if (!cb_finetune_dialog_can_start (self))
    return;
  if (*name == '\0')
    name = self->profile->target->name && *self->profile->target->name ? self->profile->target->name : "finetuned";
  if (g_mkdir_with_parents (dir, 0755) != 0 || g_mkdir_with_parents (runs, 0755) != 0)
    {
      g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s", g_strerror (errno));
      fail_start (self, _ ("The models or runs folder could not be made"), error);
      return;
    }
  g_free (self->run_output);
  self->run_output = cb_model_list_new_path (dir, name);
  stem = g_path_get_basename (self->run_output);
  if ((dot = strrchr (stem, '.')) != NULL)
    *dot = '\0';
  template = g_strdup_printf ("%s/%s-XXXXXX", runs, stem);
  if (g_mkdtemp (template) == NULL)
    {
      g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s", g_strerror (errno));
      fail_start (self, _ ("The run folder could not be made"), error);
      return;
    }
  g_free (self->run_dir);
  self->run_dir = g_strdup (template);
  profile_path = g_build_filename (self->run_dir, "profile.json", NULL);
  if (!cb_profile_save (self->profile, profile_path, &error))
    {
      fail_start (self, _ ("The target profile could not be written"), error);
      return;
    }

  g_ptr_array_add (argv, self->python);
  g_ptr_array_add (argv, self->script);
  for (const char *const *a
       = (const char *const[]){ "--source", self->model_path, "--profile", profile_path, "--data", self->dataset,
                                "--split", split_or_default (self), "--iters", iters_arg, "--threads", threads_arg,
                                "--log-every", log_every, "--out", self->run_dir, "--export", self->run_output, NULL };
       *a != NULL; a++)
    g_ptr_array_add (argv, (gpointer)*a);
  if (gtk_check_button_get_active (GTK_CHECK_BUTTON (self->f16_check)))
    g_ptr_array_add (argv, "--f16");
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "PYTHONUNBUFFERED", "1", TRUE);
  /* spinning OpenMP threads waste the CPU share a niced job gets (training/README.md) */
  g_subprocess_launcher_setenv (launcher, "OMP_WAIT_POLICY", "PASSIVE", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char *const *)argv->pdata, &error);
  if (self->process == NULL)
    {
      fail_start (self, _ ("finetune.py could not be started"), error);
      return;
    }

  log_path = g_build_filename (self->run_dir, "log.txt", NULL);
  self->log = g_fopen (log_path, "w");
  if (self->log != NULL)
    {
      g_autofree char *command = g_strjoinv (" ", (char **)argv->pdata);

      fprintf (self->log, "$ %s\n", command);
    }
  g_queue_clear_full (&self->tail, g_free);
  self->state = CB_FINETUNE_RUNNING;
  self->iteration = 0;
  self->total = iterations;
  self->fraction = 0;
  self->it_per_s = 0;
  self->forced = FALSE;
  {
    g_autofree char *text
      = g_strdup_printf (_ ("Starting: loading %s and the examples of %s…"), self->model_path, self->dataset);

    set_status (self, text);
  }
  if (!self->disposed)
    gtk_label_set_text (GTK_LABEL (self->last_line), "");
  self->output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  read_next_line (self);
  update_widgets (self);
}

static gboolean
kill_cb (gpointer data)
{
  CbFinetuneDialog *self = data;

  self->kill_id = 0;
  if (self->process != NULL)
    {
      self->forced = TRUE;
      g_subprocess_force_exit (self->process);
    }
  return G_SOURCE_REMOVE;
}

void
cb_finetune_dialog_cancel (CbFinetuneDialog *self)
{
  if (self->state != CB_FINETUNE_RUNNING || self->process == NULL)
    return;
  self->state = CB_FINETUNE_STOPPING;
  /* finetune.py finishes the iteration, saves its checkpoint and exits without exporting */
  g_subprocess_send_signal (self->process, SIGTERM);
  self->kill_id
    = g_timeout_add_full (G_PRIORITY_DEFAULT, self->kill_timeout_ms, kill_cb, g_object_ref (self), g_object_unref);
  set_status (self, _ ("Stopping: the tool finishes this iteration, saves its checkpoint and exits…"));
  update_widgets (self);
}

/* ------------------------------------------------------------------ widgets */

static void
folder_chosen_cb (GFile *file, const char *choice, gpointer user_data)
{
  CbFinetuneDialog *self = user_data;
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    cb_finetune_dialog_set_dataset (self, path, split_or_default (self));
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

  if (g_strcmp0 (text, self->split) == 0)
    return;
  g_free (self->split);
  self->split = g_strdup (text);
  show_ready_status (self);
  update_widgets (self);
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
      if (self->check_cancellable != NULL)
        g_cancellable_cancel (self->check_cancellable);
      cb_finetune_dialog_cancel (self);
    }
  G_OBJECT_CLASS (cb_finetune_dialog_parent_class)->dispose (object);
}

static void
cb_finetune_dialog_finalize (GObject *object)
{
  CbFinetuneDialog *self = CB_FINETUNE_DIALOG (object);

  g_free (self->model_path);
  g_clear_pointer (&self->profile, cb_profile_free);
  g_free (self->dataset);
  g_free (self->split);
  g_free (self->python);
  g_free (self->script);
  g_free (self->output_dir);
  g_free (self->output_path);
  g_free (self->run_output);
  g_free (self->run_dir);
  g_clear_object (&self->check_cancellable);
  g_clear_object (&self->output);
  g_clear_object (&self->process);
  g_clear_pointer (&self->log, fclose);
  g_queue_clear_full (&self->tail, g_free);
  G_OBJECT_CLASS (cb_finetune_dialog_parent_class)->finalize (object);
}

static void
cb_finetune_dialog_class_init (CbFinetuneDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cb_finetune_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = cb_finetune_dialog_finalize;
  signals[DONE] = g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                1, G_TYPE_STRING);
  signals[SWITCH] = g_signal_new ("switch", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static GtkWidget *
row_label (const char *text, GtkWidget *mnemonic_widget)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (text);

  gtk_label_set_xalign (GTK_LABEL (label), 1);
  if (mnemonic_widget != NULL)
    gtk_label_set_mnemonic_widget (GTK_LABEL (label), mnemonic_widget);
  return label;
}

static GtkWidget *
wrapped_label (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  return label;
}

static void
cb_finetune_dialog_init (CbFinetuneDialog *self)
{
  GtkWidget *header = gtk_header_bar_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *folder_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *run = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *note;
  guint cpus = g_get_num_processors ();
  int row = 0;

  self->state = CB_FINETUNE_CHECKING;
  self->kill_timeout_ms = CB_FINETUNE_DEFAULT_KILL_TIMEOUT_MS;
  g_queue_init (&self->tail);
  gtk_window_set_title (GTK_WINDOW (self), _ ("Fine-tune"));
  gtk_window_set_default_size (GTK_WINDOW (self), 600, -1);
  /* closing hides: a run goes on while one paints; the window's end stops it */
  gtk_window_set_hide_on_close (GTK_WINDOW (self), TRUE);
  self->start_button = gtk_button_new_with_mnemonic (_ ("_Fine-tune"));
  gtk_widget_add_css_class (self->start_button, "suggested-action");
  g_signal_connect (self->start_button, "clicked", G_CALLBACK (start_clicked_cb), self);
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), self->start_button);
  gtk_window_set_titlebar (GTK_WINDOW (self), header);

  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 18);
  note = wrapped_label (_ ("Fine-tunes the model and the affinity matrix on the target example photos (class affinity "
                           "transfer) with training/finetune.py. The result is a new model in your models folder whose "
                           "classes are the target classes. On two CPU cores, 1000 iterations of a 128×96 model take "
                           "about an hour; closing this window lets it run on."));
  gtk_widget_add_css_class (note, "dim-label");
  gtk_box_append (GTK_BOX (box), note);

  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  self->dataset_button = gtk_button_new_with_label (_ ("(choose a folder)"));
  gtk_widget_set_hexpand (self->dataset_button, TRUE);
  g_signal_connect (self->dataset_button, "clicked", G_CALLBACK (dataset_clicked_cb), self);
  self->split_entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (self->split_entry), "train");
  gtk_editable_set_width_chars (GTK_EDITABLE (self->split_entry), 10);
  gtk_widget_set_tooltip_text (self->split_entry, _ ("The split file (SPLIT.txt) listing the example photos"));
  g_signal_connect (self->split_entry, "changed", G_CALLBACK (split_changed_cb), self);
  gtk_box_append (GTK_BOX (folder_box), self->dataset_button);
  gtk_box_append (GTK_BOX (folder_box), row_label (_ ("_Split"), self->split_entry));
  gtk_box_append (GTK_BOX (folder_box), self->split_entry);
  gtk_grid_attach (GTK_GRID (grid), row_label (_ ("_Examples"), self->dataset_button), 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), folder_box, 1, row++, 1, 1);

  self->iterations_spin = gtk_spin_button_new_with_range (1, 1000000, 100);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->iterations_spin), CB_FINETUNE_DEFAULT_ITERATIONS);
  gtk_widget_set_halign (self->iterations_spin, GTK_ALIGN_START);
  gtk_grid_attach (GTK_GRID (grid), row_label (_ ("_Iterations"), self->iterations_spin), 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), self->iterations_spin, 1, row++, 1, 1);
  self->threads_spin = gtk_spin_button_new_with_range (1, MAX (cpus, 1), 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->threads_spin), MAX (cpus / 2, 1));
  gtk_widget_set_halign (self->threads_spin, GTK_ALIGN_START);
  gtk_widget_set_tooltip_text (self->threads_spin, _ ("CPU threads for PyTorch"));
  gtk_grid_attach (GTK_GRID (grid), row_label (_ ("_Threads"), self->threads_spin), 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), self->threads_spin, 1, row++, 1, 1);
  self->name_entry = gtk_entry_new ();
  gtk_widget_set_tooltip_text (self->name_entry, _ ("The new model's name in the model list"));
  gtk_grid_attach (GTK_GRID (grid), row_label (_ ("_Name"), self->name_entry), 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), self->name_entry, 1, row++, 1, 1);
  self->f16_check = gtk_check_button_new_with_mnemonic (_ ("Store the weights as F_16 (half the size)"));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->f16_check), TRUE);
  gtk_grid_attach (GTK_GRID (grid), self->f16_check, 1, row++, 1, 1);
  gtk_box_append (GTK_BOX (box), grid);

  self->progress = gtk_progress_bar_new ();
  gtk_widget_set_hexpand (self->progress, TRUE);
  gtk_widget_set_valign (self->progress, GTK_ALIGN_CENTER);
  self->cancel_button = gtk_button_new_with_mnemonic (_ ("_Cancel"));
  gtk_widget_set_tooltip_text (self->cancel_button,
                               _ ("Stop after this iteration (the run is saved); nothing is added"));
  g_signal_connect (self->cancel_button, "clicked", G_CALLBACK (cancel_clicked_cb), self);
  gtk_box_append (GTK_BOX (run), self->progress);
  gtk_box_append (GTK_BOX (run), self->cancel_button);
  gtk_box_append (GTK_BOX (box), run);
  self->status = wrapped_label (NULL);
  gtk_label_set_selectable (GTK_LABEL (self->status), TRUE);
  gtk_box_append (GTK_BOX (box), self->status);
  self->last_line = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->last_line), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->last_line), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (self->last_line, "dim-label");
  gtk_widget_add_css_class (self->last_line, "monospace");
  gtk_box_append (GTK_BOX (box), self->last_line);
  self->switch_button = gtk_button_new_with_mnemonic (_ ("_Paint with the New Model"));
  gtk_widget_add_css_class (self->switch_button, "suggested-action");
  gtk_widget_set_halign (self->switch_button, GTK_ALIGN_END);
  g_signal_connect (self->switch_button, "clicked", G_CALLBACK (switch_clicked_cb), self);
  gtk_box_append (GTK_BOX (box), self->switch_button);
  gtk_window_set_child (GTK_WINDOW (self), box);
}

/* estimation.example_dir / example_split, as cb_affinity_estimate() records them */
static void
dataset_from_profile (CbFinetuneDialog *self)
{
  JsonObject *e;
  JsonNode *dir, *split;

  if (self->profile->estimation == NULL || !JSON_NODE_HOLDS_OBJECT (self->profile->estimation))
    return;
  e = json_node_get_object (self->profile->estimation);
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
  const char *python = g_getenv ("CATBRUSH_PYTHON");
  g_autofree char *title = NULL;

  g_return_val_if_fail (profile != NULL, NULL);
  self = g_object_new (CB_TYPE_FINETUNE_DIALOG, "transient-for", parent, "destroy-with-parent", TRUE, NULL);
  self->model_path = g_strdup (model_path);
  self->profile = cb_project_copy_profile (profile);
  self->python = g_strdup (python && *python ? python : "/usr/bin/python3");
  self->script = cb_finetune_find_script ();
  title = g_strdup_printf (_ ("Fine-tune for “%s”"), profile->target->name ? profile->target->name : "target classes");
  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->name_entry), profile->target->name && *profile->target->name
                                                                  ? profile->target->name
                                                                  : "finetuned");
  dataset_from_profile (self);
  start_check (self);
  update_widgets (self);
  return GTK_WIDGET (self);
}
