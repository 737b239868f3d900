/* test-examples.c: target classes defined by hand and few-shot examples
 * painted in the application (issue 6), under a display (xvfb-run): the class
 * editor's validation, a photo made here, strokes through the canvas' pointer
 * handlers (cb_canvas_stroke_begin/update/end), undo, the examples folder in
 * the shared dataset layout, the estimation and Apply
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gtk/gtk.h>
#include <string.h>

#include <glib/gstdio.h>

#include "app/gui/cb-import-dialog.h"
#include "app/gui/cb-window.h"
#include "model/cb-affinity.h"
#include "tests/test-ui.h"

static char *tmp_dir;

/* A facade-ish photo: blue sky on top, grey street below, a green plant on the left. */
static char *
make_photo (guint width, guint height)
{
  g_autofree char *path = g_build_filename (tmp_dir, "photo.png", NULL);
  g_autoptr (CbImage) photo = cb_image_new (width, height);

  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        guint8 *rgb = photo->rgb + ((gsize)y * width + x) * 3;
        int id = y < height / 3 ? 0 : x < width / 4 ? 2 : 1;

        rgb[0] = id == 0 ? 90 : id == 1 ? 110 : 40;
        rgb[1] = id == 0 ? 140 : id == 1 ? 110 : 140;
        rgb[2] = id == 0 ? 220 : id == 1 ? 115 : 50;
      }
  g_assert_true (cb_image_save_png (photo, path, NULL));
  return g_steal_pointer (&path);
}

/* Paints the example like a person would: rectangle, fill, brush, with undo on the way. */
static void
paint_example (CbExampleEditor *editor, guint width, guint height)
{
  CbCanvas *canvas = cb_example_editor_get_canvas (editor);
  CbDocument *doc = cb_example_editor_get_document (editor);
  guint n;

  /* heaven: a rectangle over the top third */
  cb_canvas_set_tool (canvas, CB_TOOL_RECT);
  cb_canvas_set_class_id (canvas, 0);
  cb_canvas_stroke_begin (canvas, 0, 0, 1, FALSE);
  cb_canvas_stroke_update (canvas, width / 2.0, height / 6.0, 1);
  cb_canvas_stroke_end (canvas, width - 1, height / 3 - 1, 1);
  g_assert_cmpuint (cb_test_count_id (doc->map, 0), ==, width * (height / 3));

  /* a wrong stroke, undone */
  cb_canvas_set_tool (canvas, CB_TOOL_BRUSH);
  cb_canvas_set_brush_size (canvas, 3);
  cb_canvas_set_class_id (canvas, 2);
  cb_canvas_stroke_begin (canvas, width - 4, 2, 1, FALSE);
  cb_canvas_stroke_update (canvas, width - 4, 4, 1);
  cb_canvas_stroke_end (canvas, width - 4, 6, 1);
  n = cb_test_count_id (doc->map, 2);
  g_assert_cmpuint (n, >, 0);
  cb_example_editor_undo (editor);
  g_assert_cmpuint (cb_test_count_id (doc->map, 2), ==, 0);
  g_assert_cmpuint (cb_test_count_id (doc->map, 0), ==, width * (height / 3));
  cb_example_editor_redo (editor);
  g_assert_cmpuint (cb_test_count_id (doc->map, 2), ==, n);
  cb_example_editor_undo (editor);

  /* plant: a rectangle on the left below the sky */
  cb_canvas_set_tool (canvas, CB_TOOL_RECT);
  cb_canvas_set_class_id (canvas, 2);
  cb_canvas_stroke_begin (canvas, 0, height / 3, 1, FALSE);
  cb_canvas_stroke_end (canvas, width / 4 - 1, height - 1, 1);
  /* street: flood fill of the rest */
  cb_canvas_set_tool (canvas, CB_TOOL_FILL);
  cb_canvas_set_class_id (canvas, 1);
  cb_canvas_stroke_begin (canvas, width - 2, height - 2, 1, FALSE);
  cb_canvas_stroke_end (canvas, width - 2, height - 2, 1);
  g_assert_cmpuint (cb_test_count_id (doc->map, CB_VOID_ID), ==, 0);
  g_assert_cmpuint (cb_test_count_id (doc->map, 2), ==, (width / 4) * (height - height / 3));
}

