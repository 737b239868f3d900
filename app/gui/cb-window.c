/* cb-window.c: the main window — its instance, template (resources/ui/cb-window.ui)
 * and lifecycle, the status helpers the other cb-window-*.c files share, the
 * canvas and palette callbacks. cb-window-private.h says which file holds what.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-window-private.h"

#include <glib/gi18n.h>

#include <errno.h>

#include "cb-config.h"
#include "cb-resources.h"
#include "app/gui/cb-finetune-dialog.h"
#include "app/gui/cb-paint.h"
#include "app/gui/cb-shortcuts.h"
#include "app/gui/cb-starter-scene.h"
#include "app/gui/cb-toast.h"

#define DEFAULT_WIDTH 1200
#define DEFAULT_HEIGHT 780

G_DEFINE_FINAL_TYPE (CbWindow, cb_window, GTK_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_MODEL_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
cb_gui_ensure_resources (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      GdkDisplay *display = gdk_display_get_default ();

      cb_register_resource ();
      if (display != NULL)
        {
          g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();

          gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (display), CB_WINDOW_RESOURCE_BASE "/icons");
          gtk_css_provider_load_from_resource (css, CB_WINDOW_RESOURCE_BASE "/css/catbrush.css");
          gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (css),
                                                      GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
        }
      g_once_init_leave (&done, 1);
    }
}

static char *
state_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "catbrush", "window.ini", NULL);
}

static void
load_window_state (CbWindow *self)
{
  g_autofree char *path = state_path ();
  g_autoptr (GKeyFile) file = g_key_file_new ();
  int width = DEFAULT_WIDTH, height = DEFAULT_HEIGHT;

  if (g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL))
    {
      int w = g_key_file_get_integer (file, "window", "width", NULL);
      int h = g_key_file_get_integer (file, "window", "height", NULL);

      if (w >= 400 && h >= 300 && w <= 16384 && h <= 16384)
        {
          width = w;
          height = h;
        }
      if (g_key_file_get_boolean (file, "window", "maximized", NULL))
        gtk_window_maximize (GTK_WINDOW (self));
    }
  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
}

static void
save_window_state (CbWindow *self)
{
  g_autofree char *path = state_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_key_file_set_integer (file, "window", "width", width);
  g_key_file_set_integer (file, "window", "height", height);
  g_key_file_set_boolean (file, "window", "maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
  if (g_mkdir_with_parents (dir, 0700) != 0 || !g_key_file_save_to_file (file, path, &error))
    g_debug ("Could not save the window state to %s: %s", path, error ? error->message : g_strerror (errno));
}

void
cb_window_show_message (CbWindow *self, const char *text)
{
  gtk_label_set_text (GTK_LABEL (self->message_label), text);
  gtk_widget_set_tooltip_text (self->message_label, text);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->message_banner), TRUE);
}

void
cb_window_show_error (CbWindow *self, const char *what, const GError *error)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", what, error->message);

  cb_window_show_message (self, text);
}

void
cb_window_update_title (CbWindow *self)
{
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;

  if (self->doc->project_file != NULL)
    name = g_file_get_basename (self->doc->project_file);
  else if (self->doc->label_file != NULL)
    name = g_file_get_basename (self->doc->label_file);
  title = g_strdup_printf (_ ("%s%s — Catbrush"), self->doc->modified ? "• " : "", name ? name : _ ("Untitled"));
  gtk_window_set_title (GTK_WINDOW (self), title);
}

void
cb_window_update_seed_entry (CbWindow *self)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, self->doc->seed);

  gtk_editable_set_text (GTK_EDITABLE (self->seed_entry), text);
  for (guint i = 0; i < self->doc->n_class_seeds; i++)
    cb_palette_set_class_seeded (self->palette, i, self->doc->has_class_seed[i]);
}

gboolean
cb_window_starter_untouched (CbWindow *self)
{
  return self->starter && cb_window_document_untouched (self);
}

static void
update_hint (CbWindow *self)
{
  gtk_widget_set_visible (self->hint, cb_window_starter_untouched (self));
}

/* A new window starts with a street to paint over rather than a blank map,
 * whose image is noise; without sky and road in the classes it stays blank. */
void
cb_window_place_starter_scene (CbWindow *self, guint width, guint height)
{
  CbLabelMap *map = cb_starter_scene_new (self->doc->classes, width, height);

  self->starter = map != NULL;
  cb_document_replace_map (self->doc, map != NULL ? map : cb_label_map_new (width, height));
}

