/* test-finetune-job.c: CbFinetuneJob without widgets or a display, with the
 * fake interpreter and fake finetune.py of finetune-fake.h: the torch check
 * and its install hint, a refused start, a run to the end (its arguments,
 * progress, lines, "finished" without error), Cancel mid-way (SIGTERM, then
 * force exit), a failing tool and a run folder that cannot be made, each
 * with a clear message.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "app/gui/cb-finetune-job.h"
#include "model/cb-error.h"
#include "tests/app/finetune-fake.h"
#include "tests/test-ui.h"

static char *tmp_dir;
static char *examples;
static char *fake_model;
static char *python_path;
static char *script_path;

typedef struct
{
  guint changed, lines, finished;
  GError *error; /* of the last "finished" */
} Seen;

static void
changed_cb (CbFinetuneJob *job, Seen *seen)
{
  seen->changed++;
}

static void
line_cb (CbFinetuneJob *job, const char *line, Seen *seen)
{
  g_assert_nonnull (line);
  seen->lines++;
}

static void
finished_cb (CbFinetuneJob *job, const GError *error, Seen *seen)
{
  seen->finished++;
  g_clear_error (&seen->error);
  seen->error = error ? g_error_copy (error) : NULL;
}

static gboolean
not_busy (gpointer job)
{
  return !cb_finetune_job_is_busy (job);
}

static gboolean
past_iteration_3 (gpointer job)
{
  return cb_finetune_job_get_iteration (job) >= 3;
}

static CbProfile *
tiny_profile (void)
{
  static const char *const source[] = { "sky", "road" };
  g_autoptr (CbClassSet) target = cb_class_set_new ("job facades");

  g_assert_true (cb_class_set_add (target, 0, "heaven", 0x3366cc, NULL, NULL));
  g_assert_true (cb_class_set_add (target, 1, "door", 0xcc3333, NULL, NULL));
  return cb_profile_new (target, 2, source, "0000000000000000000000000000000000000000000000000000000000000000");
}

/* a checked job (READY, or MISSING) with the example folder set */
static CbFinetuneJob *
new_job (Seen *seen)
{
  g_autoptr (CbProfile) profile = tiny_profile ();
  CbFinetuneJob *job = cb_finetune_job_new (fake_model, profile);

  g_signal_connect (job, "changed", G_CALLBACK (changed_cb), seen);
  g_signal_connect (job, "line", G_CALLBACK (line_cb), seen);
  g_signal_connect (job, "finished", G_CALLBACK (finished_cb), seen);
  g_assert_cmpint (cb_finetune_job_get_state (job), ==, CB_FINETUNE_CHECKING);
  cb_finetune_job_set_dataset (job, examples, NULL);
  cb_finetune_job_check (job);
  g_assert_true (cb_test_wait_for (not_busy, job, 30));
  return job;
}

static void
seen_clear (Seen *seen)
{
  g_clear_error (&seen->error);
  memset (seen, 0, sizeof *seen);
}

static void
test_check (void)
{
  g_autoptr (CbFinetuneJob) job = NULL;
  Seen seen = { 0 };

  /* no interpreter */
  g_setenv ("CATBRUSH_PYTHON", "/nonexistent/python3", TRUE);
  job = new_job (&seen);
  g_assert_cmpint (cb_finetune_job_get_state (job), ==, CB_FINETUNE_MISSING);
  g_assert_false (cb_finetune_job_can_start (job));
  cb_test_assert_contains (cb_finetune_job_get_status (job), "Python 3 could not be run");
  cb_test_assert_contains (cb_finetune_job_get_status (job), CB_FINETUNE_INSTALL_COMMAND);
  g_clear_object (&job);
  g_setenv ("CATBRUSH_PYTHON", python_path, TRUE);

  /* an interpreter without torch */
  g_setenv ("FAKE_TORCH_RC", "1", TRUE);
  job = new_job (&seen);
  g_assert_cmpint (cb_finetune_job_get_state (job), ==, CB_FINETUNE_MISSING);
  cb_test_assert_contains (cb_finetune_job_get_status (job), "PyTorch is not available");
  g_assert_cmpuint (seen.changed, >, 0);
  g_clear_object (&job);
  g_unsetenv ("FAKE_TORCH_RC");

  /* no script */
  g_setenv ("CATBRUSH_FINETUNE_SCRIPT", "/nonexistent/finetune.py", TRUE);
  job = new_job (&seen);
  g_assert_cmpint (cb_finetune_job_get_state (job), ==, CB_FINETUNE_MISSING);
  cb_test_assert_contains (cb_finetune_job_get_status (job), "fine-tuning script was not found");
  g_clear_object (&job);
  g_setenv ("CATBRUSH_FINETUNE_SCRIPT", script_path, TRUE);
  seen_clear (&seen);
}

