/* cb-palette.c: the class palette
 *
 * Rows: a colour swatch (CSS: .swatch plus a generated .swatch-ID rule), the
 * name, the id; a dice mark when the class has its own noise. Right click (or
 * long press) opens a menu of win.reroll-class / win.reset-class-seed with
 * the class index as target.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-palette.h"

#include <glib/gi18n.h>

#include <string.h>

struct _CbPalette
{
  GtkBox parent_instance;

  GtkSearchEntry *search;
  GtkListBox *list;
  GtkPopover *menu;
  GtkCssProvider *css;
  CbClassSet *classes;
  GPtrArray *seed_marks; /* of GtkWidget*, per class index */
  guint selected_id;
  gboolean selecting;
};

G_DEFINE_FINAL_TYPE (CbPalette, cb_palette, GTK_TYPE_BOX)

enum
{
  CLASS_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const CbClass *
row_class (CbPalette *self, GtkListBoxRow *row)
{
  int index = gtk_list_box_row_get_index (row);

  if (self->classes == NULL || index < 0 || (guint)index >= cb_class_set_get_n_classes (self->classes))
    return NULL;
  return cb_class_set_get (self->classes, (guint)index);
}

static gboolean
filter_func (GtkListBoxRow *row, gpointer user_data)
{
  CbPalette *self = user_data;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search));
  const CbClass *klass = row_class (self, row);
  g_autofree char *needle = NULL, *name = NULL;

  if (klass == NULL || text == NULL || *text == '\0')
    return TRUE;
  needle = g_utf8_casefold (text, -1);
  name = g_utf8_casefold (klass->name, -1);
  if (strstr (name, needle) != NULL)
    return TRUE;
  for (guint i = 0; klass->synonyms && klass->synonyms[i]; i++)
    {
      g_autofree char *synonym = g_utf8_casefold (klass->synonyms[i], -1);

      if (strstr (synonym, needle) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
search_changed_cb (GtkSearchEntry *entry, CbPalette *self)
{
  gtk_list_box_invalidate_filter (self->list);
}

static void
search_activate_cb (GtkSearchEntry *entry, CbPalette *self)
{
  /* Enter picks the first visible class */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child) && gtk_widget_get_child_visible (child))
      {
        gtk_list_box_select_row (self->list, GTK_LIST_BOX_ROW (child));
        return;
      }
}

static void
row_selected_cb (GtkListBox *list, GtkListBoxRow *row, CbPalette *self)
{
  const CbClass *klass;

  if (row == NULL || (klass = row_class (self, row)) == NULL)
    return;
  self->selected_id = klass->id;
  if (!self->selecting)
    g_signal_emit (self, signals[CLASS_SELECTED], 0, klass->id);
}

static void
show_menu (CbPalette *self, GtkWidget *row, double x, double y)
{
  int index = gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row));
  const CbClass *klass = row_class (self, GTK_LIST_BOX_ROW (row));
  g_autoptr (GMenu) menu = g_menu_new ();
  g_autoptr (GMenuItem) reroll = NULL, reset = NULL;
  g_autofree char *reroll_label = NULL;
  graphene_point_t point;

  if (klass == NULL)
    return;
  reroll_label = g_strdup_printf (_ ("Re-roll “%s”"), klass->name);
  reroll = g_menu_item_new (reroll_label, NULL);
  g_menu_item_set_action_and_target_value (reroll, "win.reroll-class", g_variant_new_uint32 ((guint32)index));
  g_menu_append_item (menu, reroll);
  reset = g_menu_item_new (_ ("Use the image noise"), NULL);
  g_menu_item_set_action_and_target_value (reset, "win.reset-class-seed", g_variant_new_uint32 ((guint32)index));
  g_menu_append_item (menu, reset);

  gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->menu), G_MENU_MODEL (menu));
  if (!gtk_widget_compute_point (row, GTK_WIDGET (self), &GRAPHENE_POINT_INIT (x, y), &point))
    point = GRAPHENE_POINT_INIT (0, 0);
  gtk_popover_set_pointing_to (self->menu, &(GdkRectangle){ (int)point.x, (int)point.y, 1, 1 });
  gtk_popover_popup (self->menu);
}

static void
row_pressed_cb (GtkGestureClick *gesture, int n_press, double x, double y, CbPalette *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  show_menu (self, row, x, y);
}

static void
row_long_pressed_cb (GtkGestureLongPress *gesture, double x, double y, CbPalette *self)
{
  show_menu (self, gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture)), x, y);
}

static GtkWidget *
make_row (CbPalette *self, const CbClass *klass)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *swatch = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *name = gtk_label_new (klass->name);
  g_autofree char *id_text = g_strdup_printf ("%u", klass->id);
  g_autofree char *swatch_class = g_strdup_printf ("swatch-%u", klass->id);
  g_autofree char *color = cb_color_to_string (klass->color);
  g_autofree char *tooltip = g_strdup_printf (_ ("%s — id %u, %s"), klass->name, klass->id, color);
  GtkWidget *id = gtk_label_new (id_text);
  GtkWidget *mark = gtk_image_new_from_icon_name ("catbrush-dice-symbolic");
  GtkGesture *click = gtk_gesture_click_new ();
  GtkGesture *long_press = gtk_gesture_long_press_new ();

  gtk_widget_add_css_class (swatch, "swatch");
  gtk_widget_add_css_class (swatch, swatch_class);
  gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_widget_add_css_class (id, "dim-label");
  gtk_widget_add_css_class (id, "numeric");
  gtk_widget_set_tooltip_text (mark, _ ("This class has its own noise"));
  gtk_widget_set_visible (mark, FALSE);
  gtk_box_append (GTK_BOX (box), swatch);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), mark);
  gtk_box_append (GTK_BOX (box), id);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_set_tooltip_text (row, tooltip);
  gtk_widget_add_css_class (row, "palette-row");
  g_ptr_array_add (self->seed_marks, mark);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (row_pressed_cb), self);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (click));
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (long_press), TRUE);
  g_signal_connect (long_press, "pressed", G_CALLBACK (row_long_pressed_cb), self);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (long_press));
  return row;
}

