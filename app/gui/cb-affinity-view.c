/* cb-affinity-view.c: the affinity matrix as a heat map
 *
 * Layout: target names on the left (right-aligned), source names above the
 * columns (rotated), then a T × S grid of square cells. Drawn with
 * GtkSnapshot colour nodes (crisp), text with Pango layouts. Inside a
 * GtkScrolledWindow the source names stay at the top of what is visible and
 * the target names at its left (pinned, as a spreadsheet's headers), over
 * the window's background, so a large matrix (ADE20K's 150 columns) keeps
 * saying what each cell is.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-affinity-view.h"

#include <math.h>

#define CELL 22
#define GAP 6

struct _CbAffinityView
{
  GtkWidget parent_instance;

  const CbProfile *profile; /* borrowed */
  int selected;
  int hover_row, hover_column;
  int label_width;            /* of the target names */
  int header_height;          /* of the rotated source names */
  GtkAdjustment *hadj, *vadj; /* (weak) of the scrolled window we are in, redraw on scroll */
};

G_DEFINE_FINAL_TYPE (CbAffinityView, cb_affinity_view, GTK_TYPE_WIDGET)

enum
{
  ROW_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
cb_affinity_color (double value, GdkRGBA *rgba)
{
  /* five stops of a viridis-like ramp: dark blue → teal → green → yellow */
  static const float stops[5][3] = {
    { 0.267f, 0.005f, 0.329f }, { 0.231f, 0.322f, 0.545f }, { 0.129f, 0.569f, 0.549f },
    { 0.369f, 0.788f, 0.384f }, { 0.993f, 0.906f, 0.144f },
  };
  double v = CLAMP (isfinite (value) ? value : 0.0, 0.0, 1.0) * 4.0;
  int i = MIN ((int)v, 3);
  double f = v - i;

  rgba->red = (float)(stops[i][0] + f * (stops[i + 1][0] - stops[i][0]));
  rgba->green = (float)(stops[i][1] + f * (stops[i + 1][1] - stops[i][1]));
  rgba->blue = (float)(stops[i][2] + f * (stops[i + 1][2] - stops[i][2]));
  rgba->alpha = 1.0f;
}

static guint
n_rows (CbAffinityView *self)
{
  return self->profile ? cb_class_set_get_n_classes (self->profile->target) : 0;
}

static guint
n_columns (CbAffinityView *self)
{
  return self->profile ? self->profile->n_source : 0;
}

static void
measure_labels (CbAffinityView *self)
{
  int width = 0, height = 0;

  self->label_width = 0;
  self->header_height = 0;
  for (guint r = 0; r < n_rows (self); r++)
    {
      g_autoptr (PangoLayout) layout
        = gtk_widget_create_pango_layout (GTK_WIDGET (self), cb_class_set_get (self->profile->target, r)->name);
      g_autoptr (PangoAttrList) attrs = pango_attr_list_new ();

      /* as wide as the selected (bold) row needs */
      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pango_layout_set_attributes (layout, attrs);
      pango_layout_get_pixel_size (layout, &width, &height);
      self->label_width = MAX (self->label_width, width);
    }
  for (guint c = 0; c < n_columns (self); c++)
    {
      g_autoptr (PangoLayout) layout
        = gtk_widget_create_pango_layout (GTK_WIDGET (self), self->profile->source_names[c]);

      pango_layout_get_pixel_size (layout, &width, &height);
      self->header_height = MAX (self->header_height, width);
    }
  self->label_width += 2 * GAP;
  self->header_height += GAP;
}

static void
adjustment_changed_cb (GtkAdjustment *adj, CbAffinityView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
track_adjustment (CbAffinityView *self, GtkAdjustment **slot, GtkAdjustment *adj)
{
  if (*slot == adj)
    return;
  if (*slot != NULL)
    {
      g_signal_handlers_disconnect_by_data (*slot, self);
      g_object_remove_weak_pointer (G_OBJECT (*slot), (gpointer *)slot);
    }
  *slot = adj;
  if (adj != NULL)
    {
      g_object_add_weak_pointer (G_OBJECT (adj), (gpointer *)slot);
      g_signal_connect_object (adj, "value-changed", G_CALLBACK (adjustment_changed_cb), self, 0);
    }
}

void
cb_affinity_view_get_pinned_origin (CbAffinityView *self, double *x, double *y)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_SCROLLED_WINDOW);
  graphene_point_t top_left = GRAPHENE_POINT_INIT (0, 0);

  *x = *y = 0;
  if (scroller == NULL)
    return;
  track_adjustment (self, &self->hadj, gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (scroller)));
  track_adjustment (self, &self->vadj, gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller)));
  /* the scrolled window's top-left corner in our coordinates: what is visible starts there */
  if (!gtk_widget_compute_point (scroller, GTK_WIDGET (self), &GRAPHENE_POINT_INIT (0, 0), &top_left))
    return;
  *x = MAX (0.0, top_left.x);
  *y = MAX (0.0, top_left.y);
}

