/* test-finetune.c: Fine-tune… under a display (xvfb-run), with a fake
 * interpreter and a fake finetune.py (shell scripts written here, chosen with
 * CATBRUSH_PYTHON and CATBRUSH_FINETUNE_SCRIPT): the torch check and the
 * install hint, the example folder from the profile's estimation or chosen,
 * the arguments, progress from the "iter N" lines, Cancel (SIGTERM, then
 * force exit), a failure's output, and the model written into the user's
 * models folder, added to the picker and switched to. When /usr/bin/python3
 * has torch, one real 2-iteration run of training/finetune.py on the tiny
 * model and four examples made here (a few seconds; skipped past 60 s, or
 * with CATBRUSH_FINETUNE_REAL=0).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gtk/gtk.h>
#include <string.h>

#include <glib/gstdio.h>

#include "app/gui/cb-affinity-dialog.h"
#include "app/gui/cb-finetune-dialog.h"
#include "app/gui/cb-model-list.h"
#include "app/gui/cb-window.h"
#include "model/cb-fileutil.h"
#include "model/cb-label-map.h"
#include "model/cb-model.h"
#include "model/cb-png.h"
#include "tests/app/examples-fixture.h"
#include "tests/app/finetune-fake.h"
#include "tests/test-python.h"
#include "tests/test-ui.h"

static char *tmp_dir;

static gboolean
past_iteration_3 (gpointer data)
{
  return cb_finetune_dialog_get_iteration (data) >= 3;
}

static char *
read_text (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* the line parser, without a display */
static void
test_parse (void)
{
  guint it = 0;
  double rate = -1;

  g_assert_true (
    cb_finetune_parse_line ("iter 120  G 1.234  D_fake 0.5  D_real 0.4  LM 0.1  0.210 it/s  0.05 h", &it, &rate));
  g_assert_cmpuint (it, ==, 120);
  g_assert_cmpfloat_with_epsilon (rate, 0.21, 1e-9);
  g_assert_true (cb_finetune_parse_line ("  iter 7", &it, &rate));
  g_assert_cmpuint (it, ==, 7);
  g_assert_cmpfloat (rate, ==, 0);
  g_assert_false (cb_finetune_parse_line ("iteration 5", &it, NULL));
  g_assert_false (cb_finetune_parse_line ("iter x", &it, NULL));
  g_assert_false (cb_finetune_parse_line ("iter 12abc", &it, NULL));
  g_assert_false (cb_finetune_parse_line ("checkpoint at iteration 250 (1.0 s)", &it, NULL));
  g_assert_false (cb_finetune_parse_line ("resumed from x at iteration 3", &it, NULL));
  g_assert_false (cb_finetune_parse_line ("iter 99999999999999999999", &it, NULL));
}

static CbProfile *
tiny_profile (const char *model, const char *examples)
{
  static const char *const source[] = { "sky", "road", "tree" };
  g_autoptr (CbClassSet) target = cb_class_set_new ("tiny facades");
  g_autoptr (GError) error = NULL;
  g_autofree char *sha = cb_file_sha256 (model, &error);
  CbProfile *profile;

  g_assert_no_error (error);
  g_assert_true (cb_class_set_add (target, 0, "heaven", 0x3366cc, NULL, NULL));
  g_assert_true (cb_class_set_add (target, 1, "door", 0xcc3333, NULL, NULL));
  g_assert_true (cb_class_set_add (target, 2, "Tree", 0x33aa33, NULL, NULL));
  profile = cb_profile_new (target, 3, source, sha);
  memset (profile->affinity, 0, sizeof (float) * 9);
  profile->affinity[0 * 3 + 0] = 1;
  profile->affinity[1 * 3 + 1] = 1;
  profile->affinity[2 * 3 + 2] = 1;
  if (examples != NULL)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "methods");
      json_builder_begin_array (b);
      json_builder_add_string_value (b, "seg");
      json_builder_end_array (b);
      json_builder_set_member_name (b, "example_split");
      json_builder_add_string_value (b, "train");
      json_builder_set_member_name (b, "example_dir");
      json_builder_add_string_value (b, examples);
      json_builder_end_object (b);
      profile->estimation = json_builder_get_root (b);
    }
  return profile;
}

