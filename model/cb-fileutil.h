/* cb-fileutil.h: atomic writes and hashing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Writes to a temporary file in the same directory, fsyncs, then renames. */
gboolean cb_file_set_contents_atomic (const char *path, const void *data, gsize len, GError **error);
char *cb_file_sha256 (const char *path, GError **error);

/* Reads and parses a JSON file of at most max_bytes (refused before reading:
 * json-glib needs about 40 times the text in memory). what names the kind of
 * file in messages ("class set"). */
JsonParser *cb_json_parser_load_file (const char *path, const char *what, gsize max_bytes, GError **error);

G_END_DECLS
