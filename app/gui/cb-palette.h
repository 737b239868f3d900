/* cb-palette.h: the classes one paints with: swatch, name, search; per-class seed menu
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "model/cb-class-set.h"

G_BEGIN_DECLS

#define CB_TYPE_PALETTE (cb_palette_get_type ())
G_DECLARE_FINAL_TYPE (CbPalette, cb_palette, CB, PALETTE, GtkBox)

GtkWidget *cb_palette_new (void);
/* classes copied; the selection moves to the first class */
void cb_palette_set_classes (CbPalette *self, const CbClassSet *classes);
/* selects the row of that id (no signal when it is already selected) */
void cb_palette_select_id (CbPalette *self, guint id);
guint cb_palette_get_selected_id (CbPalette *self);
/* marks a class (by index) as re-rolled on its own */
void cb_palette_set_class_seeded (CbPalette *self, guint index, gboolean seeded);
void cb_palette_set_search (CbPalette *self, const char *text);
/* rows shown by the search filter */
guint cb_palette_get_n_visible (CbPalette *self);

G_END_DECLS