void
cb_window_update_actions (CbWindow *self)
{
  GAction *action;

  action = g_action_map_lookup_action (G_ACTION_MAP (self), "undo");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), cb_undo_stack_can_undo (self->doc->undo));
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "redo");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), cb_undo_stack_can_redo (self->doc->undo));
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "export-image");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), self->image != NULL);
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "load-profile");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), self->source_classes != NULL);
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "import-classes");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), self->source_classes != NULL && self->model_file != NULL);
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "reset-classes");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), self->doc->profile != NULL && self->source_classes != NULL);
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "affinity");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), self->doc->profile != NULL);
  cb_window_update_title (self);
  update_hint (self);
}

static void
zoom_notify_cb (CbCanvas *canvas, GParamSpec *pspec, CbWindow *self)
{
  g_autofree char *text = g_strdup_printf ("%.0f %%", cb_canvas_get_zoom (canvas) * 100);

  gtk_label_set_text (GTK_LABEL (self->zoom_label), text);
}

/* Something a project saves changed: the title, the autosave. */
void
cb_window_mark_changed (CbWindow *self)
{
  self->autosave_dirty = TRUE;
  if (!self->doc->modified)
    {
      self->doc->modified = TRUE;
      cb_window_update_title (self);
    }
}

/* Seeds, classes, the matrix: changes undo does not take back. */
void
cb_window_mark_changed_beyond_map (CbWindow *self)
{
  cb_document_mark_unsaved (self->doc);
  cb_window_mark_changed (self);
}

/* The painting is no longer what its project file holds (a label map opened
 * over it, other classes, another model): Save asks where instead of
 * overwriting the project with it. */
void
cb_window_detach_from_project (CbWindow *self)
{
  g_clear_object (&self->doc->project_file);
  cb_window_update_title (self);
}

gboolean
cb_window_document_untouched (CbWindow *self)
{
  return !self->doc->modified && self->doc->label_file == NULL && self->doc->project_file == NULL
         && !cb_undo_stack_can_undo (self->doc->undo);
}

static void
set_tool (CbWindow *self, CbTool tool)
{
  g_action_group_change_action_state (G_ACTION_GROUP (self), "tool", g_variant_new_string (cb_tool_to_string (tool)));
}

static void
class_picked_cb (CbCanvas *canvas, guint id, CbWindow *self)
{
  if (id == CB_VOID_ID)
    {
      set_tool (self, CB_TOOL_ERASER);
      return;
    }
  cb_canvas_set_class_id (canvas, (guint8)id);
  cb_palette_select_id (self->palette, id);
  if (cb_canvas_get_tool (canvas) == CB_TOOL_EYEDROPPER || cb_canvas_get_tool (canvas) == CB_TOOL_ERASER)
    set_tool (self, CB_TOOL_BRUSH);
}

static void
class_selected_cb (CbPalette *palette, guint id, CbWindow *self)
{
  cb_canvas_set_class_id (self->canvas, (guint8)id);
  if (cb_canvas_get_tool (self->canvas) == CB_TOOL_EYEDROPPER || cb_canvas_get_tool (self->canvas) == CB_TOOL_ERASER)
    set_tool (self, CB_TOOL_BRUSH);
}

static void
seed_activate_cb (GtkEntry *entry, CbWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autofree char *copy = g_strstrip (g_strdup (text));
  guint64 seed;
  g_autoptr (GError) error = NULL;

  if (!g_ascii_string_to_unsigned (copy, 10, 0, G_MAXUINT64, &seed, &error))
    {
      cb_window_show_error (self, _ ("Not a seed"), error);
      cb_window_update_seed_entry (self);
      return;
    }
  if (seed != self->doc->seed)
    cb_window_mark_changed_beyond_map (self);
  cb_document_set_seed (self->doc, seed);
  cb_window_update_seed_entry (self);
  cb_window_generate (self);
}

static void
opacity_changed_cb (GtkRange *range, CbWindow *self)
{
  cb_canvas_set_overlay_opacity (self->canvas, gtk_range_get_value (range));
}

static void
banner_close_cb (GtkButton *button, GtkRevealer *revealer)
{
  gtk_revealer_set_reveal_child (revealer, FALSE);
}

