/* cb-new-dialog.c: “New Label Map” (template resources/ui/cb-new-dialog.ui)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-new-dialog.h"

#include <glib/gi18n.h>

#include "app/gui/cb-window.h"
#include "model/cb-label-map.h"

struct _CbNewDialog
{
  GtkWindow parent_instance;

  GtkWidget *width_spin, *height_spin, *hint;
};

G_DEFINE_FINAL_TYPE (CbNewDialog, cb_new_dialog, GTK_TYPE_WINDOW)

enum
{
  CREATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
create_clicked_cb (GtkButton *button, CbNewDialog *self)
{
  cb_new_dialog_create (self);
}

static void
cb_new_dialog_class_init (CbNewDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  cb_gui_ensure_resources ();
  signals[CREATE] = g_signal_new ("create", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/catbrush/Catbrush/ui/cb-new-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CbNewDialog, width_spin);
  gtk_widget_class_bind_template_child (widget_class, CbNewDialog, height_spin);
  gtk_widget_class_bind_template_child (widget_class, CbNewDialog, hint);
  gtk_widget_class_bind_template_callback (widget_class, create_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, gtk_window_destroy);
}

static void
cb_new_dialog_init (CbNewDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Enter in a field creates (a spin button's text is a GtkText, not a
   * GtkEntry: the C dialog's cast warned) */
  gtk_text_set_activates_default (GTK_TEXT (gtk_editable_get_delegate (GTK_EDITABLE (self->width_spin))), TRUE);
  gtk_text_set_activates_default (GTK_TEXT (gtk_editable_get_delegate (GTK_EDITABLE (self->height_spin))), TRUE);
}

CbNewDialog *
cb_new_dialog_new (GtkWindow *parent, guint width, guint height, guint native_width, guint native_height)
{
  CbNewDialog *self = g_object_new (CB_TYPE_NEW_DIALOG, "transient-for", parent, NULL);
  g_autofree char *hint = NULL;

  if (native_width > 0)
    hint = g_strdup_printf (_ ("The model generates at %u × %u; the label map is resized to that."), native_width,
                            native_height);
  gtk_label_set_text (GTK_LABEL (self->hint), hint != NULL ? hint : _ ("No model is loaded."));
  cb_new_dialog_set_size (self, width, height);
  return self;
}

void
cb_new_dialog_set_size (CbNewDialog *self, guint width, guint height)
{
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->width_spin), CLAMP (width, 1, CB_LABEL_MAP_MAX_SIDE));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->height_spin), CLAMP (height, 1, CB_LABEL_MAP_MAX_SIDE));
}

guint
cb_new_dialog_get_width (CbNewDialog *self)
{
  return (guint)gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->width_spin));
}

guint
cb_new_dialog_get_height (CbNewDialog *self)
{
  return (guint)gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->height_spin));
}

void
cb_new_dialog_create (CbNewDialog *self)
{
  /* the typed text counts even when Enter was not pressed in the field */
  gtk_spin_button_update (GTK_SPIN_BUTTON (self->width_spin));
  gtk_spin_button_update (GTK_SPIN_BUTTON (self->height_spin));
  g_signal_emit (self, signals[CREATE], 0, cb_new_dialog_get_width (self), cb_new_dialog_get_height (self));
  gtk_window_destroy (GTK_WINDOW (self));
}