static void
count_cb (CbFinetuneDialog *dialog, const char *path, guint *count)
{
  (*count)++;
}

static CbFinetuneDialog *
show (CbWindow *window)
{
  GtkWidget *dialog = cb_window_show_finetune (window);

  g_assert_nonnull (dialog);
  g_assert_true (CB_IS_FINETUNE_DIALOG (dialog));
  g_assert_true (cb_test_wait_for (cb_test_finetune_not_busy, dialog, 60));
  return CB_FINETUNE_DIALOG (dialog);
}

static void
test_finetune (void)
{
  g_autofree char *tiny = cb_test_fixture ("tiny-model.safetensors");
  g_autofree char *python = NULL;
  g_autofree char *script = NULL;
  g_autofree char *args_path = g_build_filename (tmp_dir, "args.txt", NULL);
  g_autofree char *examples = g_build_filename (tmp_dir, "examples", NULL);
  g_autofree char *user_dir = cb_model_list_user_dir ();
  g_autofree char *cache_dir = g_build_filename (g_get_user_cache_dir (), "catbrush", "finetune", NULL);
  g_autofree char *args = NULL;
  g_autofree char *expect = NULL;
  g_autofree char *output = NULL;
  g_autofree char *run_profile = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *log = NULL;
  g_autoptr (CbProfile) profile = NULL;
  g_autoptr (CbProfile) plain = NULL;
  g_autoptr (CbProfile) written = NULL;
  g_autoptr (GPtrArray) models = NULL;
  g_autoptr (GError) error = NULL;
  CbWindow *window;
  GtkWidget *affinity;
  CbFinetuneDialog *dialog;
  guint done = 0;

  if (!g_file_test (tiny, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("no tests/fixtures/tiny-model.safetensors");
      return;
    }
  cb_test_write_fake_finetune (tmp_dir, &python, &script);
  g_setenv ("CATBRUSH_PYTHON", python, TRUE);
  g_setenv ("CATBRUSH_FINETUNE_SCRIPT", script, TRUE);
  g_setenv ("FAKE_ARGS", args_path, TRUE);
  g_setenv ("FAKE_MODEL", tiny, TRUE);
  profile = tiny_profile (tiny, examples);
  plain = tiny_profile (tiny, NULL);
  cb_test_write_examples (examples, profile->target);

  window = cb_window_new (NULL, tiny);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cb_test_wait_for (cb_test_model_ready, window, 120));
  g_assert_null (cb_window_show_finetune (window)); /* no profile */

  /* a profile without an example folder: one has to be chosen */
  g_assert_true (cb_window_set_profile (window, plain, CB_REMAP_CLEAR, &error));
  g_assert_no_error (error);
  dialog = show (window);
  g_assert_cmpint (cb_finetune_dialog_get_state (dialog), ==, CB_FINETUNE_READY);
  g_assert_null (cb_finetune_dialog_get_dataset (dialog));
  g_assert_false (cb_finetune_dialog_can_start (dialog));
  cb_test_assert_contains (cb_finetune_dialog_get_status (dialog), "Choose the folder");
  cb_finetune_dialog_set_dataset (dialog, examples, "train25");
  g_assert_false (cb_finetune_dialog_can_start (dialog));
  cb_test_assert_contains (cb_finetune_dialog_get_status (dialog), "train25.txt");
  cb_finetune_dialog_set_dataset (dialog, examples, NULL);
  g_assert_true (cb_finetune_dialog_can_start (dialog));

  /* the profile's estimation names the folder and the split; Fine-tune… of the Affinity dialog */
  g_assert_true (cb_window_set_profile (window, profile, CB_REMAP_CLEAR, &error));
  g_assert_no_error (error);
  affinity = cb_window_show_affinity (window);
  g_assert_nonnull (affinity);
  g_signal_emit_by_name (affinity, "fine-tune");
  dialog = show (window);
  g_assert_cmpstr (cb_finetune_dialog_get_dataset (dialog), ==, examples);
  g_assert_cmpstr (cb_finetune_dialog_get_split (dialog), ==, "train");

  /* no python3, then python3 without torch: said so, with the install command */
  g_setenv ("CATBRUSH_PYTHON", "/nonexistent/python3", TRUE);
  dialog = show (window);
  g_assert_cmpint (cb_finetune_dialog_get_state (dialog), ==, CB_FINETUNE_MISSING);
  g_assert_false (cb_finetune_dialog_can_start (dialog));
  g_test_message ("%s", cb_finetune_dialog_get_status (dialog));
  cb_test_assert_contains (cb_finetune_dialog_get_status (dialog), "Python 3 could not be run");
  cb_test_assert_contains (cb_finetune_dialog_get_status (dialog), CB_FINETUNE_INSTALL_COMMAND);
  g_setenv ("CATBRUSH_PYTHON", python, TRUE);
  g_setenv ("FAKE_TORCH_RC", "1", TRUE);
  dialog = show (window);
  g_assert_cmpint (cb_finetune_dialog_get_state (dialog), ==, CB_FINETUNE_MISSING);
  cb_test_assert_contains (cb_finetune_dialog_get_status (dialog), "PyTorch is not available");
  cb_test_assert_contains (cb_finetune_dialog_get_status (dialog), CB_FINETUNE_INSTALL_COMMAND);
  g_unsetenv ("FAKE_TORCH_RC");

  /* a failure: the end of the tool's output */
  g_setenv ("FAKE_FAIL", "1", TRUE);
  dialog = show (window);
  g_assert_true (cb_finetune_dialog_can_start (dialog));
  cb_finetune_dialog_start (dialog);
  g_assert_true (cb_finetune_dialog_is_busy (dialog));
  g_assert_true (cb_test_wait_for (cb_test_finetune_not_busy, dialog, 60));
  g_test_message ("%s", cb_finetune_dialog_get_status (dialog));
  g_assert_cmpint (cb_finetune_dialog_get_state (dialog), ==, CB_FINETUNE_FAILED);
  cb_test_assert_contains (cb_finetune_dialog_get_status (dialog), "exited with status 1");
  cb_test_assert_contains (cb_finetune_dialog_get_status (dialog), "profile classes differ");
  g_assert_null (cb_finetune_dialog_get_output_path (dialog));
  g_unsetenv ("FAKE_FAIL");

  /* Cancel: SIGTERM, the tool stops after its iteration; nothing is added */
  dialog = show (window);
  cb_finetune_dialog_set_iterations (dialog, 1000);
  cb_finetune_dialog_start (dialog);
  g_assert_true (cb_test_wait_for (past_iteration_3, dialog, 60));
  g_assert_cmpint (cb_finetune_dialog_get_state (dialog), ==, CB_FINETUNE_RUNNING);
  g_assert_cmpfloat_with_epsilon (cb_finetune_dialog_get_fraction (dialog),
                                  cb_finetune_dialog_get_iteration (dialog) / 1000.0, 1e-9);
  cb_test_assert_contains (cb_finetune_dialog_get_status (dialog), "of 1000 (2.00 it/s");
  cb_finetune_dialog_cancel (dialog);
  g_assert_cmpint (cb_finetune_dialog_get_state (dialog), ==, CB_FINETUNE_STOPPING);
  g_assert_true (cb_test_wait_for (cb_test_finetune_not_busy, dialog, 30));
  g_test_message ("%s", cb_finetune_dialog_get_status (dialog));
  g_assert_cmpint (cb_finetune_dialog_get_state (dialog), ==, CB_FINETUNE_CANCELLED);
  g_assert_false (cb_finetune_dialog_was_forced (dialog));
  cb_test_assert_contains (cb_finetune_dialog_get_status (dialog), "Cancelled at iteration");
  g_assert_null (cb_finetune_dialog_get_output_path (dialog));
  models = cb_model_list_scan (NULL);
  for (guint i = 0; i < models->len; i++)
    g_assert_true (((CbModelEntry *)g_ptr_array_index (models, i))->bundled);
  g_clear_pointer (&models, g_ptr_array_unref);

  /* a tool that ignores SIGTERM is ended after the kill timeout */
  g_setenv ("FAKE_IGNORE_TERM", "1", TRUE);
  dialog = show (window);
  cb_finetune_dialog_set_kill_timeout (dialog, 300);
  cb_finetune_dialog_set_iterations (dialog, 1000);
  cb_finetune_dialog_start (dialog);
  g_assert_true (cb_test_wait_for (past_iteration_3, dialog, 60));
  cb_finetune_dialog_cancel (dialog);
  g_assert_true (cb_test_wait_for (cb_test_finetune_not_busy, dialog, 30));
  g_test_message ("%s", cb_finetune_dialog_get_status (dialog));
  g_assert_cmpint (cb_finetune_dialog_get_state (dialog), ==, CB_FINETUNE_CANCELLED);
  g_assert_true (cb_finetune_dialog_was_forced (dialog));
  cb_test_assert_contains (cb_finetune_dialog_get_status (dialog), "did not stop");
  g_unsetenv ("FAKE_IGNORE_TERM");

  /* a run to the end: progress, the arguments, the model in the picker, switched to */
  dialog = show (window);
  g_signal_connect (dialog, "done", G_CALLBACK (count_cb), &done);
  cb_finetune_dialog_set_iterations (dialog, 5);
  cb_finetune_dialog_set_threads (dialog, 1);
  cb_finetune_dialog_set_name (dialog, "tiny facades");
  cb_finetune_dialog_start (dialog);
  g_assert_true (cb_test_wait_for (cb_test_finetune_not_busy, dialog, 60));
  g_test_message ("%s", cb_finetune_dialog_get_status (dialog));
  g_assert_cmpint (cb_finetune_dialog_get_state (dialog), ==, CB_FINETUNE_DONE);
  g_assert_cmpuint (done, ==, 1);
  g_assert_cmpuint (cb_finetune_dialog_get_iteration (dialog), ==, 5);
  g_assert_cmpfloat (cb_finetune_dialog_get_fraction (dialog), ==, 1.0);
  output = g_strdup (cb_finetune_dialog_get_output_path (dialog));
  g_assert_nonnull (output);
  g_assert_true (g_str_has_prefix (output, user_dir));
  g_assert_true (g_str_has_suffix (output, "/tiny-facades.safetensors"));
  g_assert_true (g_file_test (output, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_str_has_prefix (cb_finetune_dialog_get_run_dir (dialog), cache_dir));
  models = cb_model_list_scan (NULL);
  g_assert_cmpint (cb_model_list_find (models, output), >=, 0);

  args = read_text (args_path);
  g_test_message ("%s", args);
  expect = g_strdup_printf ("--source %s --profile ", tiny);
  cb_test_assert_contains (args, expect);
  g_free (expect);
  expect = g_strdup_printf ("--data %s --split train --iters 5 --threads 1 --log-every 1 --out %s --export %s --f16",
                            examples, cb_finetune_dialog_get_run_dir (dialog), output);
  cb_test_assert_contains (args, expect);
  run_profile = g_build_filename (cb_finetune_dialog_get_run_dir (dialog), "profile.json", NULL);
  written = cb_profile_load (run_profile, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cb_class_set_get_n_classes (written->target), ==, 3);
  log_path = g_build_filename (cb_finetune_dialog_get_run_dir (dialog), "log.txt", NULL);
  log = read_text (log_path);
  cb_test_assert_contains (log, "iter 5  G");
  cb_test_assert_contains (log, "exported ");

  /* Paint with it: the painting is blank, so the switch needs no question */
  g_assert_true (cb_document_is_blank (cb_window_get_document (window)));
  cb_finetune_dialog_switch (dialog);
  g_assert_true (cb_window_is_switching_model (window));
  g_assert_true (cb_test_wait_for (cb_test_not_switching, window, 120));
  g_assert_cmpstr (cb_window_get_model_path (window), ==, output);

  /* a window destroyed during a run stops it (the copy has the tiny model's SHA-256: the profile fits) */
  g_assert_true (cb_window_set_profile (window, profile, CB_REMAP_CLEAR, &error));
  g_assert_no_error (error);
  dialog = show (window);
  cb_finetune_dialog_set_iterations (dialog, 1000);
  cb_finetune_dialog_start (dialog);
  g_assert_true (cb_test_wait_for (past_iteration_3, dialog, 60));
  g_object_ref (dialog);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (cb_test_wait_for (cb_test_finetune_not_busy, dialog, 30));
  g_assert_cmpint (cb_finetune_dialog_get_state (dialog), ==, CB_FINETUNE_CANCELLED);
  g_assert_false (cb_finetune_dialog_was_forced (dialog));
  g_object_unref (dialog);
  cb_test_spin (100);
}

/* finetune.py itself: two iterations on four examples made here, with the tiny model */
static void
test_real (void)
{
  g_autofree char *tiny = cb_test_fixture ("tiny-model.safetensors");
  g_autofree char *examples = g_build_filename (tmp_dir, "real-examples", NULL);
  g_autofree char *out_dir = g_build_filename (tmp_dir, "real-models", NULL);
  g_autoptr (CbProfile) profile = NULL;
  g_autoptr (GError) error = NULL;
  CbFinetuneDialog *dialog;
  gint64 start;

  if (g_strcmp0 (g_getenv ("CATBRUSH_FINETUNE_REAL"), "0") == 0)
    {
      g_test_skip ("CATBRUSH_FINETUNE_REAL=0: no real finetune.py run");
      return;
    }
  if (!g_file_test (tiny, G_FILE_TEST_IS_REGULAR) || !cb_test_have_torch ())
    {
      g_test_skip ("no /usr/bin/python3 with torch, or no tiny model");
      return;
    }
  g_unsetenv ("CATBRUSH_PYTHON");
  g_unsetenv ("CATBRUSH_FINETUNE_SCRIPT");
  profile = tiny_profile (tiny, examples);
  cb_test_write_examples (examples, profile->target);
  dialog = CB_FINETUNE_DIALOG (cb_finetune_dialog_new (NULL, tiny, profile));
  g_object_ref_sink (dialog);
  g_assert_true (cb_test_wait_for (cb_test_finetune_not_busy, dialog, 60));
  g_assert_cmpint (cb_finetune_dialog_get_state (dialog), ==, CB_FINETUNE_READY);
  cb_finetune_dialog_set_output_dir (dialog, out_dir);
  cb_finetune_dialog_set_iterations (dialog, 2);
  cb_finetune_dialog_set_threads (dialog, 1);
  cb_finetune_dialog_set_kill_timeout (dialog, 5000);
  start = g_get_monotonic_time ();
  cb_finetune_dialog_start (dialog);
  if (!cb_test_wait_for (cb_test_finetune_not_busy, dialog, 60))
    {
      cb_finetune_dialog_cancel (dialog);
      g_assert_true (cb_test_wait_for (cb_test_finetune_not_busy, dialog, 30));
      gtk_window_destroy (GTK_WINDOW (dialog));
      g_object_unref (dialog);
      g_test_skip ("the real run took over 60 s: cancelled");
      return;
    }
  g_test_message ("%.1f s: %s", (g_get_monotonic_time () - start) / 1e6, cb_finetune_dialog_get_status (dialog));
  g_assert_cmpint (cb_finetune_dialog_get_state (dialog), ==, CB_FINETUNE_DONE);
  g_assert_cmpuint (cb_finetune_dialog_get_iteration (dialog), ==, 2);
  g_assert_true (g_str_has_prefix (cb_finetune_dialog_get_output_path (dialog), out_dir));
  {
    g_autoptr (CbModel) model = cb_model_load (cb_finetune_dialog_get_output_path (dialog), &error);

    g_assert_no_error (error);
    g_assert_nonnull (model);
  }
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_object_unref (dialog);
}

int
main (int argc, char **argv)
{
  int status;

  tmp_dir = cb_test_app_env_new ();
  g_setenv ("XDG_CACHE_HOME", tmp_dir, TRUE);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/finetune/parse", test_parse);
  if (cb_test_no_display ("/app/finetune/skip"))
    return g_test_run ();
  g_test_add_func ("/app/finetune/dialog", test_finetune);
  g_test_add_func ("/app/finetune/real", test_real);
  status = g_test_run ();
  cb_test_app_env_free (tmp_dir);
  return status;
}