static void
paned_max_position_cb (GtkPaned *paned, GParamSpec *pspec, CbWindow *self)
{
  int max = 0;

  /* split in the middle once, when the window first has a size */
  g_object_get (paned, "max-position", &max, NULL);
  if (max <= 0 || self->paned_split)
    return;
  self->paned_split = TRUE;
  gtk_paned_set_position (paned, max / 2);
}

/* GtkApplication adds the shortcuts window only when it finds the resource
 * at startup, before our resources are registered, and never without an
 * application (tests): the window adds it itself. */
static void
ensure_help_overlay (CbWindow *self)
{
  if (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (self)) != NULL)
    return;
  /* made from the table of key bindings (cb-shortcuts.c) */
  gtk_application_window_set_help_overlay (GTK_APPLICATION_WINDOW (self),
                                           GTK_SHORTCUTS_WINDOW (cb_shortcuts_window_new ()));
}

static gboolean
space_pressed_cb (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state, CbWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (keyval != GDK_KEY_space || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;
  /* text fields keep their spaces */
  if (focus != NULL && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT (focus)))
    return FALSE;
  /* over the canvas (or with its focus) Space is for panning, not for
   * pressing the button that happens to have the focus */
  if (!cb_canvas_has_pointer (self->canvas) && focus != GTK_WIDGET (self->canvas))
    return FALSE;
  cb_canvas_set_space_held (self->canvas, TRUE);
  return TRUE;
}

static void
space_released_cb (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state,
                   CbWindow *self)
{
  if (keyval == GDK_KEY_space)
    cb_canvas_set_space_held (self->canvas, FALSE);
}

/* Space+drag pans wherever the focus is: the key is seen in the capture
 * phase, before a focused button or the canvas. */