static void
update_css (CbPalette *self)
{
  g_autoptr (GString) css = g_string_new (NULL);

  for (guint i = 0; i < cb_class_set_get_n_classes (self->classes); i++)
    {
      const CbClass *klass = cb_class_set_get (self->classes, i);

      g_string_append_printf (css, ".swatch-%u { background-color: #%06x; }\n", klass->id, klass->color & 0xffffff);
    }
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_css_provider_load_from_data (self->css, css->str, (gssize)css->len);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

void
cb_palette_set_classes (CbPalette *self, const CbClassSet *classes)
{
  GtkWidget *child;

  g_return_if_fail (CB_IS_PALETTE (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  g_ptr_array_set_size (self->seed_marks, 0);
  g_clear_pointer (&self->classes, cb_class_set_free);
  self->classes = cb_class_set_copy (classes);
  update_css (self);

  self->selecting = TRUE;
  for (guint i = 0; i < cb_class_set_get_n_classes (self->classes); i++)
    gtk_list_box_append (self->list, make_row (self, cb_class_set_get (self->classes, i)));
  if (cb_class_set_get_n_classes (self->classes) > 0)
    {
      gtk_list_box_select_row (self->list, gtk_list_box_get_row_at_index (self->list, 0));
      self->selected_id = cb_class_set_get (self->classes, 0)->id;
    }
  self->selecting = FALSE;
}

void
cb_palette_select_id (CbPalette *self, guint id)
{
  int index;

  g_return_if_fail (CB_IS_PALETTE (self));
  if (self->classes == NULL || (index = cb_class_set_index_of_id (self->classes, id)) < 0)
    return;
  self->selecting = TRUE;
  gtk_list_box_select_row (self->list, gtk_list_box_get_row_at_index (self->list, index));
  self->selecting = FALSE;
  self->selected_id = id;
}

guint
cb_palette_get_selected_id (CbPalette *self)
{
  return self->selected_id;
}

void
cb_palette_set_class_seeded (CbPalette *self, guint index, gboolean seeded)
{
  g_return_if_fail (CB_IS_PALETTE (self));
  if (index < self->seed_marks->len)
    gtk_widget_set_visible (g_ptr_array_index (self->seed_marks, index), seeded);
}

void
cb_palette_set_search (CbPalette *self, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search), text);
  gtk_list_box_invalidate_filter (self->list);
}

guint
cb_palette_get_n_visible (CbPalette *self)
{
  guint n = 0;

  if (self->classes == NULL)
    return 0;
  for (guint i = 0; i < cb_class_set_get_n_classes (self->classes); i++)
    if (filter_func (gtk_list_box_get_row_at_index (self->list, (int)i), self))
      n++;
  return n;
}

static void
cb_palette_dispose (GObject *object)
{
  CbPalette *self = CB_PALETTE (object);

  if (self->css != NULL)
    {
      gtk_style_context_remove_provider_for_display (gtk_widget_get_display (GTK_WIDGET (self)),
                                                     GTK_STYLE_PROVIDER (self->css));
      g_clear_object (&self->css);
    }
  if (self->menu != NULL)
    {
      gtk_widget_unparent (GTK_WIDGET (self->menu));
      self->menu = NULL;
    }
  g_clear_pointer (&self->classes, cb_class_set_free);
  g_clear_pointer (&self->seed_marks, g_ptr_array_unref);
  G_OBJECT_CLASS (cb_palette_parent_class)->dispose (object);
}

static void
cb_palette_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  CbPalette *self = CB_PALETTE (widget);

  GTK_WIDGET_CLASS (cb_palette_parent_class)->size_allocate (widget, width, height, baseline);
  if (self->menu != NULL)
    gtk_popover_present (self->menu);
}

static void
cb_palette_class_init (CbPaletteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cb_palette_dispose;
  GTK_WIDGET_CLASS (klass)->size_allocate = cb_palette_size_allocate;

  signals[CLASS_SELECTED] = g_signal_new ("class-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "cbpalette");
}

static void
cb_palette_init (CbPalette *self)
{
  GtkWidget *scrolled;

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 6);
  self->seed_marks = g_ptr_array_new ();

  self->search = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_object_set (self->search, "placeholder-text", "Search classes", NULL);
  g_signal_connect (self->search, "search-changed", G_CALLBACK (search_changed_cb), self);
  g_signal_connect (self->search, "activate", G_CALLBACK (search_activate_cb), self);
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->search));

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_BROWSE);
  gtk_list_box_set_filter_func (self->list, filter_func, self, NULL);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "navigation-sidebar");
  g_signal_connect (self->list, "row-selected", G_CALLBACK (row_selected_cb), self);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->list));
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (self), scrolled);

  self->menu = GTK_POPOVER (gtk_popover_menu_new_from_model (NULL));
  gtk_popover_set_has_arrow (self->menu, FALSE);
  gtk_widget_set_halign (GTK_WIDGET (self->menu), GTK_ALIGN_START);
  gtk_widget_set_parent (GTK_WIDGET (self->menu), GTK_WIDGET (self));

  self->css = gtk_css_provider_new ();
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (self->css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

GtkWidget *
cb_palette_new (void)
{
  return g_object_new (CB_TYPE_PALETTE, NULL);
}
