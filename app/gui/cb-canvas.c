/* cb-canvas.c: the label-map canvas
 *
 * The label map is drawn crisp at any zoom on GTK 4.8 (which has no nearest
 * filter for texture nodes): the visible part of the map is resampled by
 * nearest neighbour on the CPU into a texture of exactly the widget's device
 * pixels, and that texture is drawn 1:1. The texture is cached until the map,
 * the view or the size changes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-canvas.h"

#include <math.h>
#include <string.h>

#include "app/gui/cb-paint.h"

#define FIT_MARGIN 12.0

struct _CbCanvas
{
  GtkWidget parent_instance;

  CbDocument *doc; /* borrowed */
  CbTool tool;
  guint8 class_id;
  guint brush_size;

  double zoom;
  double offset_x, offset_y; /* widget position of the map's (0, 0) */
  gboolean fit_mode;         /* refit on resize until the person zooms or pans */

  /* view texture cache */
  GdkTexture *view;
  graphene_rect_t view_rect;
  guint64 map_serial, view_serial;
  double view_zoom, view_ox, view_oy;
  int view_w, view_h, view_scale;
  guint8 lut[256][4];

  GdkTexture *image;
  gboolean overlay;
  double overlay_opacity;

  /* a photo under the labels (example editor): void is transparent over it */
  GdkTexture *underlay;
  double labels_opacity;

  /* pointer */
  gboolean has_pointer;
  double pointer_x, pointer_y;
  gboolean space_held;
  gboolean panning;
  double pan_start_x, pan_start_y;
  gboolean stylus_active;

  /* stroke */
  CbPaintSession *session;
  double anchor_x, anchor_y, last_x, last_y;
  guint last_size;
};

G_DEFINE_FINAL_TYPE (CbCanvas, cb_canvas, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_ZOOM,
  PROP_BRUSH_SIZE,
  N_PROPS
};

