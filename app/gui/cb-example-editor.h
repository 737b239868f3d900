/* cb-example-editor.h: paint a few-shot example — a photo with its label map
 * painted over it in a CbCanvas, with the target classes' palette and the
 * same tools (brush, eraser, fill, line, rectangle, undo); Save adds it to an
 * examples folder (cb-example-folder.h)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "app/gui/cb-canvas.h"
#include "app/gui/cb-palette.h"

G_BEGIN_DECLS

#define CB_TYPE_EXAMPLE_EDITOR (cb_example_editor_get_type ())
G_DECLARE_FINAL_TYPE (CbExampleEditor, cb_example_editor, CB, EXAMPLE_EDITOR, GtkWindow)

/* Loads the photo (JPEG or PNG, model/cb-photo.h); the label map has its
 * size and starts void. Saving writes into folder. Signal "saved" (const char
 * *stem). */
CbExampleEditor *cb_example_editor_new (GtkWindow *parent, const CbClassSet *classes, const char *photo_path,
                                        const char *folder, GError **error);

CbCanvas *cb_example_editor_get_canvas (CbExampleEditor *self);
CbPalette *cb_example_editor_get_palette (CbExampleEditor *self);
CbDocument *cb_example_editor_get_document (CbExampleEditor *self);
void cb_example_editor_undo (CbExampleEditor *self);
void cb_example_editor_redo (CbExampleEditor *self);
/* Writes the example; returns its stem (g_free) or NULL and the error. */
char *cb_example_editor_save (CbExampleEditor *self, GError **error);

G_END_DECLS
