/* cb-paint.h: pixel-exact painting of a CbLabelMap (brush, line, rectangle, flood fill)
 *
 * No anti-aliasing: every pixel is one class id. A paint session records the
 * old contents of the 64x64 tiles it touches, so that an edit can be previewed
 * and reverted (line and rectangle tools) and finished into an undo step that
 * holds only the bounding box of the changed pixels. Plain C, no GTK: the
 * canvas calls these from its pointer handlers and tests call them directly.
 *
 * Coordinates are in map pixels as doubles; pixel (i, j) covers
 * [i, i + 1) x [j, j + 1), its centre is (i + 0.5, j + 0.5).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "app/gui/cb-undo.h"

G_BEGIN_DECLS

#define CB_BRUSH_MIN_SIZE 1
#define CB_BRUSH_MAX_SIZE 256

typedef struct _CbPaintSession CbPaintSession;

CbPaintSession *cb_paint_session_new (CbLabelMap *map); /* map borrowed */
void cb_paint_session_free (CbPaintSession *session);
/* TRUE when a pixel changed since the session began (or since the last revert) */
gboolean cb_paint_session_is_dirty (const CbPaintSession *session);
/* Restores every pixel the session changed. */
void cb_paint_session_revert (CbPaintSession *session);
/* Frees the session; returns the undo step of what changed, or NULL when nothing did. */
CbUndoStep *cb_paint_session_finish (CbPaintSession *session);

/* The centre of a round brush of diameter size at (x, y): odd sizes centre on
 * a pixel centre, even sizes on a pixel corner, so a dab is symmetric. */
void cb_paint_brush_center (double x, double y, guint size, double *cx, double *cy);
/* A round dab: pixels whose centre is within size / 2 of the snapped centre.
 * Size 1 = one pixel, 3 = a 3x3 square. */
void cb_paint_dab (CbPaintSession *session, double x, double y, guint size, guint8 id);
/* Every pixel within the radius of the segment between two dabs (a capsule;
 * the radius is interpolated when the sizes differ, for stylus pressure). */
void cb_paint_segment (CbPaintSession *session, double x0, double y0, guint size0, double x1, double y1, guint size1,
                       guint8 id);
/* A filled rectangle between two pixels, both included (any order). */
void cb_paint_rect (CbPaintSession *session, int x0, int y0, int x1, int y1, guint8 id);
/* 4-connected flood fill of the region of (x, y)'s id; FALSE when nothing changed. */
gboolean cb_paint_flood_fill (CbPaintSession *session, int x, int y, guint8 id);

/* The id at (x, y), or CB_VOID_ID outside the map. */
guint8 cb_paint_pick (const CbLabelMap *map, int x, int y);

/* The brush size scaled by a stylus pressure in [0, 1], clamped to 1..256. */
guint cb_paint_pressure_size (guint size, double pressure);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbPaintSession, cb_paint_session_free)

G_END_DECLS
