/* cb-window.c: the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-window.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cb-config.h"
#include "cb-resources.h"
#include "app/gui/cb-affinity-dialog.h"
#include "app/gui/cb-alert.h"
#include "app/gui/cb-autosave.h"
#include "app/gui/cb-file-chooser.h"
#include "app/gui/cb-file-io.h"
#include "app/gui/cb-finetune-dialog.h"
#include "app/gui/cb-gen-worker.h"
#include "app/gui/cb-import-dialog.h"
#include "app/gui/cb-model-list.h"
#include "app/gui/cb-oasis-dialog.h"
#include "app/gui/cb-label-colors.h"
#include "app/gui/cb-paint.h"
#include "app/gui/cb-starter-scene.h"
#include "app/gui/cb-toast.h"
#include "app/gui/cb-variations.h"
#include "model/cb-class-set-match.h"
#include "model/cb-error.h"

#define RESOURCE_BASE "/org/catbrush/Catbrush"
#define DEBOUNCE_MS 300
#define DEFAULT_WIDTH 1200
#define DEFAULT_HEIGHT 780
/* the map size before a model says what its native size is */
#define FALLBACK_MAP_WIDTH 512
#define FALLBACK_MAP_HEIGHT 384

struct _CbWindow
{
  GtkApplicationWindow parent_instance;

  guint n_saving;            /* saves asked for and not finished (save_async) */
  GQueue save_queue;         /* of GTask: saves waiting for the one being written */
  gboolean disposed;         /* set in dispose: an open, save or export finishing later touches no widget */
  gboolean close_when_saved; /* closed while one was: close once they are done */

  char *model_path;
  CbDocument *doc;
  CbGenWorker *worker;

  /* widgets */
  CbCanvas *canvas;
  CbPalette *palette;
  GtkWidget *paned;
  gboolean paned_split;
  gboolean close_confirmed;
  GtkWidget *image_stack;
  GtkWidget *picture;
  GtkWidget *image_placeholder;
  GtkWidget *spinner;
  GtkWidget *model_banner, *model_banner_label;
  GtkWidget *message_banner, *message_label;
  GtkWidget *device_label, *time_label, *zoom_label, *seed_entry;
  GtkWidget *size_spin, *opacity_box;
  GtkWidget *toast;
  GtkWidget *hint;  /* over the canvas while the starter scene is untouched */
  gboolean starter; /* the map is the starter scene (cb-starter-scene.h) */

  /* variations (cb-variations.h): asked for a while after each generation */
  GtkWidget *variations;
  guint variations_id;

  /* the label map over the image, to see which class made which pixels */
  GtkWidget *image_pane; /* the image stack with the labels over it */
  GtkWidget *labels_picture, *labels_opacity_box;
  gboolean adopting_seed; /* a thumbnail's seed: its image is known, keep the strip */

  /* generation */
  CbImage *image;
  GdkTexture *texture;
  guint n_images;
  guint64 requested_serial, shown_serial;
  guint debounce_id;
  gboolean map_dirty; /* changed since the last request */

  /* what the worker reported */
  gboolean model_ready;
  guint native_width, native_height;
  char *model_card;
  char *model_file;
  char *model_sha256;
  CbClassSet *source_classes; /* the model's own classes */

  /* never lose work (cb-autosave.h) */
  CbAutosave *autosave;
  guint autosave_id;
  gboolean autosave_dirty;  /* changed since the last autosave */
  gboolean restore_pending; /* the restore question is open: do not overwrite the autosave */
  gboolean close_after_save;

  /* target classes */
  guint64 profile_serial;
  GtkWidget *affinity_dialog;
  GtkWidget *import_dialog;
  GtkWidget *finetune_dialog; /* hidden, not destroyed, when closed: a run goes on */

  /* models (cb-model-list.h) */
  GtkWidget *model_button;
  GtkWidget *oasis_dialog;
  CbGenWorker *pending_worker; /* loading the model to switch to; the current one goes on meanwhile */
  char *pending_model;
  CbRemap pending_remap;
  GFile *pending_project; /* opened once the model it was made with is ready */
};

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

          gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (display), RESOURCE_BASE "/icons");
          gtk_css_provider_load_from_resource (css, RESOURCE_BASE "/css/catbrush.css");
          gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (css),
                                                      GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
        }
      g_once_init_leave (&done, 1);
    }
}

static void offer_restore (CbWindow *self);
static void offer_other_colours (CbWindow *self, GFile *file, GBytes *png, const GError *error);

/* ------------------------------------------------------------------ window state */

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

/* ------------------------------------------------------------------ status */

static void
show_message (CbWindow *self, const char *text)
{
  gtk_label_set_text (GTK_LABEL (self->message_label), text);
  gtk_widget_set_tooltip_text (self->message_label, text);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->message_banner), TRUE);
}

static void
show_error (CbWindow *self, const char *what, const GError *error)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", what, error->message);

  show_message (self, text);
}

static void
update_title (CbWindow *self)
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

static void
update_seed_entry (CbWindow *self)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, self->doc->seed);

  gtk_editable_set_text (GTK_EDITABLE (self->seed_entry), text);
  for (guint i = 0; i < self->doc->n_class_seeds; i++)
    cb_palette_set_class_seeded (self->palette, i, self->doc->has_class_seed[i]);
}

static gboolean document_untouched (CbWindow *self);

static gboolean
starter_untouched (CbWindow *self)
{
  return self->starter && document_untouched (self);
}

static void
update_hint (CbWindow *self)
{
  gtk_widget_set_visible (self->hint, starter_untouched (self));
}

/* A new window starts with a street to paint over rather than a blank map,
 * whose image is noise; without sky and road in the classes it stays blank. */
static void
place_starter_scene (CbWindow *self, guint width, guint height)
{
  CbLabelMap *map = cb_starter_scene_new (self->doc->classes, width, height);

  self->starter = map != NULL;
  cb_document_replace_map (self->doc, map != NULL ? map : cb_label_map_new (width, height));
}

static void
update_actions (CbWindow *self)
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
  update_title (self);
  update_hint (self);
}

static void
zoom_notify_cb (CbCanvas *canvas, GParamSpec *pspec, CbWindow *self)
{
  g_autofree char *text = g_strdup_printf ("%.0f %%", cb_canvas_get_zoom (canvas) * 100);

  gtk_label_set_text (GTK_LABEL (self->zoom_label), text);
}

/* Something a project saves changed: the title, the autosave. */
static void
mark_changed (CbWindow *self)
{
  self->autosave_dirty = TRUE;
  if (!self->doc->modified)
    {
      self->doc->modified = TRUE;
      update_title (self);
    }
}

/* Seeds, classes, the matrix: changes undo does not take back. */
static void
mark_changed_beyond_map (CbWindow *self)
{
  cb_document_mark_unsaved (self->doc);
  mark_changed (self);
}

/* The painting is no longer what its project file holds (a label map opened
 * over it, other classes, another model): Save asks where instead of
 * overwriting the project with it. */
static void
detach_from_project (CbWindow *self)
{
  g_clear_object (&self->doc->project_file);
  update_title (self);
}

/* ------------------------------------------------------------------ generation */

static void schedule_variations (CbWindow *self);
static void update_labels_picture (CbWindow *self);
static void worker_variation_cb (CbGenWorkerResult *result, gpointer user_data);
static void variation_chosen_cb (CbVariations *variations, guint64 seed, CbWindow *self);
static void variations_changed (GSimpleAction *action, GVariant *value, gpointer user_data);
static void labels_over_image_changed (GSimpleAction *action, GVariant *value, gpointer user_data);
static void labels_opacity_changed_cb (GtkRange *range, CbWindow *self);

void
cb_window_generate (CbWindow *self)
{
  CbSeeds seeds;

  g_clear_handle_id (&self->debounce_id, g_source_remove);
  self->map_dirty = FALSE;
  if (self->worker == NULL || !cb_gen_worker_can_generate (self->worker))
    return;
  cb_document_get_seeds (self->doc, &seeds);
  self->requested_serial = cb_gen_worker_request (self->worker, self->doc->map, &seeds);
  gtk_spinner_start (GTK_SPINNER (self->spinner));
  gtk_widget_set_visible (self->spinner, TRUE);
  if (!self->adopting_seed)
    schedule_variations (self);
}

static gboolean
debounce_cb (gpointer data)
{
  CbWindow *self = data;

  self->debounce_id = 0;
  if (self->map_dirty)
    cb_window_generate (self);
  return G_SOURCE_REMOVE;
}

static GdkTexture *
texture_from_image (const CbImage *image)
{
  g_autoptr (GBytes) bytes = g_bytes_new (image->rgb, (gsize)image->width * image->height * 3);

  return gdk_memory_texture_new ((int)image->width, (int)image->height, GDK_MEMORY_R8G8B8, bytes,
                                 (gsize)image->width * 3);
}

static void
worker_result_cb (CbGenWorkerResult *result, gpointer user_data)
{
  CbWindow *self = user_data;

  if (result->serial >= self->requested_serial)
    {
      gtk_spinner_stop (GTK_SPINNER (self->spinner));
      gtk_widget_set_visible (self->spinner, FALSE);
    }
  if (result->serial <= self->shown_serial)
    return;
  self->shown_serial = result->serial;

  if (result->image == NULL)
    {
      show_error (self, _ ("The image could not be generated"), result->error);
      return;
    }

  /* an error beside an image is a notice: the device failed and the
   * generator moved on (e.g. to the CPU backend) */
  if (result->error != NULL)
    show_message (self, result->error->message);

  g_clear_pointer (&self->image, cb_image_free);
  g_clear_object (&self->texture);
  self->image = g_steal_pointer (&result->image);
  self->texture = texture_from_image (self->image);
  self->n_images++;
  gtk_picture_set_paintable (GTK_PICTURE (self->picture), GDK_PAINTABLE (self->texture));
  update_labels_picture (self);
  gtk_stack_set_visible_child (GTK_STACK (self->image_stack), self->picture);
  cb_canvas_set_image (self->canvas, self->texture);
  {
    g_autofree char *text = g_strdup_printf ("%.0f ms · seed %" G_GUINT64_FORMAT, result->ms, result->seed);

    gtk_label_set_text (GTK_LABEL (self->time_label), text);
  }
  update_actions (self);
}

static gboolean
document_untouched (CbWindow *self)
{
  return !self->doc->modified && self->doc->label_file == NULL && self->doc->project_file == NULL
         && !cb_undo_stack_can_undo (self->doc->undo);
}

static void refresh_models (CbWindow *self);
static char *model_display_name (const char *path);

/* What the worker said about its model: path, hash, classes, card, device. */
static void
take_model_info (CbWindow *self, const CbGenWorkerInfo *info)
{
  self->model_ready = TRUE;
  g_free (self->model_file);
  self->model_file = g_strdup (info->model_path);
  g_free (self->model_sha256);
  self->model_sha256 = g_strdup (info->model_sha256);
  g_clear_pointer (&self->source_classes, cb_class_set_free);
  if (info->classes != NULL)
    self->source_classes = cb_class_set_copy (info->classes);
  g_free (self->model_card);
  self->model_card = g_strdup (info->model_card);

  if (info->device_description != NULL)
    {
      g_autofree char *text = NULL;

      if (info->cpu_device && strstr (info->device_description, "CPU") == NULL)
        text = g_strdup_printf (_ ("%s (CPU device)"), info->device_description);
      else
        text = g_strdup (info->device_description);
      gtk_label_set_text (GTK_LABEL (self->device_label), text);
      gtk_widget_set_tooltip_text (self->device_label,
                                   info->cpu_device ? _ ("Images are computed on the CPU: expect seconds per image")
                                                    : _ ("Images are computed on the GPU"));
    }
  else
    gtk_label_set_text (GTK_LABEL (self->device_label), _ ("No generator"));
  refresh_models (self);
}

static void
worker_ready_cb (const CbGenWorkerInfo *info, gpointer user_data)
{
  CbWindow *self = user_data;

  take_model_info (self, info);
  if (info->error != NULL)
    {
      g_autofree char *text
        = g_strdup_printf (_ ("%s. You can still paint, open and save label maps."), info->error->message);

      gtk_label_set_text (GTK_LABEL (self->model_banner_label), text);
      gtk_revealer_set_reveal_child (GTK_REVEALER (self->model_banner), TRUE);
    }

  if (info->classes != NULL)
    {
      gboolean untouched = document_untouched (self);

      self->native_width = info->native_width;
      self->native_height = info->native_height;
      /* a project opened before the model was ready keeps its target classes (the worker applies them) */
      if (self->doc->profile == NULL)
        cb_document_set_classes (self->doc, cb_class_set_copy (info->classes));
      if (untouched && self->native_width > 0 && self->native_height > 0)
        place_starter_scene (self, self->native_width * 2, self->native_height * 2);
      cb_palette_set_classes (self->palette, self->doc->classes);
      if (cb_class_set_get_n_classes (self->doc->classes) > 0)
        cb_canvas_set_class_id (self->canvas, (guint8)cb_class_set_get (self->doc->classes, 0)->id);
      cb_canvas_document_changed (self->canvas);
      if (untouched)
        cb_canvas_zoom_fit (self->canvas);
      update_seed_entry (self);
      update_actions (self);
    }

  if (info->error == NULL)
    cb_window_generate (self);

  offer_restore (self);
}

static void
worker_profile_cb (CbGenWorkerProfileResult *result, gpointer user_data)
{
  CbWindow *self = user_data;

  if (result->error != NULL)
    show_error (self, _ ("The classes could not be set"), result->error);
  /* generations queued before the profile were dropped */
  if (result->serial == self->profile_serial)
    cb_window_generate (self);
}