enum
{
  MAP_CHANGED,
  STROKE_FINISHED,
  CLASS_PICKED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static const char *const tool_names[] = { "brush", "eraser", "fill", "line", "rect", "eyedropper" };

const char *
cb_tool_to_string (CbTool tool)
{
  g_return_val_if_fail (tool <= CB_TOOL_EYEDROPPER, NULL);
  return tool_names[tool];
}

gboolean
cb_tool_from_string (const char *name, CbTool *tool)
{
  for (guint i = 0; i < G_N_ELEMENTS (tool_names); i++)
    if (g_strcmp0 (name, tool_names[i]) == 0)
      {
        *tool = (CbTool)i;
        return TRUE;
      }
  return FALSE;
}

/* ------------------------------------------------------------------ view */

static void
update_lut (CbCanvas *self)
{
  guint32 void_color = self->doc && self->doc->classes ? self->doc->classes->void_color : 0;

  /* unknown ids show as the void colour; void itself is drawn as a checkerboard */
  for (guint i = 0; i < 256; i++)
    {
      self->lut[i][0] = (void_color >> 16) & 0xff;
      self->lut[i][1] = (void_color >> 8) & 0xff;
      self->lut[i][2] = void_color & 0xff;
      self->lut[i][3] = 0xff;
    }
  if (self->doc == NULL || self->doc->classes == NULL)
    return;
  for (guint i = 0; i < cb_class_set_get_n_classes (self->doc->classes); i++)
    {
      const CbClass *klass = cb_class_set_get (self->doc->classes, i);

      self->lut[klass->id][0] = (klass->color >> 16) & 0xff;
      self->lut[klass->id][1] = (klass->color >> 8) & 0xff;
      self->lut[klass->id][2] = klass->color & 0xff;
    }
}

static void
invalidate_map (CbCanvas *self)
{
  self->map_serial++;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
ensure_view (CbCanvas *self, int width, int height, int scale)
{
  const CbLabelMap *map = self->doc ? self->doc->map : NULL;
  double ox, oy, z;
  int x0, y0, x1, y1, tw, th;
  g_autofree int *cols = NULL;
  guint8 *pixels;
  GBytes *bytes;
  static const guint8 checker[2][4] = { { 0x9a, 0x9a, 0x9a, 0xff }, { 0x6a, 0x6a, 0x6a, 0xff } };

  if (self->view != NULL && self->view_serial == self->map_serial && self->view_zoom == self->zoom
      && self->view_ox == self->offset_x && self->view_oy == self->offset_y && self->view_w == width
      && self->view_h == height && self->view_scale == scale)
    return;

  g_clear_object (&self->view);
  self->view_serial = self->map_serial;
  self->view_zoom = self->zoom;
  self->view_ox = self->offset_x;
  self->view_oy = self->offset_y;
  self->view_w = width;
  self->view_h = height;
  self->view_scale = scale;
  if (map == NULL)
    return;

  ox = self->offset_x * scale;
  oy = self->offset_y * scale;
  z = self->zoom * scale;
  x0 = (int)MAX (0.0, floor (ox));
  y0 = (int)MAX (0.0, floor (oy));
  x1 = (int)MIN ((double)width * scale, ceil (ox + map->width * z));
  y1 = (int)MIN ((double)height * scale, ceil (oy + map->height * z));
  if (x1 <= x0 || y1 <= y0)
    return;
  tw = x1 - x0;
  th = y1 - y0;

  cols = g_new (int, tw);
  for (int dx = 0; dx < tw; dx++)
    {
      double mx = floor ((x0 + dx + 0.5 - ox) / z);

      cols[dx] = (int)CLAMP (mx, 0.0, (double)map->width - 1);
    }
  pixels = g_malloc ((gsize)tw * th * 4);
  for (int dy = 0; dy < th; dy++)
    {
      double my = floor ((y0 + dy + 0.5 - oy) / z);
      const guint8 *row = map->ids + (gsize)CLAMP (my, 0.0, (double)map->height - 1) * map->width;
      guint8 *out = pixels + (gsize)dy * tw * 4;

      for (int dx = 0; dx < tw; dx++)
        {
          guint8 id = row[cols[dx]];

          if (id == CB_VOID_ID && self->underlay != NULL)
            memset (out + dx * 4, 0, 4);
          else if (id == CB_VOID_ID)
            memcpy (out + dx * 4, checker[(((x0 + dx) >> 3) ^ ((y0 + dy) >> 3)) & 1], 4);
          else
            memcpy (out + dx * 4, self->lut[id], 4);
        }
    }
  bytes = g_bytes_new_take (pixels, (gsize)tw * th * 4);
  self->view = gdk_memory_texture_new (tw, th, GDK_MEMORY_R8G8B8A8, bytes, (gsize)tw * 4);
  g_bytes_unref (bytes);
  self->view_rect = GRAPHENE_RECT_INIT ((float)x0 / scale, (float)y0 / scale, (float)tw / scale, (float)th / scale);
}

static void
append_circle (GtkSnapshot *snapshot, double cx, double cy, double r, const GdkRGBA *color)
{
  GskRoundedRect outline;
  const float widths[4] = { 1, 1, 1, 1 };
  const GdkRGBA colors[4] = { *color, *color, *color, *color };

  gsk_rounded_rect_init_from_rect (&outline, &GRAPHENE_RECT_INIT (cx - r, cy - r, 2 * r, 2 * r), r);
  gtk_snapshot_append_border (snapshot, &outline, widths, colors);
}

static gboolean
shows_brush_outline (CbCanvas *self)
{
  return self->has_pointer && !self->panning && !self->space_held
         && (self->tool == CB_TOOL_BRUSH || self->tool == CB_TOOL_ERASER || self->tool == CB_TOOL_LINE);
}

static void
cb_canvas_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  CbCanvas *self = CB_CANVAS (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  const CbLabelMap *map = self->doc ? self->doc->map : NULL;

  if (width <= 0 || height <= 0 || map == NULL)
    return;

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  ensure_view (self, width, height, gtk_widget_get_scale_factor (widget));
  if (self->underlay != NULL)
    {
      gtk_snapshot_append_texture (
        snapshot, self->underlay,
        &GRAPHENE_RECT_INIT (self->offset_x, self->offset_y, map->width * self->zoom, map->height * self->zoom));
      gtk_snapshot_push_opacity (snapshot, self->labels_opacity);
    }
  if (self->view != NULL)
    gtk_snapshot_append_texture (snapshot, self->view, &self->view_rect);
  if (self->underlay != NULL)
    gtk_snapshot_pop (snapshot);

  if (self->overlay && self->image != NULL && self->overlay_opacity > 0)
    {
      gtk_snapshot_push_opacity (snapshot, self->overlay_opacity);
      gtk_snapshot_append_texture (
        snapshot, self->image,
        &GRAPHENE_RECT_INIT (self->offset_x, self->offset_y, map->width * self->zoom, map->height * self->zoom));
      gtk_snapshot_pop (snapshot);
    }

  if (shows_brush_outline (self))
    {
      double mx, my, cx, cy, wx, wy, r;
      const GdkRGBA black = { 0, 0, 0, 0.8f }, white = { 1, 1, 1, 0.8f };

      cb_canvas_widget_to_map (self, self->pointer_x, self->pointer_y, &mx, &my);
      cb_paint_brush_center (mx, my, self->brush_size, &cx, &cy);
      cb_canvas_map_to_widget (self, cx, cy, &wx, &wy);
      r = MAX (self->brush_size * self->zoom / 2.0, 1.5);
      append_circle (snapshot, wx, wy, r + 1, &black);
      append_circle (snapshot, wx, wy, r, &white);
    }

  gtk_snapshot_pop (snapshot);
}

static void
fit_to (CbCanvas *self, int width, int height)
{
  const CbLabelMap *map = self->doc ? self->doc->map : NULL;
  double zoom;

  if (map == NULL || width <= 2 * FIT_MARGIN || height <= 2 * FIT_MARGIN)
    return;
  zoom = MIN ((width - 2 * FIT_MARGIN) / map->width, (height - 2 * FIT_MARGIN) / map->height);
  /* integer zooms keep the pixel grid regular; below 1 the map is
   * subsampled anyway, and a fraction 1/n would leave up to half the pane
   * empty (a 512-pixel map in a 500-pixel pane at 1/2) */
  if (zoom >= 1)
    zoom = floor (zoom);
  self->zoom = CLAMP (zoom, CB_CANVAS_MIN_ZOOM, CB_CANVAS_MAX_ZOOM);
  self->offset_x = floor ((width - map->width * self->zoom) / 2);
  self->offset_y = floor ((height - map->height * self->zoom) / 2);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
fit (CbCanvas *self)
{
  fit_to (self, gtk_widget_get_width (GTK_WIDGET (self)), gtk_widget_get_height (GTK_WIDGET (self)));
}

static void
cb_canvas_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                   int *minimum_baseline, int *natural_baseline)
{
  *minimum = 96;
  *natural = 480;
}

static void
cb_canvas_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  CbCanvas *self = CB_CANVAS (widget);

  if (self->fit_mode)
    fit_to (self, width, height);
}

static void
update_cursor (CbCanvas *self)
{
  const char *name;

  if (self->panning)
    name = "grabbing";
  else if (self->space_held)
    name = "grab";
  else if (self->tool == CB_TOOL_BRUSH || self->tool == CB_TOOL_ERASER || self->tool == CB_TOOL_LINE)
    name = "none";
  else
    name = "crosshair";
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), name);
}

