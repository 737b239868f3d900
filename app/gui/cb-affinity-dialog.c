/* cb-affinity-dialog.c: the "Affinity" dialog: heat map, row sliders, reset, save
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-affinity-dialog.h"

#include <glib/gi18n.h>

#include <string.h>

#include "app/gui/cb-alert.h"
#include "app/gui/cb-file-chooser.h"
#include "app/gui/cb-project.h"
#include "app/gui/cb-window.h"

struct _CbAffinityDialog
{
  GtkWindow parent_instance;

  CbProfile *profile; /* the edited copy */
  float *original;    /* the matrix as it came, for Reset Row */
  gboolean *edited;   /* per row */
  CbAffinityView *view;
  GtkWidget *row_label;
  GtkWidget *similar_label;  /* the classes the generator cannot tell apart */
  GtkWidget *own_mix_button; /* selects a row of the closest such pair */
  int own_mix_row;
  GtkWidget *grid;
  GtkWidget *reset_button;
  GtkWidget *names[CB_AFFINITY_DIALOG_MAX_SLIDERS];
  GtkWidget *scales[CB_AFFINITY_DIALOG_MAX_SLIDERS];
  guint columns[CB_AFFINITY_DIALOG_MAX_SLIDERS];
  guint n_sliders;
  int row;
  gboolean updating;
};

G_DEFINE_FINAL_TYPE (CbAffinityDialog, cb_affinity_dialog, GTK_TYPE_WINDOW)

