/* test-ui.h: running the main loop until the application reaches a state,
 * for the tests that drive the window and its dialogs under a display
 * (header-only).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "app/gui/cb-finetune-dialog.h"
#include "app/gui/cb-import-dialog.h"
#include "app/gui/cb-window.h"
#include "tests/test-util.h"

/* Points the application's config, state and data folders (window size,
 * autosaves, models, caches) at a fresh temporary directory, turns the autosave timer,
 * GSettings' disk backend and accessibility off; before g_test_init(). Returns
 * the directory, for cb_test_app_env_free(). */
G_GNUC_UNUSED static char *
cb_test_app_env_new (void)
{
  char *tmp_dir = g_dir_make_tmp ("catbrush-test-XXXXXX", NULL);

  g_setenv ("XDG_CONFIG_HOME", tmp_dir, TRUE);
  g_setenv ("XDG_STATE_HOME", tmp_dir, TRUE);
  g_setenv ("XDG_DATA_HOME", tmp_dir, TRUE);
  g_setenv ("XDG_CACHE_HOME", tmp_dir, TRUE);
  g_setenv ("CATBRUSH_AUTOSAVE_INTERVAL", "0", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  /* the file chooser fallback, never a portal of the machine running the tests */
  g_setenv ("GTK_USE_PORTAL", "0", TRUE);
  return tmp_dir;
}

G_GNUC_UNUSED static void
cb_test_app_env_free (char *tmp_dir)
{
  cb_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
}

G_GNUC_UNUSED static void
cb_test_skip_no_display (void)
{
  g_test_skip ("no display (run under xvfb-run)");
}

/* Initialises GTK; without a display adds skip_path as the one (skipped)
 * test and returns TRUE: the caller then returns g_test_run (). */
G_GNUC_UNUSED static gboolean
cb_test_no_display (const char *skip_path)
{
  if (gtk_init_check ())
    return FALSE;
  g_test_add_func (skip_path, cb_test_skip_no_display);
  return TRUE;
}

/* Iterates the default main context until @done (@data) holds; FALSE when
 * @seconds pass first. */
G_GNUC_UNUSED static gboolean
cb_test_wait_for (gboolean (*done) (gpointer), gpointer data, double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64)(seconds * G_USEC_PER_SEC);

  while (!done (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  return TRUE;
}

/* Iterates the default main context for @ms milliseconds: lets redraws and
 * idle handlers run. */
G_GNUC_UNUSED static void
cb_test_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

/* Predicates for cb_test_wait_for() on a CbWindow. */
G_GNUC_UNUSED static gboolean
cb_test_model_ready (gpointer window)
{
  return cb_window_is_model_ready (window);
}

/* The window on screen with its canvas laid out */
G_GNUC_UNUSED static gboolean
cb_test_window_mapped (gpointer window)
{
  return gtk_widget_get_mapped (window) && gtk_widget_get_width (GTK_WIDGET (cb_window_get_canvas (window))) > 0;
}

/* A new window on model (a path, or NULL for the default), shown, its model loaded */
G_GNUC_UNUSED static CbWindow *
cb_test_open_window (const char *model)
{
  CbWindow *window = cb_window_new (NULL, model);

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cb_test_wait_for (cb_test_window_mapped, window, 10));
  g_assert_true (cb_test_wait_for (cb_test_model_ready, window, 120));
  return window;
}

G_GNUC_UNUSED static void
cb_test_close_window (CbWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  cb_test_spin (50);
}

G_GNUC_UNUSED static void
cb_test_set_tool (CbWindow *window, const char *tool)
{
  g_action_group_change_action_state (G_ACTION_GROUP (window), "tool", g_variant_new_string (tool));
}

/* The id of the palette's index-th class */
G_GNUC_UNUSED static guint8
cb_test_class_id (CbWindow *window, guint index)
{
  return (guint8)cb_class_set_get (cb_window_get_document (window)->classes, index)->id;
}

G_GNUC_UNUSED static gboolean
cb_test_not_switching (gpointer window)
{
  return !cb_window_is_switching_model (window);
}

G_GNUC_UNUSED static gboolean
cb_test_generated (gpointer window)
{
  return cb_window_get_n_images (window) > 0 && !cb_window_is_generating (window);
}

/* Predicate for cb_test_wait_for() on a CbFinetuneDialog. */
G_GNUC_UNUSED static gboolean
cb_test_finetune_not_busy (gpointer dialog)
{
  return !cb_finetune_dialog_is_busy (dialog);
}

/* Predicate for cb_test_wait_for() on a CbImportDialog. */
G_GNUC_UNUSED static gboolean
cb_test_import_not_computing (gpointer dialog)
{
  return !cb_import_dialog_is_computing (dialog);
}

/* The window's asynchronous exports, waited for: TRUE or FALSE with @error,
 * as cb_window_export_*_finish() says. */
typedef struct
{
  GAsyncResult *result;
} CbTestResult;

G_GNUC_UNUSED static void
cb_test_result_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  ((CbTestResult *)data)->result = g_object_ref (result);
}