gboolean
cb_affinity_view_cell_at (CbAffinityView *self, double x, double y, guint *row, guint *column)
{
  double cx = x - self->label_width, cy = y - self->header_height;
  double pin_x, pin_y;

  /* under the pinned names there are no cells to point at */
  cb_affinity_view_get_pinned_origin (self, &pin_x, &pin_y);
  if (x < pin_x + self->label_width || y < pin_y + self->header_height)
    return FALSE;
  if (cx < 0 || cy < 0)
    return FALSE;
  if ((guint)(cx / CELL) >= n_columns (self) || (guint)(cy / CELL) >= n_rows (self))
    return FALSE;
  *column = (guint)(cx / CELL);
  *row = (guint)(cy / CELL);
  return TRUE;
}

void
cb_affinity_view_cell_center (CbAffinityView *self, guint row, guint column, double *x, double *y)
{
  *x = self->label_width + (column + 0.5) * CELL;
  *y = self->header_height + (row + 0.5) * CELL;
}

char *
cb_affinity_view_describe_at (CbAffinityView *self, double x, double y)
{
  guint row, column;

  if (!cb_affinity_view_cell_at (self, x, y, &row, &column))
    return NULL;
  return g_strdup_printf ("%s → %s %.2f", cb_class_set_get (self->profile->target, row)->name,
                          self->profile->source_names[column],
                          self->profile->affinity[(gsize)row * self->profile->n_source + column]);
}

static void
cb_affinity_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                          int *minimum_baseline, int *natural_baseline)
{
  CbAffinityView *self = CB_AFFINITY_VIEW (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = self->label_width + (int)n_columns (self) * CELL + 1;
  else
    *minimum = *natural = self->header_height + (int)n_rows (self) * CELL + 1;
}

static void
cb_affinity_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  CbAffinityView *self = CB_AFFINITY_VIEW (widget);
  GdkRGBA fg, bg = { 1, 1, 1, 1 }, highlight = { 1, 1, 1, 0.9f };
  guint rows = n_rows (self), columns = n_columns (self);
  double pin_x, pin_y;
  float px, py;

  if (rows == 0)
    return;
  cb_affinity_view_get_pinned_origin (self, &pin_x, &pin_y);
  px = (float)pin_x;
  py = (float)pin_y;
  /* gtk_widget_get_color() is GTK 4.10 */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), "window_bg_color", &bg))
    gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), "theme_bg_color", &bg);
  G_GNUC_END_IGNORE_DEPRECATIONS

  for (guint r = 0; r < rows; r++)
    for (guint c = 0; c < columns; c++)
      {
        GdkRGBA color;

        cb_affinity_color (self->profile->affinity[(gsize)r * columns + c], &color);
        gtk_snapshot_append_color (
          snapshot, &color,
          &GRAPHENE_RECT_INIT (self->label_width + c * CELL, self->header_height + r * CELL, CELL - 1, CELL - 1));
      }

  if (self->selected >= 0 && (guint)self->selected < rows)
    {
      GskRoundedRect frame;
      float y = self->header_height + self->selected * CELL - 1.0f;

      gsk_rounded_rect_init_from_rect (
        &frame, &GRAPHENE_RECT_INIT (self->label_width - 1.0f, y, columns * CELL + 1.0f, CELL + 1.0f), 0);
      gtk_snapshot_append_border (snapshot, &frame, (float[4]){ 2, 2, 2, 2 },
                                  (GdkRGBA[4]){ highlight, highlight, highlight, highlight });
    }
  if (self->hover_row >= 0 && self->hover_column >= 0)
    {
      GskRoundedRect frame;

      gsk_rounded_rect_init_from_rect (&frame,
                                       &GRAPHENE_RECT_INIT (self->label_width + self->hover_column * CELL - 1.0f,
                                                            self->header_height + self->hover_row * CELL - 1.0f,
                                                            CELL + 1.0f, CELL + 1.0f),
                                       0);
      gtk_snapshot_append_border (snapshot, &frame, (float[4]){ 1, 1, 1, 1 }, (GdkRGBA[4]){ fg, fg, fg, fg });
    }

  /* target names, right-aligned, on a band pinned to the left of what is
   * visible; the selected row in bold */
  gtk_snapshot_append_color (snapshot, &bg,
                             &GRAPHENE_RECT_INIT (px, 0, self->label_width - 1, self->header_height + rows * CELL));
  for (guint r = 0; r < rows; r++)
    {
      g_autoptr (PangoLayout) layout
        = gtk_widget_create_pango_layout (widget, cb_class_set_get (self->profile->target, r)->name);
      int width, height;

      if ((int)r == self->selected)
        {
          g_autoptr (PangoAttrList) attrs = pango_attr_list_new ();

          pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
          pango_layout_set_attributes (layout, attrs);
        }
      pango_layout_get_pixel_size (layout, &width, &height);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (px + self->label_width - GAP - width,
                                                              self->header_height + r * CELL + (CELL - height) / 2.0f));
      gtk_snapshot_append_layout (snapshot, layout, &fg);
      gtk_snapshot_restore (snapshot);
    }

  /* source names, rotated, bottom-aligned above their column, on a band
   * pinned to the top of what is visible (the corner stays blank) */
  gtk_snapshot_append_color (snapshot, &bg,
                             &GRAPHENE_RECT_INIT (px, py, self->label_width + columns * CELL, self->header_height));
  /* the names of columns scrolled under the target names stay hidden */
  gtk_snapshot_push_clip (snapshot,
                          &GRAPHENE_RECT_INIT (px + self->label_width, py, columns * CELL, self->header_height));
  for (guint c = 0; c < columns; c++)
    {
      g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, self->profile->source_names[c]);
      int width, height;

      pango_layout_get_pixel_size (layout, &width, &height);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (self->label_width + c * CELL + (CELL - height) / 2.0f,
                                                              py + self->header_height - GAP));
      gtk_snapshot_rotate (snapshot, -90);
      gtk_snapshot_append_layout (snapshot, layout, &fg);
      gtk_snapshot_restore (snapshot);
    }
  gtk_snapshot_pop (snapshot);
}

