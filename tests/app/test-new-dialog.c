/* test-new-dialog.c: New Label Map (Ctrl+N; app/gui/cb-new-dialog.c, a template)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gtk/gtk.h>

#include "app/gui/cb-new-dialog.h"
#include "app/gui/cb-window.h"
#include "tests/test-ui.h"

static char *tmp_dir;

static CbNewDialog *
find_new_dialog (CbWindow *window)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWidget) toplevel = g_list_model_get_item (toplevels, i);

      if (CB_IS_NEW_DIALOG (toplevel) && gtk_window_get_transient_for (GTK_WINDOW (toplevel)) == GTK_WINDOW (window))
        return CB_NEW_DIALOG (toplevel);
    }
  return NULL;
}

/* win.new on an unchanged painting opens the dialog at once; Create makes a
 * blank map of the size asked, Cancel leaves the painting alone */
static void
test_create (void)
{
  CbWindow *window = cb_test_open_window ("/nonexistent/model.safetensors");
  CbNewDialog *dialog;
  const CbDocument *doc;

  g_action_group_activate_action (G_ACTION_GROUP (window), "new", NULL);
  dialog = find_new_dialog (window);
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
  /* no model: the size before a model says its own */
  g_assert_cmpuint (cb_new_dialog_get_width (dialog), ==, 512);
  g_assert_cmpuint (cb_new_dialog_get_height (dialog), ==, 384);
  cb_new_dialog_set_size (dialog, 64, 0); /* at least 1 */
  g_assert_cmpuint (cb_new_dialog_get_height (dialog), ==, 1);
  cb_new_dialog_set_size (dialog, 64, 48);
  cb_new_dialog_create (dialog);
  cb_test_spin (20);
  g_assert_null (find_new_dialog (window));
  doc = cb_window_get_document (window);
  g_assert_cmpuint (doc->map->width, ==, 64);
  g_assert_cmpuint (doc->map->height, ==, 48);
  g_assert_true (cb_document_is_blank (doc));

  g_action_group_activate_action (G_ACTION_GROUP (window), "new", NULL);
  dialog = find_new_dialog (window);
  g_assert_nonnull (dialog);
  gtk_window_destroy (GTK_WINDOW (dialog)); /* Cancel */
  cb_test_spin (20);
  g_assert_cmpuint (cb_window_get_document (window)->map->width, ==, 64);

  /* the dialog goes with its window */
  g_action_group_activate_action (G_ACTION_GROUP (window), "new", NULL);
  g_assert_nonnull (find_new_dialog (window));
  cb_test_close_window (window);
}

static void
add_tests (void)
{
  g_test_add_func ("/app/new-dialog/create", test_create);
}

int
main (int argc, char **argv)
{
  return cb_test_app_main (argc, argv, &tmp_dir, "/app/new-dialog/skip", add_tests);
}
