/* test-models.c: the model picker under a display (xvfb-run): the list
 * (bundled + the user's models folder), Import OASIS Checkpoint (the code
 * path of `catbrush-cli import-oasis`, in a thread), switching models with
 * the painting remapped by class name, a corrupt model refused with the
 * current one kept, and a project made with another model reopened with it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gtk/gtk.h>
#include <string.h>

#include <glib/gstdio.h>

#include "app/gui/cb-model-list.h"
#include "app/gui/cb-oasis-dialog.h"
#include "app/gui/cb-window.h"
#include "model/cb-safetensors.h"
#include "tests/test-model-copy.h"
#include "tests/test-ui.h"

#include <json-glib/json-glib.h>

static char *tmp_dir;

static gboolean
not_importing (gpointer data)
{
  return !cb_oasis_dialog_is_importing (data);
}

static void
set_card_name (JsonObject *config, gpointer name)
{
  json_object_set_string_member (json_object_get_object_member (config, "model_card"), "name", name);
}

static void
test_models (void)
{
  g_autofree char *tiny = cb_test_fixture ("tiny-model.safetensors");
  g_autofree char *gen = cb_test_fixture ("oasis-tiny-EMA.pth");
  g_autofree char *disc = cb_test_fixture ("oasis-tiny-D.pth");
  g_autofree char *classes = cb_test_source_path ("tests", "import", "tiny-classes.json", NULL);
  g_autofree char *user_dir = cb_model_list_user_dir ();
  g_autofree char *imported = NULL;
  g_autofree char *broken = NULL;
  g_autofree char *project_path = g_build_filename (tmp_dir, "with-imported.catbrush", NULL);
  g_autofree char *candidate = NULL;
  g_autoptr (GPtrArray) models = NULL;
  g_autoptr (GFile) project = g_file_new_for_path (project_path);
  g_autoptr (GError) error = NULL;
  CbWindow *window;
  CbDocument *doc;
  CbOasisDialog *dialog;
  const CbClass *tree;
  guint painted;

  if (!g_file_test (tiny, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("no tests/fixtures/tiny-model.safetensors");
      return;
    }
  g_assert_true (g_str_has_prefix (user_dir, tmp_dir));
  window = cb_window_new (NULL, tiny);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cb_test_wait_for (cb_test_model_ready, window, 120));
  doc = cb_window_get_document (window);
  g_assert_cmpstr (cb_window_get_model_path (window), ==, tiny);

  /* Import OASIS Checkpoint: off the main thread, into the user's models folder */
  dialog = CB_OASIS_DIALOG (cb_window_show_import_model (window));
  cb_oasis_dialog_set_generator (dialog, gen);
  cb_oasis_dialog_set_discriminator (dialog, disc);
  g_assert_true (cb_oasis_dialog_set_dataset (dialog, "custom"));
  cb_oasis_dialog_set_classes (dialog, classes);
  cb_oasis_dialog_set_size (dialog, 16, 8);
  cb_oasis_dialog_set_name (dialog, "tiny oasis");
  cb_oasis_dialog_import (dialog);
  g_assert_true (cb_oasis_dialog_is_importing (dialog));
  g_assert_true (cb_test_wait_for (not_importing, dialog, 120));
  g_test_message ("%s", cb_oasis_dialog_get_status (dialog));
  imported = g_strdup (cb_oasis_dialog_get_output_path (dialog));
  g_assert_nonnull (imported);
  g_assert_true (g_str_has_prefix (imported, user_dir));
  g_assert_true (g_str_has_suffix (imported, "tiny-oasis.safetensors"));
  g_assert_true (g_file_test (imported, G_FILE_TEST_IS_REGULAR));
  models = cb_model_list_scan (NULL);
  g_assert_cmpint (cb_model_list_find (models, imported), >=, 0);
  {
    /* an imported model's card has no name: the file name says which it is */
    const CbModelEntry *e = g_ptr_array_index (models, cb_model_list_find (models, imported));
    g_assert_cmpstr (e->name, ==, "tiny-oasis");
  }
  {
    /* a card with a name: the name, then the file name */
    g_autofree char *named = g_build_filename (user_dir, "named.safetensors", NULL);
    cb_test_copy_model (imported, NULL, set_card_name, "Tiny OASIS, 16x8", named);
    g_autoptr (GPtrArray) again = cb_model_list_scan (NULL);
    int i = cb_model_list_find (again, named);
    g_assert_cmpint (i, >=, 0);
    g_assert_cmpstr (((const CbModelEntry *)g_ptr_array_index (again, i))->name, ==, "Tiny OASIS, 16x8 — named");
    g_assert_cmpint (g_unlink (named), ==, 0);
  }

  /* a checkpoint that is not one: a clear error, nothing written */
  broken = g_build_filename (tmp_dir, "broken.pth", NULL);
  g_assert_true (g_file_set_contents (broken, "PK\003\004 not really a zip", -1, NULL));
  cb_oasis_dialog_set_generator (dialog, broken);
  cb_oasis_dialog_set_discriminator (dialog, NULL);
  cb_oasis_dialog_set_name (dialog, "broken");
  cb_oasis_dialog_import (dialog);
  g_assert_true (cb_test_wait_for (not_importing, dialog, 60));
  g_test_message ("%s", cb_oasis_dialog_get_status (dialog));
  g_assert_true (g_str_has_prefix (cb_oasis_dialog_get_status (dialog), "The checkpoint could not be imported"));
  g_clear_pointer (&broken, g_free);
  broken = g_build_filename (user_dir, "broken.safetensors", NULL);
  g_assert_false (g_file_test (broken, G_FILE_TEST_EXISTS));
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* paint a tree on a blank map (not the starter street), switch: the painting follows the classes by name */
  cb_window_new_document (window, doc->map->width, doc->map->height);
  tree = cb_class_set_lookup_name (doc->classes, "tree");
  g_assert_nonnull (tree);
  cb_canvas_set_tool (cb_window_get_canvas (window), CB_TOOL_RECT);
  cb_canvas_set_class_id (cb_window_get_canvas (window), (guint8)tree->id);
  cb_canvas_stroke_begin (cb_window_get_canvas (window), 2, 2, 1, FALSE);
  cb_canvas_stroke_end (cb_window_get_canvas (window), 9, 5, 1);
  painted = cb_test_count_id (doc->map, (guint8)tree->id);
  g_assert_cmpuint (painted, ==, 8 * 4);
  cb_window_switch_model (window, imported, CB_REMAP_BY_NAME, NULL);
  g_assert_true (cb_window_is_switching_model (window));
  g_assert_cmpstr (cb_window_get_model_path (window), ==, tiny); /* until the new one is ready */
  g_assert_true (cb_test_wait_for (cb_test_not_switching, window, 120));
  g_assert_cmpstr (cb_window_get_model_path (window), ==, imported);
  g_assert_cmpuint (cb_class_set_get_n_classes (doc->classes), ==, 5);
  g_assert_nonnull (cb_class_set_lookup_name (doc->classes, "car"));
  tree = cb_class_set_lookup_name (doc->classes, "tree");
  g_assert_cmpuint (cb_test_count_id (doc->map, (guint8)tree->id), ==, painted);
  cb_palette_set_search (cb_window_get_palette (window), "");
  g_assert_cmpuint (cb_palette_get_n_visible (cb_window_get_palette (window)), ==, 5);
  g_assert_true (cb_test_wait_for (cb_test_generated, window, 120));
  g_assert_cmpuint (cb_window_get_image (window)->width, ==, 16);

  /* a corrupt model: said clearly, the current model stays */
  g_assert_true (g_file_set_contents (broken, "\x10\0\0\0\0\0\0\0{\"a\":", 13, NULL));
  cb_window_switch_model (window, broken, CB_REMAP_BY_NAME, NULL);
  g_assert_true (cb_test_wait_for (cb_test_not_switching, window, 60));
  g_assert_cmpstr (cb_window_get_model_path (window), ==, imported);
  tree = cb_class_set_lookup_name (doc->classes, "tree");
  g_assert_nonnull (cb_window_get_message_text (window));
  g_test_message ("%s", cb_window_get_message_text (window));
  g_assert_nonnull (strstr (cb_window_get_message_text (window), "the current model stays"));
  g_assert_cmpuint (cb_test_count_id (doc->map, (guint8)tree->id), ==, painted);

  /* a project made with the imported model, opened while another is loaded: offered, switched, opened */
  g_assert_true (cb_window_save_project (window, project, &error));
  g_assert_no_error (error);
  cb_window_switch_model (window, tiny, CB_REMAP_CLEAR, NULL);
  g_assert_true (cb_test_wait_for (cb_test_not_switching, window, 120));
  g_assert_cmpstr (cb_window_get_model_path (window), ==, tiny);
  g_assert_false (cb_window_open_project (window, project, FALSE, &error));
  g_clear_error (&error);
  candidate = cb_window_find_project_model (window, project);
  g_assert_cmpstr (candidate, ==, imported);
  cb_window_switch_model (window, candidate, CB_REMAP_CLEAR, project);
  g_assert_true (cb_test_wait_for (cb_test_not_switching, window, 120));
  cb_test_spin (50);
  g_assert_cmpstr (cb_window_get_model_path (window), ==, imported);
  g_assert_nonnull (doc->project_file);
  g_assert_true (g_file_equal (doc->project_file, project));
  tree = cb_class_set_lookup_name (doc->classes, "tree");
  g_assert_cmpuint (cb_test_count_id (doc->map, (guint8)tree->id), ==, painted);
  g_assert_true (cb_test_wait_for (cb_test_generated, window, 120));

  gtk_window_destroy (GTK_WINDOW (window));
  cb_test_spin (50);
}

static void
add_tests (void)
{
  g_test_add_func ("/app/models/picker", test_models);
}

int
main (int argc, char **argv)
{
  return cb_test_app_main (argc, argv, &tmp_dir, "/app/models/skip", add_tests);
}
