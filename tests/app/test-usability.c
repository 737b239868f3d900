/* test-usability.c: what a new user hit (issue 19), through the window's own
 * actions, dialogs and event controllers under a display (xvfb-run):
 * opening over a project, the shortcuts window, failed opens, the rectangle
 * at the map's edge, undo back to the saved state, the export toast,
 * Space+drag panning.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "app/gui/cb-affinity-view.h"
#include "app/gui/cb-import-dialog.h"
#include "app/gui/cb-variations.h"
#include "app/gui/cb-window.h"
#include "model/cb-error.h"
#include "model/cb-fileutil.h"
#include "tests/test-ui.h"

static char *tmp_dir;
static char *model_path; /* the tiny fixture model; NULL: tests needing images are skipped */

static gboolean
mapped_widget (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

static void
paint_rect (CbWindow *window, guint index, double x0, double y0, double x1, double y1)
{
  CbCanvas *canvas = cb_window_get_canvas (window);

  cb_test_set_tool (window, "rect");
  cb_canvas_set_class_id (canvas, cb_test_class_id (window, index));
  cb_canvas_stroke_begin (canvas, x0, y0, 1.0, FALSE);
  cb_canvas_stroke_end (canvas, x1, y1, 1.0);
}

/* A toplevel of the given type transient for window (GtkFileChooserNative
 * falls back to a GtkFileChooserDialog without a portal). */
static GtkWidget *
find_toplevel (CbWindow *window, GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWidget) toplevel = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (toplevel, type) && gtk_widget_get_visible (toplevel)
          && (window == NULL || gtk_window_get_transient_for (GTK_WINDOW (toplevel)) == GTK_WINDOW (window)))
        return toplevel;
    }
  return NULL;
}

static gboolean
file_chooser_shown (gpointer window)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  return find_toplevel (window, GTK_TYPE_FILE_CHOOSER_DIALOG) != NULL;
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static GtkWidget *
wait_file_chooser (CbWindow *window)
{
  g_assert_true (cb_test_wait_for (file_chooser_shown, window, 10));
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  return find_toplevel (window, GTK_TYPE_FILE_CHOOSER_DIALOG);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
respond (GtkWidget *dialog, int response)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_dialog_response (GTK_DIALOG (dialog), response);
  G_GNUC_END_IGNORE_DEPRECATIONS
  cb_test_spin (100);
}

static gboolean
chooser_has_file (gpointer chooser)
{
  g_autoptr (GFile) file = gtk_file_chooser_get_file (chooser);

  return file != NULL;
}

/* Chooses file as a person does: the dialog selects it once its folder is loaded. */
static void
choose_file (GtkWidget *chooser, GFile *file)
{
  g_assert_true (gtk_file_chooser_set_file (GTK_FILE_CHOOSER (chooser), file, NULL));
  g_assert_true (cb_test_wait_for (chooser_has_file, chooser, 10));
  cb_test_spin (200);
  respond (chooser, GTK_RESPONSE_ACCEPT);
}

/* GTK 4.8's file chooser dialog leaks in its own threads and caches (icons
 * through gdk-pixbuf, content types, tree paths), which LeakSanitizer
 * reports at exit with no project frame. Under tools/sanitize.sh the
 * tests leave the dialog out; the normal pass drives it. */
static gboolean
leak_checked (void)
{
  const char *asan = g_getenv ("ASAN_OPTIONS");

  return asan != NULL && strstr (asan, "detect_leaks=1") != NULL;
}

static GBytes *
read_bytes (const char *path)
{
  g_autofree char *data = NULL;
  gsize size = 0;

  g_assert_true (g_file_get_contents (path, &data, &size, NULL));
  return g_bytes_new_take (g_steal_pointer (&data), size);
}

/* Opening a label map over a saved project makes a new painting: the title
 * drops the project, and Save asks where instead of overwriting it. The
 * same for a project of another model and a model switch. */
static void
test_open_detaches (void)
{
  CbWindow *window = cb_test_open_window (model_path ? model_path : "/nonexistent/model.safetensors");
  CbDocument *doc = cb_window_get_document (window);
  g_autofree char *project_path = g_build_filename (tmp_dir, "street.catbrush", NULL);
  g_autofree char *labels_path = g_build_filename (tmp_dir, "camvid-like.png", NULL);
  g_autoptr (GFile) project = g_file_new_for_path (project_path);
  g_autoptr (GFile) labels = g_file_new_for_path (labels_path);
  g_autoptr (GBytes) saved = NULL;
  g_autoptr (GBytes) after = NULL;
  g_autoptr (GError) error = NULL;
  GtkWidget *chooser;

  cb_window_new_document (window, 40, 30);
  paint_rect (window, 1, 2, 2, 20, 20);
  g_assert_true (cb_window_save_labels (window, labels, &error));
  g_assert_no_error (error);
  paint_rect (window, 2, 10, 10, 35, 25);
  g_assert_true (cb_window_save_project (window, project, &error));
  g_assert_no_error (error);
  saved = read_bytes (project_path);

  g_assert_true (cb_test_open_file (window, labels, &error));
  g_assert_no_error (error);
  g_assert_null (doc->project_file);
  g_assert_null (strstr (gtk_window_get_title (GTK_WINDOW (window)), "street.catbrush"));
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (window)), "camvid-like.png"));

  /* Ctrl+S: a Save dialog, the project untouched */
  if (!leak_checked ())
    {
      g_action_group_activate_action (G_ACTION_GROUP (window), "save", NULL);
      chooser = wait_file_chooser (window);
      respond (chooser, GTK_RESPONSE_CANCEL);
    }
  after = read_bytes (project_path);
  g_assert_true (g_bytes_equal (saved, after));

  /* a model switch (to the same file: another model as far as the window is
   * concerned) keeps the painting but not the project */
  if (model_path != NULL)
    {
      g_assert_true (cb_window_open_file (window, project, &error));
      g_assert_no_error (error);
      g_assert_nonnull (doc->project_file);
      cb_window_switch_model (window, model_path, CB_REMAP_BY_NAME, NULL);
      g_assert_true (cb_test_wait_for (cb_test_not_switching, window, 120));
      g_assert_null (doc->project_file);
      g_assert_true (doc->modified);
      g_assert_cmpuint (cb_test_label_at (doc->map, 30, 20), ==, cb_test_class_id (window, 2));
    }
  cb_test_close_window (window);
}

