/* cb-file-io.h: writing a file off the main loop — the encoding (PNG, zip)
 * and the write run in a GTask thread, to any GFile a chooser returns
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Runs in the worker thread: the file's contents from data, or NULL with error. */
typedef GBytes *(*CbFileEncodeFunc) (gpointer data, GCancellable *cancellable, GError **error);

/* Encodes data and writes the result to file, atomically: a local file
 * through a temporary file, fsync and rename (cb-fileutil.c), another one
 * through g_file_replace_contents(). data is freed with data_free in the
 * thread's task once done; the caller must not touch it meanwhile. */
void cb_file_write_async (GFile *file, CbFileEncodeFunc encode, gpointer data, GDestroyNotify data_free,
                          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
gboolean cb_file_write_finish (GAsyncResult *result, GError **error);

/* Reads a whole file, local or not, refusing one over max_bytes before
 * reading it (when its size is known) with CB_ERROR_LIMIT; errors name the
 * file. The blocking call; cb_file_read_async() runs it in a thread. */
GBytes *cb_file_read (GFile *file, guint64 max_bytes, GCancellable *cancellable, GError **error);
void cb_file_read_async (GFile *file, guint64 max_bytes, GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data);
GBytes *cb_file_read_finish (GAsyncResult *result, GError **error);

G_END_DECLS
