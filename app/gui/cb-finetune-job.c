/* cb-finetune-job.c: training/finetune.py as a subprocess: check, start, progress, cancel, the end
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-finetune-job.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "cb-config.h"
#include "model/cb-datadir.h"
#include "model/cb-error.h"
#include "app/gui/cb-model-list.h"
#include "app/gui/cb-project.h"

#define TAIL_LINES 12
#define CHILD_NICENESS 10

struct _CbFinetuneJob
{
  GObject parent_instance;

  char *model_path;
  CbProfile *profile;
  char *dataset, *split;
  char *python, *script;
  char *name;
  guint iterations, threads;
  gboolean f16;
  char *output_dir;
  char *output_path; /* the model written by the last successful run */
  char *run_output;  /* --export of the running one */
  char *run_dir;
  guint kill_timeout_ms;

  CbFinetuneState state;
  char *status;
  guint iteration, total;
  double fraction, it_per_s;
  gboolean forced;
  GSubprocess *process;
  GDataInputStream *output;
  GCancellable *check_cancellable;
  guint kill_id;
  GQueue tail; /* the last lines of the tool's output (char *) */
  FILE *log;
};

G_DEFINE_FINAL_TYPE (CbFinetuneJob, cb_finetune_job, G_TYPE_OBJECT)

enum
{
  CHANGED,
  LINE,
  FINISHED,
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

static void
set_status (CbFinetuneJob *self, const char *text)
{
  g_free (self->status);
  self->status = g_strdup (text);
}

static void
emit_changed (CbFinetuneJob *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static const char *
split_or_default (CbFinetuneJob *self)
{
  return self->split && *self->split ? self->split : "train";
}

/* NULL when a run can start, else why not */
static char *
why_not (CbFinetuneJob *self)
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
cb_finetune_job_can_start (CbFinetuneJob *self)
{
  g_autofree char *why = NULL;

  if (self->state == CB_FINETUNE_CHECKING || self->state == CB_FINETUNE_MISSING || cb_finetune_job_is_running (self))
    return FALSE;
  why = why_not (self);
  return why == NULL;
}

/* The reason a run cannot start, in the status, when idle. */
static void
show_ready_status (CbFinetuneJob *self)
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
cb_finetune_job_set_dataset (CbFinetuneJob *self, const char *dir, const char *split)
{
  /* copies: the arguments may be self->dataset or self->split */
  g_autofree char *new_dir = g_strdup (dir);
  g_autofree char *new_split = g_strdup (split ? split : "train");

  g_free (self->dataset);
  self->dataset = g_steal_pointer (&new_dir);
  g_free (self->split);
  self->split = g_steal_pointer (&new_split);
  show_ready_status (self);
  emit_changed (self);
}

const char *
cb_finetune_job_get_dataset (CbFinetuneJob *self)
{
  return self->dataset;
}

const char *
cb_finetune_job_get_split (CbFinetuneJob *self)
{
  return split_or_default (self);
}

void
cb_finetune_job_set_iterations (CbFinetuneJob *self, guint iterations)
{
  self->iterations = MAX (iterations, 1);
}

void
cb_finetune_job_set_threads (CbFinetuneJob *self, guint threads)
{
  self->threads = MAX (threads, 1);
}

void
cb_finetune_job_set_name (CbFinetuneJob *self, const char *name)
{
  g_free (self->name);
  self->name = g_strdup (name);
}

void
cb_finetune_job_set_f16 (CbFinetuneJob *self, gboolean f16)
{
  self->f16 = f16;
}

void
cb_finetune_job_set_output_dir (CbFinetuneJob *self, const char *dir)
{
  g_free (self->output_dir);
  self->output_dir = g_strdup (dir);
}

void
cb_finetune_job_set_kill_timeout (CbFinetuneJob *self, guint ms)
{
  self->kill_timeout_ms = ms;
}

CbFinetuneState
cb_finetune_job_get_state (CbFinetuneJob *self)
{
  return self->state;
}

gboolean
cb_finetune_job_is_busy (CbFinetuneJob *self)
{
  return self->state == CB_FINETUNE_CHECKING || cb_finetune_job_is_running (self);
}

gboolean
cb_finetune_job_is_running (CbFinetuneJob *self)
{
  return self->state == CB_FINETUNE_RUNNING || self->state == CB_FINETUNE_STOPPING;
}

guint
cb_finetune_job_get_iteration (CbFinetuneJob *self)
{
  return self->iteration;
}

double
cb_finetune_job_get_fraction (CbFinetuneJob *self)
{
  return self->fraction;
}

const char *
cb_finetune_job_get_status (CbFinetuneJob *self)
{
  return self->status ? self->status : "";
}

const char *
cb_finetune_job_get_output_path (CbFinetuneJob *self)
{
  return self->output_path;
}

const char *
cb_finetune_job_get_run_dir (CbFinetuneJob *self)
{
  return self->run_dir;
}

gboolean
cb_finetune_job_was_forced (CbFinetuneJob *self)
{
  return self->forced;
}

/* ------------------------------------------------------------------ the check */

static void
set_missing (CbFinetuneJob *self, const char *what)
{
  g_autofree char *text
    = g_strdup_printf (_ ("%s\n\nFine-tuning runs training/finetune.py with Python 3, PyTorch, NumPy and PIL. "
                          "Install them with:\n\n    %s"),
                       what, CB_FINETUNE_INSTALL_COMMAND);

  self->state = CB_FINETUNE_MISSING;
  set_status (self, text);
  emit_changed (self);
}

static void
check_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CbFinetuneJob) self = user_data; /* the reference taken for the check */
  GSubprocess *process = G_SUBPROCESS (source);
  g_autoptr (GError) error = NULL;