/* Ctrl+? and the menu item: the shortcuts window from the resources. */
static void
test_shortcuts_window (void)
{
  CbWindow *window = cb_test_open_window ("/nonexistent/model.safetensors");
  GListModel *controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));
  gboolean bound = FALSE;
  GtkWidget *overlay;
  GLogLevelFlags fatal;

  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "show-help-overlay"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "show-help-overlay"));
  /* the window's own shortcut controller binds Ctrl+? to it */
  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !bound; i++)
    {
      g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint k = 0; k < g_list_model_get_n_items (G_LIST_MODEL (controller)) && !bound; k++)
        {
          g_autoptr (GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), k);
          g_autofree char *trigger = gtk_shortcut_trigger_to_string (gtk_shortcut_get_trigger (shortcut));
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);

          bound
            = GTK_IS_NAMED_ACTION (action)
              && g_strcmp0 (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)), "win.show-help-overlay") == 0
              && g_strcmp0 (trigger, "<Control>question") == 0;
        }
    }
  g_object_unref (controllers);
  g_assert_true (bound);

  /* GTK 4.8's shortcuts window warns about a label of negative width while
   * it lays out its search page: GTK's own, harmless, not ours to fail on */
  fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-help-overlay", NULL);
  cb_test_spin (200);
  overlay = find_toplevel (window, GTK_TYPE_SHORTCUTS_WINDOW);
  g_assert_nonnull (overlay);
  gtk_window_close (GTK_WINDOW (overlay));
  cb_test_spin (50);
  g_log_set_always_fatal (fatal);
  cb_test_close_window (window);
}

/* A file that is not a label map, chosen in the Open dialog under “All
 * files”: the window says why. */
static gboolean
message_shown (gpointer window)
{
  return cb_window_get_message_text (window) != NULL;
}

static gboolean
message_names_notes (gpointer window)
{
  const char *text = cb_window_get_message_text (window);

  return text != NULL && strstr (text, "notes.txt") != NULL;
}

static void
test_open_failure (void)
{
  CbWindow *window = cb_test_open_window ("/nonexistent/model.safetensors");
  g_autofree char *fake_path = g_build_filename (tmp_dir, "holiday.png", NULL);
  g_autofree char *text_path = g_build_filename (tmp_dir, "notes.txt", NULL);
  g_autoptr (GFile) fake = g_file_new_for_path (fake_path);
  g_autoptr (GFile) text = g_file_new_for_path (text_path);
  GtkWidget *chooser;
  g_autoptr (GListModel) filters = NULL;
  gboolean all_files = FALSE;

  g_assert_true (g_file_set_contents (fake_path, "this is not a PNG at all", -1, NULL));
  g_assert_true (g_file_set_contents (text_path, "nor is this", -1, NULL));
  g_assert_null (cb_window_get_message_text (window));

  if (leak_checked ())
    {
      g_assert_false (cb_window_open_file (window, fake, NULL));
      g_assert_nonnull (strstr (cb_window_get_message_text (window), "holiday.png"));
      g_assert_false (cb_window_open_file (window, text, NULL));
      g_assert_nonnull (strstr (cb_window_get_message_text (window), "notes.txt"));
      cb_test_close_window (window);
      return;
    }
  g_action_group_activate_action (G_ACTION_GROUP (window), "open", NULL);
  chooser = wait_file_chooser (window);
  filters = gtk_file_chooser_get_filters (GTK_FILE_CHOOSER (chooser));
  for (guint i = 0; i < g_list_model_get_n_items (filters); i++)
    {
      g_autoptr (GtkFileFilter) filter = g_list_model_get_item (filters, i);

      all_files |= g_strcmp0 (gtk_file_filter_get_name (filter), "All files") == 0;
    }
  g_assert_true (all_files);
  choose_file (chooser, fake);
  g_assert_false (file_chooser_shown (window));
  /* the file is read in a thread: the banner comes when it is done */
  g_assert_true (cb_test_wait_for (message_shown, window, 30));
  g_test_message ("%s", cb_window_get_message_text (window));
  g_assert_nonnull (strstr (cb_window_get_message_text (window), "holiday.png"));

  g_action_group_activate_action (G_ACTION_GROUP (window), "open", NULL);
  chooser = wait_file_chooser (window);
  choose_file (chooser, text);
  g_assert_true (cb_test_wait_for (message_names_notes, window, 30));
  cb_test_close_window (window);
}

