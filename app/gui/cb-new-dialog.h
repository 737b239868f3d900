/* cb-new-dialog.h: “New Label Map” (Ctrl+N), the size of a blank painting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CB_TYPE_NEW_DIALOG (cb_new_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CbNewDialog, cb_new_dialog, CB, NEW_DIALOG, GtkWindow)

/* Modal over parent, offering width × height; native_width/height (0: no
 * model) are the model's size, said in the hint. Create emits “create”
 * (guint width, guint height) and destroys the dialog; Cancel destroys it. */
CbNewDialog *cb_new_dialog_new (GtkWindow *parent, guint width, guint height, guint native_width, guint native_height);
guint cb_new_dialog_get_width (CbNewDialog *self);
guint cb_new_dialog_get_height (CbNewDialog *self);
void cb_new_dialog_set_size (CbNewDialog *self, guint width, guint height);
/* What Create does: emits “create”, then destroys the dialog. */
void cb_new_dialog_create (CbNewDialog *self);

G_END_DECLS
