/* cb-file-io.c: encoding and writing a file in a GTask thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-file-io.h"

#include <glib/gi18n.h>

#include "model/cb-error.h"
#include "model/cb-fileutil.h"

typedef struct
{
  GFile *file;
  CbFileEncodeFunc encode;
  gpointer data;
  GDestroyNotify data_free;
} Write;

static void
write_free (gpointer p)
{
  Write *w = p;

  g_object_unref (w->file);
  if (w->data_free != NULL)
    w->data_free (w->data);
  g_free (w);
}

static void
write_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Write *w = task_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = w->encode (w->data, cancellable, &error);
  const char *path = g_file_peek_path (w->file);
  gsize size;
  const void *contents;

  if (bytes == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  contents = g_bytes_get_data (bytes, &size);
  /* a local file the project's way (fsync before rename); elsewhere the
   * GVfs backend replaces the file as atomically as it can */
  if (path != NULL)
    {
      if (!cb_file_set_contents_atomic (path, contents, size, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  else if (!g_file_replace_contents (w->file, contents, size, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL,
                                     cancellable, &error))
    {
      g_autofree char *name = g_file_get_parse_name (w->file);

      /* GIO's messages do not name the file */
      g_prefix_error (&error, "%s: ", name);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
cb_file_write_async (GFile *file, CbFileEncodeFunc encode, gpointer data, GDestroyNotify data_free,
                     GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Write *w = g_new0 (Write, 1);

  w->file = g_object_ref (file);
  w->encode = encode;
  w->data = data;
  w->data_free = data_free;
  g_task_set_name (task, "cb_file_write_async");
  g_task_set_task_data (task, w, write_free);
  g_task_run_in_thread (task, write_thread);
}

gboolean
cb_file_write_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

GBytes *
cb_file_read (GFile *file, guint64 max_bytes, GCancellable *cancellable, GError **error)
{
  g_autoptr (GFileInfo) info = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *name = g_file_get_parse_name (file);
  char *contents = NULL;
  gsize length = 0;

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, cancellable, NULL);
  if (info != NULL && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_SIZE)
      && (guint64)g_file_info_get_size (info) > max_bytes)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT,
                   _ ("%s: the file is too large (%.1f MiB; at most %.1f MiB are read)"), name,
                   (double)g_file_info_get_size (info) / (1024.0 * 1024.0), (double)max_bytes / (1024.0 * 1024.0));
      return NULL;
    }
  if (!g_file_load_contents (file, cancellable, &contents, &length, NULL, &local))
    {
      /* GIO's messages do not always name the file; the project's domain, as for mapped files */
      g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s: %s", name, local->message);
      return NULL;
    }
  if (length > max_bytes)
    {
      g_free (contents);
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, _ ("%s: the file is too large (at most %.1f MiB are read)"), name,
                   (double)max_bytes / (1024.0 * 1024.0));
      return NULL;
    }
  return g_bytes_new_take (contents, length);
}

typedef struct
{
  GFile *file;
  guint64 max_bytes;
} Read;

static void
read_free (gpointer p)
{
  Read *r = p;

  g_object_unref (r->file);
  g_free (r);
}

static void
read_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Read *r = task_data;
  GError *error = NULL;
  GBytes *bytes = cb_file_read (r->file, r->max_bytes, cancellable, &error);

  if (bytes != NULL)
    g_task_return_pointer (task, bytes, (GDestroyNotify)g_bytes_unref);
  else
    g_task_return_error (task, error);
}

void
cb_file_read_async (GFile *file, guint64 max_bytes, GCancellable *cancellable, GAsyncReadyCallback callback,
                    gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Read *r = g_new0 (Read, 1);

  r->file = g_object_ref (file);
  r->max_bytes = max_bytes;
  g_task_set_name (task, "cb_file_read_async");
  g_task_set_task_data (task, r, read_free);
  g_task_run_in_thread (task, read_thread);
}

GBytes *
cb_file_read_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
