/* cb-window-actions.c: the window's actions (win.*) and its shortcut controller (cb-shortcuts.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-window-private.h"

#include <glib/gi18n.h>

#include "cb-config.h"
#include "app/gui/cb-new-dialog.h"
#include "app/gui/cb-paint.h"
#include "app/gui/cb-shortcuts.h"

static void
new_create_cb (CbNewDialog *dialog, guint width, guint height, CbWindow *self)
{
  cb_window_new_document (self, width, height);
}

static void
show_new_dialog (CbWindow *self)
{
  CbNewDialog *dialog
    = cb_new_dialog_new (GTK_WINDOW (self), self->native_width ? self->native_width * 2 : CB_WINDOW_FALLBACK_MAP_WIDTH,
                         self->native_height ? self->native_height * 2 : CB_WINDOW_FALLBACK_MAP_HEIGHT,
                         self->native_width, self->native_height);

  g_signal_connect_object (dialog, "create", G_CALLBACK (new_create_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
new_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  cb_window_confirm_discard (CB_WINDOW (user_data), show_new_dialog);
}

static void
after_undo_redo (CbWindow *self)
{
  /* back at the saved state is not modified */
  self->autosave_dirty = TRUE;
  cb_document_update_modified (self->doc);
  cb_canvas_document_changed (self->canvas);
  cb_window_update_actions (self);
  cb_window_generate (self);
}

static void
undo_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;

  if (cb_canvas_in_stroke (self->canvas))
    return;
  if (cb_undo_stack_undo (self->doc->undo, self->doc->map) != NULL)
    after_undo_redo (self);
}

static void
redo_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;

  if (cb_canvas_in_stroke (self->canvas))
    return;
  if (cb_undo_stack_redo (self->doc->undo, self->doc->map) != NULL)
    after_undo_redo (self);
}

static void
zoom_in_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  cb_canvas_zoom_in (CB_WINDOW (user_data)->canvas);
}

static void
zoom_out_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  cb_canvas_zoom_out (CB_WINDOW (user_data)->canvas);
}

static void
zoom_fit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  cb_canvas_zoom_fit (CB_WINDOW (user_data)->canvas);
}

static void
zoom_100_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  cb_canvas_zoom_at (CB_WINDOW (user_data)->canvas, 1.0, -1, -1);
}

static void
tool_changed (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  CbWindow *self = user_data;
  CbTool tool;

  if (!cb_tool_from_string (g_variant_get_string (value, NULL), &tool))
    return;
  cb_canvas_set_tool (self->canvas, tool);
  g_simple_action_set_state (action, value);
}

static void
brush_size_step (CbWindow *self, int direction)
{
  guint size = cb_canvas_get_brush_size (self->canvas);
  /* steps of about 20 %, at least 1 */
  guint step = MAX (1u, size / 5);

  if (direction < 0)
    size = size > step ? size - step : 1;
  else
    size += step;
  cb_canvas_set_brush_size (self->canvas, CLAMP (size, CB_BRUSH_MIN_SIZE, CB_BRUSH_MAX_SIZE));
}

static void
brush_bigger_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  brush_size_step (CB_WINDOW (user_data), 1);
}

static void
brush_smaller_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  brush_size_step (CB_WINDOW (user_data), -1);
}

/* a seed changed: the document is modified and the image is made anew */
static void
seeds_changed (CbWindow *self)
{
  cb_window_mark_changed_beyond_map (self);
  cb_window_update_seed_entry (self);
  cb_window_generate (self);
}

static void
reroll_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;

  cb_document_reroll (self->doc);
  seeds_changed (self);
}

static void
reroll_class_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;
  guint index = g_variant_get_uint32 (parameter);

  if (index >= self->doc->n_class_seeds)
    return;
  cb_document_reroll_class (self->doc, index);
  seeds_changed (self);
}

static void
reset_class_seed_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;
  guint index = g_variant_get_uint32 (parameter);

  if (index >= self->doc->n_class_seeds)
    return;
  cb_document_reset_class_seed (self->doc, index);
  seeds_changed (self);
}

static void
overlay_changed (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  CbWindow *self = user_data;
  gboolean overlay = g_variant_get_boolean (value);

  g_simple_action_set_state (action, value);
  cb_canvas_set_overlay (self->canvas, overlay);
  gtk_widget_set_visible (self->image_pane, !overlay);
  gtk_widget_set_visible (self->opacity_box, overlay);
}

