/* test-import-job.c: CbImportJob without widgets or a display, on the tiny
 * model and four example photos made here: what each prior needs, a
 * segmentation-prior estimate with its progress, Cancel mid-way (the last
 * profile kept), an example folder that cannot be read and a model that
 * cannot be loaded (clear messages), and a job dropped while it computes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "app/gui/cb-import-job.h"
#include "model/cb-error.h"
#include "tests/app/examples-fixture.h"
#include "tests/test-ui.h"

static char *tmp_dir;
static char *model_path;
static char *examples;

typedef struct
{
  guint progress, finished;
  double last_fraction;
  GError *error; /* of the last "finished" */
} Seen;

static void
progress_cb (CbImportJob *job, double fraction, const char *text, Seen *seen)
{
  g_assert_true (cb_import_job_is_running (job));
  g_assert_cmpfloat (fraction, >=, 0);
  g_assert_cmpfloat (fraction, <=, 1);
  seen->progress++;
  seen->last_fraction = fraction;
}

static void
finished_cb (CbImportJob *job, const GError *error, Seen *seen)
{
  g_assert_false (cb_import_job_is_running (job));
  seen->finished++;
  g_clear_error (&seen->error);
  seen->error = error ? g_error_copy (error) : NULL;
}

static gboolean
finished (gpointer data)
{
  return ((Seen *)data)->finished > 0;
}

static void
seen_clear (Seen *seen)
{
  g_clear_error (&seen->error);
  memset (seen, 0, sizeof *seen);
}

static CbClassSet *
target_classes (void)
{
  CbClassSet *target = cb_class_set_new ("job facades");

  g_assert_true (cb_class_set_add (target, 0, "sky", 0x3366cc, NULL, NULL));
  g_assert_true (cb_class_set_add (target, 1, "door", 0xcc3333, NULL, NULL));
  g_assert_true (cb_class_set_add (target, 2, "tree", 0x33aa33, NULL, NULL));
  return target;
}

static CbImportJob *
new_job (Seen *seen)
{
  g_autoptr (GError) error = NULL;
  CbImportJob *job = cb_import_job_new (model_path, &error);

  g_assert_no_error (error);
  g_signal_connect (job, "progress", G_CALLBACK (progress_cb), seen);
  g_signal_connect (job, "finished", G_CALLBACK (finished_cb), seen);
  return job;
}