static void
test_refused (void)
{
  g_autoptr (CbFinetuneJob) job = NULL;
  g_autoptr (GError) error = NULL;
  Seen seen = { 0 };

  job = new_job (&seen);
  g_assert_cmpint (cb_finetune_job_get_state (job), ==, CB_FINETUNE_READY);
  g_assert_true (cb_finetune_job_can_start (job));
  cb_test_assert_contains (cb_finetune_job_get_status (job), "Ready: ");

  /* a split without its file: refused, the reason in the status and the error */
  cb_finetune_job_set_dataset (job, examples, "train25");
  g_assert_false (cb_finetune_job_can_start (job));
  cb_test_assert_contains (cb_finetune_job_get_status (job), "train25.txt");
  g_assert_false (cb_finetune_job_start (job, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  cb_test_assert_contains (error->message, "train25.txt");
  g_clear_error (&error);

  cb_finetune_job_set_dataset (job, NULL, NULL);
  g_assert_false (cb_finetune_job_start (job, &error));
  cb_test_assert_contains (error->message, "Choose the folder");
  g_clear_error (&error);
  g_assert_cmpint (cb_finetune_job_get_state (job), ==, CB_FINETUNE_READY);
  g_assert_cmpuint (seen.finished, ==, 0);
  seen_clear (&seen);
}

static void
test_run (void)
{
  g_autofree char *out_dir = g_build_filename (tmp_dir, "run-models", NULL);
  g_autofree char *args_path = g_build_filename (tmp_dir, "args.txt", NULL);
  g_autofree char *cache_dir = g_build_filename (g_get_user_cache_dir (), "catbrush", "finetune", NULL);
  g_autofree char *args = NULL;
  g_autofree char *expect = NULL;
  g_autofree char *log = NULL;
  g_autofree char *log_path = NULL;
  g_autoptr (CbFinetuneJob) job = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *output = NULL; /* a copy: the next run replaces the job's */
  Seen seen = { 0 };

  job = new_job (&seen);
  cb_finetune_job_set_output_dir (job, out_dir);
  cb_finetune_job_set_iterations (job, 5);
  cb_finetune_job_set_threads (job, 1);
  cb_finetune_job_set_name (job, "job run");
  cb_finetune_job_set_f16 (job, FALSE);
  g_assert_true (cb_finetune_job_start (job, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cb_finetune_job_get_state (job), ==, CB_FINETUNE_RUNNING);
  cb_test_assert_contains (cb_finetune_job_get_status (job), "Starting: ");
  g_assert_true (cb_test_wait_for (not_busy, job, 60));
  g_test_message ("%s", cb_finetune_job_get_status (job));
  g_assert_cmpint (cb_finetune_job_get_state (job), ==, CB_FINETUNE_DONE);
  g_assert_cmpuint (seen.finished, ==, 1);
  g_assert_no_error (seen.error);
  g_assert_cmpuint (seen.lines, >=, 7); /* the header, 5 iterations, "exported" */
  g_assert_cmpuint (cb_finetune_job_get_iteration (job), ==, 5);
  g_assert_cmpfloat (cb_finetune_job_get_fraction (job), ==, 1.0);
  g_assert_false (cb_finetune_job_was_forced (job));
  output = g_strdup (cb_finetune_job_get_output_path (job));
  g_assert_nonnull (output);
  g_assert_true (g_str_has_prefix (output, out_dir));
  g_assert_true (g_str_has_suffix (output, "/job-run.safetensors"));
  g_assert_true (g_file_test (output, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_str_has_prefix (cb_finetune_job_get_run_dir (job), cache_dir));
  cb_test_assert_contains (cb_finetune_job_get_status (job), "Done: ");

  g_assert_true (g_file_get_contents (args_path, &args, NULL, NULL));
  expect = g_strdup_printf ("--source %s --profile ", fake_model);
  cb_test_assert_contains (args, expect);
  g_free (expect);
  expect = g_strdup_printf ("--data %s --split train --iters 5 --threads 1 --log-every 1 --out %s --export %s\n",
                            examples, cb_finetune_job_get_run_dir (job), output);
  cb_test_assert_contains (args, expect); /* no --f16 */
  log_path = g_build_filename (cb_finetune_job_get_run_dir (job), "log.txt", NULL);
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  cb_test_assert_contains (log, "iter 5  G");

  /* a second run of the same job: a new name beside the first */
  g_assert_true (cb_finetune_job_can_start (job));
  g_assert_true (cb_finetune_job_start (job, &error));
  g_assert_true (cb_test_wait_for (not_busy, job, 60));
  g_assert_cmpint (cb_finetune_job_get_state (job), ==, CB_FINETUNE_DONE);
  g_assert_cmpstr (cb_finetune_job_get_output_path (job), !=, output);
  g_assert_cmpuint (seen.finished, ==, 2);
  seen_clear (&seen);
}

static void
test_cancel (void)
{
  g_autofree char *out_dir = g_build_filename (tmp_dir, "cancel-models", NULL);
  g_autoptr (CbFinetuneJob) job = NULL;
  g_autoptr (GError) error = NULL;
  Seen seen = { 0 };

  job = new_job (&seen);
  cb_finetune_job_set_output_dir (job, out_dir);
  cb_finetune_job_set_iterations (job, 1000);
  g_assert_true (cb_finetune_job_start (job, &error));
  g_assert_true (cb_test_wait_for (past_iteration_3, job, 60));
  g_assert_cmpint (cb_finetune_job_get_state (job), ==, CB_FINETUNE_RUNNING);
  g_assert_cmpfloat_with_epsilon (cb_finetune_job_get_fraction (job), cb_finetune_job_get_iteration (job) / 1000.0,
                                  1e-9);
  cb_test_assert_contains (cb_finetune_job_get_status (job), "of 1000 (2.00 it/s");
  cb_finetune_job_cancel (job);
  g_assert_cmpint (cb_finetune_job_get_state (job), ==, CB_FINETUNE_STOPPING);
  cb_test_assert_contains (cb_finetune_job_get_status (job), "Stopping");
  g_assert_true (cb_test_wait_for (not_busy, job, 30));
  g_test_message ("%s", cb_finetune_job_get_status (job));
  g_assert_cmpint (cb_finetune_job_get_state (job), ==, CB_FINETUNE_CANCELLED);
  g_assert_cmpuint (seen.finished, ==, 1);
  g_assert_error (seen.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  cb_test_assert_contains (seen.error->message, "Cancelled at iteration");
  g_assert_false (cb_finetune_job_was_forced (job));
  g_assert_null (cb_finetune_job_get_output_path (job));
  {
    g_autoptr (GDir) dir = g_dir_open (out_dir, 0, NULL);

    g_assert_null (dir ? g_dir_read_name (dir) : NULL); /* nothing exported */
  }
  g_clear_object (&job);

  /* a tool that ignores SIGTERM is ended after the kill timeout */
  g_setenv ("FAKE_IGNORE_TERM", "1", TRUE);
  job = new_job (&seen);
  cb_finetune_job_set_output_dir (job, out_dir);
  cb_finetune_job_set_kill_timeout (job, 300);
  cb_finetune_job_set_iterations (job, 1000);
  g_assert_true (cb_finetune_job_start (job, &error));
  g_assert_true (cb_test_wait_for (past_iteration_3, job, 60));
  cb_finetune_job_cancel (job);
  g_assert_true (cb_test_wait_for (not_busy, job, 30));
  g_assert_cmpint (cb_finetune_job_get_state (job), ==, CB_FINETUNE_CANCELLED);
  g_assert_true (cb_finetune_job_was_forced (job));
  g_assert_error (seen.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  cb_test_assert_contains (seen.error->message, "did not stop within 1 s");
  g_unsetenv ("FAKE_IGNORE_TERM");

  /* the last reference dropped while running: the run holds its own until it ends */
  g_clear_object (&job);
  seen_clear (&seen);
  job = new_job (&seen);
  cb_finetune_job_set_output_dir (job, out_dir);
  cb_finetune_job_set_iterations (job, 3);
  g_assert_true (cb_finetune_job_start (job, &error));
  g_clear_object (&job);
  {
    gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    while (seen.finished == 0 && g_get_monotonic_time () < end)
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
  }
  g_assert_cmpuint (seen.finished, ==, 1);
  g_assert_no_error (seen.error);
  seen_clear (&seen);
}

static void
test_errors (void)
{
  g_autofree char *blocker = g_build_filename (tmp_dir, "not-a-folder", NULL);
  g_autofree char *below = g_build_filename (blocker, "models", NULL);
  g_autoptr (CbFinetuneJob) job = NULL;
  g_autoptr (GError) error = NULL;
  Seen seen = { 0 };

  /* the tool fails: its exit status and the end of its output */
  g_setenv ("FAKE_FAIL", "1", TRUE);
  job = new_job (&seen);
  cb_finetune_job_set_output_dir (job, tmp_dir);
  g_assert_true (cb_finetune_job_start (job, &error));
  g_assert_true (cb_test_wait_for (not_busy, job, 60));
  g_test_message ("%s", cb_finetune_job_get_status (job));
  g_assert_cmpint (cb_finetune_job_get_state (job), ==, CB_FINETUNE_FAILED);
  g_assert_error (seen.error, G_IO_ERROR, G_IO_ERROR_FAILED);
  cb_test_assert_contains (seen.error->message, "exited with status 1");
  cb_test_assert_contains (seen.error->message, "profile classes differ");
  g_assert_cmpstr (seen.error->message, ==, cb_finetune_job_get_status (job));
  g_assert_null (cb_finetune_job_get_output_path (job));
  g_unsetenv ("FAKE_FAIL");
  g_clear_object (&job);
  seen_clear (&seen);

  /* the models folder cannot be made: what, where, why */
  g_assert_true (g_file_set_contents (blocker, "a file", -1, NULL));
  job = new_job (&seen);
  cb_finetune_job_set_output_dir (job, below);
  g_assert_false (cb_finetune_job_start (job, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR);
  cb_test_assert_contains (error->message, "The models or runs folder could not be made");
  cb_test_assert_contains (error->message, below);
  g_assert_cmpint (cb_finetune_job_get_state (job), ==, CB_FINETUNE_FAILED);
  g_assert_cmpstr (error->message, ==, cb_finetune_job_get_status (job));
  /* a failed start is not the end of a run */
  g_assert_cmpuint (seen.finished, ==, 0);
  seen_clear (&seen);
}

int
main (int argc, char **argv)
{
  g_autofree char *args_path = NULL;
  g_autofree char *split = NULL;
  int status;

  tmp_dir = cb_test_app_env_new ();
  g_test_init (&argc, &argv, NULL);

  cb_test_write_fake_finetune (tmp_dir, &python_path, &script_path);
  args_path = g_build_filename (tmp_dir, "args.txt", NULL);
  fake_model = g_build_filename (tmp_dir, "fake-model.safetensors", NULL);
  g_assert_true (g_file_set_contents (fake_model, "not read by the fake tool", -1, NULL));
  examples = g_build_filename (tmp_dir, "examples", NULL);
  split = g_build_filename (examples, "train.txt", NULL);
  g_assert_cmpint (g_mkdir_with_parents (examples, 0755), ==, 0);
  g_assert_true (g_file_set_contents (split, "ex0\nex1\n", -1, NULL));
  g_setenv ("CATBRUSH_FINETUNE_SCRIPT", script_path, TRUE);
  g_setenv ("FAKE_ARGS", args_path, TRUE);
  g_setenv ("FAKE_MODEL", fake_model, TRUE);

  /* each test sets the interpreter it wants */
  g_setenv ("CATBRUSH_PYTHON", python_path, TRUE);
  g_test_add_func ("/app/finetune-job/check", test_check);
  g_test_add_func ("/app/finetune-job/refused", test_refused);
  g_test_add_func ("/app/finetune-job/run", test_run);
  g_test_add_func ("/app/finetune-job/cancel", test_cancel);
  g_test_add_func ("/app/finetune-job/errors", test_errors);
  status = g_test_run ();
  g_free (examples);
  g_free (fake_model);
  g_free (python_path);
  g_free (script_path);
  cb_test_app_env_free (tmp_dir);
  return status;
}