static void
generate_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  cb_window_generate (CB_WINDOW (user_data));
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;
  const char *authors[] = { _ ("The Catbrush developers"), NULL };
  g_autoptr (GString) model = g_string_new (NULL);

  if (self->model_file != NULL)
    g_string_append_printf (model, _ ("Model: %s\n\n"), self->model_file);
  if (self->model_card != NULL)
    g_string_append (model, self->model_card);
  if (model->len == 0)
    g_string_append (model, _ ("No model is loaded."));

  gtk_show_about_dialog (GTK_WINDOW (self), "program-name", "Catbrush", "version", CB_VERSION, "logo-icon-name",
                         CB_APP_ID, "comments",
                         _ ("Paint a semantic label map; a generator (OASIS, with class affinity transfer) turns it "
                            "into a photo-like image."),
                         "translator-credits", _ ("translator-credits"), "license-type", GTK_LICENSE_GPL_3_0, "authors",
                         authors, "system-information", model->str, NULL);
}

static const GActionEntry win_entries[] = {
  { "new", new_activated, NULL, NULL, NULL, { 0 } },
  { "open", cb_window_open_activated, NULL, NULL, NULL, { 0 } },
  { "save", cb_window_save_activated, NULL, NULL, NULL, { 0 } },
  { "save-as", cb_window_save_as_activated, NULL, NULL, NULL, { 0 } },
  { "save-labels", cb_window_save_labels_activated, NULL, NULL, NULL, { 0 } },
  { "load-profile", cb_window_load_profile_activated, NULL, NULL, NULL, { 0 } },
  { "reset-classes", cb_window_reset_classes_activated, NULL, NULL, NULL, { 0 } },
  { "affinity", cb_window_affinity_activated, NULL, NULL, NULL, { 0 } },
  { "import-classes", cb_window_import_classes_activated, NULL, NULL, NULL, { 0 } },
  { "export-image", cb_window_export_image_activated, NULL, NULL, NULL, { 0 } },
  { "export-labels", cb_window_export_labels_activated, NULL, NULL, NULL, { 0 } },
  { "undo", undo_activated, NULL, NULL, NULL, { 0 } },
  { "redo", redo_activated, NULL, NULL, NULL, { 0 } },
  { "zoom-in", zoom_in_activated, NULL, NULL, NULL, { 0 } },
  { "zoom-out", zoom_out_activated, NULL, NULL, NULL, { 0 } },
  { "zoom-fit", zoom_fit_activated, NULL, NULL, NULL, { 0 } },
  { "zoom-100", zoom_100_activated, NULL, NULL, NULL, { 0 } },
  { "tool", NULL, "s", "'brush'", tool_changed, { 0 } },
  { "brush-bigger", brush_bigger_activated, NULL, NULL, NULL, { 0 } },
  { "brush-smaller", brush_smaller_activated, NULL, NULL, NULL, { 0 } },
  { "reroll", reroll_activated, NULL, NULL, NULL, { 0 } },
  { "reroll-class", reroll_class_activated, "u", NULL, NULL, { 0 } },
  { "reset-class-seed", reset_class_seed_activated, "u", NULL, NULL, { 0 } },
  { "overlay", NULL, NULL, "false", overlay_changed, { 0 } },
  { "variations", NULL, NULL, "false", cb_window_variations_changed, { 0 } },
  { "labels-over-image", NULL, NULL, "false", cb_window_labels_over_image_changed, { 0 } },
  { "generate", generate_activated, NULL, NULL, NULL, { 0 } },
  { "about", about_activated, NULL, NULL, NULL, { 0 } },
  { "model", NULL, "s", "''", cb_window_model_change_state, { 0 } },
  { "import-model", cb_window_import_model_activated, NULL, NULL, NULL, { 0 } },
  { "open-model", cb_window_open_model_activated, NULL, NULL, NULL, { 0 } },
};

/* The actions, and the window's shortcut controller made from the table of
 * key bindings (cb-shortcuts.c; the application adds its accelerators). */
void
cb_window_add_actions (CbWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries), self);
  gtk_widget_add_controller (GTK_WIDGET (self), cb_shortcuts_controller_new ());
}