/* Zoomed out, the last screen pixel of the map is where a drag to the edge
 * ends: the rectangle reaches the last row and column. */
static void
test_rect_edge (void)
{
  CbWindow *window = cb_test_open_window ("/nonexistent/model.safetensors");
  CbCanvas *canvas = cb_window_get_canvas (window);
  CbDocument *doc = cb_window_get_document (window);
  double wx, wy, mx, my;
  guint8 id;

  cb_window_new_document (window, 2400, 1800); /* a multiple of every zoom 1/n that fits */
  cb_test_spin (100);
  g_assert_cmpfloat (cb_canvas_get_zoom (canvas), <, 0.5);
  /* the last screen pixel the map is drawn on, bottom right: where a drag to the corner ends */
  cb_canvas_map_to_widget (canvas, doc->map->width, doc->map->height, &wx, &wy);
  cb_canvas_widget_to_map (canvas, ceil (wx) - 1, ceil (wy) - 1, &mx, &my);
  g_assert_cmpfloat (mx, <, doc->map->width - 1);
  g_assert_cmpfloat (my, <, doc->map->height - 1);
  paint_rect (window, 3, 1000.5, 700.5, mx, my);
  id = cb_test_class_id (window, 3);
  g_assert_cmpuint (cb_test_label_at (doc->map, doc->map->width - 1, doc->map->height - 1), ==, id);
  g_assert_cmpuint (cb_test_label_at (doc->map, 1000, 700), ==, id);
  g_assert_cmpuint (cb_test_label_at (doc->map, 999, 700), ==, CB_VOID_ID);
  g_assert_cmpuint (cb_test_label_at (doc->map, 1000, 699), ==, CB_VOID_ID);
  /* one screen pixel further in is not the edge */
  g_action_group_activate_action (G_ACTION_GROUP (window), "undo", NULL);
  cb_canvas_widget_to_map (canvas, ceil (wx) - 3, ceil (wy) - 3, &mx, &my);
  paint_rect (window, 3, 1000.5, 700.5, mx, my);
  g_assert_cmpuint (cb_test_label_at (doc->map, doc->map->width - 1, doc->map->height - 1), ==, CB_VOID_ID);
  cb_test_close_window (window);
}

/* Undo back to the saved state is not modified; an export shows a toast. */
static void
test_undo_saved_and_export (void)
{
  CbWindow *window = cb_test_open_window (model_path ? model_path : "/nonexistent/model.safetensors");
  CbDocument *doc = cb_window_get_document (window);
  g_autofree char *project_path = g_build_filename (tmp_dir, "undo.catbrush", NULL);
  g_autofree char *rgb_path = g_build_filename (tmp_dir, "exported-labels.png", NULL);
  g_autofree char *image_path = g_build_filename (tmp_dir, "exported-image.png", NULL);
  g_autoptr (GFile) project = g_file_new_for_path (project_path);
  g_autoptr (GFile) rgb = g_file_new_for_path (rgb_path);
  g_autoptr (GFile) image = g_file_new_for_path (image_path);
  g_autoptr (GError) error = NULL;

  cb_window_new_document (window, 40, 30);
  paint_rect (window, 1, 2, 2, 20, 20);
  g_assert_true (cb_window_save_project (window, project, &error));
  g_assert_no_error (error);
  g_assert_false (doc->modified);
  paint_rect (window, 2, 10, 10, 35, 25);
  g_assert_true (doc->modified);
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (window)), "•"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "undo", NULL);
  g_assert_false (doc->modified);
  g_assert_null (strstr (gtk_window_get_title (GTK_WINDOW (window)), "•"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "undo", NULL);
  g_assert_true (doc->modified);
  g_action_group_activate_action (G_ACTION_GROUP (window), "redo", NULL);
  g_assert_false (doc->modified);
  /* a seed is no stroke: undoing strokes does not make it saved */
  g_action_group_activate_action (G_ACTION_GROUP (window), "reroll", NULL);
  g_assert_true (doc->modified);
  g_action_group_activate_action (G_ACTION_GROUP (window), "undo", NULL);
  g_action_group_activate_action (G_ACTION_GROUP (window), "redo", NULL);
  g_assert_true (doc->modified);

  g_assert_null (cb_window_get_toast_text (window));
  g_assert_true (cb_test_export_labels (window, rgb, &error));
  g_assert_no_error (error);
  g_assert_nonnull (cb_window_get_toast_text (window));
  g_assert_nonnull (strstr (cb_window_get_toast_text (window), "exported-labels.png"));
  if (model_path != NULL)
    {
      g_assert_true (cb_test_wait_for (cb_test_generated, window, 120));
      g_assert_true (cb_test_export_image (window, image, 2, &error));
      g_assert_no_error (error);
      g_assert_nonnull (strstr (cb_window_get_toast_text (window), "exported-image.png"));
    }
  cb_test_close_window (window);
}

