/* cb-shortcuts.c: the one table of key bindings (see cb-shortcuts.h)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-shortcuts.h"

#include <glib/gi18n.h>

#define APP_WIN (CB_SHORTCUT_APP | CB_SHORTCUT_WINDOW)

static const CbShortcut shortcuts[] = {
  { N_ ("Files"), "win.new", NULL, { "<Control>n", NULL }, N_ ("New painting"), APP_WIN },
  { N_ ("Files"), "win.open", NULL, { "<Control>o", NULL }, N_ ("Open a project or a label map"), APP_WIN },
  { N_ ("Files"), "win.save", NULL, { "<Control>s", NULL }, N_ ("Save the project"), APP_WIN },
  { N_ ("Files"), "win.save-as", NULL, { "<Control><Shift>s", NULL }, N_ ("Save the project as"), APP_WIN },
  { N_ ("Files"), "win.export-image", NULL, { "<Control>e", NULL }, N_ ("Export the image"), APP_WIN },
  { N_ ("Files"),
    "win.export-labels",
    NULL,
    { "<Control><Shift>e", NULL },
    N_ ("Export the label map as colours"),
    APP_WIN },
  { N_ ("Files"), "app.new-window", NULL, { "<Control><Shift>n", NULL }, N_ ("New window"), CB_SHORTCUT_APP },
  { N_ ("Files"), "app.quit", NULL, { "<Control>q", NULL }, N_ ("Quit"), CB_SHORTCUT_APP },
  { N_ ("Tools"), "win.tool", "brush", { "b", NULL }, N_ ("Brush"), CB_SHORTCUT_WINDOW },
  { N_ ("Tools"), "win.tool", "eraser", { "e", NULL }, N_ ("Eraser (void)"), CB_SHORTCUT_WINDOW },
  { N_ ("Tools"), "win.tool", "fill", { "f", NULL }, N_ ("Flood fill"), CB_SHORTCUT_WINDOW },
  { N_ ("Tools"), "win.tool", "line", { "l", NULL }, N_ ("Line"), CB_SHORTCUT_WINDOW },
  { N_ ("Tools"), "win.tool", "rect", { "r", NULL }, N_ ("Rectangle"), CB_SHORTCUT_WINDOW },
  { N_ ("Tools"), "win.tool", "eyedropper", { "i", NULL }, N_ ("Eyedropper"), CB_SHORTCUT_WINDOW },
  { N_ ("Tools"), "win.brush-smaller", NULL, { "bracketleft", NULL }, N_ ("Smaller brush"), CB_SHORTCUT_WINDOW },
  { N_ ("Tools"), "win.brush-bigger", NULL, { "bracketright", NULL }, N_ ("Bigger brush"), CB_SHORTCUT_WINDOW },
  { N_ ("Tools"), "win.undo", NULL, { "<Control>z", NULL }, N_ ("Undo"), APP_WIN },
  { N_ ("Tools"), "win.redo", NULL, { "<Control><Shift>z", "<Control>y", NULL }, N_ ("Redo"), APP_WIN },
  { N_ ("View"),
    "win.zoom-in",
    NULL,
    { "<Control>plus", "<Control>equal", "<Control>KP_Add", NULL },
    N_ ("Zoom in"),
    APP_WIN },
  { N_ ("View"), "win.zoom-out", NULL, { "<Control>minus", "<Control>KP_Subtract", NULL }, N_ ("Zoom out"), APP_WIN },
  { N_ ("View"), "win.zoom-fit", NULL, { "<Control>0", "<Control>KP_0", NULL }, N_ ("Fit"), APP_WIN },
  { N_ ("View"), "win.zoom-100", NULL, { "<Control>1", "<Control>KP_1", NULL }, N_ ("Actual size (100 %)"), APP_WIN },
  { N_ ("View"), "win.overlay", NULL, { "o", NULL }, N_ ("Overlay the image on the labels"), CB_SHORTCUT_WINDOW },
  { N_ ("View"),
    "win.labels-over-image",
    NULL,
    { "m", NULL },
    N_ ("The label map over the image"),
    CB_SHORTCUT_WINDOW },
  { N_ ("View"),
    "win.variations",
    NULL,
    { "v", NULL },
    N_ ("Variations: the painting with other seeds"),
    CB_SHORTCUT_WINDOW },
  /* Space is the window's key controller (cb-window.c, capture phase), not an action */
  { N_ ("View"), NULL, NULL, { "space", NULL }, N_ ("Space+drag or middle drag: pan"), CB_SHORTCUT_SHOWN },
  { N_ ("View"), "win.show-help-overlay", NULL, { "<Control>question", NULL }, N_ ("Keyboard shortcuts"), APP_WIN },
  { N_ ("Generation"), "win.reroll", NULL, { "<Control>r", NULL }, N_ ("Re-roll the noise"), APP_WIN },
  { N_ ("Generation"), "win.generate", NULL, { "<Control>g", NULL }, N_ ("Generate again"), APP_WIN },
};

