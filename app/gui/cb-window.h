/* cb-window.h: the main window: palette, tools, canvas, generated image, status
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "app/gui/cb-canvas.h"
#include "app/gui/cb-document.h"
#include "app/gui/cb-palette.h"
#include "model/cb-png.h"

G_BEGIN_DECLS

#define CB_TYPE_WINDOW (cb_window_get_type ())
G_DECLARE_FINAL_TYPE (CbWindow, cb_window, CB, WINDOW, GtkApplicationWindow)

/* Registers the GResource, the icons and the CSS once (the application and the tests call it). */
void cb_gui_ensure_resources (void);

/* app may be NULL (tests); model_path NULL = $CATBRUSH_MODEL or the bundled model */
CbWindow *cb_window_new (GtkApplication *app, const char *model_path);

CbCanvas *cb_window_get_canvas (CbWindow *self);
CbPalette *cb_window_get_palette (CbWindow *self);
CbDocument *cb_window_get_document (CbWindow *self);

/* Has the worker reported on the model and the device (successfully or not)? */
gboolean cb_window_is_model_ready (CbWindow *self);
/* Can images be generated (model and device loaded)? */
gboolean cb_window_can_generate (CbWindow *self);
/* Is a generation requested and not yet shown? */
gboolean cb_window_is_generating (CbWindow *self);
/* Generated images shown so far */
guint cb_window_get_n_images (CbWindow *self);
/* The image shown (NULL before the first) */
const CbImage *cb_window_get_image (CbWindow *self);
GdkPaintable *cb_window_get_image_paintable (CbWindow *self);
/* The text of the model/device banner, NULL when hidden */
const char *cb_window_get_banner_text (CbWindow *self);
const char *cb_window_get_message_text (CbWindow *self);
/* The toast (an export's confirmation), NULL when hidden */
const char *cb_window_get_toast_text (CbWindow *self);
/* The starter scene's hint over the canvas, NULL when hidden */
const char *cb_window_get_hint_text (CbWindow *self);
/* The strip of variations (a CbVariations; win.variations shows it) */
GtkWidget *cb_window_get_variations (CbWindow *self);
/* The label map over the image (a GtkPicture; win.labels-over-image shows it) */
GtkWidget *cb_window_get_labels_picture (CbWindow *self);

/* Asks for a generation of the current map and seeds (newest wins). */
void cb_window_generate (CbWindow *self);

/* File operations, as the dialogs do them; errors are also shown in the window. */
void cb_window_new_document (CbWindow *self, guint width, guint height);
gboolean cb_window_open_labels (CbWindow *self, GFile *file, GError **error);
/* Opens a project or a label map, local or not, read in a thread (what the
 * Open dialog does); errors are shown, and CB_ERROR_MISMATCH says a project
 * was made with another model (nothing opened). */
void cb_window_open_file_async (CbWindow *self, GFile *file, GAsyncReadyCallback callback, gpointer user_data);
gboolean cb_window_open_file_finish (CbWindow *self, GAsyncResult *result, GError **error);
gboolean cb_window_save_labels (CbWindow *self, GFile *file, GError **error);
/* Saves as the dialogs do: a copy encoded and written in a thread to any
 * GFile, the document marked saved at once and unsaved again if the write
 * fails (errors are shown). */
void cb_window_save_project_async (CbWindow *self, GFile *file, GAsyncReadyCallback callback, gpointer user_data);
void cb_window_save_labels_async (CbWindow *self, GFile *file, GAsyncReadyCallback callback, gpointer user_data);
gboolean cb_window_save_finish (CbWindow *self, GAsyncResult *result, GError **error);
/* Exports: encoded and written in a thread to any GFile; a toast or the
 * error banner says how it went, then callback (may be NULL) runs. */
void cb_window_export_labels_async (CbWindow *self, GFile *file, GAsyncReadyCallback callback, gpointer user_data);
gboolean cb_window_export_labels_finish (CbWindow *self, GAsyncResult *result, GError **error);
/* Projects (.catbrush). A project made with another model (SHA-256) is
 * CB_ERROR_MISMATCH unless any_model; with any_model its classes are matched
 * to the current model's by name, the rest cleared, its profile left out. */
gboolean cb_window_open_project (CbWindow *self, GFile *file, gboolean any_model, GError **error);
gboolean cb_window_save_project (CbWindow *self, GFile *file, GError **error);
/* a project by its suffix, else a label map */
gboolean cb_window_open_file (CbWindow *self, GFile *file, GError **error);

/* Never lose work: writes the painting as a project into this window's
 * autosave slot now (the timer does it every 30 s when something changed). */
gboolean cb_window_autosave (CbWindow *self, GError **error);
/* A save is being written (its document already looks saved). */
gboolean cb_window_is_saving (CbWindow *self);
const char *cb_window_get_autosave_path (CbWindow *self);

/* Target classes (DESIGN §2: the affinity first layer). When the classes
 * change the label map's ids mean other classes: CB_REMAP_BY_NAME keeps the
 * pixels of classes with the same name in the new set (case-insensitive),
 * clearing the rest; CB_REMAP_CLEAR clears the painting. A profile made for
 * another model (SHA-256) or with another number of source classes is
 * refused with CB_ERROR_MISMATCH, shown in the window too. */
typedef enum
{
  CB_REMAP_BY_NAME,
  CB_REMAP_CLEAR,
} CbRemap;

gboolean cb_window_load_profile (CbWindow *self, GFile *file, CbRemap remap, GError **error);
gboolean cb_window_set_profile (CbWindow *self, const CbProfile *profile, CbRemap remap, GError **error);
/* back to the model's own classes */
void cb_window_reset_classes (CbWindow *self, CbRemap remap);
const CbProfile *cb_window_get_profile (CbWindow *self);
/* The Affinity dialog (a CbAffinityDialog), NULL without a profile; its edits apply at once. */
GtkWidget *cb_window_show_affinity (CbWindow *self);
/* The Import Target Classes dialog (a CbImportDialog); its Apply sets the profile. NULL without a model. */
GtkWidget *cb_window_show_import (CbWindow *self);
/* Fine-tune… (a CbFinetuneDialog, from the Affinity dialog): the current
 * model on the profile's example folder; the model made is added to the
 * picker and offered. NULL without a profile. A running one is kept. */
GtkWidget *cb_window_show_finetune (CbWindow *self);

/* factor 1 = the model's native size, 2 or 4 = nearest upscale */
/* Models (cb-model-list.h): the new model loads off the main thread; when
 * it is ready the painting goes to its classes (remap, as Reset to Source
 * Classes) and then_open (a project, may be NULL) is opened. A model that
 * cannot be loaded is reported and the current one stays. */
void cb_window_switch_model (CbWindow *self, const char *path, CbRemap remap, GFile *then_open);
gboolean cb_window_is_switching_model (CbWindow *self);
const char *cb_window_get_model_path (CbWindow *self);
/* The model a project made with another model names, when it is at hand (its
 * path, or a listed model of the same file name); NULL otherwise. */
char *cb_window_find_project_model (CbWindow *self, GFile *file);
GtkWidget *cb_window_show_import_model (CbWindow *self);

void cb_window_export_image_async (CbWindow *self, GFile *file, guint factor, GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean cb_window_export_image_finish (CbWindow *self, GAsyncResult *result, GError **error);

G_END_DECLS