/* Save as the dialogs do it, written in a thread: the painting counts as
 * saved at once, painting during the write is a change, the file holds the
 * painting as it was; a failed write makes it unsaved again with its old
 * file; a close while a save is written waits for it. */
static void
test_save_async (void)
{
  CbWindow *window = cb_test_open_window (model_path ? model_path : "/nonexistent/model.safetensors");
  CbDocument *doc = cb_window_get_document (window);
  g_autofree char *path = g_build_filename (tmp_dir, "async.catbrush", NULL);
  g_autofree char *bad_path = g_build_filename (tmp_dir, "no-such-folder", "async.catbrush", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFile) bad = g_file_new_for_path (bad_path);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbLabelMap) snapshot = NULL;
  g_autoptr (CbProject) project = NULL;
  CbTestResult r = { NULL };

  cb_window_new_document (window, 40, 30);
  paint_rect (window, 1, 2, 2, 20, 20);
  snapshot = cb_label_map_copy (doc->map);
  cb_test_save_project_start (window, file, &r);
  g_assert_false (doc->modified);
  g_assert_true (doc->project_file != NULL && g_file_equal (doc->project_file, file));
  paint_rect (window, 2, 10, 10, 35, 25);
  g_assert_true (doc->modified);
  g_assert_true (cb_test_save_wait (window, &r, &error));
  g_assert_no_error (error);
  g_assert_true (doc->modified);
  project = cb_project_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (project->labels->ids, 40 * 30, snapshot->ids, 40 * 30);

  cb_test_save_project_start (window, bad, &r);
  g_assert_false (doc->modified);
  g_assert_false (cb_test_save_wait (window, &r, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_true (doc->modified);
  g_assert_true (g_file_equal (doc->project_file, file));
  g_assert_nonnull (strstr (cb_window_get_message_text (window), "no-such-folder"));

  /* two saves in a row: the second waits for the first, so the file ends
   * with the later painting whatever the threads' timing */
  {
    CbTestResult first = { NULL };
    g_autoptr (CbLabelMap) later = NULL;
    g_autoptr (CbProject) last = NULL;

    cb_test_save_project_start (window, file, &first);
    paint_rect (window, 2, 0, 0, 8, 8);
    later = cb_label_map_copy (doc->map);
    cb_test_save_project_start (window, file, &r);
    g_assert_true (cb_test_save_wait (window, &first, &error));
    g_assert_true (cb_test_save_wait (window, &r, &error));
    g_assert_no_error (error);
    last = cb_project_load (path, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (last->labels->ids, 40 * 30, later->ids, 40 * 30);
    g_assert_false (doc->modified);
  }

  /* closed once written: hold the window to look at it afterwards */
  g_object_ref (window);
  cb_test_save_project_start (window, file, &r);
  gtk_window_close (GTK_WINDOW (window));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_true (cb_test_save_wait (window, &r, &error));
  g_assert_no_error (error);
  cb_test_spin (50);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_object_unref (window);
  cb_test_spin (50);
}

static GtkEventController *
find_controller (GtkWidget *widget, GType type, const char *name, guint button)
{
  GListModel *controllers = gtk_widget_observe_controllers (widget);
  GtkEventController *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && found == NULL; i++)
    {
      g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!G_TYPE_CHECK_INSTANCE_TYPE (controller, type))
        continue;
      if (name != NULL && g_strcmp0 (gtk_event_controller_get_name (controller), name) != 0)
        continue;
      if (button != 0 && gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (controller)) != button)
        continue;
      found = controller;
    }
  g_object_unref (controllers);
  return found;
}

/* Space+drag pans with the focus on a tool bar button: the window's
 * capture-phase key controller sees Space before the button does. */
static void
test_space_pan (void)
{
  CbWindow *window = cb_test_open_window ("/nonexistent/model.safetensors");
  CbCanvas *canvas = cb_window_get_canvas (window);
  CbDocument *doc = cb_window_get_document (window);
  GtkEventController *space, *motion, *drag;
  g_autoptr (CbLabelMap) before = NULL;
  GtkWidget *focus;
  double x0, y0, x1, y1;
  gboolean handled = FALSE;

  cb_window_new_document (window, 300, 200);
  cb_test_spin (100);
  before = cb_label_map_copy (doc->map);
  /* the focus on something else than the canvas, as after clicking a tool */
  gtk_widget_child_focus (GTK_WIDGET (window), GTK_DIR_TAB_FORWARD);
  focus = gtk_root_get_focus (GTK_ROOT (window));
  g_assert_nonnull (focus);
  g_assert_true (focus != GTK_WIDGET (canvas));

  space = find_controller (GTK_WIDGET (window), GTK_TYPE_EVENT_CONTROLLER_KEY, "cb-space-panning", 0);
  motion = find_controller (GTK_WIDGET (canvas), GTK_TYPE_EVENT_CONTROLLER_MOTION, NULL, 0);
  drag = find_controller (GTK_WIDGET (canvas), GTK_TYPE_GESTURE_DRAG, NULL, GDK_BUTTON_PRIMARY);
  g_assert_nonnull (space);
  g_assert_nonnull (motion);
  g_assert_nonnull (drag);

  /* Space away from the canvas is left to the focused widget */
  g_signal_emit_by_name (space, "key-pressed", GDK_KEY_space, 65, 0, &handled);
  g_assert_false (handled);
  g_assert_false (cb_canvas_get_space_held (canvas));

  /* pointer over the canvas, Space down, a primary drag: the view moves, no paint */
  g_signal_emit_by_name (motion, "enter", 50.0, 50.0);
  g_signal_emit_by_name (space, "key-pressed", GDK_KEY_space, 65, 0, &handled);
  g_assert_true (handled);
  g_assert_true (cb_canvas_get_space_held (canvas));
  cb_canvas_map_to_widget (canvas, 0, 0, &x0, &y0);
  g_signal_emit_by_name (drag, "drag-begin", 50.0, 50.0);
  g_signal_emit_by_name (drag, "drag-update", 30.0, 20.0);
  g_signal_emit_by_name (drag, "drag-end", 30.0, 20.0);
  cb_canvas_map_to_widget (canvas, 0, 0, &x1, &y1);
  g_assert_cmpfloat (x1 - x0, ==, 30.0);
  g_assert_cmpfloat (y1 - y0, ==, 20.0);
  g_assert_cmpmem (doc->map->ids, 300 * 200, before->ids, 300 * 200);
  g_assert_false (doc->modified);
  g_signal_emit_by_name (space, "key-released", GDK_KEY_space, 65, 0);
  g_assert_false (cb_canvas_get_space_held (canvas));
  cb_test_close_window (window);
}