/* ------------------------------------------------------------------ canvas and palette */

static void
map_changed_cb (CbCanvas *canvas, CbWindow *self)
{
  self->map_dirty = TRUE;
  mark_changed (self);
  /* during a long stroke, generate now and then */
  if (cb_canvas_in_stroke (canvas) && self->debounce_id == 0)
    self->debounce_id = g_timeout_add (DEBOUNCE_MS, debounce_cb, self);
}

static void
stroke_finished_cb (CbCanvas *canvas, CbWindow *self)
{
  cb_window_generate (self);
  update_actions (self);
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
      show_error (self, _ ("Not a seed"), error);
      update_seed_entry (self);
      return;
    }
  if (seed != self->doc->seed)
    mark_changed_beyond_map (self);
  cb_document_set_seed (self->doc, seed);
  update_seed_entry (self);
  cb_window_generate (self);
}

static void
opacity_changed_cb (GtkRange *range, CbWindow *self)
{
  cb_canvas_set_overlay_opacity (self->canvas, gtk_range_get_value (range));
}

/* ------------------------------------------------------------------ files */

/* A label map painted with another class set's colours: import those
 * classes, or take each colour as the nearest class; the details (which
 * colours) behind an expander rather than a wall of hex codes. */
static void
other_colours_response_cb (GObject *alert, int response, gpointer user_data)
{
  CbWindow *self = user_data;
  GFile *keep = g_object_get_data (alert, "cb-colours");
  GBytes *png = g_object_get_data (alert, "cb-colours-png");
  const char *class_set_path = g_object_get_data (alert, "cb-colours-class-set");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *name = g_file_get_parse_name (keep);
      g_autoptr (CbImage) image = cb_image_load_png_from_bytes (png, name, &error);
      g_autofree char *text = NULL;
      guint n_colors = 0;

      if (image == NULL)
        {
          show_error (self, _ ("Could not read the label map's colours"), error);
          return;
        }
      cb_document_replace_map (self->doc, cb_label_map_from_nearest_colors (image, self->doc->classes, &n_colors));
      /* not what the file holds: a new, unsaved painting */
      g_clear_object (&self->doc->label_file);
      detach_from_project (self);
      cb_document_mark_unsaved (self->doc);
      self->autosave_dirty = TRUE;
      self->starter = FALSE;
      text = g_strdup_printf (_ ("%u colours were taken as the nearest of the current classes."), n_colors);
      show_message (self, text);
      cb_canvas_document_changed (self->canvas);
      cb_canvas_zoom_fit (self->canvas);
      update_actions (self);
      cb_window_generate (self);
    }
  else if (response == GTK_RESPONSE_YES)
    {
      GtkWidget *import = cb_window_show_import (self);

      /* the import dialog starts from the class set the map was painted with */
      if (import != NULL && class_set_path != NULL)
        {
          g_autoptr (GError) error = NULL;

          if (!cb_import_dialog_load_class_set (CB_IMPORT_DIALOG (import), class_set_path, &error))
            show_error (self, _ ("The map's class set could not be loaded"), error);
        }
    }
}

static void
offer_other_colours (CbWindow *self, GFile *file, GBytes *png, const GError *error)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autoptr (CbImage) image = cb_image_load_png_from_bytes (png, name, NULL);
  g_auto (GStrv) dirs = cb_class_set_match_dirs ();
  g_autofree char *match_path = NULL;
  g_autoptr (CbClassSet) match
    = image != NULL ? cb_class_set_match_image (image, (const char *const *)dirs, &match_path) : NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  CbAlert *alert;

  /* name the data set when a known class set has every colour of the map */
  if (match != NULL)
    {
      /* a class set without a name goes by its file's */
      g_autofree char *set_file = g_path_get_basename (match_path);
      const char *set_name = *match->name != '\0' ? match->name : set_file;

      heading = g_strdup_printf (_ ("“%s” uses %s’s colours"), name, set_name);
      body = g_strdup_printf (_ ("It was painted with the %u classes of %s, which this model does not have. Import "
                                 "those classes to paint with them (the model learns how they relate to its own), "
                                 "or take each colour as the nearest of the current classes."),
                              match->classes->len, set_name);
    }
  else
    {
      heading = g_strdup_printf (_ ("“%s” uses other colours"), name);
      body = g_strdup (_ ("It was painted with classes this model does not have, probably another data set's. Import "
                          "those classes (Import Target Classes…, with that data set's classes.json), or take each "
                          "colour as the nearest of the current classes."));
    }
  alert = cb_alert_new (heading, body);
  cb_alert_set_details (alert, error->message);
  cb_alert_add_button (alert, _ ("_Cancel"), GTK_RESPONSE_CANCEL, CB_ALERT_BUTTON_PLAIN);
  /* importing needs the model's source classes */
  if (self->source_classes != NULL && self->model_file != NULL)
    cb_alert_add_button (alert, _ ("_Import Those Classes…"), GTK_RESPONSE_YES, CB_ALERT_BUTTON_PLAIN);
  cb_alert_add_button (alert, _ ("_Map Colours to Nearest Classes"), GTK_RESPONSE_ACCEPT, CB_ALERT_BUTTON_SUGGESTED);
  cb_alert_set_default_response (alert, GTK_RESPONSE_ACCEPT);
  cb_alert_set_data_full (alert, "cb-colours", g_object_ref (file), g_object_unref);
  cb_alert_set_data_full (alert, "cb-colours-png", g_bytes_ref (png), (GDestroyNotify)g_bytes_unref);
  cb_alert_set_data_full (alert, "cb-colours-class-set", g_steal_pointer (&match_path), g_free);
  cb_alert_present (alert, GTK_WINDOW (self), other_colours_response_cb, self);
}

/* An export leaves no trace in the window otherwise: say where it went. */
static void
show_exported (CbWindow *self, GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *text = g_strdup_printf (_ ("Exported “%s”"), name);
  g_autoptr (GFile) folder = g_file_get_parent (file);

  cb_toast_show (CB_TOAST (self->toast), text, folder);
}

void
cb_window_new_document (CbWindow *self, guint width, guint height)
{
  width = CLAMP (width, 1, CB_LABEL_MAP_MAX_SIDE);
  height = CLAMP (height, 1, CB_LABEL_MAP_MAX_SIDE);
  cb_document_replace_map (self->doc, cb_label_map_new (width, height));
  self->starter = FALSE;
  g_clear_object (&self->doc->label_file);
  g_clear_object (&self->doc->project_file);
  cb_canvas_document_changed (self->canvas);
  cb_canvas_zoom_fit (self->canvas);
  update_actions (self);
  cb_window_generate (self);
}

/* Opened files are read whole, local or not (cb-file-io.c), up to this size. */
#define OPEN_MAX_BYTES (G_GUINT64_CONSTANT (1) << 30)

static void
show_open_error (CbWindow *self, GFile *file, const GError *error)
{
  g_autofree char *name = g_file_get_parse_name (file);
  g_autofree char *what = g_strdup_printf (_ ("Could not open “%s”"), name);

  show_error (self, what, error);
}

