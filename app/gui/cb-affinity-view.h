/* cb-affinity-view.h: the class affinity matrix as a heat map
 *
 * Target classes are rows, source classes columns, colour = value (0 dark,
 * 1 bright). Hovering a cell shows “door → building 0.41”; clicking selects
 * a row ("row-selected"). The profile is borrowed: call
 * cb_affinity_view_changed() after editing its matrix.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "model/cb-profile.h"

G_BEGIN_DECLS

#define CB_TYPE_AFFINITY_VIEW (cb_affinity_view_get_type ())
G_DECLARE_FINAL_TYPE (CbAffinityView, cb_affinity_view, CB, AFFINITY_VIEW, GtkWidget)

GtkWidget *cb_affinity_view_new (void);
/* borrowed; NULL clears */
void cb_affinity_view_set_profile (CbAffinityView *self, const CbProfile *profile);
void cb_affinity_view_changed (CbAffinityView *self);

/* -1 = none */
void cb_affinity_view_select_row (CbAffinityView *self, int row);
int cb_affinity_view_get_selected_row (CbAffinityView *self);

/* The cell under a point in widget coordinates; FALSE outside the cells. */
/* Where the pinned names start, in the view's coordinates: the top-left of
 * what its GtkScrolledWindow shows (0, 0 outside one). */
void cb_affinity_view_get_pinned_origin (CbAffinityView *self, double *x, double *y);
gboolean cb_affinity_view_cell_at (CbAffinityView *self, double x, double y, guint *row, guint *column);
/* The centre of a cell in widget coordinates. */
void cb_affinity_view_cell_center (CbAffinityView *self, guint row, guint column, double *x, double *y);
/* What hovering shows: “door → building 0.41”; NULL outside the cells. */
char *cb_affinity_view_describe_at (CbAffinityView *self, double x, double y);

/* The colour of a value in [0, 1] (a perceptually ordered dark-blue → yellow ramp). */
void cb_affinity_color (double value, GdkRGBA *rgba);

G_END_DECLS
