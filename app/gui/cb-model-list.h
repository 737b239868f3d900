/* cb-model-list.h: the models the picker offers — the bundled default and
 * the ones imported or fine-tuned by the person, kept in
 * $XDG_DATA_HOME/catbrush/models/NAME.safetensors — and the import of an
 * OASIS checkpoint into that folder off the main thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/cb-pth.h"

G_BEGIN_DECLS

typedef struct
{
  char *path;
  char *name;       /* for people: the model card's name — the file name without .safetensors */
  gboolean bundled; /* cb_model_find_default () */
} CbModelEntry;

void cb_model_entry_free (CbModelEntry *entry);

/* g_get_user_data_dir ()/catbrush/models (not created). */
char *cb_model_list_user_dir (void);

/* The bundled model first (when there is one), then the user's models by
 * name. extra_path (may be NULL), when it is not among them, is added last:
 * a model opened from elsewhere. Of CbModelEntry *. */
GPtrArray *cb_model_list_scan (const char *extra_path);

/* Index of the entry with that path (by file identity), or -1. */
int cb_model_list_find (GPtrArray *models, const char *path);

/* The radio menu of the models (action "win.model", string target = path)
 * and, in a second section, "Import OASIS Checkpoint…" (win.import-model) and
 * "Open Model File…" (win.open-model). */
GMenuModel *cb_model_list_to_menu (GPtrArray *models);

/* dir/STEM.safetensors, or dir/STEM-2.safetensors … for a name not taken yet;
 * characters other than letters, digits, '-', '_' and '.' become '-'. */
char *cb_model_list_new_path (const char *dir, const char *stem);

/* Runs cb_oasis_import () (the code path of `catbrush-cli import-oasis`) in a
 * thread and writes output_path. The importer has no progress report and
 * cannot be stopped halfway: a cancellation is seen before it starts and
 * after it ends (the file it wrote is then removed). */
void cb_model_import_oasis_async (const CbOasisImportOptions *options, const char *output_path,
                                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* The path written, or NULL and the error. */
char *cb_model_import_oasis_finish (GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbModelEntry, cb_model_entry_free)

G_END_DECLS
