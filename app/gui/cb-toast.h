/* cb-toast.h: a short notice over the bottom of the window with one action
 * (GTK 4.8 has no toast of its own; libadwaita is not used)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CB_TYPE_TOAST (cb_toast_get_type ())
G_DECLARE_FINAL_TYPE (CbToast, cb_toast, CB, TOAST, GtkWidget)

GtkWidget *cb_toast_new (void);
/* Shows text for a few seconds; with folder, an “Open Folder” button opens
 * it in the file manager. Replaces a toast still shown. */
void cb_toast_show (CbToast *self, const char *text, GFile *folder);
void cb_toast_dismiss (CbToast *self);
/* The text shown, NULL when hidden */
const char *cb_toast_get_text (CbToast *self);
/* The folder the button opens, NULL without one */
GFile *cb_toast_get_folder (CbToast *self);

G_END_DECLS