  if (!g_subprocess_wait_finish (process, result, &error))
    return; /* cancelled: the job is being dropped */
  g_clear_object (&self->check_cancellable);
  if (g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0)
    {
      self->state = CB_FINETUNE_READY;
      show_ready_status (self);
      emit_changed (self);
    }
  else
    {
      g_autofree char *what
        = g_strdup_printf (_ ("PyTorch is not available to %s (“import torch, numpy, PIL” failed)."), self->python);

      set_missing (self, what);
    }
}

/* python -c "import torch…" in a subprocess: the main thread only waits for its end */
void
cb_finetune_job_check (CbFinetuneJob *self)
{
  const char *argv[] = { self->python, "-c", "import torch, numpy, PIL", NULL };
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;

  if (self->state != CB_FINETUNE_CHECKING || self->check_cancellable != NULL)
    return;
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
  set_status (self, _ ("Looking for Python 3 with PyTorch…"));
  self->check_cancellable = g_cancellable_new ();
  g_subprocess_wait_async (process, self->check_cancellable, check_done_cb, g_object_ref (self));
  emit_changed (self);
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
handle_line (CbFinetuneJob *self, const char *line)
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
  g_signal_emit (self, signals[LINE], 0, line);

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
  emit_changed (self);
}

static char *
tail_text (CbFinetuneJob *self)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (GList *l = self->tail.head; l != NULL; l = l->next)
    g_string_append_printf (text, "%s%s", text->len ? "\n" : "", (const char *)l->data);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
wait_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CbFinetuneJob) self = user_data; /* the reference taken for the wait */
  GSubprocess *process = G_SUBPROCESS (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) outcome = NULL;
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
      outcome = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, text);
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
      outcome = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, text);
    }
  g_clear_object (&self->output);
  g_clear_object (&self->process);
  set_status (self, text);
  emit_changed (self);
  g_signal_emit (self, signals[FINISHED], 0, outcome);
}

static void read_next_line (CbFinetuneJob *self);

static void
line_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CbFinetuneJob) self = user_data; /* the reference taken for the read */
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
read_next_line (CbFinetuneJob *self)
{
  g_data_input_stream_read_line_async (self->output, G_PRIORITY_DEFAULT, NULL, line_cb, g_object_ref (self));
}

