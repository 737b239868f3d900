/* cb-class-editor.c: a list editor for hand-made target classes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-class-editor.h"

#include <glib/gi18n.h>

#include <string.h>

#include "model/cb-error.h"

#define VOID_COLOR 0x000000

struct _CbClassEditor
{
  GtkBox parent_instance;

  GtkWidget *set_name;
  GtkWidget *list;
  GPtrArray *rows; /* GtkWidget * (the row boxes), in order */
};

G_DEFINE_FINAL_TYPE (CbClassEditor, cb_class_editor, GTK_TYPE_BOX)

/* distinct colours for new rows (Tango-ish, none black) */
static const guint32 suggestions[] = {
  0x3465a4, 0xcc0000, 0x73d216, 0xedd400, 0x75507b, 0xf57900, 0xc17d11, 0x06989a, 0xef2929, 0x8ae234,
  0xfcaf3e, 0xad7fa8, 0x729fcf, 0xe9b96e, 0x4e9a06, 0x5c3566, 0xce5c00, 0x204a87, 0x8f5902, 0xa40000,
};

static guint32
rgba_to_color (const GdkRGBA *rgba)
{
  guint r = (guint)CLAMP (rgba->red * 255.0 + 0.5, 0, 255);
  guint g = (guint)CLAMP (rgba->green * 255.0 + 0.5, 0, 255);
  guint b = (guint)CLAMP (rgba->blue * 255.0 + 0.5, 0, 255);

  return (r << 16) | (g << 8) | b;
}

static void
color_to_rgba (guint32 color, GdkRGBA *rgba)
{
  rgba->red = ((color >> 16) & 0xff) / 255.0f;
  rgba->green = ((color >> 8) & 0xff) / 255.0f;
  rgba->blue = (color & 0xff) / 255.0f;
  rgba->alpha = 1.0f;
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

static guint32
row_color (GtkWidget *row)
{
  GdkRGBA rgba;

  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (g_object_get_data (G_OBJECT (row), "cb-color")), &rgba);
  return rgba_to_color (&rgba);
}

static gboolean
color_used (CbClassEditor *self, guint32 color)
{
  for (guint i = 0; i < self->rows->len; i++)
    if (row_color (g_ptr_array_index (self->rows, i)) == color)
      return TRUE;
  return FALSE;
}

static guint32
free_color (CbClassEditor *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (suggestions); i++)
    if (!color_used (self, suggestions[i]))
      return suggestions[i];
  /* past the list: a colour from the row count, never black */
  for (guint32 k = 1;; k++)
    {
      guint32 c = (k * 0x9e3779u) & 0xffffff;

      if (c != VOID_COLOR && !color_used (self, c))
        return c;
    }
}

static void
remove_clicked_cb (GtkButton *button, CbClassEditor *self)
{
  GtkWidget *row = g_object_get_data (G_OBJECT (button), "cb-row");
  guint index;

  if (g_ptr_array_find (self->rows, row, &index))
    cb_class_editor_remove (self, index);
}

