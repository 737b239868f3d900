/* cb-example-editor.c: paint a label map over an example photo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-example-editor.h"

#include <glib/gi18n.h>

#include "app/gui/cb-example-folder.h"
#include "app/gui/cb-paint.h"
#include "model/cb-error.h"
#include "model/cb-photo.h"

struct _CbExampleEditor
{
  GtkWindow parent_instance;

  CbDocument *doc;
  char *photo_path;
  char *folder;
  gboolean saved; /* nothing painted since the last save */

  CbCanvas *canvas;
  CbPalette *palette;
  GtkWidget *tool_buttons[CB_TOOL_EYEDROPPER];
  GtkWidget *undo_button, *redo_button, *status;
};

G_DEFINE_FINAL_TYPE (CbExampleEditor, cb_example_editor, GTK_TYPE_WINDOW)

enum
{
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const struct
{
  const char *icon, *tooltip;
} tools[CB_TOOL_EYEDROPPER] = {
  [CB_TOOL_BRUSH] = { "catbrush-brush-symbolic", N_ ("Brush (B)") },
  [CB_TOOL_ERASER] = { "catbrush-eraser-symbolic", N_ ("Eraser: unlabelled (E)") },
  [CB_TOOL_FILL] = { "catbrush-fill-symbolic", N_ ("Flood fill (F)") },
  [CB_TOOL_LINE] = { "catbrush-line-symbolic", N_ ("Line (L)") },
  [CB_TOOL_RECT] = { "catbrush-rect-symbolic", N_ ("Rectangle (R)") },
};

static void
update_buttons (CbExampleEditor *self)
{
  gtk_widget_set_sensitive (self->undo_button, cb_undo_stack_can_undo (self->doc->undo));
  gtk_widget_set_sensitive (self->redo_button, cb_undo_stack_can_redo (self->doc->undo));
}

static void
select_tool (CbExampleEditor *self, CbTool tool)
{
  cb_canvas_set_tool (self->canvas, tool);
  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->tool_buttons[i]), i == tool);
}

static void
tool_toggled_cb (GtkToggleButton *button, CbExampleEditor *self)
{
  if (gtk_toggle_button_get_active (button))
    cb_canvas_set_tool (self->canvas, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "cb-tool")));
}

void
cb_example_editor_undo (CbExampleEditor *self)
{
  if (cb_undo_stack_undo (self->doc->undo, self->doc->map) != NULL)
    cb_canvas_document_changed (self->canvas);
  update_buttons (self);
}

void
cb_example_editor_redo (CbExampleEditor *self)
{
  if (cb_undo_stack_redo (self->doc->undo, self->doc->map) != NULL)
    cb_canvas_document_changed (self->canvas);
  update_buttons (self);
}

