/* test-shortcuts.c: the one table of key bindings (app/gui/cb-shortcuts.c)
 * and the places that read it agree: the application's accelerators, the
 * window's shortcut controller, the shortcuts window (Ctrl+?) and the keys
 * in the tooltips.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gtk/gtk.h>

#include "app/gui/cb-application.h"
#include "app/gui/cb-shortcuts.h"
#include "app/gui/cb-window.h"
#include "tests/test-ui.h"

static char *tmp_dir;

static char *
detailed_name (const CbShortcut *row)
{
  if (row->target == NULL)
    return g_strdup (row->action);
  return g_action_print_detailed_name (row->action, g_variant_new_string (row->target));
}

static GtkShortcutTrigger *
row_trigger (const CbShortcut *row)
{
  g_autofree char *joined = g_strjoinv ("|", (char **)row->accels);

  return gtk_shortcut_trigger_parse_string (joined);
}

/* every key parses, is bound once, and a row without an action is only shown */
static void
test_table (void)
{
  guint n;
  const CbShortcut *rows = cb_shortcuts_get (&n);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_cmpuint (n, >=, 25);
  for (guint i = 0; i < n; i++)
    {
      g_assert_nonnull (rows[i].group);
      g_assert_nonnull (rows[i].title);
      g_assert_nonnull (rows[i].accels[0]);
      g_assert_true ((rows[i].action == NULL) == (rows[i].scope == CB_SHORTCUT_SHOWN));
      if (rows[i].action != NULL)
        g_assert_true (cb_shortcuts_find (rows[i].action, rows[i].target) == &rows[i]);
      for (guint k = 0; rows[i].accels[k] != NULL; k++)
        {
          guint key = 0;
          GdkModifierType mods = 0;
          g_autofree char *name = NULL;

          g_assert_true (gtk_accelerator_parse (rows[i].accels[k], &key, &mods));
          g_assert_cmpuint (key, !=, 0);
          name = gtk_accelerator_name (key, mods);
          if (!g_hash_table_add (seen, g_steal_pointer (&name)))
            g_error ("%s is bound twice", rows[i].accels[k]);
        }
    }
  g_assert_null (cb_shortcuts_find ("win.no-such-action", NULL));
  {
    g_autofree char *undo = cb_shortcuts_get_label ("win.undo", NULL);

    g_assert_cmpstr (undo, ==, "Ctrl+Z");
  }
}

/* the same keys, however GTK writes them (“<Shift><Control>s”) */
static void
assert_same_keys (const char *const *have, const char *const *want)
{
  g_assert_cmpuint (g_strv_length ((char **)have), ==, g_strv_length ((char **)want));
  for (guint k = 0; want[k] != NULL; k++)
    {
      guint key_have = 0, key_want = 0;
      GdkModifierType mods_have = 0, mods_want = 0;

      g_assert_true (gtk_accelerator_parse (have[k], &key_have, &mods_have));
      g_assert_true (gtk_accelerator_parse (want[k], &key_want, &mods_want));
      g_assert_cmpuint (key_have, ==, key_want);
      g_assert_cmpuint (mods_have, ==, mods_want);
    }
}

/* the application's accelerators are exactly the table's CB_SHORTCUT_APP rows */
static void
test_application (void)
{
  g_autoptr (CbApplication) app = cb_application_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) described = NULL;
  guint n, n_app = 0;
  const CbShortcut *rows = cb_shortcuts_get (&n);

  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *detailed = NULL;
      g_auto (GStrv) accels = NULL;

      if (!(rows[i].scope & CB_SHORTCUT_APP))
        continue;
      n_app++;
      detailed = detailed_name (&rows[i]);
      accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), detailed);
      assert_same_keys ((const char *const *)accels, rows[i].accels);
    }
  described = gtk_application_list_action_descriptions (GTK_APPLICATION (app));
  g_assert_cmpuint (g_strv_length (described), ==, n_app);
}

static GtkEventController *
find_controller (GtkWidget *widget, const char *name)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (g_strcmp0 (gtk_event_controller_get_name (controller), name) == 0)
        return controller; /* the widget keeps it */
    }
  return NULL;
}

/* the window's controller binds the CB_SHORTCUT_WINDOW rows, to actions the window has */
static void
test_window_controller (void)
{
  CbWindow *window = cb_test_open_window ("/nonexistent/model.safetensors");
  GtkEventController *controller = find_controller (GTK_WIDGET (window), "cb-shortcuts");
  GListModel *shortcuts;
  guint n, n_window = 0, k = 0;
  const CbShortcut *rows = cb_shortcuts_get (&n);

  g_assert_nonnull (controller);
  g_assert_true (GTK_IS_SHORTCUT_CONTROLLER (controller));
  shortcuts = G_LIST_MODEL (controller);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GtkShortcut) shortcut = NULL;
      g_autoptr (GtkShortcutTrigger) trigger = NULL;
      GtkShortcutAction *action;
      GVariant *arguments;

      if (!(rows[i].scope & CB_SHORTCUT_WINDOW))
        continue;
      n_window++;
      g_assert_true (g_str_has_prefix (rows[i].action, "win."));
      g_assert_true (g_action_group_has_action (G_ACTION_GROUP (window), rows[i].action + 4));
      shortcut = g_list_model_get_item (shortcuts, k++);
      g_assert_nonnull (shortcut);
      trigger = row_trigger (&rows[i]);
      g_assert_true (gtk_shortcut_trigger_equal (trigger, gtk_shortcut_get_trigger (shortcut)));
      action = gtk_shortcut_get_action (shortcut);
      g_assert_true (GTK_IS_NAMED_ACTION (action));
      g_assert_cmpstr (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)), ==, rows[i].action);
      arguments = gtk_shortcut_get_arguments (shortcut);
      if (rows[i].target == NULL)
        g_assert_null (arguments);
      else
        g_assert_cmpstr (g_variant_get_string (arguments, NULL), ==, rows[i].target);
    }
  g_assert_cmpuint (g_list_model_get_n_items (shortcuts), ==, n_window);
  cb_test_close_window (window);
}

