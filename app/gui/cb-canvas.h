/* cb-canvas.h: the label-map canvas: pixel-exact painting, zoom and pan
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "app/gui/cb-document.h"

G_BEGIN_DECLS

typedef enum
{
  CB_TOOL_BRUSH,
  CB_TOOL_ERASER,
  CB_TOOL_FILL,
  CB_TOOL_LINE,
  CB_TOOL_RECT,
  CB_TOOL_EYEDROPPER,
} CbTool;

const char *cb_tool_to_string (CbTool tool);
gboolean cb_tool_from_string (const char *name, CbTool *tool);

#define CB_CANVAS_MIN_ZOOM (1.0 / 32.0)
#define CB_CANVAS_MAX_ZOOM 64.0

#define CB_TYPE_CANVAS (cb_canvas_get_type ())
G_DECLARE_FINAL_TYPE (CbCanvas, cb_canvas, CB, CANVAS, GtkWidget)

GtkWidget *cb_canvas_new (void);

/* doc borrowed; call cb_canvas_document_changed() whenever its map or classes change outside the canvas */
void cb_canvas_set_document (CbCanvas *self, CbDocument *doc);
void cb_canvas_document_changed (CbCanvas *self);

void cb_canvas_set_tool (CbCanvas *self, CbTool tool);
CbTool cb_canvas_get_tool (CbCanvas *self);
void cb_canvas_set_class_id (CbCanvas *self, guint8 id);
guint8 cb_canvas_get_class_id (CbCanvas *self);
void cb_canvas_set_brush_size (CbCanvas *self, guint size);
guint cb_canvas_get_brush_size (CbCanvas *self);

/* the generated image, drawn over the labels in overlay mode (stretched to the map) */
void cb_canvas_set_image (CbCanvas *self, GdkTexture *image);
void cb_canvas_set_overlay (CbCanvas *self, gboolean overlay);
void cb_canvas_set_overlay_opacity (CbCanvas *self, double opacity);
/* A photo drawn under the label map (the same size), which is drawn over it
 * with labels_opacity and void left transparent: painting examples. */
void cb_canvas_set_underlay (CbCanvas *self, GdkTexture *photo);
void cb_canvas_set_labels_opacity (CbCanvas *self, double opacity);

double cb_canvas_get_zoom (CbCanvas *self);
/* zoom around a point in widget coordinates (or the centre when x < 0) */
void cb_canvas_zoom_at (CbCanvas *self, double zoom, double x, double y);
void cb_canvas_zoom_in (CbCanvas *self);
void cb_canvas_zoom_out (CbCanvas *self);
void cb_canvas_zoom_fit (CbCanvas *self);
void cb_canvas_pan (CbCanvas *self, double dx, double dy);

void cb_canvas_widget_to_map (CbCanvas *self, double wx, double wy, double *mx, double *my);
void cb_canvas_map_to_widget (CbCanvas *self, double mx, double my, double *wx, double *wy);

/* What the pointer and stylus handlers do, in map coordinates; pick = Alt held
 * (eyedropper). Tests drive strokes through these. */
void cb_canvas_stroke_begin (CbCanvas *self, double mx, double my, double pressure, gboolean pick);
void cb_canvas_stroke_update (CbCanvas *self, double mx, double my, double pressure);
void cb_canvas_stroke_end (CbCanvas *self, double mx, double my, double pressure);
gboolean cb_canvas_in_stroke (CbCanvas *self);

/* Space held: a primary drag pans instead of painting. The window tracks the
 * key (capture phase), so it works whichever widget has the focus. */
void cb_canvas_set_space_held (CbCanvas *self, gboolean held);
gboolean cb_canvas_get_space_held (CbCanvas *self);
/* Is the pointer over the canvas? */
gboolean cb_canvas_has_pointer (CbCanvas *self);

G_END_DECLS