/* The first view: a street in the model's classes, the hint, the map
 * filling the pane, an image generated from it; the first stroke takes
 * the hint away. */
static void
test_starter_scene (void)
{
  CbWindow *window;
  CbCanvas *canvas;
  CbDocument *doc;
  const CbClass *sky, *road;
  double wx0, wy0, wx1, wy1;
  int cw, ch;

  if (!cb_test_have_model (model_path))
    return;
  window = cb_test_open_window (model_path);
  canvas = cb_window_get_canvas (window);
  doc = cb_window_get_document (window);
  sky = cb_class_set_lookup_name (doc->classes, "sky");
  road = cb_class_set_lookup_name (doc->classes, "road");
  g_assert_nonnull (sky);
  g_assert_nonnull (road);
  g_assert_cmpuint (cb_test_label_at (doc->map, doc->map->width / 2, 0), ==, sky->id);
  g_assert_cmpuint (cb_test_label_at (doc->map, doc->map->width / 2, doc->map->height - 1), ==, road->id);
  g_assert_false (doc->modified);
  g_assert_nonnull (cb_window_get_hint_text (window));
  g_assert_true (cb_test_wait_for (cb_test_generated, window, 120));

  /* the map fills the pane as far as whole zooms allow (within the fit margin) */
  cb_test_spin (200);
  cw = gtk_widget_get_width (GTK_WIDGET (canvas));
  ch = gtk_widget_get_height (GTK_WIDGET (canvas));
  cb_canvas_map_to_widget (canvas, 0, 0, &wx0, &wy0);
  cb_canvas_map_to_widget (canvas, doc->map->width, doc->map->height, &wx1, &wy1);
  g_test_message ("canvas %d x %d, map on screen %.0f x %.0f", cw, ch, wx1 - wx0, wy1 - wy0);
  if (cb_canvas_get_zoom (canvas) >= 1)
    {
      /* the largest whole zoom that fits (crisp pixels) */
      double next = floor (cb_canvas_get_zoom (canvas)) + 1;

      g_assert_true (next * doc->map->width > cw || next * doc->map->height > ch);
    }
  else
    g_assert_true (wx1 - wx0 >= 0.9 * cw || wy1 - wy0 >= 0.9 * ch);
  g_assert_cmpfloat (wx1 - wx0, <=, cw);
  g_assert_cmpfloat (wy1 - wy0, <=, ch);
  cb_test_save_screenshot (GTK_WIDGET (window), "usability-starter-scene.png");

  /* closing an untouched starter asks nothing */
  paint_rect (window, 2, 2, 2, 6, 6);
  g_assert_true (doc->modified);
  g_assert_null (cb_window_get_hint_text (window));
  g_action_group_activate_action (G_ACTION_GROUP (window), "undo", NULL);
  g_assert_false (doc->modified);
  cb_test_close_window (window);
}

static gboolean
variations_done (gpointer window)
{
  CbVariations *strip = CB_VARIATIONS (cb_window_get_variations (window));

  return cb_variations_get_n (strip) == CB_VARIATIONS_N && cb_variations_get_n_done (strip) == CB_VARIATIONS_N;
}

static gboolean
images_equal (const CbImage *a, const CbImage *b)
{
  return a->width == b->width && a->height == b->height
         && memcmp (a->rgb, b->rgb, (gsize)a->width * a->height * 3) == 0;
}

/* Variations: thumbnails of the same painting with other seeds, made in the
 * background by the worker; a click adopts the seed, and the image made
 * with it is the thumbnail's. */