static gboolean
open_labels_bytes (CbWindow *self, GFile *file, GBytes *png, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *name = g_file_get_parse_name (file);
  CbLabelMap *map = cb_label_map_load_from_bytes (png, name, self->doc->classes, &local_error);

  if (map == NULL)
    {
      show_open_error (self, file, local_error);
      /* colours of another class set: offer the ways out */
      if (g_error_matches (local_error, CB_ERROR, CB_ERROR_MISMATCH))
        offer_other_colours (self, file, png, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  cb_document_replace_map (self->doc, map);
  g_set_object (&self->doc->label_file, file);
  detach_from_project (self);
  cb_canvas_document_changed (self->canvas);
  cb_canvas_zoom_fit (self->canvas);
  update_actions (self);
  cb_window_generate (self);
  return TRUE;
}

gboolean
cb_window_open_labels (CbWindow *self, GFile *file, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) png = cb_file_read (file, OPEN_MAX_BYTES, NULL, &local_error);

  if (png == NULL)
    {
      show_open_error (self, file, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return open_labels_bytes (self, file, png, error);
}

gboolean
cb_window_save_labels (CbWindow *self, GFile *file, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!cb_document_save_labels (self->doc, file, &local_error))
    {
      show_error (self, _ ("Could not save the label map"), local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  update_actions (self);
  return TRUE;
}

/* Exports are encoded and written in a thread (cb-file-io.c), to any GFile;
 * the window says how it went when done. The task holds the window. */
typedef struct
{
  GFile *file;
  const char *what; /* the error's heading, translated */
} Export;

static void
export_free (gpointer p)
{
  Export *e = p;

  g_object_unref (e->file);
  g_free (e);
}

static void
export_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CbWindow *self = g_task_get_source_object (task);
  Export *e = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (!cb_file_write_finish (result, &error))
    {
      if (!self->disposed)
        show_error (self, e->what, error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!self->disposed)
    show_exported (self, e->file);
  g_task_return_boolean (task, TRUE);
}

static void
export_async (CbWindow *self, GFile *file, const char *what, CbFileEncodeFunc encode, gpointer data,
              GDestroyNotify data_free, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  Export *e = g_new0 (Export, 1);

  e->file = g_object_ref (file);
  e->what = what;
  g_task_set_task_data (task, e, export_free);
  cb_file_write_async (file, encode, data, data_free, NULL, export_written_cb, task);
}

static void
export_fail (CbWindow *self, const char *what, GError *error, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);

  show_error (self, what, error);
  g_task_return_error (task, error);
}

typedef struct
{
  CbLabelMap *map;
  CbClassSet *classes;
} LabelsExport;

static void
labels_export_free (gpointer p)
{
  LabelsExport *e = p;

  cb_label_map_free (e->map);
  cb_class_set_free (e->classes);
  g_free (e);
}

static GBytes *
encode_labels_rgb (gpointer data, GCancellable *cancellable, GError **error)
{
  LabelsExport *e = data;

  return cb_label_map_to_rgb_png_bytes (e->map, e->classes, error);
}

void
cb_window_export_labels_async (CbWindow *self, GFile *file, GAsyncReadyCallback callback, gpointer user_data)
{
  /* a copy: painting goes on while the thread encodes */
  LabelsExport *e = g_new0 (LabelsExport, 1);

  e->map = cb_label_map_copy (self->doc->map);
  e->classes = cb_class_set_copy (self->doc->classes);
  export_async (self, file, _ ("Could not export the label map"), encode_labels_rgb, e, labels_export_free, callback,
                user_data);
}

gboolean
cb_window_export_labels_finish (CbWindow *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  CbImage *image;
  guint factor;
} ImageExport;

static void
image_export_free (gpointer p)
{
  ImageExport *e = p;

  cb_image_free (e->image);
  g_free (e);
}

static GBytes *
encode_image (gpointer data, GCancellable *cancellable, GError **error)
{
  ImageExport *e = data;
  g_autoptr (CbImage) big = e->factor > 1 ? cb_image_upscale (e->image, e->factor) : NULL;

  return cb_image_to_png_bytes (big ? big : e->image, error);
}

void
cb_window_export_image_async (CbWindow *self, GFile *file, guint factor, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  ImageExport *e;

  if (self->image == NULL)
    {
      export_fail (self, _ ("Could not export the image"),
                   g_error_new_literal (CB_ERROR, CB_ERROR_INVALID, _ ("No image has been generated yet")), callback,
                   user_data);
      return;
    }
  /* a copy: a new generation may replace the image meanwhile */
  e = g_new0 (ImageExport, 1);
  e->image = cb_image_new (self->image->width, self->image->height);
  memcpy (e->image->rgb, self->image->rgb, (gsize)self->image->width * self->image->height * 3);
  e->factor = MAX (factor, 1);
  export_async (self, file, _ ("Could not export the image"), encode_image, e, image_export_free, callback, user_data);
}

gboolean
cb_window_export_image_finish (CbWindow *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ projects */

static void
show_image (CbWindow *self, CbImage *image)
{
  g_clear_pointer (&self->image, cb_image_free);
  g_clear_object (&self->texture);
  self->image = image;
  if (image != NULL)
    {
      self->texture = texture_from_image (self->image);
      gtk_picture_set_paintable (GTK_PICTURE (self->picture), GDK_PAINTABLE (self->texture));
      gtk_stack_set_visible_child (GTK_STACK (self->image_stack), self->picture);
    }
  else
    {
      gtk_picture_set_paintable (GTK_PICTURE (self->picture), NULL);
      gtk_stack_set_visible_child (GTK_STACK (self->image_stack), self->image_placeholder);
    }
  cb_canvas_set_image (self->canvas, self->texture);
  update_labels_picture (self);
}

/* The generator's first layer follows the document's profile; a generation
 * follows (worker_profile_cb), so the window counts as generating already. */
static void
send_profile (CbWindow *self)
{
  if (self->worker == NULL)
    return;
  self->profile_serial = cb_gen_worker_set_profile (self->worker, self->doc->profile);
  if (cb_gen_worker_can_generate (self->worker))
    {
      self->requested_serial = self->profile_serial;
      gtk_spinner_start (GTK_SPINNER (self->spinner));
      gtk_widget_set_visible (self->spinner, TRUE);
    }
}

/* The document's classes changed (a project, a profile): palette, canvas, seeds, generator. */
static void
classes_changed (CbWindow *self)
{
  cb_palette_set_classes (self->palette, self->doc->classes);
  if (cb_class_set_get_n_classes (self->doc->classes) > 0)
    cb_canvas_set_class_id (self->canvas, (guint8)cb_class_set_get (self->doc->classes, 0)->id);
  cb_canvas_document_changed (self->canvas);
  update_seed_entry (self);
  update_actions (self);
  send_profile (self);
  if (self->affinity_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->affinity_dialog));
}

static gboolean
model_differs (CbWindow *self, const char *sha256)
{
  return sha256 != NULL && self->model_sha256 != NULL && g_ascii_strcasecmp (sha256, self->model_sha256) != 0;
}

static char *
short_sha (const char *sha256)
{
  return g_strndup (sha256 ? sha256 : "unknown", 12);
}

/* Puts an opened project in the document; with another model, keeps what
 * the current model can paint. FALSE when the painting is no longer the
 * project as saved (another model). */
static gboolean
apply_project (CbWindow *self, CbProject *project)
{
  g_autofree char *note = NULL;
  gboolean other_model = model_differs (self, project->model_sha256);
  CbImage *image = g_steal_pointer (&project->image);

  if (!other_model && project->profile != NULL && self->source_classes != NULL
      && project->profile->n_source != cb_class_set_get_n_classes (self->source_classes))
    other_model = TRUE;
  cb_document_take_project (self->doc, project);
  if (other_model && self->source_classes != NULL)
    {
      guint8 table[256];
      guint missing = cb_class_remap_by_name (self->doc->classes, self->source_classes, table);
      gboolean had_profile = self->doc->profile != NULL;
      guint64 cleared;

      g_autoptr (CbLabelMap) before = cb_label_map_copy (self->doc->map);
      cb_document_set_profile (self->doc, NULL, cb_class_set_copy (self->source_classes), table);
      cleared = 0;
      for (gsize i = 0; i < (gsize)before->width * before->height; i++)
        cleared += before->ids[i] != CB_VOID_ID && self->doc->map->ids[i] == CB_VOID_ID;
      note = g_strdup_printf (
        "The project was made with another model: it is shown with the current one. "
        "%u of its classes are not among this model's classes; %" G_GUINT64_FORMAT " pixels of them were cleared.%s",
        missing, cleared, had_profile ? " Its target profile belongs to the other model and was left out." : "");
      cb_document_mark_unsaved (self->doc);
      g_clear_pointer (&image, cb_image_free); /* made by the other model */
    }
  show_image (self, image);
  classes_changed (self);
  cb_canvas_zoom_fit (self->canvas);
  if (note != NULL)
    show_message (self, note);
  update_actions (self);
  cb_window_generate (self);
  return note == NULL;
}

static gboolean
open_project_bytes (CbWindow *self, GFile *file, GBytes *bytes, gboolean any_model, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *display_name = g_file_get_parse_name (file);
  g_autoptr (CbProject) project = cb_project_load_from_bytes (bytes, display_name, &local_error);

  if (project == NULL)
    {
      show_open_error (self, file, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!any_model && model_differs (self, project->model_sha256))
    {
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *theirs = short_sha (project->model_sha256);
      g_autofree char *ours = short_sha (self->model_sha256);
      g_autofree char *their_model = project->model_path ? g_path_get_basename (project->model_path) : NULL;
      g_autofree char *our_model = self->model_file ? g_path_get_basename (self->model_file) : NULL;

      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH,
                   _ ("“%s” was made with another model (%s, SHA-256 %s…); the current model is %s (SHA-256 %s…)"),
                   name, their_model ? their_model : "unknown", theirs, our_model ? our_model : "unknown", ours);
      return FALSE;
    }
  g_clear_object (&self->doc->label_file);
  /* with another model it is a new painting: saving must not overwrite the project */
  if (apply_project (self, project))
    g_set_object (&self->doc->project_file, file);
  else
    g_clear_object (&self->doc->project_file);
  update_title (self);
  return TRUE;
}

gboolean
cb_window_open_project (CbWindow *self, GFile *file, gboolean any_model, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) bytes = cb_file_read (file, OPEN_MAX_BYTES, NULL, &local_error);

  if (bytes == NULL)
    {
      show_open_error (self, file, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return open_project_bytes (self, file, bytes, any_model, error);
}

gboolean
cb_window_save_project (CbWindow *self, GFile *file, GError **error)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (CbProject) project = NULL;

  if (path == NULL)
    g_set_error (&local_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _ ("Only local files can be written"));
  else
    {
      project = cb_document_to_project (self->doc, self->model_file, self->model_sha256, self->image);
      cb_project_save (project, path, &local_error);
    }
  if (local_error != NULL)
    {
      show_error (self, _ ("Could not save the project"), local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_set_object (&self->doc->project_file, file);
  cb_document_mark_saved (self->doc);
  /* the work is safe in the project now */
  self->autosave_dirty = FALSE;
  if (self->autosave != NULL)
    cb_autosave_remove (self->autosave);
  update_actions (self);
  return TRUE;
}

gboolean
cb_window_open_file (CbWindow *self, GFile *file, GError **error)
{
  g_autofree char *name = g_file_get_basename (file);

  if (name != NULL && g_str_has_suffix (name, CB_PROJECT_SUFFIX))
    return cb_window_open_project (self, file, FALSE, error);
  return cb_window_open_labels (self, file, error);
}

/* The file is read in a thread; what it holds is applied here, as the
 * synchronous open does. The task holds the window. */
typedef struct
{
  GFile *file;
  gboolean any_model;
} Opening;

static void
opening_free (gpointer p)
{
  Opening *o = p;

  g_object_unref (o->file);
  g_free (o);
}

static gboolean
is_project_file (GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);

  return name != NULL && g_str_has_suffix (name, CB_PROJECT_SUFFIX);
}

static void
open_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CbWindow *self = g_task_get_source_object (task);
  Opening *o = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = cb_file_read_finish (result, &error);
  gboolean ok;

  /* the window went while the file was read: nothing to open it in */
  if (self->disposed)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The window was closed");
      return;
    }
  if (bytes == NULL)
    {
      show_open_error (self, o->file, error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (is_project_file (o->file))
    ok = open_project_bytes (self, o->file, bytes, o->any_model, &error);
  else
    ok = open_labels_bytes (self, o->file, bytes, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
open_async (CbWindow *self, GFile *file, gboolean any_model, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  Opening *o = g_new0 (Opening, 1);

  o->file = g_object_ref (file);
  o->any_model = any_model;
  g_task_set_task_data (task, o, opening_free);
  cb_file_read_async (file, OPEN_MAX_BYTES, NULL, open_read_cb, task);
}

void
cb_window_open_file_async (CbWindow *self, GFile *file, GAsyncReadyCallback callback, gpointer user_data)
{
  open_async (self, file, FALSE, callback, user_data);
}

gboolean
cb_window_open_file_finish (CbWindow *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Saves from the dialogs: the painting is copied and marked saved at once
 * (what the file will hold), encoded and written in a thread; painting goes
 * on meanwhile and counts as a change. A failed write makes it unsaved
 * again and puts the file it had back: the painting is never lost, and a
 * then() (close, open, new) runs only after a save that succeeded. */
typedef void (*ThenFunc) (CbWindow *self);

typedef struct
{
  GFile *file;
  GFile *previous; /* the document's file before, restored on failure */
  gboolean project;
  ThenFunc then;
  /* the snapshot to write: started when no other save of the window is being
   * written, so that the saves reach the disk in the order they were made */
  CbFileEncodeFunc encode;
  gpointer data;
  GDestroyNotify data_free;
} Saving;

static void
saving_free (gpointer p)
{
  Saving *sv = p;

  g_object_unref (sv->file);
  g_clear_object (&sv->previous);
  if (sv->data_free != NULL && sv->data != NULL)
    sv->data_free (sv->data);
  g_free (sv);
}

static GBytes *
encode_project (gpointer data, GCancellable *cancellable, GError **error)
{
  return cb_project_to_bytes (data, error);
}

static GBytes *
encode_labels (gpointer data, GCancellable *cancellable, GError **error)
{
  LabelsExport *e = data;

  return cb_label_map_to_png_bytes (e->map, e->classes, error);
}

static void
close_after_saves (CbWindow *self)
{
  if (self->n_saving == 0 && self->close_when_saved)
    {
      self->close_when_saved = FALSE;
      gtk_window_close (GTK_WINDOW (self));
    }
}

static void saved_cb (GObject *source, GAsyncResult *result, gpointer user_data);

/* Writes the save of task (its snapshot moves to the writing thread). */
static void
start_save (GTask *task)
{
  Saving *sv = g_task_get_task_data (task);
  gpointer data = g_steal_pointer (&sv->data);

  cb_file_write_async (sv->file, sv->encode, data, sv->data_free, NULL, saved_cb, task);
}

/* The next waiting save, once one is written */
static void
start_next_save (CbWindow *self)
{
  GTask *next = g_queue_pop_head (&self->save_queue);

  if (next != NULL)
    start_save (next);
}

static void
saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CbWindow *self = g_task_get_source_object (task);
  Saving *sv = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  self->n_saving--;
  start_next_save (self);
  if (self->disposed)
    {
      /* the window went meanwhile (destroyed, not closed: a close waits) */
      if (!cb_file_write_finish (result, &error))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_boolean (task, TRUE);
      return;
    }
  if (!cb_file_write_finish (result, &error))
    {
      GFile **where = sv->project ? &self->doc->project_file : &self->doc->label_file;

      /* only while the painting is still the one saved to that file (Open or
       * New may have replaced it meanwhile): it is not saved after all */
      if (*where != NULL && g_file_equal (*where, sv->file))
        {
          g_set_object (where, sv->previous);
          cb_document_mark_unsaved (self->doc);
        }
      self->autosave_dirty = TRUE;
      update_actions (self);
      show_error (self, sv->project ? _ ("Could not save the project") : _ ("Could not save the label map"), error);
      g_task_return_error (task, g_steal_pointer (&error));
      close_after_saves (self); /* modified now: the close asks first */
      return;
    }
  /* the work is safe in the project now, unless it changed meanwhile */
  if (sv->project && !self->doc->modified)
    {
      self->autosave_dirty = FALSE;
      if (self->autosave != NULL)
        cb_autosave_remove (self->autosave);
    }
  update_actions (self);
  g_task_return_boolean (task, TRUE);
  /* last: it may close the window */
  if (sv->then != NULL)
    sv->then (self);
  close_after_saves (self);
}

static void
save_async (CbWindow *self, GFile *file, gboolean project, ThenFunc then, GAsyncReadyCallback callback,
            gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  Saving *sv = g_new0 (Saving, 1);
  GFile **where = project ? &self->doc->project_file : &self->doc->label_file;

  sv->file = g_object_ref (file);
  sv->previous = *where ? g_object_ref (*where) : NULL;
  sv->project = project;
  sv->then = then;
  g_task_set_task_data (task, sv, saving_free);
  if (project)
    {
      sv->encode = encode_project;
      sv->data = cb_document_to_project (self->doc, self->model_file, self->model_sha256, self->image);
      sv->data_free = (GDestroyNotify)cb_project_free;
    }
  else
    {
      LabelsExport *e = g_new0 (LabelsExport, 1);

      e->map = cb_label_map_copy (self->doc->map);
      e->classes = cb_class_set_copy (self->doc->classes);
      sv->encode = encode_labels;
      sv->data = e;
      sv->data_free = labels_export_free;
    }
  if (self->n_saving++ > 0)
    g_queue_push_tail (&self->save_queue, task);
  else
    start_save (task);
  g_set_object (where, file);
  cb_document_mark_saved (self->doc);
  update_actions (self);
}

void
cb_window_save_project_async (CbWindow *self, GFile *file, GAsyncReadyCallback callback, gpointer user_data)
{
  save_async (self, file, TRUE, NULL, callback, user_data);
}

void
cb_window_save_labels_async (CbWindow *self, GFile *file, GAsyncReadyCallback callback, gpointer user_data)
{
  save_async (self, file, FALSE, NULL, callback, user_data);
}

gboolean
cb_window_save_finish (CbWindow *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ autosave */

gboolean
cb_window_is_saving (CbWindow *self)
{
  return self->n_saving > 0;
}

gboolean
cb_window_autosave (CbWindow *self, GError **error)
{
  g_autoptr (CbProject) project = NULL;

  if (self->autosave == NULL)
    {
      g_set_error_literal (error, CB_ERROR, CB_ERROR_IO, _ ("No autosave slot"));
      return FALSE;
    }
  project = cb_document_to_project (self->doc, self->model_file, self->model_sha256, self->image);
  if (!cb_project_save (project, cb_autosave_get_path (self->autosave), error))
    return FALSE;
  self->autosave_dirty = FALSE;
  return TRUE;
}

const char *
cb_window_get_autosave_path (CbWindow *self)
{
  return self->autosave ? cb_autosave_get_path (self->autosave) : NULL;
}

static gboolean
autosave_tick_cb (gpointer data)
{
  CbWindow *self = data;
  g_autoptr (GError) error = NULL;

  if (!self->autosave_dirty || self->restore_pending || !self->doc->modified)
    return G_SOURCE_CONTINUE;
  if (!cb_window_autosave (self, &error))
    {
      show_error (self, _ ("Could not autosave"), error);
      self->autosave_dirty = FALSE; /* say it once per change, not every 30 s */
    }
  return G_SOURCE_CONTINUE;
}

static void
restore_response_cb (GObject *alert, int response, gpointer user_data)
{
  CbWindow *self = user_data;
  g_autoptr (GError) error = NULL;

  self->restore_pending = FALSE;
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (CbProject) project = cb_project_load (cb_autosave_get_path (self->autosave), &error);

      if (project == NULL)
        {
          show_error (self, _ ("The autosaved painting could not be restored"), error);
          return;
        }
      apply_project (self, project);
      /* restored work is unsaved work: untitled, modified, and autosaved again */
      g_clear_object (&self->doc->project_file);
      g_clear_object (&self->doc->label_file);
      cb_document_mark_unsaved (self->doc);
      self->autosave_dirty = TRUE;
      update_title (self);
    }
  else if (response == GTK_RESPONSE_REJECT)
    cb_autosave_remove (self->autosave);
}

/* After a crash or a kill the autosave is still there: ask. */
static void
offer_restore (CbWindow *self)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (GFileInfo) info = NULL;
  g_autofree char *when = NULL;
  g_autofree char *body = NULL;
  CbAlert *alert;

  if (self->autosave == NULL || !cb_autosave_exists (self->autosave) || self->restore_pending)
    return;
  file = g_file_new_for_path (cb_autosave_get_path (self->autosave));
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_TIME_MODIFIED, G_FILE_QUERY_INFO_NONE, NULL, NULL);
  if (info != NULL)
    {
      g_autoptr (GDateTime) time = g_file_info_get_modification_date_time (info);
      g_autoptr (GDateTime) local = time ? g_date_time_to_local (time) : NULL;

      if (local != NULL)
        when = g_date_time_format (local, "%x %X");
    }
  self->restore_pending = TRUE;
  body = g_strdup_printf (_ ("Catbrush did not close normally. A painting autosaved %s%s can be restored; "
                             "discarding it deletes it."),
                          when ? "on " : "", when ? when : "before");
  alert = cb_alert_new (_ ("Restore the unsaved painting?"), body);
  cb_alert_add_button (alert, _ ("_Discard"), GTK_RESPONSE_REJECT, CB_ALERT_BUTTON_DESTRUCTIVE);
  cb_alert_add_button (alert, _ ("_Restore"), GTK_RESPONSE_ACCEPT, CB_ALERT_BUTTON_SUGGESTED);
  cb_alert_set_default_response (alert, GTK_RESPONSE_ACCEPT);
  cb_alert_set_data_full (alert, "cb-restore", GINT_TO_POINTER (1), NULL);
  cb_alert_present (alert, GTK_WINDOW (self), restore_response_cb, self);
}

/* ------------------------------------------------------------------ target classes */

static gboolean
check_profile (CbWindow *self, const CbProfile *profile, GError **error)
{
  if (self->source_classes == NULL || self->model_sha256 == NULL)
    {
      g_set_error_literal (error, CB_ERROR, CB_ERROR_INVALID,
                           _ ("No model is loaded: a target profile needs the model it was made for"));
      return FALSE;
    }
  if (!cb_profile_check_model (profile, self->model_sha256, error))
    {
      g_prefix_error (error, _ ("Made for another model: "));
      return FALSE;
    }
  if (profile->n_source != cb_class_set_get_n_classes (self->source_classes))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, _ ("The profile has %u source classes but the model has %u"),
                   profile->n_source, cb_class_set_get_n_classes (self->source_classes));
      return FALSE;
    }
  return TRUE;
}

/* Switches the painting to other classes: the map's ids mean other classes now. */
static void
switch_classes (CbWindow *self, CbProfile *profile, CbRemap remap)
{
  const CbClassSet *to = profile ? profile->target : self->source_classes;
  guint8 table[256];
  guint64 before = 0, after = 0;

  if (remap == CB_REMAP_BY_NAME)
    cb_class_remap_by_name (self->doc->classes, to, table);
  for (gsize i = 0; i < (gsize)self->doc->map->width * self->doc->map->height; i++)
    before += self->doc->map->ids[i] != CB_VOID_ID;
  cb_document_set_profile (self->doc, profile, profile ? NULL : cb_class_set_copy (self->source_classes),
                           remap == CB_REMAP_BY_NAME ? table : NULL);
  for (gsize i = 0; i < (gsize)self->doc->map->width * self->doc->map->height; i++)
    after += self->doc->map->ids[i] != CB_VOID_ID;
  if (remap == CB_REMAP_BY_NAME && after < before)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT " painted pixels were of classes that “%s” does "
                                               "not have by name, and were cleared.",
                                               before - after, to->name ? to->name : _ ("the new class set"));

      show_message (self, text);
    }
  mark_changed_beyond_map (self);
  detach_from_project (self);
  self->map_dirty = TRUE;
  classes_changed (self);
}

