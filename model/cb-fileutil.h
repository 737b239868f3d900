/* cb-fileutil.h: atomic writes and hashing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writes to a temporary file in the same directory, fsyncs, then renames. */
gboolean cb_file_set_contents_atomic (const char *path, const void *data, gsize len, GError **error);
char *cb_file_sha256 (const char *path, GError **error);

G_END_DECLS