static void
test_variations (void)
{
  CbWindow *window;
  CbDocument *doc;
  CbVariations *strip;
  guint64 chosen, first_seed;
  guint n_differ = 0;

  if (!cb_test_have_model (model_path))
    return;
  window = cb_test_open_window (model_path);
  doc = cb_window_get_document (window);
  strip = CB_VARIATIONS (cb_window_get_variations (window));
  g_assert_true (cb_test_wait_for (cb_test_generated, window, 120));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (strip)));

  g_action_group_change_action_state (G_ACTION_GROUP (window), "variations", g_variant_new_boolean (TRUE));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (strip)));
  g_assert_true (cb_test_wait_for (variations_done, window, 120));
  for (guint k = 0; k < CB_VARIATIONS_N; k++)
    {
      const CbImage *image = cb_variations_get_image (strip, k);

      g_assert_cmpuint (image->width, ==, cb_window_get_image (window)->width);
      g_assert_cmpuint (cb_variations_get_seed (strip, k), !=, doc->seed);
      for (guint j = 0; j < k; j++)
        {
          g_assert_cmpuint (cb_variations_get_seed (strip, k), !=, cb_variations_get_seed (strip, j));
          n_differ += !images_equal (image, cb_variations_get_image (strip, j));
        }
    }
  g_assert_cmpuint (n_differ, ==, CB_VARIATIONS_N * (CB_VARIATIONS_N - 1) / 2);
  cb_test_save_screenshot (GTK_WIDGET (window), "usability-variations.png");

  /* click the fourth: its seed, and the same image at full size */
  chosen = cb_variations_get_seed (strip, 3);
  first_seed = cb_variations_get_seed (strip, 0);
  g_assert_true (gtk_widget_activate (cb_variations_get_button (strip, 3)));
  cb_test_spin (400); /* a button emits ::clicked once its press has been shown */
  g_assert_cmpuint (doc->seed, ==, chosen);
  g_assert_true (doc->modified);
  g_assert_true (cb_test_wait_for (cb_test_generated, window, 120));
  g_assert_true (images_equal (cb_window_get_image (window), cb_variations_get_image (strip, 3)));
  /* the strip stays (the chosen one marked) */
  cb_test_spin (600);
  g_assert_cmpuint (cb_variations_get_seed (strip, 0), ==, first_seed);
  g_assert_true (gtk_widget_has_css_class (cb_variations_get_button (strip, 3), "current"));

  /* a stroke: a new batch for the new painting */
  paint_rect (window, 2, 3, 3, 20, 20);
  g_assert_true (cb_test_wait_for (cb_test_generated, window, 120));
  cb_test_spin (600);
  g_assert_true (cb_test_wait_for (variations_done, window, 120));
  g_assert_cmpuint (cb_variations_get_seed (strip, 0), !=, first_seed);

  g_action_group_change_action_state (G_ACTION_GROUP (window), "variations", g_variant_new_boolean (FALSE));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (strip)));
  g_assert_cmpuint (cb_variations_get_n (strip), ==, 0);
  cb_test_close_window (window);
}

static GtkWidget *
find_named (GtkWidget *widget, const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The label map over the image, at the image's size and adjustable opacity. */
static void
test_labels_over_image (void)
{
  CbWindow *window;
  CbDocument *doc;
  GtkWidget *labels, *scale;
  GdkPaintable *paintable;
  const CbImage *image;
  const CbClass *sky;
  g_autofree guint8 *pixels = NULL;
  const guint8 *p;

  if (!cb_test_have_model (model_path))
    return;
  window = cb_test_open_window (model_path);
  doc = cb_window_get_document (window);
  labels = cb_window_get_labels_picture (window);
  g_assert_true (cb_test_wait_for (cb_test_generated, window, 120));
  g_assert_false (gtk_widget_get_visible (labels));

  g_action_group_change_action_state (G_ACTION_GROUP (window), "labels-over-image", g_variant_new_boolean (TRUE));
  g_assert_true (gtk_widget_get_visible (labels));
  image = cb_window_get_image (window);
  paintable = gtk_picture_get_paintable (GTK_PICTURE (labels));
  g_assert_true (GDK_IS_TEXTURE (paintable));
  g_assert_cmpint (gdk_texture_get_width (GDK_TEXTURE (paintable)), ==, (int)image->width);
  g_assert_cmpint (gdk_texture_get_height (GDK_TEXTURE (paintable)), ==, (int)image->height);
  /* the starter scene's sky at the top, in the sky's colour (Cairo's B, G, R, A) */
  sky = cb_class_set_lookup_name (doc->classes, "sky");
  pixels = g_malloc ((gsize)image->width * image->height * 4);
  gdk_texture_download (GDK_TEXTURE (paintable), pixels, image->width * 4);
  p = pixels + (image->width / 2) * 4;
  g_assert_cmpuint (p[3], ==, 255);
  g_assert_cmpuint ((guint32)p[2] << 16 | (guint32)p[1] << 8 | p[0], ==, sky->color);

  /* the slider beside the button sets its opacity */
  scale = find_named (GTK_WIDGET (window), "labels-opacity");
  g_assert_nonnull (scale);
  g_assert_true (gtk_widget_is_visible (scale));
  gtk_range_set_value (GTK_RANGE (scale), 0.8);
  g_assert_cmpfloat_with_epsilon (gtk_widget_get_opacity (labels), 0.8, 1e-6);
  gtk_range_set_value (GTK_RANGE (scale), 0.35);
  cb_test_save_screenshot (GTK_WIDGET (window), "usability-labels-over-image.png");

  /* a new image brings the labels that made it */
  paint_rect (window, 2, 0, 0, doc->map->width, 4);
  g_assert_true (cb_test_wait_for (cb_test_generated, window, 120));
  image = cb_window_get_image (window); /* the one before is gone */
  paintable = gtk_picture_get_paintable (GTK_PICTURE (labels));
  g_assert_cmpint (gdk_texture_get_width (GDK_TEXTURE (paintable)), ==, (int)image->width);
  gdk_texture_download (GDK_TEXTURE (paintable), pixels, image->width * 4);
  g_assert_cmpuint ((guint32)p[2] << 16 | (guint32)p[1] << 8 | p[0], ==, cb_class_set_get (doc->classes, 2)->color);

  g_action_group_change_action_state (G_ACTION_GROUP (window), "labels-over-image", g_variant_new_boolean (FALSE));
  g_assert_false (gtk_widget_get_visible (labels));
  g_assert_false (gtk_widget_is_visible (scale));
  cb_test_close_window (window);
}

static GtkWidget *
find_dialog_with (CbWindow *window, const char *key)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWidget) toplevel = g_list_model_get_item (toplevels, i);

      if (gtk_window_get_transient_for (GTK_WINDOW (toplevel)) == GTK_WINDOW (window)
          && g_object_get_data (G_OBJECT (toplevel), key) != NULL)
        return toplevel;
    }
  return NULL;
}

