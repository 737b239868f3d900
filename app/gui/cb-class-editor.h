/* cb-class-editor.h: target classes defined by hand — a list of rows with a
 * name, a colour and synonyms (comma-separated); validated as a class set
 * (docs/FORMATS.md) and numbered in list order
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "model/cb-class-set.h"

G_BEGIN_DECLS

#define CB_TYPE_CLASS_EDITOR (cb_class_editor_get_type ())
G_DECLARE_FINAL_TYPE (CbClassEditor, cb_class_editor, CB, CLASS_EDITOR, GtkBox)

GtkWidget *cb_class_editor_new (void);

/* Adds a row; color G_MAXUINT32 picks a colour no other row has. Returns its index. */
guint cb_class_editor_add (CbClassEditor *self, const char *name, guint32 color, const char *synonyms);
void cb_class_editor_remove (CbClassEditor *self, guint index);
guint cb_class_editor_get_n_classes (CbClassEditor *self);
void cb_class_editor_set_set_name (CbClassEditor *self, const char *name);
/* Fills the rows from a class set (ids are renumbered in order when built). */
void cb_class_editor_set_classes (CbClassEditor *self, const CbClassSet *classes);

/* The class set (ids 0, 1, … in row order, void 255 shown as #000000), or
 * NULL and an error naming the row: an empty name, a name used twice
 * (ignoring case) or "void", a colour used twice or the void colour, no rows. */
CbClassSet *cb_class_editor_build (CbClassEditor *self, GError **error);

G_END_DECLS
