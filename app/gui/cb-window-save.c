/* cb-window-save.c: saving projects and label maps: synchronously (tests) or snapshot, mark
 * saved and write in a thread, one save at a time, in order
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-window-private.h"

#include <glib/gi18n.h>

#include "app/gui/cb-autosave.h"
#include "app/gui/cb-file-io.h"

static void saved_cb (GObject *source, GAsyncResult *result, gpointer user_data);

gboolean
cb_window_save_labels (CbWindow *self, GFile *file, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!cb_document_save_labels (self->doc, file, &local_error))
    {
      cb_window_show_error (self, _ ("Could not save the label map"), local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  cb_window_update_actions (self);
  return TRUE;
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
      cb_window_show_error (self, _ ("Could not save the project"), local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_set_object (&self->doc->project_file, file);
  cb_document_mark_saved (self->doc);
  /* the work is safe in the project now */
  self->autosave_dirty = FALSE;
  if (self->autosave != NULL)
    cb_autosave_remove (self->autosave);
  cb_window_update_actions (self);
  return TRUE;
}

/* Saves from the dialogs: the painting is copied and marked saved at once
 * (what the file will hold), encoded and written in a thread; painting goes
 * on meanwhile and counts as a change. A failed write makes it unsaved
 * again and puts the file it had back: the painting is never lost, and a
 * then() (close, open, new) runs only after a save that succeeded. */
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
      cb_window_update_actions (self);
      cb_window_show_error (self, sv->project ? _ ("Could not save the project") : _ ("Could not save the label map"),
                            error);
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
  cb_window_update_actions (self);
  g_task_return_boolean (task, TRUE);
  /* last: it may close the window */
  if (sv->then != NULL)
    sv->then (self);
  close_after_saves (self);
}

void
cb_window_save_async (CbWindow *self, GFile *file, gboolean project, ThenFunc then, GAsyncReadyCallback callback,
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
      sv->data_free = cb_window_labels_export_free;
    }
  if (self->n_saving++ > 0)
    g_queue_push_tail (&self->save_queue, task);
  else
    start_save (task);
  g_set_object (where, file);
  cb_document_mark_saved (self->doc);
  cb_window_update_actions (self);
}

void
cb_window_save_project_async (CbWindow *self, GFile *file, GAsyncReadyCallback callback, gpointer user_data)
{
  cb_window_save_async (self, file, TRUE, NULL, callback, user_data);
}

void
cb_window_save_labels_async (CbWindow *self, GFile *file, GAsyncReadyCallback callback, gpointer user_data)
{
  cb_window_save_async (self, file, FALSE, NULL, callback, user_data);
}

gboolean
cb_window_save_finish (CbWindow *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
cb_window_is_saving (CbWindow *self)
{
  return self->n_saving > 0;
}