guint
cb_class_editor_add (CbClassEditor *self, const char *name, guint32 color, const char *synonyms)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name_entry = gtk_entry_new ();
  GtkWidget *color_button;
  GtkWidget *synonyms_entry = gtk_entry_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("list-remove-symbolic");
  GdkRGBA rgba;

  color_to_rgba (color == G_MAXUINT32 ? free_color (self) : color, &rgba);
  color_button = gtk_color_button_new_with_rgba (&rgba);
  gtk_color_button_set_title (GTK_COLOR_BUTTON (color_button), _ ("Class Colour"));
  gtk_color_chooser_set_use_alpha (GTK_COLOR_CHOOSER (color_button), FALSE);
  gtk_widget_set_tooltip_text (color_button, _ ("The colour the class is painted with"));
  gtk_editable_set_text (GTK_EDITABLE (name_entry), name ? name : "");
  gtk_entry_set_placeholder_text (GTK_ENTRY (name_entry), _ ("name, e.g. window"));
  gtk_editable_set_width_chars (GTK_EDITABLE (name_entry), 14);
  gtk_editable_set_text (GTK_EDITABLE (synonyms_entry), synonyms ? synonyms : "");
  gtk_entry_set_placeholder_text (GTK_ENTRY (synonyms_entry), _ ("synonyms, comma-separated"));
  gtk_widget_set_hexpand (synonyms_entry, TRUE);
  gtk_widget_set_tooltip_text (synonyms_entry, _ ("Other names for the text prior, e.g. “pane, glazing”"));
  gtk_widget_set_tooltip_text (remove, _ ("Remove the class"));
  gtk_widget_add_css_class (remove, "flat");
  g_object_set_data (G_OBJECT (remove), "cb-row", row);
  g_signal_connect (remove, "clicked", G_CALLBACK (remove_clicked_cb), self);
  g_object_set_data (G_OBJECT (row), "cb-name", name_entry);
  g_object_set_data (G_OBJECT (row), "cb-color", color_button);
  g_object_set_data (G_OBJECT (row), "cb-synonyms", synonyms_entry);
  gtk_box_append (GTK_BOX (row), color_button);
  gtk_box_append (GTK_BOX (row), name_entry);
  gtk_box_append (GTK_BOX (row), synonyms_entry);
  gtk_box_append (GTK_BOX (row), remove);
  gtk_list_box_append (GTK_LIST_BOX (self->list), row);
  g_ptr_array_add (self->rows, row);
  return self->rows->len - 1;
}

G_GNUC_END_IGNORE_DEPRECATIONS

void
cb_class_editor_remove (CbClassEditor *self, guint index)
{
  GtkWidget *row;

  g_return_if_fail (index < self->rows->len);
  row = g_ptr_array_steal_index (self->rows, index);
  gtk_list_box_remove (GTK_LIST_BOX (self->list), gtk_widget_get_parent (row));
}

guint
cb_class_editor_get_n_classes (CbClassEditor *self)
{
  return self->rows->len;
}

void
cb_class_editor_set_set_name (CbClassEditor *self, const char *name)
{
  gtk_editable_set_text (GTK_EDITABLE (self->set_name), name ? name : "");
}

void
cb_class_editor_set_classes (CbClassEditor *self, const CbClassSet *classes)
{
  while (self->rows->len > 0)
    cb_class_editor_remove (self, self->rows->len - 1);
  cb_class_editor_set_set_name (self, classes->name);
  for (guint i = 0; i < cb_class_set_get_n_classes (classes); i++)
    {
      const CbClass *c = cb_class_set_get (classes, i);
      g_autofree char *synonyms = c->synonyms ? g_strjoinv (", ", c->synonyms) : NULL;

      cb_class_editor_add (self, c->name, c->color, synonyms);
    }
}