enum
{
  CHANGED,
  FINE_TUNE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static float *
row_values (CbAffinityDialog *self, int row)
{
  return self->profile->affinity + (gsize)row * self->profile->n_source;
}

static void
sync_sliders (CbAffinityDialog *self)
{
  self->updating = TRUE;
  for (guint k = 0; k < self->n_sliders; k++)
    gtk_range_set_value (GTK_RANGE (self->scales[k]), row_values (self, self->row)[self->columns[k]]);
  self->updating = FALSE;
}

/* the profile's "estimation" says which rows were edited by hand */
static void
record_edits (CbAffinityDialog *self)
{
  JsonObject *estimation;
  JsonArray *rows = json_array_new ();

  if (self->profile->estimation == NULL || !JSON_NODE_HOLDS_OBJECT (self->profile->estimation))
    {
      g_autoptr (JsonObject) object = json_object_new ();
      g_clear_pointer (&self->profile->estimation, json_node_unref);
      /* the node takes its own reference */
      self->profile->estimation = json_node_init_object (json_node_alloc (), object);
    }
  estimation = json_node_get_object (self->profile->estimation);
  for (guint r = 0; r < cb_class_set_get_n_classes (self->profile->target); r++)
    if (self->edited[r])
      json_array_add_string_element (rows, cb_class_set_get (self->profile->target, r)->name);
  json_object_set_array_member (estimation, "edited_rows", rows);
}

static void
update_similar (CbAffinityDialog *self)
{
  g_autofree char *similar = cb_profile_describe_similar_rows (self->profile, CB_PROFILE_SIMILAR_ROWS);
  g_autoptr (GArray) pairs = cb_profile_similar_rows (self->profile, CB_PROFILE_SIMILAR_ROWS);
  g_autofree char *text = NULL;

  if (similar != NULL)
    text = g_strdup_printf (_ ("The model would draw these classes the same way (their mixes differ by at most "
                               "%.2f): %s. To tell them apart, give one of each pair its own mix of model classes."),
                            (double)CB_PROFILE_SIMILAR_ROWS, similar);
  gtk_label_set_text (GTK_LABEL (self->similar_label), text ? text : "");
  gtk_widget_set_visible (self->similar_label, text != NULL);

  /* the next step as a button: the closest pair's class that is not being edited */
  self->own_mix_row = -1;
  if (similar != NULL && pairs != NULL && pairs->len > 0)
    {
      const CbRowPair *pair = &g_array_index (pairs, CbRowPair, 0);
      g_autofree char *label = NULL;

      self->own_mix_row = self->row == (int)pair->a ? (int)pair->b : (int)pair->a;
      label = g_strdup_printf (_ ("Give “%s” Its Own Mix"),
                               cb_class_set_get (self->profile->target, (guint)self->own_mix_row)->name);
      gtk_button_set_label (GTK_BUTTON (self->own_mix_button), label);
    }
  gtk_widget_set_visible (self->own_mix_button, self->own_mix_row >= 0);
}

static void
own_mix_clicked_cb (GtkButton *button, CbAffinityDialog *self)
{
  if (self->own_mix_row >= 0)
    cb_affinity_dialog_select_row (self, self->own_mix_row);
}

static void
emit_changed (CbAffinityDialog *self)
{
  record_edits (self);
  update_similar (self);
  cb_affinity_view_changed (self->view);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
scale_changed_cb (GtkRange *range, CbAffinityDialog *self)
{
  for (guint k = 0; k < self->n_sliders; k++)
    if (GTK_WIDGET (range) == self->scales[k] && !self->updating)
      cb_affinity_dialog_set_slider (self, k, gtk_range_get_value (range));
}

static void
row_selected_cb (CbAffinityView *view, int row, CbAffinityDialog *self)
{
  cb_affinity_dialog_select_row (self, row);
}

static void
reset_clicked_cb (GtkButton *button, CbAffinityDialog *self)
{
  cb_affinity_dialog_reset_row (self);
}

static void
fine_tune_clicked_cb (GtkButton *button, CbAffinityDialog *self)
{
  g_signal_emit (self, signals[FINE_TUNE], 0);
}

static void
save_chosen_cb (GFile *file, const char *choice, gpointer user_data)
{
  CbAffinityDialog *self = user_data;
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) error = NULL;

  if (path != NULL && !cb_affinity_dialog_save (self, path, &error))
    cb_alert_show_error (GTK_WINDOW (self), _ ("The profile could not be saved"), error->message);
}

static void
save_clicked_cb (GtkButton *button, CbAffinityDialog *self)
{
  CbFileChooser *chooser = cb_file_chooser_new (_ ("Save Target Profile"), CB_FILE_CHOOSER_SAVE, _ ("_Save"));
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name
    = g_strdup_printf ("%s.json", self->profile->target->name ? self->profile->target->name : "profile");

  gtk_file_filter_set_name (filter, _ ("Target profiles (JSON)"));
  gtk_file_filter_add_suffix (filter, "json");
  cb_file_chooser_add_filter (chooser, filter);
  cb_file_chooser_set_current_name (chooser, name);
  cb_file_chooser_show (chooser, GTK_WINDOW (self), save_chosen_cb, self, NULL);
}

static void
cb_affinity_dialog_finalize (GObject *object)
{
  CbAffinityDialog *self = CB_AFFINITY_DIALOG (object);

  g_clear_pointer (&self->profile, cb_profile_free);
  g_free (self->original);
  g_free (self->edited);
  G_OBJECT_CLASS (cb_affinity_dialog_parent_class)->finalize (object);
}

static void
cb_affinity_dialog_class_init (CbAffinityDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = cb_affinity_dialog_finalize;
  signals[CHANGED]
    = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[FINE_TUNE]
    = g_signal_new ("fine-tune", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  cb_gui_ensure_resources ();
  g_type_ensure (CB_TYPE_AFFINITY_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/catbrush/Catbrush/ui/cb-affinity-dialog.ui");
  for (guint k = 0; k < CB_AFFINITY_DIALOG_MAX_SLIDERS; k++)
    {
      g_autofree char *name = g_strdup_printf ("name%u", k);
      g_autofree char *scale = g_strdup_printf ("scale%u", k);

      gtk_widget_class_bind_template_child_full (widget_class, name, FALSE,
                                                 G_STRUCT_OFFSET (CbAffinityDialog, names) + k * sizeof (GtkWidget *));
      gtk_widget_class_bind_template_child_full (widget_class, scale, FALSE,
                                                 G_STRUCT_OFFSET (CbAffinityDialog, scales) + k * sizeof (GtkWidget *));
    }
  gtk_widget_class_bind_template_child (widget_class, CbAffinityDialog, view);
  gtk_widget_class_bind_template_child (widget_class, CbAffinityDialog, row_label);
  gtk_widget_class_bind_template_child (widget_class, CbAffinityDialog, similar_label);
  gtk_widget_class_bind_template_child (widget_class, CbAffinityDialog, own_mix_button);
  gtk_widget_class_bind_template_child (widget_class, CbAffinityDialog, grid);
  gtk_widget_class_bind_template_child (widget_class, CbAffinityDialog, reset_button);
  gtk_widget_class_bind_template_callback (widget_class, row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, own_mix_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, scale_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, reset_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, fine_tune_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, save_clicked_cb);
}

static void
cb_affinity_dialog_init (CbAffinityDialog *self)
{
  self->row = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
cb_affinity_dialog_new (GtkWindow *parent, const CbProfile *profile)
{
  CbAffinityDialog *self
    = g_object_new (CB_TYPE_AFFINITY_DIALOG, "transient-for", parent, "destroy-with-parent", TRUE, NULL);
  guint t = cb_class_set_get_n_classes (profile->target);

  self->profile = cb_project_copy_profile (profile);
  self->original = g_memdup2 (profile->affinity, sizeof (float) * MAX ((gsize)t * profile->n_source, 1));
  self->edited = g_new0 (gboolean, MAX (t, 1));
  cb_affinity_view_set_profile (self->view, self->profile);
  update_similar (self);
  if (t > 0)
    cb_affinity_dialog_select_row (self, 0);
  return GTK_WIDGET (self);
}

const CbProfile *
cb_affinity_dialog_get_profile (CbAffinityDialog *self)
{
  return self->profile;
}

CbAffinityView *
cb_affinity_dialog_get_view (CbAffinityDialog *self)
{
  return self->view;
}

const char *
cb_affinity_dialog_get_similar_warning (CbAffinityDialog *self)
{
  return gtk_widget_get_visible (self->similar_label) ? gtk_label_get_text (GTK_LABEL (self->similar_label)) : NULL;
}

void
cb_affinity_dialog_select_row (CbAffinityDialog *self, int row)
{
  g_autofree char *title = NULL;

  if (row < 0 || row >= (int)cb_class_set_get_n_classes (self->profile->target))
    row = -1;
  self->row = row;
  cb_affinity_view_select_row (self->view, row); /* emits row-selected back: same row, no-op */
  self->n_sliders
    = row < 0 ? 0 : cb_affinity_top_columns (self->profile, (guint)row, CB_AFFINITY_DIALOG_MAX_SLIDERS, self->columns);
  for (guint k = 0; k < CB_AFFINITY_DIALOG_MAX_SLIDERS; k++)
    {
      gboolean shown = k < self->n_sliders;

      gtk_widget_set_visible (self->names[k], shown);
      gtk_widget_set_visible (self->scales[k], shown);
      if (shown)
        gtk_label_set_text (GTK_LABEL (self->names[k]), self->profile->source_names[self->columns[k]]);
    }
  if (row >= 0)
    title = g_strdup_printf (_ ("“%s” is made of"), cb_class_set_get (self->profile->target, (guint)row)->name);
  gtk_label_set_text (GTK_LABEL (self->row_label), title ? title : _ ("No row selected"));
  gtk_widget_set_sensitive (self->reset_button, row >= 0);
  if (row >= 0)
    sync_sliders (self);
}

guint
cb_affinity_dialog_get_n_sliders (CbAffinityDialog *self)
{
  return self->n_sliders;
}

guint
cb_affinity_dialog_get_slider_column (CbAffinityDialog *self, guint k)
{
  g_return_val_if_fail (k < self->n_sliders, 0);
  return self->columns[k];
}

void
cb_affinity_dialog_set_slider (CbAffinityDialog *self, guint k, double value)
{
  g_return_if_fail (k < self->n_sliders && self->row >= 0);

  cb_affinity_set_weight (self->profile, (guint)self->row, self->columns[k], value);
  self->edited[self->row] = TRUE;
  sync_sliders (self);
  emit_changed (self);
}

void
cb_affinity_dialog_reset_row (CbAffinityDialog *self)
{
  gsize n = self->profile->n_source;

  if (self->row < 0)
    return;
  memcpy (row_values (self, self->row), self->original + (gsize)self->row * n, sizeof (float) * n);
  self->edited[self->row] = FALSE;
  sync_sliders (self);
  emit_changed (self);
}

gboolean
cb_affinity_dialog_save (CbAffinityDialog *self, const char *path, GError **error)
{
  record_edits (self);
  return cb_profile_save (self->profile, path, error);
}

GtkWidget *
cb_affinity_dialog_get_own_mix_button (CbAffinityDialog *self)
{
  return self->own_mix_button;
}