gboolean
cb_window_set_profile (CbWindow *self, const CbProfile *profile, CbRemap remap, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!check_profile (self, profile, &local_error))
    {
      show_error (self, _ ("The target profile cannot be used"), local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  switch_classes (self, cb_project_copy_profile (profile), remap);
  return TRUE;
}

gboolean
cb_window_load_profile (CbWindow *self, GFile *file, CbRemap remap, GError **error)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (CbProfile) profile = NULL;

  if (path == NULL)
    g_set_error (&local_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _ ("Only local files can be opened"));
  else
    profile = cb_profile_load (path, &local_error);
  if (profile == NULL)
    {
      show_error (self, _ ("Could not load the target profile"), local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return cb_window_set_profile (self, profile, remap, error);
}

void
cb_window_reset_classes (CbWindow *self, CbRemap remap)
{
  if (self->doc->profile == NULL || self->source_classes == NULL)
    return;
  switch_classes (self, NULL, remap);
}

const CbProfile *
cb_window_get_profile (CbWindow *self)
{
  return self->doc->profile;
}

static void
affinity_changed_cb (CbAffinityDialog *dialog, CbWindow *self)
{
  const CbProfile *edited = cb_affinity_dialog_get_profile (dialog);
  CbProfile *profile = self->doc->profile;

  if (profile == NULL || profile->n_source != edited->n_source
      || cb_class_set_get_n_classes (profile->target) != cb_class_set_get_n_classes (edited->target))
    return;
  memcpy (profile->affinity, edited->affinity,
          sizeof (float) * cb_class_set_get_n_classes (profile->target) * profile->n_source);
  g_clear_pointer (&profile->estimation, json_node_unref);
  if (edited->estimation != NULL)
    profile->estimation = json_node_copy (edited->estimation);
  mark_changed_beyond_map (self);
  /* the classes stay: only the first layer changes, then a generation */
  send_profile (self);
}

static void
affinity_fine_tune_cb (CbAffinityDialog *dialog, CbWindow *self)
{
  cb_window_show_finetune (self);
}

static void
affinity_destroy_cb (GtkWidget *dialog, CbWindow *self)
{
  if (self->affinity_dialog == dialog)
    self->affinity_dialog = NULL;
}

GtkWidget *
cb_window_show_affinity (CbWindow *self)
{
  if (self->doc->profile == NULL)
    return NULL;
  if (self->affinity_dialog == NULL)
    {
      self->affinity_dialog = cb_affinity_dialog_new (GTK_WINDOW (self), self->doc->profile);
      g_signal_connect (self->affinity_dialog, "changed", G_CALLBACK (affinity_changed_cb), self);
      g_signal_connect (self->affinity_dialog, "destroy", G_CALLBACK (affinity_destroy_cb), self);
      g_signal_connect (self->affinity_dialog, "fine-tune", G_CALLBACK (affinity_fine_tune_cb), self);
    }
  gtk_window_present (GTK_WINDOW (self->affinity_dialog));
  return self->affinity_dialog;
}

/* then: what to do once a save asked for by the close/replace question has succeeded */
typedef void (*FileChosenFunc) (CbWindow *self, GFile *file, const char *choice, ThenFunc then);

typedef struct
{
  CbWindow *self;
  FileChosenFunc func;
  ThenFunc then;
} FileChosen;

typedef struct
{
  ThenFunc then;
} Then;

enum
{
  FILTER_PNG = 1 << 0,
  FILTER_PROJECT = 1 << 1,
  FILTER_JSON = 1 << 2,
  FILTER_MODEL = 1 << 3,
};

static void
file_chosen_cb (GFile *file, const char *choice, gpointer user_data)
{
  FileChosen *chosen = user_data;

  chosen->func (chosen->self, file, choice, chosen->then);
}

static void
add_filter (CbFileChooser *chooser, const char *name, const char *mime_type, const char *suffix)
{
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  if (mime_type != NULL)
    gtk_file_filter_add_mime_type (filter, mime_type);
  gtk_file_filter_add_suffix (filter, suffix);
  cb_file_chooser_add_filter (chooser, filter);
}

static CbFileChooser *
file_chooser_new (const char *title, CbFileChooserAction action, const char *accept, const char *suggested_name,
                  guint filters)
{
  CbFileChooser *chooser = cb_file_chooser_new (title, action, accept);

  if ((filters & FILTER_PNG) && (filters & FILTER_PROJECT))
    {
      g_autoptr (GtkFileFilter) all = gtk_file_filter_new ();

      gtk_file_filter_set_name (all, _ ("Projects and label maps"));
      gtk_file_filter_add_suffix (all, "catbrush");
      gtk_file_filter_add_mime_type (all, "image/png");
      gtk_file_filter_add_suffix (all, "png");
      cb_file_chooser_add_filter (chooser, all);
    }
  if (filters & FILTER_PROJECT)
    add_filter (chooser, _ ("Catbrush projects"), NULL, "catbrush");
  if (filters & FILTER_PNG)
    add_filter (chooser, _ ("PNG images"), "image/png", "png");
  if (filters & FILTER_JSON)
    add_filter (chooser, _ ("Target profiles (JSON)"), "application/json", "json");
  if (filters & FILTER_MODEL)
    add_filter (chooser, _ ("Catbrush models (safetensors)"), NULL, "safetensors");
  if (action == CB_FILE_CHOOSER_OPEN)
    {
      /* a file with another suffix is read by its content and refused with a reason */
      g_autoptr (GtkFileFilter) any = gtk_file_filter_new ();

      gtk_file_filter_set_name (any, _ ("All files"));
      gtk_file_filter_add_pattern (any, "*");
      cb_file_chooser_add_filter (chooser, any);
    }
  if (suggested_name != NULL)
    cb_file_chooser_set_current_name (chooser, suggested_name);
  return chooser;
}

static void
file_chooser_show (CbFileChooser *chooser, CbWindow *self, FileChosenFunc func, ThenFunc then)
{
  FileChosen *chosen = g_new (FileChosen, 1);

  chosen->self = self;
  chosen->func = func;
  chosen->then = then;
  cb_file_chooser_show (chooser, GTK_WINDOW (self), file_chosen_cb, chosen, g_free);
}

static void
open_mismatch_response_cb (GObject *alert, int response, gpointer user_data)
{
  CbWindow *self = user_data;
  GFile *file = g_object_get_data (alert, "cb-file");
  const char *model = g_object_get_data (alert, "cb-model");

  if (response == GTK_RESPONSE_ACCEPT)
    open_async (self, file, TRUE, NULL, NULL);
  else if (response == GTK_RESPONSE_YES && model != NULL)
    cb_window_switch_model (self, model, CB_REMAP_CLEAR, file);
}

static void
open_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CbWindow *self = CB_WINDOW (source);
  g_autoptr (GFile) file = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *model = NULL;
  g_autofree char *body = NULL;
  CbAlert *alert;

  if (cb_window_open_file_finish (self, result, &error) || !g_error_matches (error, CB_ERROR, CB_ERROR_MISMATCH))
    return;
  if (!is_project_file (file))
    return;
  /* a project made with another model: say so, offer to go on with this one */
  body = g_strdup_printf (_ ("%s.\n\nWith the current model, classes it does not know are cleared, a target profile is "
                             "left out, and the images will differ."),
                          error->message);
  alert = cb_alert_new (_ ("This project was made with another model"), body);
  cb_alert_add_button (alert, _ ("_Cancel"), GTK_RESPONSE_CANCEL, CB_ALERT_BUTTON_PLAIN);
  model = cb_window_find_project_model (self, file);
  cb_alert_add_button (alert, _ ("C_ontinue with the Current Model"), GTK_RESPONSE_ACCEPT,
                       model ? CB_ALERT_BUTTON_PLAIN : CB_ALERT_BUTTON_SUGGESTED);
  /* the model it was made with is at hand: offer it first */
  if (model != NULL)
    {
      g_autofree char *name = model_display_name (model);
      g_autofree char *label = g_strdup_printf (_ ("_Switch to “%s”"), name);

      cb_alert_add_button (alert, label, GTK_RESPONSE_YES, CB_ALERT_BUTTON_SUGGESTED);
      cb_alert_set_default_response (alert, GTK_RESPONSE_YES);
      cb_alert_set_data_full (alert, "cb-model", g_steal_pointer (&model), g_free);
    }
  cb_alert_set_data_full (alert, "cb-file", g_object_ref (file), g_object_unref);
  cb_alert_present (alert, GTK_WINDOW (self), open_mismatch_response_cb, self);
}

static void
open_chosen (CbWindow *self, GFile *file, const char *choice, ThenFunc then)
{
  cb_window_open_file_async (self, file, open_done_cb, g_object_ref (file));
}

static void
save_labels_chosen (CbWindow *self, GFile *file, const char *choice, ThenFunc then)
{
  save_async (self, file, FALSE, NULL, NULL, NULL);
}

static void
save_project_chosen (CbWindow *self, GFile *file, const char *choice, ThenFunc then)
{
  save_async (self, file, TRUE, then, NULL, NULL);
}

static void
export_labels_chosen (CbWindow *self, GFile *file, const char *choice, ThenFunc then)
{
  cb_window_export_labels_async (self, file, NULL, NULL);
}

static void
export_image_chosen (CbWindow *self, GFile *file, const char *choice, ThenFunc then)
{
  guint factor = choice ? (guint)atoi (choice) : 1;

  cb_window_export_image_async (self, file, factor, NULL, NULL);
}

static char *
suggested_project_name (CbWindow *self)
{
  g_autofree char *base = NULL;
  char *dot;

  if (self->doc->project_file != NULL)
    return g_file_get_basename (self->doc->project_file);
  if (self->doc->label_file == NULL)
    return g_strdup ("Untitled" CB_PROJECT_SUFFIX);
  base = g_file_get_basename (self->doc->label_file);
  if ((dot = strrchr (base, '.')) != NULL)
    *dot = '\0';
  return g_strconcat (base, CB_PROJECT_SUFFIX, NULL);
}

static void
show_save_project_dialog (CbWindow *self, ThenFunc then)
{
  g_autofree char *name = suggested_project_name (self);

  file_chooser_show (file_chooser_new (_ ("Save Project"), CB_FILE_CHOOSER_SAVE, _ ("_Save"), name, FILTER_PROJECT),
                     self, save_project_chosen, then);
}

static void
confirm_response_cb (GObject *alert, int response, gpointer user_data)
{
  CbWindow *self = user_data;
  Then *then = g_object_get_data (alert, "cb-then");
  ThenFunc func = then->then;

  if (response == GTK_RESPONSE_ACCEPT)
    func (self);
  else if (response == GTK_RESPONSE_APPLY)
    {
      if (self->doc->project_file != NULL)
        {
          save_async (self, self->doc->project_file, TRUE, func, NULL, NULL);
        }
      else
        show_save_project_dialog (self, func);
    }
}

/* Runs then() now, or after the person saved or agreed to lose unsaved changes. */
static void
confirm_discard (CbWindow *self, ThenFunc then)
{
  g_autofree char *name = NULL;
  g_autofree char *heading = NULL;
  CbAlert *alert;
  Then *holder;

  if (!self->doc->modified)
    {
      then (self);
      return;
    }
  if (self->doc->project_file != NULL)
    name = g_file_get_basename (self->doc->project_file);
  else if (self->doc->label_file != NULL)
    name = g_file_get_basename (self->doc->label_file);
  heading = g_strdup_printf (_ ("Save the changes to “%s”?"), name ? name : _ ("Untitled"));
  alert = cb_alert_new (heading, _ ("The painting has unsaved changes (label map, classes, seeds). If you don't save, "
                                    "they will be lost."));
  cb_alert_add_button (alert, _ ("_Cancel"), GTK_RESPONSE_CANCEL, CB_ALERT_BUTTON_PLAIN);
  cb_alert_add_button (alert, _ ("_Discard"), GTK_RESPONSE_ACCEPT, CB_ALERT_BUTTON_DESTRUCTIVE);
  cb_alert_add_button (alert, self->doc->project_file ? _ ("_Save") : _ ("_Save As…"), GTK_RESPONSE_APPLY,
                       CB_ALERT_BUTTON_SUGGESTED);
  cb_alert_set_default_response (alert, GTK_RESPONSE_APPLY);
  holder = g_new (Then, 1);
  holder->then = then;
  cb_alert_set_data_full (alert, "cb-then", holder, g_free);
  cb_alert_present (alert, GTK_WINDOW (self), confirm_response_cb, self);
}

static void
show_open_dialog (CbWindow *self)
{
  file_chooser_show (file_chooser_new (_ ("Open Project or Label Map"), CB_FILE_CHOOSER_OPEN, _ ("_Open"), NULL,
                                       FILTER_PROJECT | FILTER_PNG),
                     self, open_chosen, NULL);
}

static void
open_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  confirm_discard (CB_WINDOW (user_data), show_open_dialog);
}

