/* cb-toast.c: a short notice with one action, over the bottom of the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-toast.h"

#include <glib/gi18n.h>

/* long enough to read a file name and reach the button */
#define TOAST_SECONDS 6

struct _CbToast
{
  GtkWidget parent_instance;

  GtkWidget *revealer;
  GtkWidget *label;
  GtkWidget *button;
  GFile *folder;
  guint timeout_id;
};

G_DEFINE_FINAL_TYPE (CbToast, cb_toast, GTK_TYPE_WIDGET)

static void
launched_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  /* no file manager is not worth a dialog: the path is in the toast */
  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_message ("Could not open the folder: %s", error->message);
}

static void
open_folder_clicked_cb (GtkButton *button, CbToast *self)
{
  g_autofree char *uri = NULL;

  if (self->folder == NULL)
    return;
  uri = g_file_get_uri (self->folder);
  g_app_info_launch_default_for_uri_async (uri, NULL, NULL, launched_cb, NULL);
  cb_toast_dismiss (self);
}

static gboolean
timeout_cb (gpointer data)
{
  CbToast *self = data;

  self->timeout_id = 0;
  cb_toast_dismiss (self);
  return G_SOURCE_REMOVE;
}

void
cb_toast_show (CbToast *self, const char *text, GFile *folder)
{
  g_return_if_fail (CB_IS_TOAST (self));

  gtk_label_set_text (GTK_LABEL (self->label), text);
  g_set_object (&self->folder, folder);
  gtk_widget_set_visible (self->button, folder != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self), TRUE);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->revealer), TRUE);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  self->timeout_id = g_timeout_add_seconds (TOAST_SECONDS, timeout_cb, self);
}

void
cb_toast_dismiss (CbToast *self)
{
  g_return_if_fail (CB_IS_TOAST (self));

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->revealer), FALSE);
}

const char *
cb_toast_get_text (CbToast *self)
{
  g_return_val_if_fail (CB_IS_TOAST (self), NULL);

  if (!gtk_revealer_get_reveal_child (GTK_REVEALER (self->revealer)))
    return NULL;
  return gtk_label_get_text (GTK_LABEL (self->label));
}

GFile *
cb_toast_get_folder (CbToast *self)
{
  g_return_val_if_fail (CB_IS_TOAST (self), NULL);

  return self->folder;
}

static void
child_revealed_cb (GtkRevealer *revealer, GParamSpec *pspec, CbToast *self)
{
  /* hidden, the toast must not take clicks meant for the canvas under it */
  if (!gtk_revealer_get_child_revealed (revealer) && !gtk_revealer_get_reveal_child (revealer))
    gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

static void
cb_toast_dispose (GObject *object)
{
  CbToast *self = CB_TOAST (object);

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_pointer (&self->revealer, gtk_widget_unparent);
  g_clear_object (&self->folder);
  G_OBJECT_CLASS (cb_toast_parent_class)->dispose (object);
}

static void
cb_toast_class_init (CbToastClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = cb_toast_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "cbtoast");
}

static void
cb_toast_init (CbToast *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *close = gtk_button_new_from_icon_name ("window-close-symbolic");

  self->revealer = gtk_revealer_new ();
  gtk_revealer_set_transition_type (GTK_REVEALER (self->revealer), GTK_REVEALER_TRANSITION_TYPE_SLIDE_UP);
  self->label = gtk_label_new (NULL);
  gtk_label_set_ellipsize (GTK_LABEL (self->label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (GTK_LABEL (self->label), 60);
  self->button = gtk_button_new_with_mnemonic (_ ("_Open Folder"));
  gtk_widget_add_css_class (close, "flat");
  gtk_widget_add_css_class (close, "circular");
  gtk_widget_set_tooltip_text (close, _ ("Dismiss"));
  gtk_widget_add_css_class (box, "osd");
  gtk_widget_add_css_class (box, "toast");
  gtk_box_append (GTK_BOX (box), self->label);
  gtk_box_append (GTK_BOX (box), self->button);
  gtk_box_append (GTK_BOX (box), close);
  gtk_revealer_set_child (GTK_REVEALER (self->revealer), box);
  gtk_widget_set_parent (self->revealer, GTK_WIDGET (self));
  g_signal_connect (self->button, "clicked", G_CALLBACK (open_folder_clicked_cb), self);
  g_signal_connect_swapped (close, "clicked", G_CALLBACK (cb_toast_dismiss), self);
  g_signal_connect (self->revealer, "notify::child-revealed", G_CALLBACK (child_revealed_cb), self);
  gtk_widget_set_halign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
  gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_END);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self), 24);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

GtkWidget *
cb_toast_new (void)
{
  return g_object_new (CB_TYPE_TOAST, NULL);
}
