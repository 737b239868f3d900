/* cb-import-dialog.h: "Import Target Classes…": estimate a target profile in the app
 *
 * Classes come from a class-set JSON or a dataset folder in the shared
 * layout (classes.json, images/, labels/, SPLIT.txt; its examples feed the
 * segmentation and vision priors). The priors (model/cb-affinity.h) are
 * chosen with weights, a temperature and top-k; a prior the model or the
 * input cannot run is shown disabled with the reason. The inputs and the
 * computation in a GTask thread (model/ through render/'s backend) are a
 * CbImportJob (cb-import-job.h); the dialog, a template
 * (resources/ui/cb-import-dialog.ui), presents it with a progress bar and
 * Cancel; the result is shown as a heat map, and Apply emits "apply" with
 * the profile (the window switches the palette to the target classes).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "app/gui/cb-affinity-view.h"
#include "app/gui/cb-class-editor.h"
#include "app/gui/cb-example-editor.h"
#include "app/gui/cb-import-job.h"
#include "model/cb-affinity.h"

G_BEGIN_DECLS

#define CB_TYPE_IMPORT_DIALOG (cb_import_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CbImportDialog, cb_import_dialog, CB, IMPORT_DIALOG, GtkWindow)

/* Loads the model (for its classes, discriminator and SHA-256); NULL with an error when it cannot. */
CbImportDialog *cb_import_dialog_new (GtkWindow *parent, const char *model_path, GError **error);
/* what it presents: the inputs and the estimation (owned by the dialog) */
CbImportJob *cb_import_dialog_get_job (CbImportDialog *self);

/* What the buttons do. */
gboolean cb_import_dialog_load_class_set (CbImportDialog *self, const char *path, GError **error);
/* split NULL: the folder's default (train) */
gboolean cb_import_dialog_load_dataset (CbImportDialog *self, const char *dir, const char *split, GError **error);
/* FALSE with *why (free it) when the prior cannot run now */
/* Classes defined by hand (the “New Class Set” editor): validated and used
 * as the target, or saved as class-set JSON. */
CbClassEditor *cb_import_dialog_get_class_editor (CbImportDialog *self);
gboolean cb_import_dialog_use_class_editor (CbImportDialog *self, GError **error);
gboolean cb_import_dialog_save_class_set (CbImportDialog *self, const char *path, GError **error);
/* Examples painted here: opens the photo in a CbExampleEditor with the target
 * classes; each saved example goes to the examples folder (default
 * $XDG_DATA_HOME/catbrush/examples/SET-NAME, a new one per class set), which
 * then feeds the priors like a dataset folder. */
void cb_import_dialog_set_examples_folder (CbImportDialog *self, const char *dir);
const char *cb_import_dialog_get_examples_folder (CbImportDialog *self);
CbExampleEditor *cb_import_dialog_add_example (CbImportDialog *self, const char *photo_path, GError **error);
gboolean cb_import_dialog_method_available (CbImportDialog *self, CbAffinityMethod method, char **why);
void cb_import_dialog_set_method (CbImportDialog *self, CbAffinityMethod method, gboolean use, double weight);
void cb_import_dialog_set_temperature (CbImportDialog *self, double temperature);
void cb_import_dialog_set_top_k (CbImportDialog *self, guint k);

void cb_import_dialog_compute (CbImportDialog *self);
void cb_import_dialog_cancel (CbImportDialog *self);
gboolean cb_import_dialog_is_computing (CbImportDialog *self);
/* the last result, NULL before one */
const CbProfile *cb_import_dialog_get_profile (CbImportDialog *self);
const char *cb_import_dialog_get_status (CbImportDialog *self);
CbAffinityView *cb_import_dialog_get_view (CbImportDialog *self);
/* emits "apply" (const CbProfile *) when there is a result */
void cb_import_dialog_apply (CbImportDialog *self);

G_END_DECLS