static gboolean
query_tooltip_cb (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip, gpointer data)
{
  g_autofree char *text = cb_affinity_view_describe_at (CB_AFFINITY_VIEW (widget), x, y);

  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
motion_cb (GtkEventControllerMotion *motion, double x, double y, CbAffinityView *self)
{
  guint row, column;
  int hr = -1, hc = -1;

  if (cb_affinity_view_cell_at (self, x, y, &row, &column))
    {
      hr = (int)row;
      hc = (int)column;
    }
  if (hr != self->hover_row || hc != self->hover_column)
    {
      self->hover_row = hr;
      self->hover_column = hc;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
leave_cb (GtkEventControllerMotion *motion, CbAffinityView *self)
{
  self->hover_row = self->hover_column = -1;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
pressed_cb (GtkGestureClick *click, int n_press, double x, double y, CbAffinityView *self)
{
  guint row, column;
  double pin_x, pin_y;

  cb_affinity_view_get_pinned_origin (self, &pin_x, &pin_y);
  if (cb_affinity_view_cell_at (self, x, y, &row, &column))
    cb_affinity_view_select_row (self, (int)row);
  else if (y >= pin_y + self->header_height && x >= pin_x && x < pin_x + self->label_width
           && (guint)((y - self->header_height) / CELL) < n_rows (self))
    cb_affinity_view_select_row (self, (int)((y - self->header_height) / CELL));
}

static void
cb_affinity_view_dispose (GObject *object)
{
  CbAffinityView *self = CB_AFFINITY_VIEW (object);

  track_adjustment (self, &self->hadj, NULL);
  track_adjustment (self, &self->vadj, NULL);
  G_OBJECT_CLASS (cb_affinity_view_parent_class)->dispose (object);
}

static void
cb_affinity_view_class_init (CbAffinityViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = cb_affinity_view_dispose;

  widget_class->measure = cb_affinity_view_measure;
  widget_class->snapshot = cb_affinity_view_snapshot;
  gtk_widget_class_set_css_name (widget_class, "affinityview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GRID);

  signals[ROW_SELECTED] = g_signal_new ("row-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                        NULL, G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
cb_affinity_view_init (CbAffinityView *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  self->selected = -1;
  self->hover_row = self->hover_column = -1;
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (query_tooltip_cb), NULL);
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}

GtkWidget *
cb_affinity_view_new (void)
{
  return g_object_new (CB_TYPE_AFFINITY_VIEW, NULL);
}

void
cb_affinity_view_set_profile (CbAffinityView *self, const CbProfile *profile)
{
  self->profile = profile;
  self->selected = -1;
  self->hover_row = self->hover_column = -1;
  measure_labels (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
cb_affinity_view_changed (CbAffinityView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
cb_affinity_view_select_row (CbAffinityView *self, int row)
{
  if (row >= (int)n_rows (self))
    row = -1;
  if (row == self->selected)
    return;
  self->selected = row;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[ROW_SELECTED], 0, row);
}

int
cb_affinity_view_get_selected_row (CbAffinityView *self)
{
  return self->selected;
}
