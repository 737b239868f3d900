/* cb-window-files.c: opening label maps and projects (read in a thread or synchronously), a
 * new painting, a map in another class set's colours
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-window-private.h"

#include <glib/gi18n.h>

#include "app/gui/cb-alert.h"
#include "app/gui/cb-file-io.h"
#include "app/gui/cb-import-dialog.h"
#include "app/gui/cb-label-colors.h"
#include "model/cb-class-set-match.h"
#include "model/cb-error.h"

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
          cb_window_show_error (self, _ ("Could not read the label map's colours"), error);
          return;
        }
      cb_document_replace_map (self->doc, cb_label_map_from_nearest_colors (image, self->doc->classes, &n_colors));
      /* not what the file holds: a new, unsaved painting */
      g_clear_object (&self->doc->label_file);
      cb_window_detach_from_project (self);
      cb_document_mark_unsaved (self->doc);
      self->autosave_dirty = TRUE;
      self->starter = FALSE;
      text = g_strdup_printf (_ ("%u colours were taken as the nearest of the current classes."), n_colors);
      cb_window_show_message (self, text);
      cb_canvas_document_changed (self->canvas);
      cb_canvas_zoom_fit (self->canvas);
      cb_window_update_actions (self);
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
            cb_window_show_error (self, _ ("The map's class set could not be loaded"), error);
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
  cb_window_update_actions (self);
  cb_window_generate (self);
}

/* Opened files are read whole, local or not (cb-file-io.c), up to this size. */
#define OPEN_MAX_BYTES (G_GUINT64_CONSTANT (1) << 30)

static void
show_open_error (CbWindow *self, GFile *file, const GError *error)
{
  g_autofree char *name = g_file_get_parse_name (file);
  g_autofree char *what = g_strdup_printf (_ ("Could not open “%s”"), name);

  cb_window_show_error (self, what, error);
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
  cb_window_detach_from_project (self);
  cb_canvas_document_changed (self->canvas);
  cb_canvas_zoom_fit (self->canvas);
  cb_window_update_actions (self);
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
cb_window_model_differs (CbWindow *self, const char *sha256)
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
gboolean
cb_window_apply_project (CbWindow *self, CbProject *project)
{
  g_autofree char *note = NULL;
  gboolean other_model = cb_window_model_differs (self, project->model_sha256);
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
  cb_window_show_image (self, image);
  cb_window_classes_changed (self);
  cb_canvas_zoom_fit (self->canvas);
  if (note != NULL)
    cb_window_show_message (self, note);
  cb_window_update_actions (self);
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
  if (!any_model && cb_window_model_differs (self, project->model_sha256))
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
  if (cb_window_apply_project (self, project))
    g_set_object (&self->doc->project_file, file);
  else
    g_clear_object (&self->doc->project_file);
  cb_window_update_title (self);
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

gboolean
cb_window_is_project_file (GFile *file)
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
  if (cb_window_is_project_file (o->file))
    ok = open_project_bytes (self, o->file, bytes, o->any_model, &error);
  else
    ok = open_labels_bytes (self, o->file, bytes, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

void
cb_window_open_async (CbWindow *self, GFile *file, gboolean any_model, GAsyncReadyCallback callback, gpointer user_data)
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
  cb_window_open_async (self, file, FALSE, callback, user_data);
}

gboolean
cb_window_open_file_finish (CbWindow *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
