/* cb-window-private.h: what the files of the main window share
 *
 * CbWindow is one object written in several files, one per concern
 * (docs/APP.md has the map): cb-window.c (the instance, its template
 * resources/ui/cb-window.ui, the lifecycle), cb-window-actions.c,
 * cb-window-generation.c, cb-window-files.c, cb-window-save.c,
 * cb-window-export.c, cb-window-file-dialogs.c, cb-window-questions.c,
 * cb-window-autosave.c, cb-window-classes.c and cb-window-models.c. Only
 * they include this header.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "app/gui/cb-window.h"

#include "app/gui/cb-autosave.h"
#include "app/gui/cb-file-chooser.h"
#include "app/gui/cb-gen-worker.h"
#include "app/gui/cb-project.h"
#include "app/gui/cb-variations.h"

G_BEGIN_DECLS

#define CB_WINDOW_RESOURCE_BASE "/org/catbrush/Catbrush"
#define CB_WINDOW_DEBOUNCE_MS 300
/* the map size before a model says what its native size is */
#define CB_WINDOW_FALLBACK_MAP_WIDTH 512
#define CB_WINDOW_FALLBACK_MAP_HEIGHT 384

struct _CbWindow
{
  GtkApplicationWindow parent_instance;

  guint n_saving;            /* saves asked for and not finished (cb_window_save_async) */
  GQueue save_queue;         /* of GTask: saves waiting for the one being written */
  gboolean disposed;         /* set in dispose: an open, save or export finishing later touches no widget */
  gboolean close_when_saved; /* closed while one was: close once they are done */

  char *model_path;
  CbDocument *doc;
  CbGenWorker *worker;

  /* widgets */
  CbCanvas *canvas;
  CbPalette *palette;
  GtkWidget *paned;
  gboolean paned_split;
  gboolean close_confirmed;
  GtkWidget *image_stack;
  GtkWidget *picture;
  GtkWidget *image_placeholder;
  GtkWidget *spinner;
  GtkWidget *model_banner, *model_banner_label;
  GtkWidget *message_banner, *message_label;
  GtkWidget *device_label, *time_label, *zoom_label, *seed_entry;
  GtkWidget *size_spin, *opacity_box;
  GtkWidget *toast;
  GtkWidget *hint;  /* over the canvas while the starter scene is untouched */
  gboolean starter; /* the map is the starter scene (cb-starter-scene.h) */

  /* variations (cb-variations.h): asked for a while after each generation */
  GtkWidget *variations;
  guint variations_id;

  /* the label map over the image, to see which class made which pixels */
  GtkWidget *image_pane; /* the image stack with the labels over it */
  GtkWidget *labels_picture, *labels_opacity_box;
  gboolean adopting_seed; /* a thumbnail's seed: its image is known, keep the strip */

  /* generation */
  CbImage *image;
  GdkTexture *texture;
  guint n_images;
  guint64 requested_serial, shown_serial;
  guint debounce_id;
  gboolean map_dirty; /* changed since the last request */

  /* what the worker reported */
  gboolean model_ready;
  guint native_width, native_height;
  char *model_card;
  char *model_file;
  char *model_sha256;
  CbClassSet *source_classes; /* the model's own classes */

  /* never lose work (cb-autosave.h) */
  CbAutosave *autosave;
  guint autosave_id;
  gboolean autosave_dirty;  /* changed since the last autosave */
  gboolean restore_pending; /* the restore question is open: do not overwrite the autosave */
  gboolean close_after_save;

  /* target classes; the dialogs are weak pointers (cb_window_hold_dialog()) */
  guint64 profile_serial;
  GtkWidget *affinity_dialog;
  GtkWidget *import_dialog;
  GtkWidget *finetune_dialog; /* hidden, not destroyed, when closed: a run goes on */

  /* models (cb-model-list.h) */
  GtkWidget *model_button;
  GtkWidget *menu_button; /* the main menu (resources/ui/cb-menus.ui) */
  GtkWidget *oasis_dialog;
  CbGenWorker *pending_worker; /* loading the model to switch to; the current one goes on meanwhile */
  char *pending_model;
  CbRemap pending_remap;
  GFile *pending_project; /* opened once the model it was made with is ready */
};

/* What to do once a save asked for by the close/replace question has
 * succeeded (close, open, new). */
typedef void (*ThenFunc) (CbWindow *self);
/* What a file chooser's chosen file is for (choice: the chooser's choice, may be NULL). */
typedef void (*FileChosenFunc) (CbWindow *self, GFile *file, const char *choice, ThenFunc then);