static void
save_as_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  show_save_project_dialog (CB_WINDOW (user_data), NULL);
}

static void
save_labels_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;
  g_autofree char *name = self->doc->label_file ? g_file_get_basename (self->doc->label_file) : NULL;

  file_chooser_show (
    file_chooser_new (_ ("Save Label Map"), CB_FILE_CHOOSER_SAVE, _ ("_Save"), name ? name : "labels.png", FILTER_PNG),
    self, save_labels_chosen, NULL);
}

static void
export_labels_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;

  file_chooser_show (file_chooser_new (_ ("Export Label Map as Colours"), CB_FILE_CHOOSER_SAVE, _ ("_Export"),
                                       "labels-rgb.png", FILTER_PNG),
                     self, export_labels_chosen, NULL);
}

static void
export_image_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;
  CbFileChooser *chooser;
  const char *ids[] = { "1", "2", "4", NULL };
  g_autofree char *native_label = NULL, *x2 = NULL, *x4 = NULL;
  const char *labels[4];

  if (self->image == NULL)
    return;
  native_label = g_strdup_printf (_ ("Native (%u × %u)"), self->image->width, self->image->height);
  x2 = g_strdup_printf ("×2 (%u × %u)", self->image->width * 2, self->image->height * 2);
  x4 = g_strdup_printf ("×4 (%u × %u)", self->image->width * 4, self->image->height * 4);
  labels[0] = native_label;
  labels[1] = x2;
  labels[2] = x4;
  labels[3] = NULL;
  chooser = file_chooser_new (_ ("Export Image"), CB_FILE_CHOOSER_SAVE, _ ("_Export"), "image.png", FILTER_PNG);
  cb_file_chooser_set_choice (chooser, _ ("Size"), ids, labels, "1");
  file_chooser_show (chooser, self, export_image_chosen, NULL);
}

static void
save_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;

  if (self->doc->project_file != NULL)
    save_async (self, self->doc->project_file, TRUE, NULL, NULL, NULL);
  else
    show_save_project_dialog (self, NULL);
}

/* What the painting becomes when the classes change: asked unless it is blank. */
static void
remap_response_cb (GObject *alert, int response, gpointer user_data)
{
  CbWindow *self = user_data;
  CbProfile *profile = g_object_get_data (alert, "cb-profile");
  gboolean reset = g_object_get_data (alert, "cb-reset") != NULL;
  CbRemap remap = response == GTK_RESPONSE_ACCEPT ? CB_REMAP_BY_NAME : CB_REMAP_CLEAR;

  if (response == GTK_RESPONSE_ACCEPT || response == GTK_RESPONSE_REJECT)
    {
      if (reset)
        cb_window_reset_classes (self, remap);
      else if (profile != NULL)
        cb_window_set_profile (self, profile, remap, NULL);
    }
}

static void
ask_remap (CbWindow *self, CbProfile *profile, gboolean reset)
{
  const CbClassSet *to = profile ? profile->target : self->source_classes;
  g_autofree char *heading = NULL;
  CbAlert *alert;

  /* nothing to lose: no question (the untouched starter keeps what it can by name) */
  if (cb_document_is_blank (self->doc) || starter_untouched (self))
    {
      CbRemap remap = cb_document_is_blank (self->doc) ? CB_REMAP_CLEAR : CB_REMAP_BY_NAME;

      if (reset)
        cb_window_reset_classes (self, remap);
      else
        cb_window_set_profile (self, profile, remap, NULL);
      cb_profile_free (profile);
      return;
    }
  heading = g_strdup_printf (_ ("Paint with the classes of “%s”?"), to->name ? to->name : _ ("the new class set"));
  alert = cb_alert_new (heading, _ ("The label map's ids will mean other classes. Catbrush can keep the pixels of the "
                                    "classes that have the same name in the new classes and clear the others, or clear "
                                    "the whole painting."));
  cb_alert_add_button (alert, _ ("_Cancel"), GTK_RESPONSE_CANCEL, CB_ALERT_BUTTON_PLAIN);
  cb_alert_add_button (alert, _ ("C_lear Painting"), GTK_RESPONSE_REJECT, CB_ALERT_BUTTON_PLAIN);
  cb_alert_add_button (alert, _ ("_Keep Matching Classes"), GTK_RESPONSE_ACCEPT, CB_ALERT_BUTTON_SUGGESTED);
  cb_alert_set_default_response (alert, GTK_RESPONSE_ACCEPT);
  if (profile != NULL)
    cb_alert_set_data_full (alert, "cb-profile", profile, (GDestroyNotify)cb_profile_free);
  if (reset)
    cb_alert_set_data_full (alert, "cb-reset", GINT_TO_POINTER (1), NULL);
  cb_alert_present (alert, GTK_WINDOW (self), remap_response_cb, self);
}

static void
profile_chosen (CbWindow *self, GFile *file, const char *choice, ThenFunc then)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbProfile) profile = path ? cb_profile_load (path, &error) : NULL;

  if (profile == NULL)
    {
      if (error == NULL)
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _ ("Only local files can be opened"));
      show_error (self, _ ("Could not load the target profile"), error);
      return;
    }
  /* refuse a profile of another model before asking anything */
  if (!check_profile (self, profile, &error))
    {
      show_error (self, _ ("The target profile cannot be used"), error);
      return;
    }
  ask_remap (self, g_steal_pointer (&profile), FALSE);
}

static void
load_profile_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;

  file_chooser_show (file_chooser_new (_ ("Load Target Profile"), CB_FILE_CHOOSER_OPEN, _ ("_Load"), NULL, FILTER_JSON),
                     self, profile_chosen, NULL);
}

static void
reset_classes_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;

  if (self->doc->profile != NULL)
    ask_remap (self, NULL, TRUE);
}

static void
affinity_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  cb_window_show_affinity (CB_WINDOW (user_data));
}

static void
import_apply_cb (CbImportDialog *dialog, const CbProfile *profile, CbWindow *self)
{
  g_autoptr (GError) error = NULL;

  if (!check_profile (self, profile, &error))
    {
      show_error (self, _ ("The target profile cannot be used"), error);
      return;
    }
  ask_remap (self, cb_project_copy_profile (profile), FALSE);
  /* done with it: hidden, not destroyed, so that the menu brings back the matrix as it was */
  gtk_widget_set_visible (GTK_WIDGET (dialog), FALSE);
}

static void
import_destroy_cb (GtkWidget *dialog, CbWindow *self)
{
  if (self->import_dialog == dialog)
    self->import_dialog = NULL;
}

GtkWidget *
cb_window_show_import (CbWindow *self)
{
  if (self->import_dialog == NULL)
    {
      g_autoptr (GError) error = NULL;
      CbImportDialog *dialog = cb_import_dialog_new (GTK_WINDOW (self), self->model_file, &error);

      if (dialog == NULL)
        {
          show_error (self, _ ("Target classes cannot be imported"), error);
          return NULL;
        }
      self->import_dialog = GTK_WIDGET (dialog);
      g_signal_connect (dialog, "apply", G_CALLBACK (import_apply_cb), self);
      g_signal_connect (dialog, "destroy", G_CALLBACK (import_destroy_cb), self);
    }
  gtk_window_present (GTK_WINDOW (self->import_dialog));
  return self->import_dialog;
}

static void
import_classes_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  cb_window_show_import (CB_WINDOW (user_data));
}

/* ------------------------------------------------------------------ models */

static char *
model_display_name (const char *path)
{
  g_autoptr (GPtrArray) models = cb_model_list_scan (path);
  int i = cb_model_list_find (models, path);

  if (i < 0)
    return g_path_get_basename (path);
  return g_strdup (((CbModelEntry *)g_ptr_array_index (models, i))->name);
}

/* The model menu: the list as it is on disk now, the current model checked. */
static void
refresh_models (CbWindow *self)
{
  g_autoptr (GPtrArray) models = cb_model_list_scan (self->model_file);
  g_autoptr (GMenuModel) menu = cb_model_list_to_menu (models);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "model");
  int current = cb_model_list_find (models, self->model_file);
  const char *path = current >= 0 ? ((CbModelEntry *)g_ptr_array_index (models, (guint)current))->path : "";
  g_autofree char *tooltip = NULL;

  if (self->model_button == NULL)
    return;
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (path));
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->model_button), menu);
  if (self->pending_worker != NULL)
    {
      g_autofree char *name = model_display_name (self->pending_model);
      g_autofree char *label = g_strdup_printf (_ ("Loading %s…"), name);

      gtk_menu_button_set_label (GTK_MENU_BUTTON (self->model_button), label);
    }
  else
    gtk_menu_button_set_label (GTK_MENU_BUTTON (self->model_button),
                               current >= 0 ? ((CbModelEntry *)g_ptr_array_index (models, (guint)current))->name
                                            : _ ("No Model"));
  tooltip
    = g_strdup_printf (_ ("The model that makes the images: %s"), self->model_file ? self->model_file : _ ("none"));
  gtk_widget_set_tooltip_text (self->model_button, tooltip);
}