CbClassSet *
cb_class_editor_build (CbClassEditor *self, GError **error)
{
  const char *set_name = gtk_editable_get_text (GTK_EDITABLE (self->set_name));
  g_autoptr (CbClassSet) set = cb_class_set_new (*set_name ? set_name : "My classes");

  if (self->rows->len == 0)
    {
      g_set_error_literal (error, CB_ERROR, CB_ERROR_INVALID, _ ("Add at least one class"));
      return NULL;
    }
  if (self->rows->len > CB_MAX_CLASSES)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, _ ("At most %u classes"), CB_MAX_CLASSES);
      return NULL;
    }
  set->void_color = VOID_COLOR;
  for (guint i = 0; i < self->rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->rows, i);
      g_autofree char *name
        = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (g_object_get_data (G_OBJECT (row), "cb-name")))));
      const char *syn_text = gtk_editable_get_text (GTK_EDITABLE (g_object_get_data (G_OBJECT (row), "cb-synonyms")));
      g_auto (GStrv) parts = g_strsplit (syn_text, ",", -1);
      g_autoptr (GPtrArray) synonyms = g_ptr_array_new ();
      guint32 color = row_color (row);
      g_autoptr (GError) local_error = NULL;

      if (*name == '\0')
        {
          g_set_error (error, CB_ERROR, CB_ERROR_INVALID, _ ("Class %u has no name"), i + 1);
          return NULL;
        }
      if (g_ascii_strcasecmp (name, "void") == 0)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_INVALID,
                       _ ("Class %u: “void” is the unlabelled pixels (the eraser), not a class"), i + 1);
          return NULL;
        }
      if (cb_class_set_lookup_name (set, name) != NULL)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_INVALID, _ ("Class %u: the name “%s” is used twice"), i + 1, name);
          return NULL;
        }
      if (color == set->void_color)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_INVALID,
                       _ ("Class %u (“%s”): black is the colour of void pixels; choose another colour"), i + 1, name);
          return NULL;
        }
      for (guint k = 0; k < cb_class_set_get_n_classes (set); k++)
        if (cb_class_set_get (set, k)->color == color)
          {
            g_autofree char *hex = cb_color_to_string (color);

            g_set_error (error, CB_ERROR, CB_ERROR_INVALID, _ ("Classes %u and %u have the same colour (%s)"), k + 1,
                         i + 1, hex);
            return NULL;
          }
      for (guint k = 0; parts[k] != NULL; k++)
        if (*g_strstrip (parts[k]) != '\0')
          g_ptr_array_add (synonyms, parts[k]);
      g_ptr_array_add (synonyms, NULL);
      if (!cb_class_set_add (set, i, name, color, synonyms->len > 1 ? (const char *const *)synonyms->pdata : NULL,
                             &local_error))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_INVALID, _ ("Class %u (“%s”): %s"), i + 1, name, local_error->message);
          return NULL;
        }
    }
  return g_steal_pointer (&set);
}

static void
add_clicked_cb (GtkButton *button, CbClassEditor *self)
{
  guint index = cb_class_editor_add (self, NULL, G_MAXUINT32, NULL);
  GtkWidget *row = g_ptr_array_index (self->rows, index);

  gtk_widget_grab_focus (g_object_get_data (G_OBJECT (row), "cb-name"));
}

static void
cb_class_editor_finalize (GObject *object)
{
  CbClassEditor *self = CB_CLASS_EDITOR (object);

  g_ptr_array_unref (self->rows);
  G_OBJECT_CLASS (cb_class_editor_parent_class)->finalize (object);
}

static void
cb_class_editor_class_init (CbClassEditorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cb_class_editor_finalize;
}

static void
cb_class_editor_init (CbClassEditor *self)
{
  GtkWidget *name_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new_with_mnemonic (_ ("Class set _name"));
  GtkWidget *add = gtk_button_new_with_mnemonic (_ ("_Add Class"));
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  self->rows = g_ptr_array_new ();
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 6);
  self->set_name = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->set_name), _ ("My classes"));
  gtk_widget_set_hexpand (self->set_name, TRUE);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->set_name);
  gtk_box_append (GTK_BOX (name_box), label);
  gtk_box_append (GTK_BOX (name_box), self->set_name);
  gtk_box_append (GTK_BOX (self), name_box);

  self->list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (self->list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (self->list, "boxed-list");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->list);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 120);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 240);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_box_append (GTK_BOX (self), scrolled);
  gtk_widget_set_tooltip_text (add, _ ("A new class with a colour no other class has"));
  gtk_widget_set_halign (add, GTK_ALIGN_START);
  g_signal_connect (add, "clicked", G_CALLBACK (add_clicked_cb), self);
  gtk_box_append (GTK_BOX (self), add);
}

GtkWidget *
cb_class_editor_new (void)
{
  return g_object_new (CB_TYPE_CLASS_EDITOR, NULL);
}