/* The file choosers' filters (cb_window_file_chooser_new()). */
enum
{
  FILTER_PNG = 1 << 0,
  FILTER_PROJECT = 1 << 1,
  FILTER_JSON = 1 << 2,
  FILTER_MODEL = 1 << 3,
};

/* A copy of the map and its classes, encoded in a thread (export, save). */
typedef struct
{
  CbLabelMap *map;
  CbClassSet *classes;
} LabelsExport;

/* cb-window.c */
void cb_window_show_message (CbWindow *self, const char *text);
void cb_window_show_error (CbWindow *self, const char *what, const GError *error);
void cb_window_update_title (CbWindow *self);
void cb_window_update_seed_entry (CbWindow *self);
gboolean cb_window_starter_untouched (CbWindow *self);
void cb_window_place_starter_scene (CbWindow *self, guint width, guint height);
void cb_window_update_actions (CbWindow *self);
void cb_window_mark_changed (CbWindow *self);
void cb_window_mark_changed_beyond_map (CbWindow *self);
void cb_window_detach_from_project (CbWindow *self);
gboolean cb_window_document_untouched (CbWindow *self);
/* the window's dialog fields: *dialog follows widget through a weak pointer; released from its "destroy" */
void cb_window_hold_dialog (GtkWidget **dialog, GtkWidget *widget);
void cb_window_release_dialog (GtkWidget **dialog, GtkWidget *widget);

/* cb-window-generation.c */
void cb_window_worker_result_cb (CbGenWorkerResult *result, gpointer user_data);
void cb_window_worker_ready_cb (const CbGenWorkerInfo *info, gpointer user_data);
void cb_window_worker_profile_cb (CbGenWorkerProfileResult *result, gpointer user_data);
void cb_window_map_changed_cb (CbCanvas *canvas, CbWindow *self);
void cb_window_stroke_finished_cb (CbCanvas *canvas, CbWindow *self);
void cb_window_show_image (CbWindow *self, CbImage *image);
void cb_window_send_profile (CbWindow *self);
void cb_window_labels_over_image_changed (GSimpleAction *action, GVariant *value, gpointer user_data);
void cb_window_labels_opacity_changed_cb (GtkRange *range, CbWindow *self);
void cb_window_worker_variation_cb (CbGenWorkerResult *result, gpointer user_data);
void cb_window_variation_chosen_cb (CbVariations *variations, guint64 seed, CbWindow *self);
void cb_window_variations_changed (GSimpleAction *action, GVariant *value, gpointer user_data);

/* cb-window-models.c */
void cb_window_take_model_info (CbWindow *self, const CbGenWorkerInfo *info);
char *cb_window_model_display_name (const char *path);
void cb_window_model_change_state (GSimpleAction *action, GVariant *value, gpointer user_data);
void cb_window_import_model_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data);
void cb_window_open_model_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data);

/* cb-window-export.c */
void cb_window_labels_export_free (gpointer p);

/* cb-window-classes.c */
void cb_window_classes_changed (CbWindow *self);
void cb_window_switch_classes (CbWindow *self, CbProfile *profile, CbRemap remap);
void cb_window_load_profile_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data);
void cb_window_reset_classes_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data);
void cb_window_affinity_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data);
void cb_window_import_classes_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data);

/* cb-window-files.c */
gboolean cb_window_model_differs (CbWindow *self, const char *sha256);
gboolean cb_window_apply_project (CbWindow *self, CbProject *project);
gboolean cb_window_is_project_file (GFile *file);
void cb_window_open_async (CbWindow *self, GFile *file, gboolean any_model, GAsyncReadyCallback callback,
                           gpointer user_data);

/* cb-window-save.c */
void cb_window_save_async (CbWindow *self, GFile *file, gboolean project, ThenFunc then, GAsyncReadyCallback callback,
                           gpointer user_data);

/* cb-window-autosave.c */
void cb_window_autosave_start (CbWindow *self);
void cb_window_offer_restore (CbWindow *self);

/* cb-window-file-dialogs.c */
CbFileChooser *cb_window_file_chooser_new (const char *title, CbFileChooserAction action, const char *accept,
                                           const char *suggested_name, guint filters);
void cb_window_file_chooser_show (CbFileChooser *chooser, CbWindow *self, FileChosenFunc func, ThenFunc then);
void cb_window_show_save_project_dialog (CbWindow *self, ThenFunc then);
void cb_window_open_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data);
void cb_window_save_as_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data);
void cb_window_save_labels_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data);
void cb_window_export_labels_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data);
void cb_window_export_image_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data);
void cb_window_save_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data);

/* cb-window-questions.c */
void cb_window_confirm_discard (CbWindow *self, ThenFunc then);

/* cb-window-actions.c */
void cb_window_add_actions (CbWindow *self);

G_END_DECLS