static void
pending_ready_cb (const CbGenWorkerInfo *info, gpointer user_data)
{
  CbWindow *self = user_data;
  g_autoptr (GFile) project = g_steal_pointer (&self->pending_project);
  CbGenWorker *old;

  if (info->error != NULL || info->classes == NULL)
    {
      g_autofree char *name = g_path_get_basename (self->pending_model);
      g_autofree char *what = g_strdup_printf (_ ("Could not switch to “%s”; the current model stays"), name);

      /* inside this worker's own delivery: freeing it is safe (the delivery holds a reference) */
      g_clear_pointer (&self->pending_worker, cb_gen_worker_free);
      g_clear_pointer (&self->pending_model, g_free);
      refresh_models (self);
      show_error (self, what, info->error);
      return;
    }

  /* the new worker takes over; the old one stops (after a generation it is running) */
  old = self->worker;
  self->worker = g_steal_pointer (&self->pending_worker);
  g_clear_pointer (&self->pending_model, g_free);
  cb_gen_worker_free (old);
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  self->requested_serial = self->shown_serial = self->profile_serial = 0;
  cb_variations_start (CB_VARIATIONS (self->variations), 0, NULL, 0); /* the old worker's batch is gone */
  cb_gen_worker_set_variation_func (self->worker, worker_variation_cb);
  gtk_spinner_stop (GTK_SPINNER (self->spinner));
  gtk_widget_set_visible (self->spinner, FALSE);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->model_banner), FALSE);
  take_model_info (self, info);
  self->native_width = info->native_width;
  self->native_height = info->native_height;
  /* dialogs made for the old model */
  if (self->import_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->import_dialog));

  if (project != NULL)
    {
      g_autoptr (GError) error = NULL;

      cb_document_set_profile (self->doc, NULL, cb_class_set_copy (self->source_classes), NULL);
      classes_changed (self);
      if (!cb_window_open_project (self, project, FALSE, &error) && error != NULL)
        show_error (self, _ ("The project still does not match the model"), error);
      return;
    }
  if (document_untouched (self) && self->native_width > 0 && self->native_height > 0)
    {
      cb_document_set_profile (self->doc, NULL, cb_class_set_copy (self->source_classes), NULL);
      place_starter_scene (self, self->native_width * 2, self->native_height * 2);
      classes_changed (self);
      cb_canvas_zoom_fit (self->canvas);
      self->doc->modified = FALSE;
      update_title (self);
      return;
    }
  /* like Reset to Source Classes: the painting's ids go to the new model's classes by name */
  switch_classes (self, NULL, self->pending_remap);
}

void
cb_window_switch_model (CbWindow *self, const char *path, CbRemap remap, GFile *then_open)
{
  g_return_if_fail (path != NULL);

  g_clear_pointer (&self->pending_worker, cb_gen_worker_free);
  g_free (self->pending_model);
  self->pending_model = g_strdup (path);
  self->pending_remap = remap;
  g_clear_object (&self->pending_project);
  if (then_open != NULL)
    self->pending_project = g_object_ref (then_open);
  /* loaded off the main thread; the current model paints until this one is ready */
  self->pending_worker = cb_gen_worker_new (path, pending_ready_cb, worker_result_cb, self);
  cb_gen_worker_set_profile_func (self->pending_worker, worker_profile_cb);
  refresh_models (self);
}

gboolean
cb_window_is_switching_model (CbWindow *self)
{
  return self->pending_worker != NULL;
}

const char *
cb_window_get_model_path (CbWindow *self)
{
  return self->model_file;
}

char *
cb_window_find_project_model (CbWindow *self, GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (CbProject) project = path ? cb_project_load (path, NULL) : NULL;
  g_autoptr (GPtrArray) models = NULL;
  g_autofree char *base = NULL;

  if (project == NULL || project->model_path == NULL || !model_differs (self, project->model_sha256))
    return NULL;
  models = cb_model_list_scan (NULL);
  if (g_file_test (project->model_path, G_FILE_TEST_IS_REGULAR))
    return g_strdup (project->model_path);
  /* moved since: a model of the list with the same file name */
  base = g_path_get_basename (project->model_path);
  for (guint i = 0; i < models->len; i++)
    {
      const CbModelEntry *entry = g_ptr_array_index (models, i);
      g_autofree char *entry_base = g_path_get_basename (entry->path);

      if (g_str_equal (base, entry_base))
        return g_strdup (entry->path);
    }
  return NULL;
}

static void
model_remap_response_cb (GObject *alert, int response, gpointer user_data)
{
  CbWindow *self = user_data;
  const char *path = g_object_get_data (alert, "cb-model");

  if (response == GTK_RESPONSE_ACCEPT || response == GTK_RESPONSE_REJECT)
    cb_window_switch_model (self, path, response == GTK_RESPONSE_ACCEPT ? CB_REMAP_BY_NAME : CB_REMAP_CLEAR, NULL);
}

/* The same question as for target classes: the painting's ids will mean the new model's classes. */
static void
ask_switch_model (CbWindow *self, const char *path)
{
  g_autofree char *name = model_display_name (path);
  g_autofree char *heading = NULL;
  CbAlert *alert;

  /* an untouched starter scene is painted anew in the new model's classes */
  if (cb_document_is_blank (self->doc) || starter_untouched (self))
    {
      cb_window_switch_model (self, path, CB_REMAP_CLEAR, NULL);
      return;
    }
  heading = g_strdup_printf (_ ("Paint with the model “%s”?"), name);
  alert
    = cb_alert_new (heading, _ ("The label map's ids will mean the new model's classes. Catbrush can keep the pixels "
                                "of the classes that have the same name in the new model and clear the others, or "
                                "clear the whole painting. A target profile belongs to the current model and is "
                                "dropped; its classes are matched by name too (a model fine-tuned on them keeps "
                                "the painting). If the model cannot be loaded, nothing changes."));
  cb_alert_add_button (alert, _ ("_Cancel"), GTK_RESPONSE_CANCEL, CB_ALERT_BUTTON_PLAIN);
  cb_alert_add_button (alert, _ ("C_lear Painting"), GTK_RESPONSE_REJECT, CB_ALERT_BUTTON_PLAIN);
  cb_alert_add_button (alert, _ ("_Keep Matching Classes"), GTK_RESPONSE_ACCEPT, CB_ALERT_BUTTON_SUGGESTED);
  cb_alert_set_default_response (alert, GTK_RESPONSE_ACCEPT);
  cb_alert_set_data_full (alert, "cb-model", g_strdup (path), g_free);
  cb_alert_present (alert, GTK_WINDOW (self), model_remap_response_cb, self);
}

static void
model_change_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  CbWindow *self = user_data;
  const char *path = g_variant_get_string (value, NULL);
  g_autoptr (GPtrArray) current = NULL;

  /* the state follows the model actually loaded (refresh_models), not the click */
  if (*path == '\0')
    return;
  if (self->model_file != NULL)
    {
      current = g_ptr_array_new_with_free_func ((GDestroyNotify)cb_model_entry_free);
      g_ptr_array_add (current, g_new0 (CbModelEntry, 1));
      ((CbModelEntry *)current->pdata[0])->path = g_strdup (self->model_file);
      if (cb_model_list_find (current, path) == 0 && self->pending_worker == NULL)
        return;
    }
  ask_switch_model (self, path);
}

static void
oasis_imported_cb (CbOasisDialog *dialog, const char *path, CbWindow *self)
{
  refresh_models (self);
}

/* ------------------------------------------------------------------ fine-tuning */

static void
finetune_done_cb (CbFinetuneDialog *dialog, const char *path, CbWindow *self)
{
  refresh_models (self);
}

static void
finetune_switch_cb (CbFinetuneDialog *dialog, const char *path, CbWindow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (dialog), FALSE);
  ask_switch_model (self, path);
}

static void
finetune_destroy_cb (GtkWidget *dialog, CbWindow *self)
{
  if (self->finetune_dialog == dialog)
    self->finetune_dialog = NULL;
}

GtkWidget *
cb_window_show_finetune (CbWindow *self)
{
  /* an idle dialog may hold an older profile or model: made again */
  if (self->finetune_dialog != NULL && !cb_finetune_dialog_is_busy (CB_FINETUNE_DIALOG (self->finetune_dialog)))
    gtk_window_destroy (GTK_WINDOW (self->finetune_dialog));
  if (self->finetune_dialog == NULL)
    {
      if (self->doc->profile == NULL)
        return NULL;
      self->finetune_dialog = cb_finetune_dialog_new (GTK_WINDOW (self), self->model_file, self->doc->profile);
      g_signal_connect (self->finetune_dialog, "done", G_CALLBACK (finetune_done_cb), self);
      g_signal_connect (self->finetune_dialog, "switch", G_CALLBACK (finetune_switch_cb), self);
      g_signal_connect (self->finetune_dialog, "destroy", G_CALLBACK (finetune_destroy_cb), self);
    }
  gtk_window_present (GTK_WINDOW (self->finetune_dialog));
  return self->finetune_dialog;
}

static void
oasis_destroy_cb (GtkWidget *dialog, CbWindow *self)
{
  if (self->oasis_dialog == dialog)
    self->oasis_dialog = NULL;
}

GtkWidget *
cb_window_show_import_model (CbWindow *self)
{
  if (self->oasis_dialog == NULL)
    {
      self->oasis_dialog = cb_oasis_dialog_new (GTK_WINDOW (self));
      g_signal_connect (self->oasis_dialog, "imported", G_CALLBACK (oasis_imported_cb), self);
      g_signal_connect (self->oasis_dialog, "destroy", G_CALLBACK (oasis_destroy_cb), self);
    }
  gtk_window_present (GTK_WINDOW (self->oasis_dialog));
  return self->oasis_dialog;
}

static void
import_model_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  cb_window_show_import_model (CB_WINDOW (user_data));
}

static void
model_file_chosen (CbWindow *self, GFile *file, const char *choice, ThenFunc then)
{
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    ask_switch_model (self, path);
}

static void
open_model_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CbWindow *self = user_data;

  file_chooser_show (file_chooser_new (_ ("Open Model File"), CB_FILE_CHOOSER_OPEN, _ ("_Open"), NULL, FILTER_MODEL),
                     self, model_file_chosen, NULL);
}

static void
new_create_cb (GtkButton *button, GtkWindow *dialog)
{
  CbWindow *self = CB_WINDOW (gtk_window_get_transient_for (dialog));
  GtkSpinButton *width = g_object_get_data (G_OBJECT (dialog), "cb-width");
  GtkSpinButton *height = g_object_get_data (G_OBJECT (dialog), "cb-height");

  cb_window_new_document (self, (guint)gtk_spin_button_get_value_as_int (width),
                          (guint)gtk_spin_button_get_value_as_int (height));
  gtk_window_destroy (dialog);
}

static void
show_new_dialog (CbWindow *self)
{
  GtkWidget *dialog = gtk_window_new ();
  GtkWidget *header = gtk_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_ ("_Cancel"));
  GtkWidget *create = gtk_button_new_with_mnemonic (_ ("C_reate"));
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *width = gtk_spin_button_new_with_range (1, CB_LABEL_MAP_MAX_SIDE, 1);
  GtkWidget *height = gtk_spin_button_new_with_range (1, CB_LABEL_MAP_MAX_SIDE, 1);
  g_autofree char *hint_text = NULL;
  GtkWidget *hint;
  guint w = self->native_width ? self->native_width * 2 : FALLBACK_MAP_WIDTH;
  guint h = self->native_height ? self->native_height * 2 : FALLBACK_MAP_HEIGHT;

  if (self->native_width)
    hint_text = g_strdup_printf (_ ("The model generates at %u × %u; the label map is resized to that."),
                                 self->native_width, self->native_height);
  else
    hint_text = g_strdup ("No model is loaded.");
  hint = gtk_label_new (hint_text);

  gtk_window_set_title (GTK_WINDOW (dialog), _ ("New Label Map"));
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_window_set_resizable (GTK_WINDOW (dialog), FALSE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  gtk_header_bar_set_show_title_buttons (GTK_HEADER_BAR (header), FALSE);
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), cancel);
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), create);
  gtk_widget_add_css_class (create, "suggested-action");
  gtk_window_set_titlebar (GTK_WINDOW (dialog), header);
  gtk_window_set_default_widget (GTK_WINDOW (dialog), create);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (width), w);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (height), h);
  gtk_entry_set_activates_default (GTK_ENTRY (gtk_editable_get_delegate (GTK_EDITABLE (width))), TRUE);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_widget_set_margin_start (grid, 18);
  gtk_widget_set_margin_end (grid, 18);
  gtk_widget_set_margin_top (grid, 18);
  gtk_widget_set_margin_bottom (grid, 18);
  gtk_grid_attach (GTK_GRID (grid), gtk_label_new_with_mnemonic (_ ("_Width")), 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), width, 1, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), gtk_label_new_with_mnemonic (_ ("_Height")), 0, 1, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), height, 1, 1, 1, 1);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (hint), 36);
  gtk_grid_attach (GTK_GRID (grid), hint, 0, 2, 2, 1);
  gtk_window_set_child (GTK_WINDOW (dialog), grid);

  g_object_set_data (G_OBJECT (dialog), "cb-width", width);
  g_object_set_data (G_OBJECT (dialog), "cb-height", height);
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (gtk_window_destroy), dialog);
  g_signal_connect (create, "clicked", G_CALLBACK (new_create_cb), dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
new_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  confirm_discard (CB_WINDOW (user_data), show_new_dialog);
}

/* ------------------------------------------------------------------ actions */

static void
after_undo_redo (CbWindow *self)
{
  /* back at the saved state is not modified */
  self->autosave_dirty = TRUE;
  cb_document_update_modified (self->doc);
  cb_canvas_document_changed (self->canvas);
  update_actions (self);
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
  mark_changed_beyond_map (self);
  update_seed_entry (self);
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
  { "open", open_activated, NULL, NULL, NULL, { 0 } },
  { "save", save_activated, NULL, NULL, NULL, { 0 } },
  { "save-as", save_as_activated, NULL, NULL, NULL, { 0 } },
  { "save-labels", save_labels_activated, NULL, NULL, NULL, { 0 } },
  { "load-profile", load_profile_activated, NULL, NULL, NULL, { 0 } },
  { "reset-classes", reset_classes_activated, NULL, NULL, NULL, { 0 } },
  { "affinity", affinity_activated, NULL, NULL, NULL, { 0 } },
  { "import-classes", import_classes_activated, NULL, NULL, NULL, { 0 } },
  { "export-image", export_image_activated, NULL, NULL, NULL, { 0 } },
  { "export-labels", export_labels_activated, NULL, NULL, NULL, { 0 } },
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
  { "variations", NULL, NULL, "false", variations_changed, { 0 } },
  { "labels-over-image", NULL, NULL, "false", labels_over_image_changed, { 0 } },
  { "generate", generate_activated, NULL, NULL, NULL, { 0 } },
  { "about", about_activated, NULL, NULL, NULL, { 0 } },
  { "model", NULL, "s", "''", model_change_state, { 0 } },
  { "import-model", import_model_activated, NULL, NULL, NULL, { 0 } },
  { "open-model", open_model_activated, NULL, NULL, NULL, { 0 } },
};

