/* cb-shortcuts.h: the one table of key bindings
 *
 * Every shortcut of the application is a row here: its action, the keys
 * (GTK accelerator syntax, the first is the one shown), the title the
 * shortcuts window shows and where it is bound. The application's
 * accelerators (cb_shortcuts_set_app_accels()), the window's shortcut
 * controller (cb_shortcuts_controller_new()), the shortcuts window
 * (cb_shortcuts_window_new(), Ctrl+?) and the keys in tooltips
 * (cb_shortcuts_add_to_tooltips()) are all made from it;
 * tests/app/test-shortcuts.c checks that they agree.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum
{
  /* only listed in the shortcuts window (Space+drag): no action */
  CB_SHORTCUT_SHOWN = 0,
  /* gtk_application_set_accels_for_action(): keys with Ctrl, active wherever the focus is */
  CB_SHORTCUT_APP = 1 << 0,
  /* the window's shortcut controller (bubble phase: a focused entry keeps its own keys) */
  CB_SHORTCUT_WINDOW = 1 << 1,
} CbShortcutScope;

typedef struct
{
  const char *group;     /* the shortcuts window's group (N_()) */
  const char *action;    /* detailed: "win.undo"; NULL for CB_SHORTCUT_SHOWN */
  const char *target;    /* a string target (win.tool) or NULL */
  const char *accels[4]; /* NULL-terminated; the first is shown */
  const char *title;     /* what the shortcuts window says (N_()) */
  CbShortcutScope scope;
} CbShortcut;

/* The table, in the shortcuts window's order. */
const CbShortcut *cb_shortcuts_get (guint *n_shortcuts);
/* The row of an action (and string target, or NULL), NULL when it has no keys. */
const CbShortcut *cb_shortcuts_find (const char *action, const char *target);
/* The keys of an action as people read them (“Ctrl+Z”), NULL when it has none. */
char *cb_shortcuts_get_label (const char *action, const char *target);

void cb_shortcuts_set_app_accels (GtkApplication *app);
GtkEventController *cb_shortcuts_controller_new (void);
/* The shortcuts window (a GtkShortcutsWindow, not shown), made from the table. */
GtkWidget *cb_shortcuts_window_new (void);
/* Appends the keys (“ (Ctrl+Z)”) to the tooltip of every actionable widget
 * under root whose action has a row. */
void cb_shortcuts_add_to_tooltips (GtkWidget *root);

G_END_DECLS