/* ------------------------------------------------------------------ zoom and pan */

double
cb_canvas_get_zoom (CbCanvas *self)
{
  return self->zoom;
}

void
cb_canvas_zoom_at (CbCanvas *self, double zoom, double x, double y)
{
  double mx, my;

  zoom = CLAMP (zoom, CB_CANVAS_MIN_ZOOM, CB_CANVAS_MAX_ZOOM);
  if (x < 0 || y < 0)
    {
      x = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
      y = gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;
    }
  cb_canvas_widget_to_map (self, x, y, &mx, &my);
  self->zoom = zoom;
  /* whole widget pixels for the map origin keep the grid still while painting */
  self->offset_x = round (x - mx * zoom);
  self->offset_y = round (y - my * zoom);
  self->fit_mode = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static double
zoom_step (double zoom, int direction)
{
  /* 1, 1.5, 2, 3, 4, 6, 8, ... and their inverses */
  static const double steps[]
    = { 1.0 / 32, 1.0 / 24, 1.0 / 16, 1.0 / 12, 1.0 / 8, 1.0 / 6, 1.0 / 4, 1.0 / 3, 1.0 / 2, 2.0 / 3, 1, 1.5,
        2,        3,        4,        6,        8,       12,      16,      24,      32,      48,      64 };

  if (direction > 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
        if (steps[i] > zoom * 1.001)
          return steps[i];
      return CB_CANVAS_MAX_ZOOM;
    }
  for (guint i = G_N_ELEMENTS (steps); i > 0; i--)
    if (steps[i - 1] < zoom / 1.001)
      return steps[i - 1];
  return CB_CANVAS_MIN_ZOOM;
}

void
cb_canvas_zoom_in (CbCanvas *self)
{
  cb_canvas_zoom_at (self, zoom_step (self->zoom, 1), -1, -1);
}

void
cb_canvas_zoom_out (CbCanvas *self)
{
  cb_canvas_zoom_at (self, zoom_step (self->zoom, -1), -1, -1);
}

void
cb_canvas_zoom_fit (CbCanvas *self)
{
  self->fit_mode = TRUE;
  fit (self);
}

void
cb_canvas_pan (CbCanvas *self, double dx, double dy)
{
  self->offset_x = round (self->offset_x + dx);
  self->offset_y = round (self->offset_y + dy);
  self->fit_mode = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
cb_canvas_widget_to_map (CbCanvas *self, double wx, double wy, double *mx, double *my)
{
  *mx = (wx - self->offset_x) / self->zoom;
  *my = (wy - self->offset_y) / self->zoom;
}

void
cb_canvas_map_to_widget (CbCanvas *self, double mx, double my, double *wx, double *wy)
{
  *wx = mx * self->zoom + self->offset_x;
  *wy = my * self->zoom + self->offset_y;
}

/* ------------------------------------------------------------------ strokes */

static guint8
paint_id (CbCanvas *self)
{
  return self->tool == CB_TOOL_ERASER ? CB_VOID_ID : self->class_id;
}

static void
finish_stroke (CbCanvas *self)
{
  CbUndoStep *step;

  if (self->session == NULL)
    return;
  step = cb_paint_session_finish (g_steal_pointer (&self->session));
  if (step == NULL)
    return;
  cb_undo_stack_push (self->doc->undo, step);
  self->doc->modified = TRUE;
  g_signal_emit (self, signals[STROKE_FINISHED], 0);
}

/* A rectangle corner in map pixels. Zoomed out, one screen pixel spans more
 * than one map pixel, so the last screen pixel of the map is short of its
 * last row or column: within one screen pixel of an edge counts as the edge. */
static int
rect_corner (CbCanvas *self, double m, guint size)
{
  double reach = 1.0 / MAX (self->zoom, 1e-6);

  if (m >= size - reach)
    return (int)size - 1;
  if (m < reach)
    return MIN ((int)floor (m), 0);
  return (int)floor (m);
}

static void
paint_to (CbCanvas *self, double mx, double my, double pressure)
{
  guint size = cb_paint_pressure_size (self->brush_size, pressure);

  switch (self->tool)
    {
    case CB_TOOL_BRUSH:
    case CB_TOOL_ERASER:
      cb_paint_segment (self->session, self->last_x, self->last_y, self->last_size, mx, my, size, paint_id (self));
      break;
    case CB_TOOL_LINE:
      cb_paint_session_revert (self->session);
      cb_paint_segment (self->session, self->anchor_x, self->anchor_y, self->brush_size, mx, my, self->brush_size,
                        paint_id (self));
      break;
    case CB_TOOL_RECT:
      cb_paint_session_revert (self->session);
      cb_paint_rect (self->session, rect_corner (self, self->anchor_x, self->doc->map->width),
                     rect_corner (self, self->anchor_y, self->doc->map->height),
                     rect_corner (self, mx, self->doc->map->width), rect_corner (self, my, self->doc->map->height),
                     paint_id (self));
      break;
    case CB_TOOL_FILL:
    case CB_TOOL_EYEDROPPER:
    default:
      break;
    }
  self->last_x = mx;
  self->last_y = my;
  self->last_size = size;
  invalidate_map (self);
  g_signal_emit (self, signals[MAP_CHANGED], 0);
}

void
cb_canvas_stroke_begin (CbCanvas *self, double mx, double my, double pressure, gboolean pick)
{
  g_return_if_fail (CB_IS_CANVAS (self));

  if (self->doc == NULL || self->doc->map == NULL)
    return;
  if (self->session != NULL)
    finish_stroke (self);

  if (pick || self->tool == CB_TOOL_EYEDROPPER)
    {
      guint8 id = cb_paint_pick (self->doc->map, (int)floor (mx), (int)floor (my));

      g_signal_emit (self, signals[CLASS_PICKED], 0, (guint)id);
      return;
    }

  self->session = cb_paint_session_new (self->doc->map);
  if (self->tool == CB_TOOL_FILL)
    {
      if (cb_paint_flood_fill (self->session, (int)floor (mx), (int)floor (my), self->class_id))
        {
          invalidate_map (self);
          g_signal_emit (self, signals[MAP_CHANGED], 0);
        }
      finish_stroke (self);
      return;
    }

  self->anchor_x = self->last_x = mx;
  self->anchor_y = self->last_y = my;
  self->last_size = cb_paint_pressure_size (self->brush_size, pressure);
  paint_to (self, mx, my, pressure);
}

void
cb_canvas_stroke_update (CbCanvas *self, double mx, double my, double pressure)
{
  g_return_if_fail (CB_IS_CANVAS (self));

  if (self->session == NULL)
    return;
  paint_to (self, mx, my, pressure);
}

void
cb_canvas_stroke_end (CbCanvas *self, double mx, double my, double pressure)
{
  g_return_if_fail (CB_IS_CANVAS (self));

  if (self->session == NULL)
    return;
  paint_to (self, mx, my, pressure);
  finish_stroke (self);
}

gboolean
cb_canvas_in_stroke (CbCanvas *self)
{
  return self->session != NULL;
}

/* ------------------------------------------------------------------ input */

static void
drag_begin_cb (GtkGestureDrag *gesture, double x, double y, CbCanvas *self)
{
  GdkEvent *event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (gesture));
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  double mx, my;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  /* a stylus is handled by the stylus gesture, with its pressure */
  if (event != NULL && gdk_event_get_device_tool (event) != NULL)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  if (self->space_held)
    {
      self->panning = TRUE;
      self->pan_start_x = self->offset_x;
      self->pan_start_y = self->offset_y;
      update_cursor (self);
      return;
    }
  cb_canvas_widget_to_map (self, x, y, &mx, &my);
  cb_canvas_stroke_begin (self, mx, my, 1.0, (state & GDK_ALT_MASK) != 0);
}

static void
drag_update_cb (GtkGestureDrag *gesture, double dx, double dy, CbCanvas *self)
{
  double x, y, mx, my;

  gtk_gesture_drag_get_start_point (gesture, &x, &y);
  if (self->panning)
    {
      self->offset_x = round (self->pan_start_x + dx);
      self->offset_y = round (self->pan_start_y + dy);
      self->fit_mode = FALSE;
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }
  self->pointer_x = x + dx;
  self->pointer_y = y + dy;
  cb_canvas_widget_to_map (self, x + dx, y + dy, &mx, &my);
  cb_canvas_stroke_update (self, mx, my, 1.0);
}

static void
drag_end_cb (GtkGestureDrag *gesture, double dx, double dy, CbCanvas *self)
{
  double x, y, mx, my;

  gtk_gesture_drag_get_start_point (gesture, &x, &y);
  if (self->panning)
    {
      self->panning = FALSE;
      update_cursor (self);
      return;
    }
  cb_canvas_widget_to_map (self, x + dx, y + dy, &mx, &my);
  cb_canvas_stroke_end (self, mx, my, 1.0);
}

static void
pan_begin_cb (GtkGestureDrag *gesture, double x, double y, CbCanvas *self)
{
  self->panning = TRUE;
  self->pan_start_x = self->offset_x;
  self->pan_start_y = self->offset_y;
  update_cursor (self);
}

static void
pan_update_cb (GtkGestureDrag *gesture, double dx, double dy, CbCanvas *self)
{
  self->offset_x = round (self->pan_start_x + dx);
  self->offset_y = round (self->pan_start_y + dy);
  self->fit_mode = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
pan_end_cb (GtkGestureDrag *gesture, double dx, double dy, CbCanvas *self)
{
  self->panning = FALSE;
  update_cursor (self);
}

static double
stylus_pressure (GtkGestureStylus *gesture)
{
  double pressure;

  if (!gtk_gesture_stylus_get_axis (gesture, GDK_AXIS_PRESSURE, &pressure))
    return 1.0;
  return pressure;
}

static void
stylus_down_cb (GtkGestureStylus *gesture, double x, double y, CbCanvas *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  double mx, my;

  self->stylus_active = TRUE;
  gtk_widget_grab_focus (GTK_WIDGET (self));
  cb_canvas_widget_to_map (self, x, y, &mx, &my);
  cb_canvas_stroke_begin (self, mx, my, stylus_pressure (gesture), (state & GDK_ALT_MASK) != 0);
}

static void
stylus_motion_cb (GtkGestureStylus *gesture, double x, double y, CbCanvas *self)
{
  double mx, my;

  self->pointer_x = x;
  self->pointer_y = y;
  self->has_pointer = TRUE;
  if (!self->stylus_active)
    {
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }
  cb_canvas_widget_to_map (self, x, y, &mx, &my);
  cb_canvas_stroke_update (self, mx, my, stylus_pressure (gesture));
}

static void
stylus_up_cb (GtkGestureStylus *gesture, double x, double y, CbCanvas *self)
{
  double mx, my;

  if (!self->stylus_active)
    return;
  self->stylus_active = FALSE;
  cb_canvas_widget_to_map (self, x, y, &mx, &my);
  cb_canvas_stroke_end (self, mx, my, stylus_pressure (gesture));
}

static void
motion_cb (GtkEventControllerMotion *controller, double x, double y, CbCanvas *self)
{
  self->has_pointer = TRUE;
  self->pointer_x = x;
  self->pointer_y = y;
  if (shows_brush_outline (self))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
leave_cb (GtkEventControllerMotion *controller, CbCanvas *self)
{
  self->has_pointer = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
scroll_cb (GtkEventControllerScroll *controller, double dx, double dy, CbCanvas *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  if (state & GDK_CONTROL_MASK)
    {
      double x = self->has_pointer ? self->pointer_x : -1, y = self->has_pointer ? self->pointer_y : -1;

      if (dy < 0)
        cb_canvas_zoom_at (self, zoom_step (self->zoom, 1), x, y);
      else if (dy > 0)
        cb_canvas_zoom_at (self, zoom_step (self->zoom, -1), x, y);
      return TRUE;
    }
  if (state & GDK_SHIFT_MASK)
    cb_canvas_pan (self, -dy * 40, -dx * 40);
  else
    cb_canvas_pan (self, -dx * 40, -dy * 40);
  return TRUE;
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state, CbCanvas *self)
{
  if (keyval == GDK_KEY_space)
    {
      cb_canvas_set_space_held (self, TRUE);
      return TRUE;
    }
  return FALSE;
}

static void
key_released_cb (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state, CbCanvas *self)
{
  if (keyval == GDK_KEY_space)
    cb_canvas_set_space_held (self, FALSE);
}

/* ------------------------------------------------------------------ API */

void
cb_canvas_set_space_held (CbCanvas *self, gboolean held)
{
  g_return_if_fail (CB_IS_CANVAS (self));

  if (self->space_held == held)
    return;
  self->space_held = held;
  update_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
cb_canvas_get_space_held (CbCanvas *self)
{
  return self->space_held;
}

gboolean
cb_canvas_has_pointer (CbCanvas *self)
{
  return self->has_pointer;
}

void
cb_canvas_set_document (CbCanvas *self, CbDocument *doc)
{
  g_return_if_fail (CB_IS_CANVAS (self));

  if (self->session != NULL)
    cb_paint_session_free (g_steal_pointer (&self->session));
  self->doc = doc;
  update_lut (self);
  invalidate_map (self);
  cb_canvas_zoom_fit (self);
}

void
cb_canvas_document_changed (CbCanvas *self)
{
  g_return_if_fail (CB_IS_CANVAS (self));

  /* the map may have been replaced: a session on the old one is void */
  if (self->session != NULL)
    cb_paint_session_free (g_steal_pointer (&self->session));
  update_lut (self);
  invalidate_map (self);
  if (self->fit_mode)
    fit (self);
}

void
cb_canvas_set_tool (CbCanvas *self, CbTool tool)
{
  g_return_if_fail (CB_IS_CANVAS (self));

  if (self->session != NULL)
    finish_stroke (self);
  self->tool = tool;
  update_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

CbTool
cb_canvas_get_tool (CbCanvas *self)
{
  return self->tool;
}

void
cb_canvas_set_class_id (CbCanvas *self, guint8 id)
{
  self->class_id = id;
}

guint8
cb_canvas_get_class_id (CbCanvas *self)
{
  return self->class_id;
}

void
cb_canvas_set_brush_size (CbCanvas *self, guint size)
{
  size = CLAMP (size, CB_BRUSH_MIN_SIZE, CB_BRUSH_MAX_SIZE);
  if (size == self->brush_size)
    return;
  self->brush_size = size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BRUSH_SIZE]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
cb_canvas_get_brush_size (CbCanvas *self)
{
  return self->brush_size;
}

void
cb_canvas_set_image (CbCanvas *self, GdkTexture *image)
{
  if (g_set_object (&self->image, image) && self->overlay)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
cb_canvas_set_overlay (CbCanvas *self, gboolean overlay)
{
  self->overlay = overlay;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
cb_canvas_set_overlay_opacity (CbCanvas *self, double opacity)
{
  self->overlay_opacity = CLAMP (opacity, 0.0, 1.0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
cb_canvas_set_underlay (CbCanvas *self, GdkTexture *photo)
{
  if (g_set_object (&self->underlay, photo))
    invalidate_map (self); /* void pixels change between checkered and transparent */
}

void
cb_canvas_set_labels_opacity (CbCanvas *self, double opacity)
{
  self->labels_opacity = CLAMP (opacity, 0.0, 1.0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ------------------------------------------------------------------ GObject */

static void
cb_canvas_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CbCanvas *self = CB_CANVAS (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    case PROP_BRUSH_SIZE:
      g_value_set_uint (value, self->brush_size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_canvas_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CbCanvas *self = CB_CANVAS (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      cb_canvas_zoom_at (self, g_value_get_double (value), -1, -1);
      break;
    case PROP_BRUSH_SIZE:
      cb_canvas_set_brush_size (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_canvas_dispose (GObject *object)
{
  CbCanvas *self = CB_CANVAS (object);

  if (self->session != NULL)
    cb_paint_session_free (g_steal_pointer (&self->session));
  g_clear_object (&self->view);
  g_clear_object (&self->image);
  g_clear_object (&self->underlay);
  self->doc = NULL;
  G_OBJECT_CLASS (cb_canvas_parent_class)->dispose (object);
}

static void
cb_canvas_class_init (CbCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cb_canvas_dispose;
  object_class->get_property = cb_canvas_get_property;
  object_class->set_property = cb_canvas_set_property;
  widget_class->snapshot = cb_canvas_snapshot;
  widget_class->size_allocate = cb_canvas_size_allocate;
  widget_class->measure = cb_canvas_measure;

  properties[PROP_ZOOM] = g_param_spec_double ("zoom", NULL, NULL, CB_CANVAS_MIN_ZOOM, CB_CANVAS_MAX_ZOOM, 1.0,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BRUSH_SIZE]
    = g_param_spec_uint ("brush-size", NULL, NULL, CB_BRUSH_MIN_SIZE, CB_BRUSH_MAX_SIZE, 9,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* pixels changed (during a stroke, too) */
  signals[MAP_CHANGED]
    = g_signal_new ("map-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* an edit ended and its undo step was pushed */
  signals[STROKE_FINISHED] = g_signal_new ("stroke-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                           NULL, NULL, G_TYPE_NONE, 0);
  /* the eyedropper picked an id (CB_VOID_ID included) */
  signals[CLASS_PICKED] = g_signal_new ("class-picked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                        NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_set_css_name (widget_class, "cbcanvas");
}

static void
cb_canvas_init (CbCanvas *self)
{
  GtkGesture *drag, *pan, *stylus;
  GtkEventController *motion, *scroll, *key;

  self->zoom = 1.0;
  self->brush_size = 9;
  self->fit_mode = TRUE;
  self->overlay_opacity = 0.5;
  self->labels_opacity = 0.6;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  stylus = gtk_gesture_stylus_new ();
  g_signal_connect (stylus, "down", G_CALLBACK (stylus_down_cb), self);
  g_signal_connect (stylus, "motion", G_CALLBACK (stylus_motion_cb), self);
  g_signal_connect (stylus, "up", G_CALLBACK (stylus_up_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (stylus));

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  pan = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (pan), GDK_BUTTON_MIDDLE);
  g_signal_connect (pan, "drag-begin", G_CALLBACK (pan_begin_cb), self);
  g_signal_connect (pan, "drag-update", G_CALLBACK (pan_update_cb), self);
  g_signal_connect (pan, "drag-end", G_CALLBACK (pan_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (pan));

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "enter", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  scroll
    = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES | GTK_EVENT_CONTROLLER_SCROLL_DISCRETE);
  g_signal_connect (scroll, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  g_signal_connect (key, "key-released", G_CALLBACK (key_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);

  update_cursor (self);
}

GtkWidget *
cb_canvas_new (void)
{
  return g_object_new (CB_TYPE_CANVAS, NULL);
}