static void
test_examples (void)
{
  g_autofree char *model = cb_test_fixture ("tiny-model.safetensors");
  g_autofree char *examples = g_build_filename (tmp_dir, "hand-examples", NULL);
  g_autofree char *saved_classes = g_build_filename (tmp_dir, "my-classes.json", NULL);
  g_autofree char *photo = NULL;
  g_autofree char *why = NULL;
  g_autofree char *stem = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CbClassSet) reloaded = NULL;
  g_autoptr (CbExampleSet) set = NULL;
  CbWindow *window;
  CbImportDialog *dialog;
  CbClassEditor *editor;
  CbExampleEditor *example;
  const CbProfile *profile;
  gboolean have_text;
  guint bad;
  const guint width = 40, height = 30;

  if (!g_file_test (model, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("no tests/fixtures/tiny-model.safetensors");
      return;
    }
  window = cb_window_new (NULL, model);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cb_test_wait_for (cb_test_model_ready, window, 120));
  dialog = CB_IMPORT_DIALOG (cb_window_show_import (window));
  g_assert_nonnull (dialog);
  have_text = cb_import_dialog_method_available (dialog, CB_AFFINITY_TEXT, NULL);
  editor = cb_import_dialog_get_class_editor (dialog);

  /* New Class Set: rows with name, colour, synonyms; validation per docs/FORMATS.md */
  g_assert_false (cb_import_dialog_use_class_editor (dialog, &error));
  g_assert_nonnull (strstr (error->message, "at least one class"));
  g_clear_error (&error);
  cb_class_editor_set_set_name (editor, "my facades");
  g_assert_cmpuint (cb_class_editor_add (editor, "heaven", 0x3366cc, "sky, firmament"), ==, 0);
  g_assert_cmpuint (cb_class_editor_add (editor, "street", 0xcc3333, "road"), ==, 1);
  g_assert_cmpuint (cb_class_editor_add (editor, "plant", G_MAXUINT32, " tree ,, bush "), ==, 2);
  bad = cb_class_editor_add (editor, "Heaven", G_MAXUINT32, NULL);
  g_assert_false (cb_import_dialog_use_class_editor (dialog, &error));
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "used twice"));
  g_clear_error (&error);
  cb_class_editor_remove (editor, bad);
  bad = cb_class_editor_add (editor, "door", 0x3366cc, NULL);
  g_assert_false (cb_import_dialog_use_class_editor (dialog, &error));
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "same colour"));
  g_clear_error (&error);
  cb_class_editor_remove (editor, bad);
  bad = cb_class_editor_add (editor, "door", 0x000000, NULL);
  g_assert_false (cb_import_dialog_use_class_editor (dialog, &error));
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "void"));
  g_clear_error (&error);
  cb_class_editor_remove (editor, bad);
  bad = cb_class_editor_add (editor, "  ", G_MAXUINT32, NULL);
  g_assert_false (cb_import_dialog_use_class_editor (dialog, &error));
  g_assert_nonnull (strstr (error->message, "no name"));
  g_clear_error (&error);
  cb_class_editor_remove (editor, bad);
  g_assert_cmpuint (cb_class_editor_get_n_classes (editor), ==, 3);

  g_assert_true (cb_import_dialog_save_class_set (dialog, saved_classes, &error));
  g_assert_no_error (error);
  reloaded = cb_class_set_load (saved_classes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cb_class_set_get_n_classes (reloaded), ==, 3);
  g_assert_cmpstr (reloaded->name, ==, "my facades");
  g_assert_cmpstr (cb_class_set_get (reloaded, 2)->synonyms[0], ==, "tree");
  g_assert_cmpstr (cb_class_set_get (reloaded, 2)->synonyms[1], ==, "bush");
  g_assert_null (cb_class_set_get (reloaded, 2)->synonyms[2]);
  g_assert_cmpuint (cb_class_set_get (reloaded, 0)->color, ==, 0x3366cc);

  g_assert_true (cb_import_dialog_use_class_editor (dialog, &error));
  g_assert_no_error (error);
  /* no examples: only the text prior, the others say why */
  g_assert_false (cb_import_dialog_method_available (dialog, CB_AFFINITY_SEG, &why));
  g_assert_nonnull (strstr (why, "example photos"));
  g_clear_pointer (&why, g_free);
  g_assert_false (cb_import_dialog_method_available (dialog, CB_AFFINITY_VISION, NULL));

  /* Add Example Photo…: paint over it with the same tools, save into the examples folder */
  cb_import_dialog_set_examples_folder (dialog, examples);
  photo = make_photo (width, height);
  example = cb_import_dialog_add_example (dialog, photo, &error);
  g_assert_no_error (error);
  g_assert_nonnull (example);
  g_assert_cmpuint (cb_example_editor_get_document (example)->map->width, ==, width);
  cb_palette_set_search (cb_example_editor_get_palette (example), "");
  g_assert_cmpuint (cb_palette_get_n_visible (cb_example_editor_get_palette (example)), ==, 3);
  g_assert_null (cb_example_editor_save (example, &error)); /* nothing painted yet */
  g_clear_error (&error);
  paint_example (example, width, height);
  cb_test_save_screenshot (GTK_WIDGET (example), "catbrush-example.png");
  stem = cb_example_editor_save (example, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stem, ==, "photo");
  gtk_window_destroy (GTK_WINDOW (example));
  {
    g_autofree char *image = g_build_filename (examples, "images", "photo.png", NULL);
    g_autofree char *labels = g_build_filename (examples, "labels", "photo.png", NULL);
    g_autofree char *classes = g_build_filename (examples, "classes.json", NULL);
    g_autofree char *train = g_build_filename (examples, "train.txt", NULL);
    g_autofree char *text = NULL;
    g_autofree char *a = NULL, *b = NULL;
    gsize la, lb;

    g_assert_true (g_file_get_contents (image, &a, &la, NULL));
    g_assert_true (g_file_get_contents (photo, &b, &lb, NULL));
    g_assert_true (la == lb && memcmp (a, b, la) == 0); /* copied as it was */
    g_assert_true (g_file_test (labels, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (classes, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_get_contents (train, &text, NULL, NULL));
    g_assert_cmpstr (text, ==, "photo\n");
  }
  /* the estimators read it like any dataset folder */
  set = cb_example_set_load (examples, NULL, reloaded, 32, 24, CB_EXAMPLE_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (set->examples->len, ==, 1);

  /* a second example of the same photo gets its own stem */
  example = cb_import_dialog_add_example (dialog, photo, &error);
  g_assert_no_error (error);
  paint_example (example, width, height);
  g_clear_pointer (&stem, g_free);
  stem = cb_example_editor_save (example, &error);
  g_assert_cmpstr (stem, ==, "photo-2");
  gtk_window_destroy (GTK_WINDOW (example));

  /* now the discriminator's prior can run on the painted examples */
  g_assert_true (cb_import_dialog_method_available (dialog, CB_AFFINITY_SEG, NULL));
  cb_import_dialog_set_method (dialog, CB_AFFINITY_SEG, TRUE, 1.0);
  cb_import_dialog_set_method (dialog, CB_AFFINITY_TEXT, have_text, 1.0);
  cb_import_dialog_set_method (dialog, CB_AFFINITY_VISION, FALSE, 1.0);
  cb_import_dialog_compute (dialog);
  g_assert_true (cb_test_wait_for (cb_test_import_not_computing, dialog, 300));
  g_test_message ("%s", cb_import_dialog_get_status (dialog));
  profile = cb_import_dialog_get_profile (dialog);
  g_assert_nonnull (profile);
  g_assert_cmpuint (cb_class_set_get_n_classes (profile->target), ==, 3);
  cb_test_save_screenshot (GTK_WIDGET (dialog), "catbrush-import-hand.png");

  /* Apply: the palette shows the hand-made classes */
  cb_window_new_document (window, 40, 30);
  cb_import_dialog_apply (dialog);
  cb_test_spin (50);
  g_assert_nonnull (cb_window_get_profile (window));
  g_assert_nonnull (cb_class_set_lookup_name (cb_window_get_document (window)->classes, "heaven"));
  cb_palette_set_search (cb_window_get_palette (window), "");
  g_assert_cmpuint (cb_palette_get_n_visible (cb_window_get_palette (window)), ==, 3);
  cb_palette_set_search (cb_window_get_palette (window), "plant");
  g_assert_cmpuint (cb_palette_get_n_visible (cb_window_get_palette (window)), ==, 1);

  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (window));
  cb_test_spin (50);
}

static void
add_tests (void)
{
  g_test_add_func ("/app/examples/hand-made", test_examples);
}

int
main (int argc, char **argv)
{
  return cb_test_app_main (argc, argv, &tmp_dir, "/app/examples/skip", add_tests);
}
