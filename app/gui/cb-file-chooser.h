/* cb-file-chooser.h: asks for a file or folder to open or save, as
 * GtkFileChooserNative (GTK 4.8) or GtkFileDialog (GTK ≥ 4.10, where the
 * former is deprecated); the choice is made at compile time here so callers
 * need no #if.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _CbFileChooser CbFileChooser;

typedef enum
{
  CB_FILE_CHOOSER_OPEN,
  CB_FILE_CHOOSER_SAVE,
  CB_FILE_CHOOSER_SELECT_FOLDER,
} CbFileChooserAction;

/* Called once a file was chosen (not on cancel). choice is the id picked in
 * the one choice added with cb_file_chooser_add_choice(), or NULL. */
typedef void (*CbFileChosenFunc) (GFile *file, const char *choice, gpointer user_data);

CbFileChooser *cb_file_chooser_new (const char *title, CbFileChooserAction action, const char *accept_label);
/* Filters in the order offered; the first is selected. */
void cb_file_chooser_add_filter (CbFileChooser *self, GtkFileFilter *filter);
void cb_file_chooser_set_current_name (CbFileChooser *self, const char *name);
/* One list of options shown beside the file list (e.g. an export size).
 * GtkFileDialog has none: with a choice the GtkFileChooserNative is kept on
 * GTK ≥ 4.10 too. */
void cb_file_chooser_set_choice (CbFileChooser *self, const char *label, const char *const *ids,
                                 const char *const *labels, const char *selected);
/* Shows the chooser modal over parent and frees self; destroy (may be NULL)
 * frees user_data once the chooser is answered either way. */
void cb_file_chooser_show (CbFileChooser *self, GtkWindow *parent, CbFileChosenFunc func, gpointer user_data,
                           GDestroyNotify destroy);

G_END_DECLS