/* in the child, before exec: a long training should not slow the painting */
static void
child_setup (gpointer data)
{
  (void)setpriority (PRIO_PROCESS, 0, CHILD_NICENESS);
}

/* FAILED, the status "WHAT: why"; the error says the same */
static gboolean
fail_start (CbFinetuneJob *self, const char *what, GError *cause, GError **error)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", what, cause->message);

  self->state = CB_FINETUNE_FAILED;
  set_status (self, text);
  emit_changed (self);
  g_set_error_literal (error, cause->domain, cause->code, text);
  return FALSE;
}

gboolean
cb_finetune_job_start (CbFinetuneJob *self, GError **error)
{
  const char *name = self->name;
  g_autofree char *dir = self->output_dir ? g_strdup (self->output_dir) : cb_model_list_user_dir ();
  g_autofree char *runs = g_build_filename (g_get_user_cache_dir (), "catbrush", "finetune", NULL);
  g_autofree char *stem = NULL;
  g_autofree char *template = NULL;
  g_autofree char *profile_path = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *iters_arg = g_strdup_printf ("%u", self->iterations);
  g_autofree char *threads_arg = g_strdup_printf ("%u", self->threads);
  g_autofree char *log_every = g_strdup_printf ("%u", CLAMP (self->iterations / 100, 1, 10));
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) cause = NULL;
  char *dot;

  if (!cb_finetune_job_can_start (self))
    {
      g_autofree char *why = why_not (self);

      g_set_error (error, CB_ERROR, CB_ERROR_INVALID, _ ("Fine-tuning cannot start now: %s"),
                   why            ? why
                   : self->status ? self->status
                                  : "a run or the check is in progress");
      return FALSE;
    }
  if (name == NULL || *name == '\0')
    name = self->profile->target->name && *self->profile->target->name ? self->profile->target->name : "finetuned";
  if (g_mkdir_with_parents (dir, 0755) != 0 || g_mkdir_with_parents (runs, 0755) != 0)
    {
      int saved = errno;

      g_set_error (&cause, G_FILE_ERROR, g_file_error_from_errno (saved), "%s (%s or %s)", g_strerror (saved), dir,
                   runs);
      return fail_start (self, _ ("The models or runs folder could not be made"), cause, error);
    }
  g_free (self->run_output);
  self->run_output = cb_model_list_new_path (dir, name);
  stem = g_path_get_basename (self->run_output);
  if ((dot = strrchr (stem, '.')) != NULL)
    *dot = '\0';
  template = g_strdup_printf ("%s/%s-XXXXXX", runs, stem);
  if (g_mkdtemp (template) == NULL)
    {
      int saved = errno;

      g_set_error (&cause, G_FILE_ERROR, g_file_error_from_errno (saved), "%s (%s)", g_strerror (saved), template);
      return fail_start (self, _ ("The run folder could not be made"), cause, error);
    }
  g_free (self->run_dir);
  self->run_dir = g_strdup (template);
  profile_path = g_build_filename (self->run_dir, "profile.json", NULL);
  if (!cb_profile_save (self->profile, profile_path, &cause))
    return fail_start (self, _ ("The target profile could not be written"), cause, error);

  g_ptr_array_add (argv, self->python);
  g_ptr_array_add (argv, self->script);
  for (const char *const *a
       = (const char *const[]){ "--source", self->model_path, "--profile", profile_path, "--data", self->dataset,
                                "--split", split_or_default (self), "--iters", iters_arg, "--threads", threads_arg,
                                "--log-every", log_every, "--out", self->run_dir, "--export", self->run_output, NULL };
       *a != NULL; a++)
    g_ptr_array_add (argv, (gpointer)*a);
  if (self->f16)
    g_ptr_array_add (argv, "--f16");
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "PYTHONUNBUFFERED", "1", TRUE);
  /* spinning OpenMP threads waste the CPU share a niced job gets (training/README.md) */
  g_subprocess_launcher_setenv (launcher, "OMP_WAIT_POLICY", "PASSIVE", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char *const *)argv->pdata, &cause);
  if (self->process == NULL)
    return fail_start (self, _ ("finetune.py could not be started"), cause, error);

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
  self->total = self->iterations;
  self->fraction = 0;
  self->it_per_s = 0;
  self->forced = FALSE;
  {
    g_autofree char *text
      = g_strdup_printf (_ ("Starting: loading %s and the examples of %s…"), self->model_path, self->dataset);

    set_status (self, text);
  }
  self->output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  read_next_line (self);
  emit_changed (self);
  return TRUE;
}

