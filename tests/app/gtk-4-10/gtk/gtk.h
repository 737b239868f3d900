/* gtk/gtk.h for test-gtk-4-10-branch.sh: the installed GTK (4.8) plus the
 * GTK 4.10 declarations cb-alert.c and cb-file-chooser.c use, as documented
 * on docs.gtk.org, with GTK_CHECK_VERSION answering yes, so that their
 * GTK >= 4.10 branch is at least compiled and type-checked here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma GCC system_header
#include_next <gtk/gtk.h>
#undef GTK_CHECK_VERSION
#define GTK_CHECK_VERSION(a, b, c) 1
typedef struct _GtkFileDialog GtkFileDialog;
typedef struct _GtkAlertDialog GtkAlertDialog;
GType gtk_file_dialog_get_type (void);
GType gtk_alert_dialog_get_type (void);
#define GTK_FILE_DIALOG(o) (G_TYPE_CHECK_INSTANCE_CAST ((o), gtk_file_dialog_get_type (), GtkFileDialog))
#define GTK_ALERT_DIALOG(o) (G_TYPE_CHECK_INSTANCE_CAST ((o), gtk_alert_dialog_get_type (), GtkAlertDialog))
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GtkFileDialog, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GtkAlertDialog, g_object_unref)
GtkFileDialog *gtk_file_dialog_new (void);
void gtk_file_dialog_set_title (GtkFileDialog *self, const char *title);
void gtk_file_dialog_set_modal (GtkFileDialog *self, gboolean modal);
void gtk_file_dialog_set_accept_label (GtkFileDialog *self, const char *accept_label);
void gtk_file_dialog_set_filters (GtkFileDialog *self, GListModel *filters);
void gtk_file_dialog_set_initial_name (GtkFileDialog *self, const char *name);
void gtk_file_dialog_open (GtkFileDialog *self, GtkWindow *parent, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data);
GFile *gtk_file_dialog_open_finish (GtkFileDialog *self, GAsyncResult *result, GError **error);
void gtk_file_dialog_save (GtkFileDialog *self, GtkWindow *parent, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data);
GFile *gtk_file_dialog_save_finish (GtkFileDialog *self, GAsyncResult *result, GError **error);
void gtk_file_dialog_select_folder (GtkFileDialog *self, GtkWindow *parent, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
GFile *gtk_file_dialog_select_folder_finish (GtkFileDialog *self, GAsyncResult *result, GError **error);
GtkAlertDialog *gtk_alert_dialog_new (const char *format, ...) G_GNUC_PRINTF (1, 2);
void gtk_alert_dialog_set_modal (GtkAlertDialog *self, gboolean modal);
void gtk_alert_dialog_set_detail (GtkAlertDialog *self, const char *detail);
void gtk_alert_dialog_set_buttons (GtkAlertDialog *self, const char *const *labels);
void gtk_alert_dialog_set_cancel_button (GtkAlertDialog *self, int button);
void gtk_alert_dialog_set_default_button (GtkAlertDialog *self, int button);
void gtk_alert_dialog_choose (GtkAlertDialog *self, GtkWindow *parent, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
int gtk_alert_dialog_choose_finish (GtkAlertDialog *self, GAsyncResult *result, GError **error);
