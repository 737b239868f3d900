/* cb-window-export.c: exporting the image and the label map as colours (encoded and written in a thread)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "app/gui/cb-file-io.h"
#include "app/gui/cb-label-colors.h"
#include "app/gui/cb-toast.h"
#include "model/cb-error.h"

/* An export leaves no trace in the window otherwise: say where it went. */
static void
show_exported (CbWindow *self, GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *text = g_strdup_printf (_ ("Exported “%s”"), name);
  g_autoptr (GFile) folder = g_file_get_parent (file);

  cb_toast_show (CB_TOAST (self->toast), text, folder);
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
        cb_window_show_error (self, e->what, error);
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

  cb_window_show_error (self, what, error);
  g_task_return_error (task, error);
}

void
cb_window_labels_export_free (gpointer p)
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
  export_async (self, file, _ ("Could not export the label map"), encode_labels_rgb, e, cb_window_labels_export_free,
                callback, user_data);
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