char *
cb_example_editor_save (CbExampleEditor *self, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  char *stem = NULL;
  guint64 labelled = 0;

  for (gsize i = 0; i < (gsize)self->doc->map->width * self->doc->map->height; i++)
    labelled += self->doc->map->ids[i] != CB_VOID_ID;
  if (labelled == 0)
    g_set_error_literal (&local_error, CB_ERROR, CB_ERROR_INVALID,
                         _ ("Nothing is painted yet: paint the classes over the photo first"));
  else
    stem = cb_example_folder_add (self->folder, self->doc->classes, self->photo_path, self->doc->map, &local_error);
  if (stem == NULL)
    {
      g_autofree char *text = g_strdup_printf (_ ("Not saved: %s"), local_error->message);

      gtk_label_set_text (GTK_LABEL (self->status), text);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  {
    g_autofree char *text
      = g_strdup_printf ("Saved as “%s” in %s (%" G_GUINT64_FORMAT " labelled pixels).", stem, self->folder, labelled);

    gtk_label_set_text (GTK_LABEL (self->status), text);
  }
  self->saved = TRUE;
  g_signal_emit (self, signals[SAVED], 0, stem);
  return stem;
}

CbCanvas *
cb_example_editor_get_canvas (CbExampleEditor *self)
{
  return self->canvas;
}

CbPalette *
cb_example_editor_get_palette (CbExampleEditor *self)
{
  return self->palette;
}

CbDocument *
cb_example_editor_get_document (CbExampleEditor *self)
{
  return self->doc;
}

/* ------------------------------------------------------------------ widgets */

static void
save_clicked_cb (GtkButton *button, CbExampleEditor *self)
{
  g_autofree char *stem = cb_example_editor_save (self, NULL);

  if (stem != NULL)
    gtk_window_close (GTK_WINDOW (self));
}

static void
undo_clicked_cb (GtkButton *button, CbExampleEditor *self)
{
  cb_example_editor_undo (self);
}

static void
redo_clicked_cb (GtkButton *button, CbExampleEditor *self)
{
  cb_example_editor_redo (self);
}

static void
stroke_finished_cb (CbCanvas *canvas, CbExampleEditor *self)
{
  self->saved = FALSE;
  gtk_label_set_text (GTK_LABEL (self->status), _ ("Not saved yet."));
  update_buttons (self);
}

static void
class_selected_cb (CbPalette *palette, guint id, CbExampleEditor *self)
{
  cb_canvas_set_class_id (self->canvas, (guint8)id);
  if (cb_canvas_get_tool (self->canvas) == CB_TOOL_ERASER)
    select_tool (self, CB_TOOL_BRUSH);
}

static void
class_picked_cb (CbCanvas *canvas, guint id, CbExampleEditor *self)
{
  if (id != CB_VOID_ID)
    {
      cb_canvas_set_class_id (canvas, (guint8)id);
      cb_palette_select_id (self->palette, id);
    }
}

static void
opacity_changed_cb (GtkRange *range, CbExampleEditor *self)
{
  cb_canvas_set_labels_opacity (self->canvas, gtk_range_get_value (range));
}

static gboolean
shortcut_cb (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  CbExampleEditor *self = CB_EXAMPLE_EDITOR (widget);
  const char *what = g_variant_get_string (args, NULL);
  CbTool tool;

  if (g_str_equal (what, "undo"))
    cb_example_editor_undo (self);
  else if (g_str_equal (what, "redo"))
    cb_example_editor_redo (self);
  else if (cb_tool_from_string (what, &tool) && tool < G_N_ELEMENTS (tools))
    select_tool (self, tool);
  return TRUE;
}

static void
cb_example_editor_dispose (GObject *object)
{
  CbExampleEditor *self = CB_EXAMPLE_EDITOR (object);

  if (self->canvas != NULL)
    cb_canvas_set_document (self->canvas, NULL);
  G_OBJECT_CLASS (cb_example_editor_parent_class)->dispose (object);
}

static void
cb_example_editor_finalize (GObject *object)
{
  CbExampleEditor *self = CB_EXAMPLE_EDITOR (object);

  g_clear_pointer (&self->doc, cb_document_free);
  g_free (self->photo_path);
  g_free (self->folder);
  G_OBJECT_CLASS (cb_example_editor_parent_class)->finalize (object);
}

static void
cb_example_editor_class_init (CbExampleEditorClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  static const struct
  {
    const char *accel, *what;
  } keys[] = {
    { "<Control>z", "undo" }, { "<Control><Shift>z", "redo" },
    { "<Control>y", "redo" }, { "b", "brush" },
    { "e", "eraser" },        { "f", "fill" },
    { "l", "line" },          { "r", "rect" },
  };

  G_OBJECT_CLASS (klass)->dispose = cb_example_editor_dispose;
  G_OBJECT_CLASS (klass)->finalize = cb_example_editor_finalize;
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                 G_TYPE_NONE, 1, G_TYPE_STRING);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      guint key;
      GdkModifierType mods;

      if (gtk_accelerator_parse (keys[i].accel, &key, &mods))
        gtk_widget_class_add_binding (widget_class, key, mods, shortcut_cb, "s", keys[i].what);
    }
}

static void
cb_example_editor_init (CbExampleEditor *self)
{
}