static void
add_space_panning (CbWindow *self)
{
  GtkEventController *key = gtk_event_controller_key_new ();

  gtk_event_controller_set_propagation_phase (key, GTK_PHASE_CAPTURE);
  gtk_event_controller_set_name (key, "cb-space-panning");
  g_signal_connect (key, "key-pressed", G_CALLBACK (space_pressed_cb), self);
  g_signal_connect (key, "key-released", G_CALLBACK (space_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
}

static void
close_confirmed (CbWindow *self)
{
  self->close_confirmed = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
cb_window_close_request (GtkWindow *window)
{
  CbWindow *self = CB_WINDOW (window);

  save_window_state (self);
  /* a save being written may still fail: the window stays until it is known */
  if (self->n_saving > 0)
    {
      self->close_when_saved = TRUE;
      return TRUE;
    }
  if (self->doc->modified && !self->close_confirmed)
    {
      /* safe on disk while the question is open (the session may end meanwhile) */
      if (self->autosave_dirty && !self->restore_pending)
        cb_window_autosave (self, NULL);
      cb_window_confirm_discard (self, close_confirmed);
      return TRUE;
    }
  /* a normal close: saved, unchanged, or discarded on purpose */
  if (self->autosave != NULL && !self->restore_pending)
    cb_autosave_remove (self->autosave);
  return GTK_WINDOW_CLASS (cb_window_parent_class)->close_request (window);
}

static void
cb_window_constructed (GObject *object)
{
  CbWindow *self = CB_WINDOW (object);

  G_OBJECT_CLASS (cb_window_parent_class)->constructed (object);

  self->doc
    = cb_document_new (cb_document_default_classes (), CB_WINDOW_FALLBACK_MAP_WIDTH, CB_WINDOW_FALLBACK_MAP_HEIGHT);
  cb_canvas_set_document (self->canvas, self->doc);
  cb_palette_set_classes (self->palette, self->doc->classes);
  cb_canvas_set_class_id (self->canvas, (guint8)cb_class_set_get (self->doc->classes, 0)->id);
  cb_window_update_seed_entry (self);
  cb_window_update_actions (self);
  zoom_notify_cb (self->canvas, NULL, self);

  ensure_help_overlay (self);
  add_space_panning (self);

  self->worker = cb_gen_worker_new (self->model_path, cb_window_worker_ready_cb, cb_window_worker_result_cb, self);
  cb_gen_worker_set_profile_func (self->worker, cb_window_worker_profile_cb);
  cb_gen_worker_set_variation_func (self->worker, cb_window_worker_variation_cb);

  cb_window_autosave_start (self);
}

/* The window's dialogs (Affinity, Import, Fine-tune, OASIS import) are held
 * through weak pointers: a dialog finalised without the window hearing of it
 * leaves NULL, never a dangling pointer; its "destroy" lets go of it at once
 * (a destroyed Fine-tune dialog may live on while its run stops). */
void
cb_window_hold_dialog (GtkWidget **dialog, GtkWidget *widget)
{
  g_set_weak_pointer (dialog, widget);
}

/* from a dialog's "destroy": forgets it if it is the one held */
void
cb_window_release_dialog (GtkWidget **dialog, GtkWidget *widget)
{
  if (*dialog == widget)
    g_clear_weak_pointer (dialog);
}

static void
destroy_dialog (GtkWidget **dialog)
{
  GtkWidget *widget = *dialog;

  if (widget == NULL)
    return;
  g_clear_weak_pointer (dialog);
  gtk_window_destroy (GTK_WINDOW (widget));
}

static void
cb_window_dispose (GObject *object)
{
  CbWindow *self = CB_WINDOW (object);

  self->disposed = TRUE;
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  g_clear_handle_id (&self->variations_id, g_source_remove);
  g_clear_handle_id (&self->autosave_id, g_source_remove);
  g_clear_pointer (&self->worker, cb_gen_worker_free);
  g_clear_pointer (&self->pending_worker, cb_gen_worker_free);
  g_clear_object (&self->pending_project);
  /* the autosave file stays: a window destroyed without closing looks like a crash */
  g_clear_pointer (&self->autosave, cb_autosave_release);
  destroy_dialog (&self->oasis_dialog);
  destroy_dialog (&self->affinity_dialog);
  destroy_dialog (&self->import_dialog);
  if (self->finetune_dialog != NULL)
    {
      GtkWidget *dialog = self->finetune_dialog;

      g_clear_weak_pointer (&self->finetune_dialog);
      /* a run stops (SIGTERM, then the kill timeout): the dialog's own dispose may come later */
      cb_finetune_dialog_cancel (CB_FINETUNE_DIALOG (dialog));
      /* it may outlive this window until the tool has ended */
      g_signal_handlers_disconnect_by_data (dialog, self);
      gtk_window_set_transient_for (GTK_WINDOW (dialog), NULL);
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
  if (self->canvas != NULL)
    cb_canvas_set_document (self->canvas, NULL);
  G_OBJECT_CLASS (cb_window_parent_class)->dispose (object);
}

static void
cb_window_finalize (GObject *object)
{
  CbWindow *self = CB_WINDOW (object);

  g_clear_pointer (&self->doc, cb_document_free);
  g_clear_pointer (&self->image, cb_image_free);
  g_clear_object (&self->texture);
  g_free (self->model_path);
  g_free (self->model_card);
  g_free (self->model_file);
  g_free (self->model_sha256);
  g_free (self->pending_model);
  g_clear_pointer (&self->source_classes, cb_class_set_free);
  G_OBJECT_CLASS (cb_window_parent_class)->finalize (object);
}

static void
cb_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CbWindow *self = CB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_MODEL_PATH:
      g_free (self->model_path);
      self->model_path = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CbWindow *self = CB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_MODEL_PATH:
      g_value_set_string (value, self->model_path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_window_class_init (CbWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = cb_window_constructed;
  object_class->dispose = cb_window_dispose;
  object_class->finalize = cb_window_finalize;
  object_class->set_property = cb_window_set_property;
  object_class->get_property = cb_window_get_property;
  window_class->close_request = cb_window_close_request;

  properties[PROP_MODEL_PATH] = g_param_spec_string (
    "model-path", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* the template names these types before any of them is made */
  cb_gui_ensure_resources ();
  g_type_ensure (CB_TYPE_CANVAS);
  g_type_ensure (CB_TYPE_PALETTE);
  g_type_ensure (CB_TYPE_TOAST);
  g_type_ensure (CB_TYPE_VARIATIONS);
  gtk_widget_class_set_template_from_resource (widget_class, CB_WINDOW_RESOURCE_BASE "/ui/cb-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CbWindow, canvas);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, palette);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, image_stack);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, picture);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, image_placeholder);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, model_banner);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, model_banner_label);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, message_banner);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, message_label);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, device_label);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, time_label);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, zoom_label);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, seed_entry);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, size_spin);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, opacity_box);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, toast);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, hint);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, variations);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, image_pane);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, labels_picture);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, labels_opacity_box);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, model_button);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, menu_button);
  gtk_widget_class_bind_template_callback (widget_class, banner_close_cb);
  gtk_widget_class_bind_template_callback (widget_class, paned_max_position_cb);
  gtk_widget_class_bind_template_callback (widget_class, zoom_notify_cb);
  gtk_widget_class_bind_template_callback (widget_class, class_picked_cb);
  gtk_widget_class_bind_template_callback (widget_class, class_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, seed_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, opacity_changed_cb);
  gtk_widget_class_bind_template_callback_full (widget_class, "map_changed_cb", G_CALLBACK (cb_window_map_changed_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "stroke_finished_cb",
                                                G_CALLBACK (cb_window_stroke_finished_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "variation_chosen_cb",
                                                G_CALLBACK (cb_window_variation_chosen_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "labels_opacity_changed_cb",
                                                G_CALLBACK (cb_window_labels_opacity_changed_cb));
}

static void
cb_window_init (CbWindow *self)
{
  g_autoptr (GtkBuilder) menus = gtk_builder_new_from_resource (CB_WINDOW_RESOURCE_BASE "/ui/cb-menus.ui");
  g_autofree char *smaller = NULL, *bigger = NULL, *size_tooltip = NULL;

  gtk_window_set_icon_name (GTK_WINDOW (self), CB_APP_ID);
  cb_window_add_actions (self);
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->menu_button),
                                  G_MENU_MODEL (gtk_builder_get_object (menus, "primary_menu")));
  /* the keys in the tooltips come from the one table (cb-shortcuts.c) */
  cb_shortcuts_add_to_tooltips (GTK_WIDGET (self));
  smaller = cb_shortcuts_get_label ("win.brush-smaller", NULL);
  bigger = cb_shortcuts_get_label ("win.brush-bigger", NULL);
  size_tooltip = g_strdup_printf (_ ("Brush size in label-map pixels (%s and %s)"), smaller, bigger);
  gtk_widget_set_tooltip_text (self->size_spin, size_tooltip);
  load_window_state (self);
}

/* ------------------------------------------------------------------ API */

CbWindow *
cb_window_new (GtkApplication *app, const char *model_path)
{
  return g_object_new (CB_TYPE_WINDOW, "application", app, "model-path", model_path, NULL);
}

CbCanvas *
cb_window_get_canvas (CbWindow *self)
{
  return self->canvas;
}

CbPalette *
cb_window_get_palette (CbWindow *self)
{
  return self->palette;
}

CbDocument *
cb_window_get_document (CbWindow *self)
{
  return self->doc;
}

gboolean
cb_window_is_model_ready (CbWindow *self)
{
  return self->model_ready;
}

gboolean
cb_window_can_generate (CbWindow *self)
{
  return self->worker != NULL && cb_gen_worker_can_generate (self->worker);
}

gboolean
cb_window_is_generating (CbWindow *self)
{
  return self->requested_serial > self->shown_serial;
}

guint
cb_window_get_n_images (CbWindow *self)
{
  return self->n_images;
}

const CbImage *
cb_window_get_image (CbWindow *self)
{
  return self->image;
}

GdkPaintable *
cb_window_get_image_paintable (CbWindow *self)
{
  return gtk_picture_get_paintable (GTK_PICTURE (self->picture));
}

const char *
cb_window_get_banner_text (CbWindow *self)
{
  if (!gtk_revealer_get_reveal_child (GTK_REVEALER (self->model_banner)))
    return NULL;
  return gtk_label_get_text (GTK_LABEL (self->model_banner_label));
}

const char *
cb_window_get_message_text (CbWindow *self)
{
  if (!gtk_revealer_get_reveal_child (GTK_REVEALER (self->message_banner)))
    return NULL;
  return gtk_label_get_text (GTK_LABEL (self->message_label));
}

const char *
cb_window_get_toast_text (CbWindow *self)
{
  return cb_toast_get_text (CB_TOAST (self->toast));
}

const char *
cb_window_get_hint_text (CbWindow *self)
{
  return gtk_widget_get_visible (self->hint) ? gtk_label_get_text (GTK_LABEL (self->hint)) : NULL;
}

GtkWidget *
cb_window_get_variations (CbWindow *self)
{
  return self->variations;
}

GtkWidget *
cb_window_get_labels_picture (CbWindow *self)
{
  return self->labels_picture;
}