/* A label map in another class set's colours: a short banner, a question
 * with the details behind an expander, and the nearest classes on request. */
static void
test_other_colours (void)
{
  CbWindow *window = cb_test_open_window ("/nonexistent/model.safetensors");
  CbDocument *doc = cb_window_get_document (window);
  g_autofree char *path = g_build_filename (tmp_dir, "facade-colours.png", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (CbImage) image = cb_image_new (40, 30);
  g_autoptr (GError) error = NULL;
  const CbClass *sky = cb_class_set_lookup_name (doc->classes, "sky");
  const CbClass *road = cb_class_set_lookup_name (doc->classes, "road");
  GtkWidget *dialog;

  /* left half near sky's colour, right half many colours near road's: a long error */
  for (guint y = 0; y < 30; y++)
    for (guint x = 0; x < 40; x++)
      {
        guint8 *p = image->rgb + ((gsize)y * 40 + x) * 3;
        guint32 c = x < 20 ? sky->color : road->color;
        int d = x < 20 ? 5 : (int)((x + y) % 9);

        p[0] = (guint8)((c >> 16 & 0xff) + d);
        p[1] = (guint8)((c >> 8 & 0xff) - d);
        p[2] = (guint8)((c & 0xff) + d / 2);
      }
  g_assert_true (cb_image_save_png (image, path, &error));
  g_assert_no_error (error);

  g_assert_false (cb_test_open_file (window, file, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_MISMATCH);
  g_assert_nonnull (cb_window_get_message_text (window));
  dialog = find_dialog_with (window, "cb-colours");
  g_assert_nonnull (dialog);
  cb_test_save_screenshot (dialog, "usability-other-colours.png");
  respond (dialog, GTK_RESPONSE_ACCEPT);
  g_assert_null (find_dialog_with (window, "cb-colours"));
  g_assert_cmpuint (doc->map->width, ==, 40);
  g_assert_cmpuint (cb_test_label_at (doc->map, 3, 3), ==, sky->id);
  g_assert_cmpuint (cb_test_label_at (doc->map, 30, 20), ==, road->id);
  g_assert_true (doc->modified);
  g_assert_null (doc->project_file);
  g_assert_nonnull (strstr (cb_window_get_message_text (window), "nearest"));
  cb_test_close_window (window);
}

/* A LabelMeFacade label map opened over the CamVid model names its data set,
 * and "Import Those Classes…" starts the import from exactly those classes. */
static void
test_other_colours_named (void)
{
  const char *datasets = g_getenv ("CB_DATASETS");
  g_autofree char *path = g_build_filename (datasets != NULL ? datasets : "../shared/datasets", "labelmefacade",
                                            "labels", "05june05_static_street_boston__p1010739.png", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  CbWindow *window;
  GtkWidget *dialog, *import;

  if (model_path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("no tiny model fixture or no LabelMeFacade under CB_DATASETS");
      return;
    }
  window = cb_test_open_window (model_path);
  g_assert_false (cb_window_open_file (window, file, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_MISMATCH);
  dialog = find_dialog_with (window, "cb-colours");
  g_assert_nonnull (dialog);
  g_object_get (dialog, "text", &text, NULL);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "LabelMeFacade’s colours"));
  respond (dialog, GTK_RESPONSE_YES);
  import = cb_window_show_import (window);
  g_assert_nonnull (import);
  g_test_message ("import: %s", cb_import_dialog_get_status (CB_IMPORT_DIALOG (import)));
  g_assert_nonnull (strstr (cb_import_dialog_get_status (CB_IMPORT_DIALOG (import)), "Imported 9 classes"));
  gtk_window_destroy (GTK_WINDOW (import));
  cb_test_close_window (window);
}

/* The heat map in a small scrolled window, scrolled to its middle: the
 * source names stay at the top of what is visible and the target names at
 * its left; the cells under them cannot be pointed at, the ones below can. */
static void
test_heatmap_pinned_names (void)
{
  g_autoptr (CbClassSet) target = cb_class_set_new ("many");
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GtkWidget *window = gtk_window_new (), *scrolled = gtk_scrolled_window_new ();
  CbAffinityView *view = CB_AFFINITY_VIEW (cb_affinity_view_new ());
  GtkAdjustment *hadj, *vadj;
  double pin_x = -1, pin_y = -1, x, y;
  guint row, column;

  for (guint t = 0; t < 40; t++)
    {
      g_autofree char *name = g_strdup_printf ("target class %u", t);
      g_assert_true (cb_class_set_add (target, t, name, 0x010203 * (t + 1), NULL, NULL));
    }
  for (guint c = 0; c < 60; c++)
    g_ptr_array_add (names, g_strdup_printf ("source %u", c));
  g_ptr_array_add (names, NULL);
  g_autoptr (CbProfile) profile = cb_profile_new (target, 60, (const char *const *)names->pdata, "00");
  for (guint i = 0; i < 40 * 60; i++)
    profile->affinity[i] = (float)((i * 7919) % 101) / 100.0f;

  cb_affinity_view_set_profile (view, profile);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (view));
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  gtk_window_set_default_size (GTK_WINDOW (window), 320, 240);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cb_test_wait_for (mapped_widget, view, 10));
  hadj = gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (scrolled));
  vadj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  g_assert_cmpfloat (gtk_adjustment_get_upper (vadj), >, 240 + 300);
  gtk_adjustment_set_value (hadj, 400);
  gtk_adjustment_set_value (vadj, 300);
  cb_test_spin (200);

  cb_affinity_view_get_pinned_origin (view, &pin_x, &pin_y);
  g_assert_cmpfloat (fabs (pin_x - 400), <, 1);
  g_assert_cmpfloat (fabs (pin_y - 300), <, 1);
  /* a cell scrolled under the names: not there; one just below them: there */
  cb_affinity_view_cell_center (view, 2, 3, &x, &y);
  g_assert_false (cb_affinity_view_cell_at (view, x + 400, pin_y + 5, &row, &column));
  g_assert_true (cb_affinity_view_cell_at (view, pin_x + 300, pin_y + 200, &row, &column));
  cb_test_save_screenshot (GTK_WIDGET (window), "usability-heatmap-scrolled.png");
  gtk_window_destroy (GTK_WINDOW (window));
  cb_test_spin (50);
}