static gboolean
kill_cb (gpointer data)
{
  CbFinetuneJob *self = data;

  self->kill_id = 0;
  if (self->process != NULL)
    {
      self->forced = TRUE;
      g_subprocess_force_exit (self->process);
    }
  return G_SOURCE_REMOVE;
}

void
cb_finetune_job_cancel (CbFinetuneJob *self)
{
  if (self->check_cancellable != NULL)
    g_cancellable_cancel (self->check_cancellable);
  if (self->state != CB_FINETUNE_RUNNING || self->process == NULL)
    return;
  self->state = CB_FINETUNE_STOPPING;
  /* finetune.py finishes the iteration, saves its checkpoint and exits without exporting */
  g_subprocess_send_signal (self->process, SIGTERM);
  self->kill_id
    = g_timeout_add_full (G_PRIORITY_DEFAULT, self->kill_timeout_ms, kill_cb, g_object_ref (self), g_object_unref);
  set_status (self, _ ("Stopping: the tool finishes this iteration, saves its checkpoint and exits…"));
  emit_changed (self);
}

/* ------------------------------------------------------------------ object */

static void
cb_finetune_job_finalize (GObject *object)
{
  CbFinetuneJob *self = CB_FINETUNE_JOB (object);

  g_free (self->model_path);
  g_clear_pointer (&self->profile, cb_profile_free);
  g_free (self->dataset);
  g_free (self->split);
  g_free (self->python);
  g_free (self->script);
  g_free (self->name);
  g_free (self->output_dir);
  g_free (self->output_path);
  g_free (self->run_output);
  g_free (self->run_dir);
  g_free (self->status);
  g_clear_object (&self->check_cancellable);
  g_clear_object (&self->output);
  g_clear_object (&self->process);
  g_clear_pointer (&self->log, fclose);
  g_queue_clear_full (&self->tail, g_free);
  G_OBJECT_CLASS (cb_finetune_job_parent_class)->finalize (object);
}

static void
cb_finetune_job_class_init (CbFinetuneJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cb_finetune_job_finalize;
  signals[CHANGED]
    = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[LINE] = g_signal_new ("line", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                1, G_TYPE_STRING);
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
cb_finetune_job_init (CbFinetuneJob *self)
{
  guint cpus = g_get_num_processors ();

  self->state = CB_FINETUNE_CHECKING;
  self->kill_timeout_ms = CB_FINETUNE_DEFAULT_KILL_TIMEOUT_MS;
  self->iterations = CB_FINETUNE_DEFAULT_ITERATIONS;
  self->threads = MAX (cpus / 2, 1);
  self->f16 = TRUE;
  g_queue_init (&self->tail);
}

CbFinetuneJob *
cb_finetune_job_new (const char *model_path, const CbProfile *profile)
{
  CbFinetuneJob *self;
  const char *python = g_getenv ("CATBRUSH_PYTHON");

  g_return_val_if_fail (profile != NULL, NULL);
  self = g_object_new (CB_TYPE_FINETUNE_JOB, NULL);
  self->model_path = g_strdup (model_path);
  self->profile = cb_project_copy_profile (profile);
  self->python = g_strdup (python && *python ? python : "/usr/bin/python3");
  self->script = cb_finetune_find_script ();
  return self;
}