static void
test_inputs (void)
{
  g_autoptr (CbImportJob) job = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;
  g_autofree char *missing = g_build_filename (tmp_dir, "no-such-model.safetensors", NULL);
  Seen seen = { 0 };

  /* no model, a model that is not there: said so */
  g_assert_null (cb_import_job_new (NULL, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  cb_test_assert_contains (error->message, "No model is loaded");
  g_clear_error (&error);
  g_assert_null (cb_import_job_new (missing, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  cb_test_assert_contains (error->message, "no-such-model.safetensors");
  g_clear_error (&error);

  job = new_job (&seen);
  g_assert_null (cb_import_job_get_target (job));
  g_assert_false (cb_import_job_can_compute (job));
  g_assert_false (cb_import_job_compute (job)); /* no target: nothing starts */
  g_assert_false (cb_import_job_is_running (job));

  /* classes without photos: the photo priors say what they need */
  cb_import_job_take_target (job, target_classes ());
  g_assert_false (cb_import_job_method_available (job, CB_AFFINITY_SEG, &why));
  cb_test_assert_contains (why, "Needs example photos");
  cb_import_job_use_available (job);
  g_assert_false (cb_import_job_get_use (job, CB_AFFINITY_SEG));
  g_assert_cmpint (cb_import_job_get_use (job, CB_AFFINITY_TEXT), ==,
                   cb_import_job_method_available (job, CB_AFFINITY_TEXT, NULL));

  /* with the example folder the segmentation prior can run */
  cb_import_job_set_examples (job, examples, NULL);
  g_assert_cmpstr (cb_import_job_get_examples (job), ==, examples);
  g_assert_cmpstr (cb_import_job_get_split (job), ==, "train");
  g_assert_true (cb_import_job_method_available (job, CB_AFFINITY_SEG, NULL));
  cb_import_job_use_available (job);
  g_assert_true (cb_import_job_get_use (job, CB_AFFINITY_SEG));
  g_assert_true (cb_import_job_can_compute (job));
  /* a weight of 0 is not a prior that runs; negative weights are 0 */
  cb_import_job_set_method (job, CB_AFFINITY_TEXT, FALSE, 1.0);
  cb_import_job_set_method (job, CB_AFFINITY_VISION, FALSE, 1.0);
  cb_import_job_set_method (job, CB_AFFINITY_SEG, TRUE, -2.0);
  g_assert_cmpfloat (cb_import_job_get_weight (job, CB_AFFINITY_SEG), ==, 0.0);
  g_assert_false (cb_import_job_can_compute (job));
  g_assert_cmpuint (seen.finished, ==, 0);
  seen_clear (&seen);
}

/* the segmentation prior alone (WordNet may be missing) */
static void
use_seg (CbImportJob *job)
{
  cb_import_job_take_target (job, target_classes ());
  cb_import_job_set_examples (job, examples, "train");
  cb_import_job_set_method (job, CB_AFFINITY_SEG, TRUE, 1.0);
  cb_import_job_set_method (job, CB_AFFINITY_TEXT, FALSE, 1.0);
  cb_import_job_set_method (job, CB_AFFINITY_VISION, FALSE, 1.0);
}

static void
test_compute (void)
{
  g_autoptr (CbImportJob) job = NULL;
  const CbProfile *profile;
  Seen seen = { 0 };

  job = new_job (&seen);
  use_seg (job);
  cb_import_job_set_temperature (job, 0.5);
  cb_import_job_set_top_k (job, 2);
  g_assert_true (cb_import_job_compute (job));
  g_assert_true (cb_import_job_is_running (job));
  g_assert_false (cb_import_job_can_compute (job));
  g_assert_false (cb_import_job_compute (job)); /* one at a time */
  g_assert_true (cb_test_wait_for (finished, &seen, 120));
  g_assert_no_error (seen.error);
  g_assert_cmpuint (seen.finished, ==, 1);
  g_assert_cmpuint (seen.progress, >=, 2); /* loading, estimating */
  profile = cb_import_job_get_profile (job);
  g_assert_nonnull (profile);
  g_assert_cmpuint (cb_class_set_get_n_classes (profile->target), ==, 3);
  g_assert_cmpuint (profile->n_source, ==, cb_class_set_get_n_classes (cb_import_job_get_model (job)->classes));
  /* top-k 2: at most two entries of a row are left */
  for (guint t = 0; t < 3; t++)
    {
      guint nonzero = 0;
      double sum = 0;

      for (guint s = 0; s < profile->n_source; s++)
        {
          nonzero += profile->affinity[t * profile->n_source + s] > 0;
          sum += profile->affinity[t * profile->n_source + s];
        }
      g_assert_cmpuint (nonzero, <=, 2);
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);
    }

  /* new examples: the old result is gone */
  cb_import_job_set_examples (job, examples, "train");
  g_assert_null (cb_import_job_get_profile (job));
  seen_clear (&seen);
}

static void
test_cancel (void)
{
  g_autoptr (CbImportJob) job = NULL;
  const CbProfile *first;
  Seen seen = { 0 };

  job = new_job (&seen);
  use_seg (job);
  g_assert_true (cb_import_job_compute (job));
  g_assert_true (cb_test_wait_for (finished, &seen, 120));
  g_assert_no_error (seen.error);
  first = cb_import_job_get_profile (job);
  g_assert_nonnull (first);

  /* cancelled before the thread has loaded the photos: no new profile, the last one kept */
  seen_clear (&seen);
  g_assert_true (cb_import_job_compute (job));
  cb_import_job_cancel (job);
  g_assert_true (cb_test_wait_for (finished, &seen, 120));
  g_assert_error (seen.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (cb_import_job_get_profile (job) == first);
  g_assert_false (cb_import_job_is_running (job));
  /* and it computes again after */
  seen_clear (&seen);
  g_assert_true (cb_import_job_compute (job));
  g_assert_true (cb_test_wait_for (finished, &seen, 120));
  g_assert_no_error (seen.error);
  g_clear_object (&job);

  /* dropped while computing: the thread holds it to the end */
  seen_clear (&seen);
  job = new_job (&seen);
  use_seg (job);
  g_assert_true (cb_import_job_compute (job));
  g_clear_object (&job);
  g_assert_true (cb_test_wait_for (finished, &seen, 120));
  g_assert_no_error (seen.error);
  seen_clear (&seen);
}

static void
test_errors (void)
{
  g_autofree char *empty = g_build_filename (tmp_dir, "empty-examples", NULL);
  g_autofree char *split = g_build_filename (empty, "train.txt", NULL);
  g_autoptr (CbImportJob) job = NULL;
  Seen seen = { 0 };

  /* a split listing a photo that is not there: the estimate fails and says which */
  g_assert_cmpint (g_mkdir_with_parents (empty, 0755), ==, 0);
  g_assert_true (g_file_set_contents (split, "ghost\n", -1, NULL));
  job = new_job (&seen);
  cb_import_job_take_target (job, target_classes ());
  cb_import_job_set_examples (job, empty, NULL);
  cb_import_job_set_method (job, CB_AFFINITY_SEG, TRUE, 1.0);
  g_assert_true (cb_import_job_compute (job));
  g_assert_true (cb_test_wait_for (finished, &seen, 120));
  g_assert_nonnull (seen.error);
  g_test_message ("%s", seen.error->message);
  g_assert_false (g_error_matches (seen.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  cb_test_assert_contains (seen.error->message, "ghost");
  g_assert_null (cb_import_job_get_profile (job));
  seen_clear (&seen);
}

static void
skip_no_model (void)
{
  g_test_skip ("no tests/fixtures/tiny-model.safetensors");
}

int
main (int argc, char **argv)
{
  g_autoptr (CbClassSet) target = NULL;
  int status;

  tmp_dir = cb_test_app_env_new ();
  g_test_init (&argc, &argv, NULL);
  model_path = cb_test_fixture ("tiny-model.safetensors");
  examples = g_build_filename (tmp_dir, "examples", NULL);
  if (!g_file_test (model_path, G_FILE_TEST_IS_REGULAR))
    {
      g_test_add_func ("/app/import-job/skip", skip_no_model);
      return g_test_run ();
    }
  target = target_classes ();
  cb_test_write_examples (examples, target);

  g_test_add_func ("/app/import-job/inputs", test_inputs);
  g_test_add_func ("/app/import-job/compute", test_compute);
  g_test_add_func ("/app/import-job/cancel", test_cancel);
  g_test_add_func ("/app/import-job/errors", test_errors);
  status = g_test_run ();
  g_free (model_path);
  g_free (examples);
  cb_test_app_env_free (tmp_dir);
  return status;
}
