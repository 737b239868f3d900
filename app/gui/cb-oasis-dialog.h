/* cb-oasis-dialog.h: “Import OASIS Checkpoint”: the form of `catbrush-cli
 * import-oasis` (docs/IMPORT.md), run in a thread with a pulsing progress bar;
 * the model is written into the user's models folder (cb-model-list.h)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CB_TYPE_OASIS_DIALOG (cb_oasis_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CbOasisDialog, cb_oasis_dialog, CB, OASIS_DIALOG, GtkWindow)

/* Signal "imported" (const char *path): a model file was written. */
GtkWidget *cb_oasis_dialog_new (GtkWindow *parent);

void cb_oasis_dialog_set_generator (CbOasisDialog *self, const char *path);
void cb_oasis_dialog_set_discriminator (CbOasisDialog *self, const char *path); /* NULL: none */
/* "ade20k", "cityscapes", "cocostuff" or "custom" */
gboolean cb_oasis_dialog_set_dataset (CbOasisDialog *self, const char *dataset);
void cb_oasis_dialog_set_classes (CbOasisDialog *self, const char *path); /* custom (or replacing the bundled set) */
void cb_oasis_dialog_set_size (CbOasisDialog *self, guint width, guint height); /* 0: the dataset's */
void cb_oasis_dialog_set_name (CbOasisDialog *self, const char *name);
/* Where the models go (default: cb_model_list_user_dir ()). */
void cb_oasis_dialog_set_output_dir (CbOasisDialog *self, const char *dir);

void cb_oasis_dialog_import (CbOasisDialog *self);
gboolean cb_oasis_dialog_is_importing (CbOasisDialog *self);
const char *cb_oasis_dialog_get_status (CbOasisDialog *self);
const char *cb_oasis_dialog_get_output_path (CbOasisDialog *self); /* the last model written, or NULL */

G_END_DECLS