static GtkWidget *
icon_button (const char *icon, const char *tooltip, gboolean toggle)
{
  GtkWidget *button = toggle ? gtk_toggle_button_new () : gtk_button_new ();

  gtk_button_set_icon_name (GTK_BUTTON (button), icon);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static void
build_ui (CbExampleEditor *self, const CbClassSet *classes)
{
  GtkWidget *header = gtk_header_bar_new ();
  GtkWidget *save = gtk_button_new_with_mnemonic (_ ("_Save Example"));
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);
  GtkWidget *main_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *size, *label, *scale;
  g_autofree char *title = NULL;
  g_autofree char *base = g_path_get_basename (self->photo_path);

  title = g_strdup_printf (_ ("Example: %s"), base);
  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_window_set_default_size (GTK_WINDOW (self), 900, 640);
  gtk_widget_add_css_class (save, "suggested-action");
  gtk_widget_set_tooltip_text (save, _ ("Add the photo and its label map to the examples folder"));
  g_signal_connect (save, "clicked", G_CALLBACK (save_clicked_cb), self);
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), save);
  gtk_window_set_titlebar (GTK_WINDOW (self), header);

  self->canvas = CB_CANVAS (cb_canvas_new ());
  gtk_widget_add_css_class (bar, "toolbar");
  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      self->tool_buttons[i] = icon_button (tools[i].icon, _ (tools[i].tooltip), TRUE);
      if (i > 0)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (self->tool_buttons[i]),
                                     GTK_TOGGLE_BUTTON (self->tool_buttons[0]));
      g_object_set_data (G_OBJECT (self->tool_buttons[i]), "cb-tool", GUINT_TO_POINTER (i));
      g_signal_connect (self->tool_buttons[i], "toggled", G_CALLBACK (tool_toggled_cb), self);
      gtk_box_append (GTK_BOX (bar), self->tool_buttons[i]);
    }
  gtk_box_append (GTK_BOX (bar), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  label = gtk_label_new_with_mnemonic (_ ("_Size"));
  gtk_widget_set_margin_start (label, 6);
  size = gtk_spin_button_new_with_range (CB_BRUSH_MIN_SIZE, CB_BRUSH_MAX_SIZE, 1);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), size);
  g_object_bind_property (self->canvas, "brush-size", gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (size)), "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_box_append (GTK_BOX (bar), label);
  gtk_box_append (GTK_BOX (bar), size);
  gtk_box_append (GTK_BOX (bar), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  self->undo_button = icon_button ("edit-undo-symbolic", _ ("Undo (Ctrl+Z)"), FALSE);
  self->redo_button = icon_button ("edit-redo-symbolic", _ ("Redo (Ctrl+Shift+Z)"), FALSE);
  g_signal_connect (self->undo_button, "clicked", G_CALLBACK (undo_clicked_cb), self);
  g_signal_connect (self->redo_button, "clicked", G_CALLBACK (redo_clicked_cb), self);
  gtk_box_append (GTK_BOX (bar), self->undo_button);
  gtk_box_append (GTK_BOX (bar), self->redo_button);
  gtk_box_append (GTK_BOX (bar), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  label = gtk_label_new_with_mnemonic (_ ("Label _opacity"));
  gtk_widget_set_margin_start (label, 6);
  scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, 1, 0.05);
  gtk_range_set_value (GTK_RANGE (scale), 0.6);
  gtk_widget_set_size_request (scale, 140, -1);
  gtk_widget_set_tooltip_text (scale, _ ("How strongly the labels cover the photo"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), scale);
  g_signal_connect (scale, "value-changed", G_CALLBACK (opacity_changed_cb), self);
  gtk_box_append (GTK_BOX (bar), label);
  gtk_box_append (GTK_BOX (bar), scale);
  gtk_box_append (GTK_BOX (content), bar);
  gtk_box_append (GTK_BOX (content), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));

  self->palette = CB_PALETTE (cb_palette_new ());
  gtk_widget_set_size_request (GTK_WIDGET (self->palette), 200, -1);
  gtk_widget_add_css_class (GTK_WIDGET (self->palette), "sidebar-pane");
  cb_palette_set_classes (self->palette, classes);
  gtk_box_append (GTK_BOX (main_box), GTK_WIDGET (self->palette));
  gtk_box_append (GTK_BOX (main_box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_widget_set_hexpand (GTK_WIDGET (self->canvas), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->canvas), TRUE);
  gtk_box_append (GTK_BOX (main_box), GTK_WIDGET (self->canvas));
  gtk_widget_set_vexpand (main_box, TRUE);
  gtk_box_append (GTK_BOX (content), main_box);
  self->status = gtk_label_new (_ ("Paint each class over the photo; unlabelled pixels are left out of the estimate."));
  gtk_label_set_xalign (GTK_LABEL (self->status), 0);
  gtk_label_set_wrap (GTK_LABEL (self->status), TRUE);
  gtk_widget_add_css_class (self->status, "statusbar");
  gtk_box_append (GTK_BOX (content), self->status);
  gtk_window_set_child (GTK_WINDOW (self), content);

  g_signal_connect (self->canvas, "stroke-finished", G_CALLBACK (stroke_finished_cb), self);
  g_signal_connect (self->canvas, "class-picked", G_CALLBACK (class_picked_cb), self);
  g_signal_connect (self->palette, "class-selected", G_CALLBACK (class_selected_cb), self);
}

CbExampleEditor *
cb_example_editor_new (GtkWindow *parent, const CbClassSet *classes, const char *photo_path, const char *folder,
                       GError **error)
{
  g_autoptr (CbImage) photo = cb_photo_load (photo_path, error);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  CbExampleEditor *self;

  if (photo == NULL)
    return NULL;
  if (cb_class_set_get_n_classes (classes) == 0)
    {
      g_set_error_literal (error, CB_ERROR, CB_ERROR_INVALID, _ ("No classes to paint with"));
      return NULL;
    }
  self = g_object_new (CB_TYPE_EXAMPLE_EDITOR, "transient-for", parent, "destroy-with-parent", TRUE, NULL);
  self->photo_path = g_strdup (photo_path);
  self->folder = g_strdup (folder);
  self->doc = cb_document_new (cb_class_set_copy (classes), photo->width, photo->height);
  build_ui (self, classes);
  bytes = g_bytes_new (photo->rgb, (gsize)photo->width * photo->height * 3);
  texture
    = gdk_memory_texture_new ((int)photo->width, (int)photo->height, GDK_MEMORY_R8G8B8, bytes, (gsize)photo->width * 3);
  cb_canvas_set_document (self->canvas, self->doc);
  cb_canvas_set_underlay (self->canvas, texture);
  cb_canvas_set_class_id (self->canvas, (guint8)cb_class_set_get (classes, 0)->id);
  cb_palette_select_id (self->palette, cb_class_set_get (classes, 0)->id);
  select_tool (self, CB_TOOL_BRUSH);
  update_buttons (self);
  return self;
}