static void
collect_shortcuts (GtkWidget *widget, GPtrArray *found)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      /* the search page holds copies: only those of the groups */
      if (GTK_IS_SHORTCUTS_SHORTCUT (child) && gtk_widget_get_ancestor (child, GTK_TYPE_SHORTCUTS_GROUP) != NULL)
        g_ptr_array_add (found, child);
      collect_shortcuts (child, found);
    }
}

/* the shortcuts window lists every row under its group (the section lays
 * the groups out in columns of its own order) */
static void
test_shortcuts_window (void)
{
  GtkWidget *overlay = cb_shortcuts_window_new ();
  g_autoptr (GPtrArray) found = g_ptr_array_new ();
  g_autoptr (GHashTable) rows_left = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n;
  const CbShortcut *rows = cb_shortcuts_get (&n);

  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (overlay));
  for (guint i = 0; i < n; i++)
    g_assert_true (
      g_hash_table_add (rows_left, g_strdup_printf ("%s\n%s\n%s", rows[i].group, rows[i].accels[0], rows[i].title)));
  collect_shortcuts (overlay, found);
  g_assert_cmpuint (found->len, ==, n);
  for (guint i = 0; i < found->len; i++)
    {
      g_autofree char *accelerator = NULL;
      g_autofree char *title = NULL;
      g_autofree char *group = NULL;
      g_autofree char *key = NULL;
      GtkWidget *group_widget = gtk_widget_get_ancestor (found->pdata[i], GTK_TYPE_SHORTCUTS_GROUP);

      g_object_get (found->pdata[i], "accelerator", &accelerator, "title", &title, NULL);
      g_object_get (group_widget, "title", &group, NULL);
      key = g_strdup_printf ("%s\n%s\n%s", group, accelerator, title);
      if (!g_hash_table_remove (rows_left, key))
        g_error ("the shortcuts window has %s, which is not in the table", key);
    }
  g_assert_cmpuint (g_hash_table_size (rows_left), ==, 0);
  gtk_window_destroy (GTK_WINDOW (overlay));
}

static void
check_tooltips (GtkWidget *widget, guint *n_checked)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *name = GTK_IS_ACTIONABLE (child) ? gtk_actionable_get_action_name (GTK_ACTIONABLE (child)) : NULL;

      if (name != NULL && gtk_widget_get_tooltip_text (child) != NULL)
        {
          GVariant *target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (child));
          g_autofree char *label
            = cb_shortcuts_get_label (name, target != NULL && g_variant_is_of_type (target, G_VARIANT_TYPE_STRING)
                                              ? g_variant_get_string (target, NULL)
                                              : NULL);

          if (label != NULL)
            {
              g_autofree char *end = g_strdup_printf (" (%s)", label);

              g_test_message ("%s: %s", name, gtk_widget_get_tooltip_text (child));
              g_assert_true (g_str_has_suffix (gtk_widget_get_tooltip_text (child), end));
              (*n_checked)++;
            }
        }
      check_tooltips (child, n_checked);
    }
}

/* the buttons' tooltips end with their keys, as the table says */
static void
test_tooltips (void)
{
  CbWindow *window = cb_test_open_window ("/nonexistent/model.safetensors");
  guint n_checked = 0;
  g_autofree char *smaller = cb_shortcuts_get_label ("win.brush-smaller", NULL);
  g_autofree char *bigger = cb_shortcuts_get_label ("win.brush-bigger", NULL);
  GtkWidget *titlebar = gtk_window_get_titlebar (GTK_WINDOW (window));

  g_assert_nonnull (titlebar);
  check_tooltips (GTK_WIDGET (window), &n_checked);
  /* new, open, save, re-roll, variations; six tools, undo, redo, four zooms, overlay, labels */
  g_assert_cmpuint (n_checked, >=, 19);
  /* the brush size field names the keys of both actions */
  {
    GtkWidget *size = NULL;

    for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (window)); w != NULL;)
      {
        if (GTK_IS_SPIN_BUTTON (w))
          {
            size = w;
            break;
          }
        if (gtk_widget_get_first_child (w) != NULL)
          w = gtk_widget_get_first_child (w);
        else
          {
            while (w != NULL && gtk_widget_get_next_sibling (w) == NULL)
              w = gtk_widget_get_parent (w);
            if (w != NULL)
              w = gtk_widget_get_next_sibling (w);
          }
      }
    g_assert_nonnull (size);
    cb_test_assert_contains (gtk_widget_get_tooltip_text (size), smaller);
    cb_test_assert_contains (gtk_widget_get_tooltip_text (size), bigger);
  }
  cb_test_close_window (window);
}

static void
add_tests (void)
{
  g_test_add_func ("/app/shortcuts/table", test_table);
  g_test_add_func ("/app/shortcuts/window-controller", test_window_controller);
  g_test_add_func ("/app/shortcuts/shortcuts-window", test_shortcuts_window);
  g_test_add_func ("/app/shortcuts/tooltips", test_tooltips);
  g_test_add_func ("/app/shortcuts/application", test_application);
}

int
main (int argc, char **argv)
{
  return cb_test_app_main (argc, argv, &tmp_dir, "/app/shortcuts/skip", add_tests);
}