/* Window shortcuts (bubble phase: a focused entry keeps its own keys). */
static const struct
{
  const char *trigger;
  const char *action;
  const char *target;
} shortcuts[] = {
  { "<Control>n", "win.new", NULL },
  { "<Control>o", "win.open", NULL },
  { "<Control>s", "win.save", NULL },
  { "<Control><Shift>s", "win.save-as", NULL },
  { "<Control>e", "win.export-image", NULL },
  { "<Control><Shift>e", "win.export-labels", NULL },
  { "<Control>z", "win.undo", NULL },
  { "<Control><Shift>z|<Control>y", "win.redo", NULL },
  { "<Control>plus|<Control>equal|<Control>KP_Add", "win.zoom-in", NULL },
  { "<Control>minus|<Control>KP_Subtract", "win.zoom-out", NULL },
  { "<Control>0|<Control>KP_0", "win.zoom-fit", NULL },
  { "<Control>1|<Control>KP_1", "win.zoom-100", NULL },
  { "bracketleft", "win.brush-smaller", NULL },
  { "bracketright", "win.brush-bigger", NULL },
  { "b", "win.tool", "brush" },
  { "e", "win.tool", "eraser" },
  { "f", "win.tool", "fill" },
  { "l", "win.tool", "line" },
  { "r", "win.tool", "rect" },
  { "i", "win.tool", "eyedropper" },
  { "<Control>r", "win.reroll", NULL },
  { "<Control>g", "win.generate", NULL },
  { "o", "win.overlay", NULL },
  { "v", "win.variations", NULL },
  { "m", "win.labels-over-image", NULL },
  { "<Control>question", "win.show-help-overlay", NULL },
};

static void
add_shortcuts (CbWindow *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_BUBBLE);
  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    {
      GtkShortcutTrigger *trigger = gtk_shortcut_trigger_parse_string (shortcuts[i].trigger);
      GtkShortcut *shortcut;

      g_assert (trigger != NULL);
      shortcut = gtk_shortcut_new (trigger, gtk_named_action_new (shortcuts[i].action));
      if (shortcuts[i].target != NULL)
        gtk_shortcut_set_arguments (shortcut, g_variant_new_string (shortcuts[i].target));
      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), shortcut);
    }
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

/* ------------------------------------------------------------------ building */

static GtkWidget *
icon_button (const char *icon, const char *tooltip, const char *action, GVariant *target, gboolean toggle)
{
  GtkWidget *button = toggle ? gtk_toggle_button_new () : gtk_button_new ();

  gtk_button_set_icon_name (GTK_BUTTON (button), icon);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  if (target != NULL)
    gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), target);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static void
banner_close_cb (GtkButton *button, GtkRevealer *revealer)
{
  gtk_revealer_set_reveal_child (revealer, FALSE);
}

static GtkWidget *
make_banner (const char *css_class, GtkWidget **label)
{
  GtkWidget *revealer = gtk_revealer_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *close = gtk_button_new_from_icon_name ("window-close-symbolic");

  *label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (*label), TRUE);
  /* a long error must not push the tool bar away: three lines, the rest on hover */
  gtk_label_set_lines (GTK_LABEL (*label), 3);
  gtk_label_set_ellipsize (GTK_LABEL (*label), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (*label), 0);
  gtk_label_set_selectable (GTK_LABEL (*label), TRUE);
  gtk_widget_set_hexpand (*label, TRUE);
  gtk_widget_add_css_class (close, "flat");
  gtk_widget_set_valign (close, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (close, _ ("Dismiss"));
  gtk_widget_add_css_class (box, "banner");
  gtk_widget_add_css_class (box, css_class);
  gtk_box_append (GTK_BOX (box), *label);
  gtk_box_append (GTK_BOX (box), close);
  gtk_revealer_set_child (GTK_REVEALER (revealer), box);
  g_signal_connect (close, "clicked", G_CALLBACK (banner_close_cb), revealer);
  return revealer;
}

static GtkWidget *
build_toolbar (CbWindow *self)
{
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);
  static const struct
  {
    const char *icon, *tooltip, *tool;
  } tools[] = {
    { "catbrush-brush-symbolic", N_ ("Brush (B)"), "brush" },
    { "catbrush-eraser-symbolic", N_ ("Eraser: paints void (E)"), "eraser" },
    { "catbrush-fill-symbolic", N_ ("Flood fill (F)"), "fill" },
    { "catbrush-line-symbolic", N_ ("Line (L)"), "line" },
    { "catbrush-rect-symbolic", N_ ("Rectangle (R)"), "rect" },
    { "catbrush-eyedropper-symbolic", N_ ("Eyedropper (I, or Alt+click)"), "eyedropper" },
  };
  GtkWidget *label, *scale;
  GtkAdjustment *adjustment;

  gtk_widget_add_css_class (bar, "toolbar");
  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    gtk_box_append (GTK_BOX (bar), icon_button (tools[i].icon, _ (tools[i].tooltip), "win.tool",
                                                g_variant_new_string (tools[i].tool), TRUE));

  gtk_box_append (GTK_BOX (bar), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  label = gtk_label_new_with_mnemonic (_ ("_Size"));
  gtk_widget_set_margin_start (label, 6);
  gtk_box_append (GTK_BOX (bar), label);
  self->size_spin = gtk_spin_button_new_with_range (CB_BRUSH_MIN_SIZE, CB_BRUSH_MAX_SIZE, 1);
  gtk_widget_set_tooltip_text (self->size_spin, _ ("Brush size in label-map pixels ([ and ])"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->size_spin);
  adjustment = gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (self->size_spin));
  g_object_bind_property (self->canvas, "brush-size", adjustment, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_box_append (GTK_BOX (bar), self->size_spin);

  gtk_box_append (GTK_BOX (bar), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (bar), icon_button ("edit-undo-symbolic", _ ("Undo (Ctrl+Z)"), "win.undo", NULL, FALSE));
  gtk_box_append (GTK_BOX (bar),
                  icon_button ("edit-redo-symbolic", _ ("Redo (Ctrl+Shift+Z)"), "win.redo", NULL, FALSE));

  gtk_box_append (GTK_BOX (bar), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (bar),
                  icon_button ("zoom-out-symbolic", _ ("Zoom out (Ctrl+−)"), "win.zoom-out", NULL, FALSE));
  gtk_box_append (GTK_BOX (bar),
                  icon_button ("zoom-fit-best-symbolic", _ ("Fit (Ctrl+0)"), "win.zoom-fit", NULL, FALSE));
  gtk_box_append (GTK_BOX (bar),
                  icon_button ("zoom-original-symbolic", _ ("Actual size (Ctrl+1)"), "win.zoom-100", NULL, FALSE));
  gtk_box_append (GTK_BOX (bar), icon_button ("zoom-in-symbolic", _ ("Zoom in (Ctrl++)"), "win.zoom-in", NULL, FALSE));

  gtk_box_append (GTK_BOX (bar), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (bar), icon_button ("view-dual-symbolic", _ ("Overlay the image on the labels (O)"),
                                              "win.overlay", NULL, TRUE));
  self->opacity_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (self->opacity_box), gtk_label_new (_ ("Opacity")));
  scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, 1, 0.05);
  gtk_range_set_value (GTK_RANGE (scale), 0.5);
  gtk_widget_set_size_request (scale, 140, -1);
  gtk_widget_set_tooltip_text (scale, _ ("Opacity of the generated image over the labels"));
  g_signal_connect (scale, "value-changed", G_CALLBACK (opacity_changed_cb), self);
  gtk_box_append (GTK_BOX (self->opacity_box), scale);
  gtk_widget_set_visible (self->opacity_box, FALSE);
  gtk_box_append (GTK_BOX (bar), self->opacity_box);

  gtk_box_append (GTK_BOX (bar), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (bar), icon_button ("view-paged-symbolic", _ ("Show the label map over the image (M)"),
                                              "win.labels-over-image", NULL, TRUE));
  self->labels_opacity_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (self->labels_opacity_box), gtk_label_new (_ ("Labels")));
  scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, 1, 0.05);
  gtk_range_set_value (GTK_RANGE (scale), 0.5);
  gtk_widget_set_size_request (scale, 120, -1);
  gtk_widget_set_tooltip_text (scale, _ ("Opacity of the label map over the generated image"));
  gtk_widget_set_name (scale, "labels-opacity");
  g_signal_connect (scale, "value-changed", G_CALLBACK (labels_opacity_changed_cb), self);
  gtk_box_append (GTK_BOX (self->labels_opacity_box), scale);
  gtk_widget_set_visible (self->labels_opacity_box, FALSE);
  gtk_box_append (GTK_BOX (bar), self->labels_opacity_box);
  return bar;
}