const CbShortcut *
cb_shortcuts_get (guint *n_shortcuts)
{
  *n_shortcuts = G_N_ELEMENTS (shortcuts);
  return shortcuts;
}

const CbShortcut *
cb_shortcuts_find (const char *action, const char *target)
{
  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    if (shortcuts[i].action != NULL && g_strcmp0 (shortcuts[i].action, action) == 0
        && g_strcmp0 (shortcuts[i].target, target) == 0)
      return &shortcuts[i];
  return NULL;
}

char *
cb_shortcuts_get_label (const char *action, const char *target)
{
  const CbShortcut *shortcut = cb_shortcuts_find (action, target);
  guint key = 0;
  GdkModifierType mods = 0;

  if (shortcut == NULL || !gtk_accelerator_parse (shortcut->accels[0], &key, &mods))
    return NULL;
  return gtk_accelerator_get_label (key, mods);
}

void
cb_shortcuts_set_app_accels (GtkApplication *app)
{
  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    if (shortcuts[i].scope & CB_SHORTCUT_APP)
      {
        g_autofree char *detailed
          = shortcuts[i].target != NULL
              ? g_action_print_detailed_name (shortcuts[i].action, g_variant_new_string (shortcuts[i].target))
              : g_strdup (shortcuts[i].action);

        gtk_application_set_accels_for_action (app, detailed, shortcuts[i].accels);
      }
}

GtkEventController *
cb_shortcuts_controller_new (void)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_BUBBLE);
  gtk_event_controller_set_name (controller, "cb-shortcuts");
  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    {
      g_autofree char *triggers = NULL;
      GtkShortcutTrigger *trigger;
      GtkShortcut *shortcut;

      if (!(shortcuts[i].scope & CB_SHORTCUT_WINDOW))
        continue;
      triggers = g_strjoinv ("|", (char **)shortcuts[i].accels);
      trigger = gtk_shortcut_trigger_parse_string (triggers);
      g_assert (trigger != NULL);
      shortcut = gtk_shortcut_new (trigger, gtk_named_action_new (shortcuts[i].action));
      if (shortcuts[i].target != NULL)
        gtk_shortcut_set_arguments (shortcut, g_variant_new_string (shortcuts[i].target));
      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), shortcut);
    }
  return controller;
}

/* GTK 4.8 has no API to add groups and shortcuts to a GtkShortcutsWindow
 * (gtk_shortcuts_section_add_group() is 4.14): it is written as GtkBuilder
 * XML from the table and built. */
GtkWidget *
cb_shortcuts_window_new (void)
{
  g_autoptr (GString) xml = g_string_new ("<interface><object class=\"GtkShortcutsWindow\" id=\"help_overlay\">"
                                          "<property name=\"modal\">True</property><child>"
                                          "<object class=\"GtkShortcutsSection\">"
                                          "<property name=\"section-name\">shortcuts</property>"
                                          "<property name=\"max-height\">12</property>");
  g_autoptr (GtkBuilder) builder = NULL;
  const char *group = NULL;
  GtkWidget *window;

  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    {
      g_autofree char *row = NULL;

      if (g_strcmp0 (group, shortcuts[i].group) != 0)
        {
          g_autofree char *head = g_markup_printf_escaped (
            "<child><object class=\"GtkShortcutsGroup\"><property name=\"title\">%s</property>",
            _ (shortcuts[i].group));

          if (group != NULL)
            g_string_append (xml, "</object></child>");
          g_string_append (xml, head);
          group = shortcuts[i].group;
        }
      row = g_markup_printf_escaped ("<child><object class=\"GtkShortcutsShortcut\">"
                                     "<property name=\"accelerator\">%s</property>"
                                     "<property name=\"title\">%s</property></object></child>",
                                     shortcuts[i].accels[0], _ (shortcuts[i].title));
      g_string_append (xml, row);
    }
  g_string_append (xml, "</object></child></object></child></object></interface>");
  builder = gtk_builder_new_from_string (xml->str, (gssize)xml->len);
  window = GTK_WIDGET (gtk_builder_get_object (builder, "help_overlay"));
  return window;
}

void
cb_shortcuts_add_to_tooltips (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_ACTIONABLE (child) && gtk_actionable_get_action_name (GTK_ACTIONABLE (child)) != NULL)
        {
          GVariant *target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (child));
          const char *tooltip = gtk_widget_get_tooltip_text (child);
          g_autofree char *keys = cb_shortcuts_get_label (
            gtk_actionable_get_action_name (GTK_ACTIONABLE (child)),
            target != NULL && g_variant_is_of_type (target, G_VARIANT_TYPE_STRING) ? g_variant_get_string (target, NULL)
                                                                                   : NULL);

          if (keys != NULL && tooltip != NULL)
            {
              g_autofree char *text = g_strdup_printf ("%s (%s)", tooltip, keys);

              gtk_widget_set_tooltip_text (child, text);
            }
        }
      cb_shortcuts_add_to_tooltips (child);
    }
}