G_GNUC_UNUSED static gboolean
cb_test_has_result (gpointer data)
{
  return ((CbTestResult *)data)->result != NULL;
}

/* Waits (60 s at most) for r's result and hands it over, r ready again. */
G_GNUC_UNUSED static GAsyncResult *
cb_test_take_result (CbTestResult *r)
{
  g_assert_true (cb_test_wait_for (cb_test_has_result, r, 60));
  return g_steal_pointer (&r->result);
}

G_GNUC_UNUSED static gboolean
cb_test_export_image (CbWindow *window, GFile *file, guint factor, GError **error)
{
  CbTestResult r = { NULL };

  cb_window_export_image_async (window, file, factor, cb_test_result_cb, &r);
  g_autoptr (GAsyncResult) result = cb_test_take_result (&r);
  return cb_window_export_image_finish (window, result, error);
}

G_GNUC_UNUSED static gboolean
cb_test_export_labels (CbWindow *window, GFile *file, GError **error)
{
  CbTestResult r = { NULL };

  cb_window_export_labels_async (window, file, cb_test_result_cb, &r);
  g_autoptr (GAsyncResult) result = cb_test_take_result (&r);
  return cb_window_export_labels_finish (window, result, error);
}

/* The Open dialog's asynchronous open, waited for. */
G_GNUC_UNUSED static gboolean
cb_test_open_file (CbWindow *window, GFile *file, GError **error)
{
  CbTestResult r = { NULL };

  cb_window_open_file_async (window, file, cb_test_result_cb, &r);
  g_autoptr (GAsyncResult) result = cb_test_take_result (&r);
  return cb_window_open_file_finish (window, result, error);
}

/* Starts an asynchronous save; cb_test_save_wait() ends it. */
G_GNUC_UNUSED static void
cb_test_save_project_start (CbWindow *window, GFile *file, CbTestResult *r)
{
  r->result = NULL;
  cb_window_save_project_async (window, file, cb_test_result_cb, r);
}

G_GNUC_UNUSED static gboolean
cb_test_save_wait (CbWindow *window, CbTestResult *r, GError **error)
{
  g_autoptr (GAsyncResult) result = cb_test_take_result (r);

  return cb_window_save_finish (window, result, error);
}

/* The model a window test paints with: $CATBRUSH_MODEL when set (e.g. the
 * bundled model, for screenshots), else the tiny fixture, else NULL (the
 * tests that need one skip). */
G_GNUC_UNUSED static char *
cb_test_model_path (void)
{
  const char *env_model = g_getenv ("CATBRUSH_MODEL");
  g_autofree char *fixture = cb_test_fixture ("tiny-model.safetensors");

  if (env_model != NULL && *env_model != '\0')
    return g_strdup (env_model);
  if (g_file_test (fixture, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&fixture);
  return NULL;
}

/* For a test that needs a model: TRUE when cb_test_model_path() found
 * one, else the test is marked skipped, saying what to provide. */
G_GNUC_UNUSED static gboolean
cb_test_have_model (const char *model_path)
{
  if (model_path != NULL)
    return TRUE;
  g_test_skip ("no model: set CATBRUSH_MODEL or make tests/fixtures/tiny-model.safetensors");
  return FALSE;
}

/* Saves what widget shows as the PNG name in $CB_SCREENSHOT_DIR (nothing
 * without it). A widget that still needs an allocation paints nothing (slow
 * under the sanitizers on a busy machine): the last layout and frame settle
 * first. */
G_GNUC_UNUSED static void
cb_test_save_screenshot (GtkWidget *widget, const char *name)
{
  const char *dir = g_getenv ("CB_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  g_autoptr (GdkPaintable) paintable = NULL;
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  int width = 0, height = 0;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, name, NULL);
  paintable = gtk_widget_paintable_new (widget);
  for (guint attempt = 0; attempt < 50 && node == NULL; attempt++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      cb_test_spin (200);
      width = gtk_widget_get_width (widget);
      height = gtk_widget_get_height (widget);
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

/* The main() of a test that drives the window: the application's
 * environment in a fresh temporary directory (*tmp_dir while the tests
 * run), GTK, then the tests add_tests() adds (it may set up fixtures
 * first); without a display one skipped test, skip_path. */
G_GNUC_UNUSED static int
cb_test_app_main (int argc, char **argv, char **tmp_dir, const char *skip_path, void (*add_tests) (void))
{
  int status;

  *tmp_dir = cb_test_app_env_new ();
  g_test_init (&argc, &argv, NULL);
  if (!cb_test_no_display (skip_path))
    add_tests ();
  status = g_test_run ();
  cb_test_app_env_free (g_steal_pointer (tmp_dir));
  return status;
}