/* the image, and the label map that made it over it when asked */
static GtkWidget *
build_image_pane (CbWindow *self)
{
  self->image_pane = gtk_overlay_new ();
  gtk_overlay_set_child (GTK_OVERLAY (self->image_pane), self->image_stack);
  self->labels_picture = gtk_picture_new ();
  gtk_picture_set_can_shrink (GTK_PICTURE (self->labels_picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (self->labels_picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_picture_set_alternative_text (GTK_PICTURE (self->labels_picture), _ ("The label map over the image"));
  gtk_widget_set_can_target (self->labels_picture, FALSE);
  gtk_widget_set_opacity (self->labels_picture, 0.5);
  gtk_widget_set_visible (self->labels_picture, FALSE);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->image_pane), self->labels_picture);
  gtk_widget_set_hexpand (self->image_pane, TRUE);
  return self->image_pane;
}

/* the canvas, with the starter scene's one-line hint over its top */
static GtkWidget *
build_canvas_overlay (CbWindow *self)
{
  GtkWidget *overlay = gtk_overlay_new ();

  gtk_overlay_set_child (GTK_OVERLAY (overlay), GTK_WIDGET (self->canvas));
  self->hint = gtk_label_new (_ ("A street to start from: pick a class on the left and paint over it "
                                 "(Ctrl+N for a blank canvas)"));
  gtk_label_set_wrap (GTK_LABEL (self->hint), TRUE);
  gtk_label_set_justify (GTK_LABEL (self->hint), GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (self->hint, "osd");
  gtk_widget_add_css_class (self->hint, "canvas-hint");
  gtk_widget_set_halign (self->hint, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (self->hint, GTK_ALIGN_START);
  gtk_widget_set_margin_top (self->hint, 12);
  gtk_widget_set_margin_start (self->hint, 12);
  gtk_widget_set_margin_end (self->hint, 12);
  gtk_widget_set_can_target (self->hint, FALSE); /* strokes go through it */
  gtk_widget_set_visible (self->hint, FALSE);
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), self->hint);
  return overlay;
}

static GtkWidget *
build_statusbar (CbWindow *self)
{
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *seed_label = gtk_label_new_with_mnemonic (_ ("S_eed"));
  GtkWidget *spacer = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  gtk_widget_add_css_class (bar, "statusbar");
  self->device_label = gtk_label_new (_ ("Loading the model…"));
  gtk_label_set_ellipsize (GTK_LABEL (self->device_label), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (self->device_label), 0);
  self->time_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->time_label, "numeric");
  gtk_widget_set_tooltip_text (self->time_label, _ ("Time of the last generation and its seed"));
  self->zoom_label = gtk_label_new ("100 %");
  gtk_widget_add_css_class (self->zoom_label, "numeric");
  gtk_widget_set_hexpand (spacer, TRUE);
  self->seed_entry = gtk_entry_new ();
  gtk_editable_set_width_chars (GTK_EDITABLE (self->seed_entry), 12);
  gtk_entry_set_input_purpose (GTK_ENTRY (self->seed_entry), GTK_INPUT_PURPOSE_DIGITS);
  gtk_widget_set_tooltip_text (self->seed_entry, _ ("The image seed: type one and press Enter"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (seed_label), self->seed_entry);
  g_signal_connect (self->seed_entry, "activate", G_CALLBACK (seed_activate_cb), self);

  gtk_box_append (GTK_BOX (bar), self->device_label);
  gtk_box_append (GTK_BOX (bar), self->time_label);
  gtk_box_append (GTK_BOX (bar), spacer);
  gtk_box_append (GTK_BOX (bar), self->zoom_label);
  gtk_box_append (GTK_BOX (bar), seed_label);
  gtk_box_append (GTK_BOX (bar), self->seed_entry);
  return bar;
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

static void
build_ui (CbWindow *self)
{
  GtkWidget *header = gtk_header_bar_new ();
  GtkWidget *menu_button = gtk_menu_button_new ();
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *main_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *sidebar;
  g_autoptr (GtkBuilder) builder = gtk_builder_new_from_resource (RESOURCE_BASE "/ui/cb-menus.ui");

  /* header bar */
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), icon_button ("document-new-symbolic", _ ("New painting (Ctrl+N)"),
                                                                   "win.new", NULL, FALSE));
  gtk_header_bar_pack_start (
    GTK_HEADER_BAR (header),
    icon_button ("document-open-symbolic", _ ("Open a project or a label map (Ctrl+O)"), "win.open", NULL, FALSE));
  gtk_header_bar_pack_start (
    GTK_HEADER_BAR (header),
    icon_button ("document-save-symbolic", _ ("Save the project (Ctrl+S)"), "win.save", NULL, FALSE));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "open-menu-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_button),
                                  G_MENU_MODEL (gtk_builder_get_object (builder, "primary_menu")));
  gtk_menu_button_set_primary (GTK_MENU_BUTTON (menu_button), TRUE);
  gtk_widget_set_tooltip_text (menu_button, _ ("Main menu"));
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), menu_button);
  self->model_button = gtk_menu_button_new ();
  gtk_menu_button_set_label (GTK_MENU_BUTTON (self->model_button), _ ("Loading the Model…"));
  gtk_widget_set_tooltip_text (self->model_button, _ ("The model that makes the images"));
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), self->model_button);
  gtk_header_bar_pack_end (
    GTK_HEADER_BAR (header),
    icon_button ("catbrush-dice-symbolic", _ ("Re-roll the noise of the image (Ctrl+R)"), "win.reroll", NULL, FALSE));
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header),
                           icon_button ("view-grid-symbolic", _ ("Variations: the painting with other seeds (V)"),
                                        "win.variations", NULL, TRUE));
  self->spinner = gtk_spinner_new ();
  gtk_widget_set_tooltip_text (self->spinner, _ ("Generating…"));
  gtk_widget_set_visible (self->spinner, FALSE);
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), self->spinner);
  gtk_window_set_titlebar (GTK_WINDOW (self), header);

  /* banners */
  self->model_banner = make_banner (_ ("warning"), &self->model_banner_label);
  self->message_banner = make_banner (_ ("error"), &self->message_label);
  gtk_box_append (GTK_BOX (content), self->model_banner);
  gtk_box_append (GTK_BOX (content), self->message_banner);

  /* canvas first: the tool bar binds to it */
  self->canvas = CB_CANVAS (cb_canvas_new ());
  gtk_box_append (GTK_BOX (content), build_toolbar (self));
  gtk_box_append (GTK_BOX (content), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));

  /* palette | canvas | image */
  self->palette = CB_PALETTE (cb_palette_new ());
  sidebar = GTK_WIDGET (self->palette);
  gtk_widget_set_size_request (sidebar, 200, -1);
  gtk_widget_add_css_class (sidebar, "sidebar-pane");
  gtk_box_append (GTK_BOX (main_box), sidebar);
  gtk_box_append (GTK_BOX (main_box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));

  self->image_placeholder = gtk_label_new (_ ("The generated image appears here"));
  gtk_widget_add_css_class (self->image_placeholder, "dim-label");
  self->picture = gtk_picture_new ();
  gtk_picture_set_can_shrink (GTK_PICTURE (self->picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (self->picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_picture_set_alternative_text (GTK_PICTURE (self->picture), _ ("The generated image"));
  self->image_stack = gtk_stack_new ();
  gtk_widget_add_css_class (self->image_stack, "image-view");
  gtk_stack_add_child (GTK_STACK (self->image_stack), self->image_placeholder);
  gtk_stack_add_child (GTK_STACK (self->image_stack), self->picture);
  gtk_widget_set_hexpand (self->image_stack, TRUE);

  self->paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  gtk_paned_set_start_child (GTK_PANED (self->paned), build_canvas_overlay (self));
  gtk_paned_set_end_child (GTK_PANED (self->paned), build_image_pane (self));
  gtk_paned_set_shrink_start_child (GTK_PANED (self->paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (self->paned), FALSE);
  gtk_paned_set_wide_handle (GTK_PANED (self->paned), TRUE);
  gtk_widget_set_hexpand (self->paned, TRUE);
  g_signal_connect (self->paned, "notify::max-position", G_CALLBACK (paned_max_position_cb), self);
  gtk_widget_set_vexpand (self->paned, TRUE);
  gtk_box_append (GTK_BOX (main_box), self->paned);
  gtk_widget_set_vexpand (main_box, TRUE);
  gtk_box_append (GTK_BOX (content), main_box);

  self->variations = cb_variations_new ();
  gtk_widget_set_visible (self->variations, FALSE);
  g_signal_connect (self->variations, "seed-chosen", G_CALLBACK (variation_chosen_cb), self);
  gtk_box_append (GTK_BOX (content), self->variations);
  gtk_box_append (GTK_BOX (content), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (content), build_statusbar (self));
  {
    GtkWidget *overlay = gtk_overlay_new ();

    gtk_overlay_set_child (GTK_OVERLAY (overlay), content);
    self->toast = cb_toast_new ();
    gtk_overlay_add_overlay (GTK_OVERLAY (overlay), self->toast);
    gtk_window_set_child (GTK_WINDOW (self), overlay);
  }

  g_signal_connect (self->canvas, "map-changed", G_CALLBACK (map_changed_cb), self);
  g_signal_connect (self->canvas, "stroke-finished", G_CALLBACK (stroke_finished_cb), self);
  g_signal_connect (self->canvas, "class-picked", G_CALLBACK (class_picked_cb), self);
  g_signal_connect (self->canvas, "notify::zoom", G_CALLBACK (zoom_notify_cb), self);
  g_signal_connect (self->palette, "class-selected", G_CALLBACK (class_selected_cb), self);
}

/* ------------------------------------------------------------------ labels over the image */

/* The label map in class colours at the image's size (the generator's
 * resize), over the image: which class made which pixels. It is the map at
 * the time the image arrived. */
static void
update_labels_picture (CbWindow *self)
{
  GVariant *state = g_action_group_get_action_state (G_ACTION_GROUP (self), "labels-over-image");
  gboolean on = state != NULL && g_variant_get_boolean (state);
  g_autofree guint8 *rgba = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GdkTexture) texture = NULL;

  g_clear_pointer (&state, g_variant_unref);
  gtk_widget_set_visible (self->labels_picture, on && self->image != NULL);
  if (!on || self->image == NULL)
    {
      gtk_picture_set_paintable (GTK_PICTURE (self->labels_picture), NULL);
      return;
    }
  rgba = cb_label_colors_rgba (self->doc->map, self->doc->classes, self->image->width, self->image->height);
  bytes = g_bytes_new_take (g_steal_pointer (&rgba), (gsize)self->image->width * self->image->height * 4);
  texture = gdk_memory_texture_new ((int)self->image->width, (int)self->image->height, GDK_MEMORY_R8G8B8A8, bytes,
                                    (gsize)self->image->width * 4);
  gtk_picture_set_paintable (GTK_PICTURE (self->labels_picture), GDK_PAINTABLE (texture));
}

static void
labels_over_image_changed (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  CbWindow *self = user_data;

  g_simple_action_set_state (action, value);
  gtk_widget_set_visible (self->labels_opacity_box, g_variant_get_boolean (value));
  update_labels_picture (self);
}

static void
labels_opacity_changed_cb (GtkRange *range, CbWindow *self)
{
  gtk_widget_set_opacity (self->labels_picture, gtk_range_get_value (range));
}

/* ------------------------------------------------------------------ variations */

/* after the image: a stroke's burst of generations asks for one batch */
#define VARIATIONS_DELAY_MS 400

static gboolean
variations_on (CbWindow *self)
{
  GVariant *state = g_action_group_get_action_state (G_ACTION_GROUP (self), "variations");
  gboolean on = state != NULL && g_variant_get_boolean (state);

  g_clear_pointer (&state, g_variant_unref);
  return on;
}

static gboolean
variations_cb (gpointer data)
{
  CbWindow *self = data;
  guint64 seeds[CB_VARIATIONS_N];
  CbSeeds current;
  guint64 batch;

  self->variations_id = 0;
  if (!variations_on (self) || self->worker == NULL || !cb_gen_worker_can_generate (self->worker))
    return G_SOURCE_REMOVE;
  for (guint k = 0; k < CB_VARIATIONS_N; k++)
    seeds[k] = ((guint64)g_random_int () << 32) | g_random_int ();
  cb_document_get_seeds (self->doc, &current);
  batch = cb_gen_worker_request_variations (self->worker, self->doc->map, &current, seeds, CB_VARIATIONS_N);
  cb_variations_start (CB_VARIATIONS (self->variations), batch, seeds, CB_VARIATIONS_N);
  return G_SOURCE_REMOVE;
}

static void
schedule_variations (CbWindow *self)
{
  if (!variations_on (self))
    return;
  g_clear_handle_id (&self->variations_id, g_source_remove);
  self->variations_id = g_timeout_add (VARIATIONS_DELAY_MS, variations_cb, self);
}

static void
worker_variation_cb (CbGenWorkerResult *result, gpointer user_data)
{
  CbWindow *self = user_data;

  /* a thumbnail meets device faults like the image does: the notice that
   * images now come from the CPU (given once, to whichever pass met it), or
   * why it failed */
  if (result->error != NULL && !g_error_matches (result->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (result->image != NULL)
        show_message (self, result->error->message);
      else
        show_error (self, _ ("A variation could not be generated"), result->error);
    }
  cb_variations_take_result (CB_VARIATIONS (self->variations), result);
}

/* A thumbnail clicked: its seed becomes the image seed (class seeds as they
 * are), so the image is the thumbnail's, made again at full size. */
static void
variation_chosen_cb (CbVariations *variations, guint64 seed, CbWindow *self)
{
  if (seed == self->doc->seed)
    return;
  cb_document_set_seed (self->doc, seed);
  mark_changed_beyond_map (self);
  update_seed_entry (self);
  self->adopting_seed = TRUE;
  cb_window_generate (self);
  self->adopting_seed = FALSE;
}

static void
variations_changed (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  CbWindow *self = user_data;
  gboolean on = g_variant_get_boolean (value);

  g_simple_action_set_state (action, value);
  gtk_widget_set_visible (self->variations, on);
  if (on)
    {
      g_clear_handle_id (&self->variations_id, g_source_remove);
      variations_cb (self);
    }
  else
    {
      g_clear_handle_id (&self->variations_id, g_source_remove);
      cb_variations_start (CB_VARIATIONS (self->variations), 0, NULL, 0);
    }
}

/* ------------------------------------------------------------------ shortcuts window, panning */

/* GtkApplication adds the shortcuts window only when it finds the resource
 * at startup, before our resources are registered, and never without an
 * application (tests): the window adds it itself. */
static void
ensure_help_overlay (CbWindow *self)
{
  g_autoptr (GtkBuilder) builder = NULL;

  if (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (self)) != NULL)
    return;
  builder = gtk_builder_new_from_resource (RESOURCE_BASE "/gtk/help-overlay.ui");
  gtk_application_window_set_help_overlay (GTK_APPLICATION_WINDOW (self),
                                           GTK_SHORTCUTS_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
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

/* ------------------------------------------------------------------ GObject */

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
      confirm_discard (self, close_confirmed);
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

  self->doc = cb_document_new (cb_document_default_classes (), FALLBACK_MAP_WIDTH, FALLBACK_MAP_HEIGHT);
  cb_canvas_set_document (self->canvas, self->doc);
  cb_palette_set_classes (self->palette, self->doc->classes);
  cb_canvas_set_class_id (self->canvas, (guint8)cb_class_set_get (self->doc->classes, 0)->id);
  update_seed_entry (self);
  update_actions (self);
  zoom_notify_cb (self->canvas, NULL, self);

  ensure_help_overlay (self);
  add_space_panning (self);

  self->worker = cb_gen_worker_new (self->model_path, worker_ready_cb, worker_result_cb, self);
  cb_gen_worker_set_profile_func (self->worker, worker_profile_cb);
  cb_gen_worker_set_variation_func (self->worker, worker_variation_cb);

  {
    g_autoptr (GError) error = NULL;
    const char *interval = g_getenv ("CATBRUSH_AUTOSAVE_INTERVAL");
    guint64 seconds = CB_AUTOSAVE_INTERVAL_S;

    self->autosave = cb_autosave_claim (&error);
    if (self->autosave == NULL)
      show_error (self, _ ("Paintings will not be autosaved"), error);
    if (interval != NULL && !g_ascii_string_to_unsigned (interval, 10, 0, 24 * 3600, &seconds, NULL))
      seconds = CB_AUTOSAVE_INTERVAL_S;
    if (seconds > 0)
      self->autosave_id = g_timeout_add_seconds ((guint)seconds, autosave_tick_cb, self);
  }
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
  if (self->oasis_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->oasis_dialog));
  /* the autosave file stays: a window destroyed without closing looks like a crash */
  g_clear_pointer (&self->autosave, cb_autosave_release);
  if (self->affinity_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->affinity_dialog));
  if (self->import_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->import_dialog));
  if (self->finetune_dialog != NULL)
    {
      /* a run stops (SIGTERM, then the kill timeout): the dialog's own dispose may come later */
      cb_finetune_dialog_cancel (CB_FINETUNE_DIALOG (self->finetune_dialog));
      /* it may outlive this window until the tool has ended */
      g_signal_handlers_disconnect_by_data (self->finetune_dialog, self);
      gtk_window_set_transient_for (GTK_WINDOW (self->finetune_dialog), NULL);
      gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&self->finetune_dialog)));
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

  object_class->constructed = cb_window_constructed;
  object_class->dispose = cb_window_dispose;
  object_class->finalize = cb_window_finalize;
  object_class->set_property = cb_window_set_property;
  object_class->get_property = cb_window_get_property;
  window_class->close_request = cb_window_close_request;

  properties[PROP_MODEL_PATH] = g_param_spec_string (
    "model-path", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cb_window_init (CbWindow *self)
{
  cb_gui_ensure_resources ();
  gtk_window_set_icon_name (GTK_WINDOW (self), CB_APP_ID);
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries), self);
  build_ui (self);
  add_shortcuts (self);
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
