/* cb-affinity-dialog.h: see and edit the class affinity of the target profile
 *
 * The heat map (CbAffinityView) on top; below it, for the selected target
 * class (row), sliders for its main source classes (the row's top 5 when the
 * row was selected). Moving a slider sets that entry and rescales the rest
 * of the row so that it still sums to 1 (cb_affinity_set_weight()); Reset
 * Row puts back the row as it was loaded. Every edit emits "changed"; the
 * window applies it at once (generation follows). Save Profile… writes the
 * edited profile, its "estimation" listing the edited rows. Fine-tune…
 * emits "fine-tune" (the window opens the CbFinetuneDialog).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "app/gui/cb-affinity-view.h"

G_BEGIN_DECLS

#define CB_AFFINITY_DIALOG_MAX_SLIDERS 5

#define CB_TYPE_AFFINITY_DIALOG (cb_affinity_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CbAffinityDialog, cb_affinity_dialog, CB, AFFINITY_DIALOG, GtkWindow)

/* profile copied */
GtkWidget *cb_affinity_dialog_new (GtkWindow *parent, const CbProfile *profile);
const CbProfile *cb_affinity_dialog_get_profile (CbAffinityDialog *self);
CbAffinityView *cb_affinity_dialog_get_view (CbAffinityDialog *self);
/* The warning under the heat map naming the classes whose rows are within
 * CB_PROFILE_SIMILAR_ROWS of each other (kept current as rows are edited);
 * NULL when there is none. */
const char *cb_affinity_dialog_get_similar_warning (CbAffinityDialog *self);
/* “Give “X” Its Own Mix”, shown with the warning: selects the row of the
 * closest pair's class that is not the one being edited. */
GtkWidget *cb_affinity_dialog_get_own_mix_button (CbAffinityDialog *self);

/* What the view, the sliders and the buttons do. */
void cb_affinity_dialog_select_row (CbAffinityDialog *self, int row);
guint cb_affinity_dialog_get_n_sliders (CbAffinityDialog *self);
/* the source class (column) of slider k */
guint cb_affinity_dialog_get_slider_column (CbAffinityDialog *self, guint k);
void cb_affinity_dialog_set_slider (CbAffinityDialog *self, guint k, double value);
void cb_affinity_dialog_reset_row (CbAffinityDialog *self);
gboolean cb_affinity_dialog_save (CbAffinityDialog *self, const char *path, GError **error);

G_END_DECLS