/* A window destroyed while its export and an open are still being written
 * and read: their results arrive later, and the sanitizer pass fails this
 * test on any use of a freed widget. */
static void
test_destroy_during_io (void)
{
  g_autofree char *out = g_build_filename (tmp_dir, "late-export.png", NULL);
  g_autoptr (GFile) out_file = g_file_new_for_path (out);
  g_autofree char *labels = cb_test_fixture ("tiny-labels.png");
  g_autoptr (GFile) labels_file = g_file_new_for_path (labels);
  CbTestResult exported = { NULL }, opened = { NULL };
  CbWindow *window;

  if (!cb_test_have_model (model_path))
    return;
  window = cb_test_open_window (model_path);
  g_assert_true (cb_test_wait_for (cb_test_generated, window, 120));
  g_object_ref (window);
  cb_window_export_image_async (window, out_file, 4, cb_test_result_cb, &exported);
  cb_window_open_file_async (window, labels_file, cb_test_result_cb, &opened);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (cb_test_wait_for (cb_test_has_result, &exported, 60));
  g_assert_true (cb_test_wait_for (cb_test_has_result, &opened, 60));
  /* the export is written (the file was asked for); the open lands in the
   * closed window or is refused, either without harm */
  g_assert_true (cb_window_export_image_finish (window, exported.result, NULL));
  (void)cb_window_open_file_finish (window, opened.result, NULL);
  g_object_unref (exported.result);
  g_object_unref (opened.result);
  g_object_unref (window);
  g_assert_true (g_file_test (out, G_FILE_TEST_IS_REGULAR));
}

static void
add_tests (void)
{
  model_path = cb_test_model_path ();
  g_test_add_func ("/app/usability/open-detaches", test_open_detaches);
  g_test_add_func ("/app/usability/shortcuts-window", test_shortcuts_window);
  g_test_add_func ("/app/usability/open-failure", test_open_failure);
  g_test_add_func ("/app/usability/rect-edge", test_rect_edge);
  g_test_add_func ("/app/usability/undo-saved-export", test_undo_saved_and_export);
  g_test_add_func ("/app/usability/save-async", test_save_async);
  g_test_add_func ("/app/usability/space-pan", test_space_pan);
  g_test_add_func ("/app/usability/starter-scene", test_starter_scene);
  g_test_add_func ("/app/usability/variations", test_variations);
  g_test_add_func ("/app/usability/labels-over-image", test_labels_over_image);
  g_test_add_func ("/app/usability/other-colours", test_other_colours);
  g_test_add_func ("/app/usability/other-colours-named", test_other_colours_named);
  g_test_add_func ("/app/usability/heatmap-pinned-names", test_heatmap_pinned_names);
  g_test_add_func ("/app/usability/destroy-during-io", test_destroy_during_io);
}

int
main (int argc, char **argv)
{
  int status;

  status = cb_test_app_main (argc, argv, &tmp_dir, "/app/usability/skip", add_tests);
  g_free (model_path);
  return status;
}
