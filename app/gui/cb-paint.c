/* cb-paint.c: pixel-exact painting of a CbLabelMap
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-paint.h"

#include <math.h>
#include <string.h>

#define TILE_SHIFT 6
#define TILE_SIZE (1 << TILE_SHIFT)

struct _CbPaintSession
{
  CbLabelMap *map;
  guint tiles_x, tiles_y;
  guint8 **tiles; /* old contents of touched tiles (TILE_SIZE^2 each) or NULL */
  gboolean dirty;
};

CbPaintSession *
cb_paint_session_new (CbLabelMap *map)
{
  CbPaintSession *session = g_new0 (CbPaintSession, 1);

  session->map = map;
  session->tiles_x = (map->width + TILE_SIZE - 1) >> TILE_SHIFT;
  session->tiles_y = (map->height + TILE_SIZE - 1) >> TILE_SHIFT;
  session->tiles = g_new0 (guint8 *, MAX ((gsize)session->tiles_x * session->tiles_y, 1));
  return session;
}

void
cb_paint_session_free (CbPaintSession *session)
{
  if (session == NULL)
    return;
  for (gsize t = 0; t < (gsize)session->tiles_x * session->tiles_y; t++)
    g_free (session->tiles[t]);
  g_free (session->tiles);
  g_free (session);
}

gboolean
cb_paint_session_is_dirty (const CbPaintSession *session)
{
  return session->dirty;
}

static void
tile_extent (const CbPaintSession *session, gsize t, guint *x0, guint *y0, guint *w, guint *h)
{
  *x0 = (guint)(t % session->tiles_x) << TILE_SHIFT;
  *y0 = (guint)(t / session->tiles_x) << TILE_SHIFT;
  *w = MIN ((guint)TILE_SIZE, session->map->width - *x0);
  *h = MIN ((guint)TILE_SIZE, session->map->height - *y0);
}

static void
save_tile (CbPaintSession *session, gsize t)
{
  guint x0, y0, w, h;
  guint8 *copy = g_malloc (TILE_SIZE * TILE_SIZE);

  tile_extent (session, t, &x0, &y0, &w, &h);
  for (guint row = 0; row < h; row++)
    memcpy (copy + row * TILE_SIZE, session->map->ids + (gsize)(y0 + row) * session->map->width + x0, w);
  session->tiles[t] = copy;
}

static inline void
put (CbPaintSession *session, guint x, guint y, guint8 id)
{
  gsize index = (gsize)y * session->map->width + x;
  gsize t;

  if (session->map->ids[index] == id)
    return;
  t = (gsize)(y >> TILE_SHIFT) * session->tiles_x + (x >> TILE_SHIFT);
  if (session->tiles[t] == NULL)
    save_tile (session, t);
  session->map->ids[index] = id;
  session->dirty = TRUE;
}

void
cb_paint_session_revert (CbPaintSession *session)
{
  for (gsize t = 0; t < (gsize)session->tiles_x * session->tiles_y; t++)
    {
      guint x0, y0, w, h;

      if (session->tiles[t] == NULL)
        continue;
      tile_extent (session, t, &x0, &y0, &w, &h);
      for (guint row = 0; row < h; row++)
        memcpy (session->map->ids + (gsize)(y0 + row) * session->map->width + x0, session->tiles[t] + row * TILE_SIZE,
                w);
    }
  session->dirty = FALSE;
}

static inline guint8
old_id (const CbPaintSession *session, guint x, guint y)
{
  const guint8 *tile = session->tiles[(gsize)(y >> TILE_SHIFT) * session->tiles_x + (x >> TILE_SHIFT)];

  if (tile == NULL)
    return session->map->ids[(gsize)y * session->map->width + x];
  return tile[(y & (TILE_SIZE - 1)) * TILE_SIZE + (x & (TILE_SIZE - 1))];
}

CbUndoStep *
cb_paint_session_finish (CbPaintSession *session)
{
  guint min_x = G_MAXUINT, min_y = G_MAXUINT, max_x = 0, max_y = 0;
  CbUndoStep *step = NULL;

  for (gsize t = 0; t < (gsize)session->tiles_x * session->tiles_y; t++)
    {
      guint x0, y0, w, h;

      if (session->tiles[t] == NULL)
        continue;
      tile_extent (session, t, &x0, &y0, &w, &h);
      for (guint row = 0; row < h; row++)
        {
          const guint8 *now = session->map->ids + (gsize)(y0 + row) * session->map->width + x0;
          const guint8 *was = session->tiles[t] + row * TILE_SIZE;

          for (guint col = 0; col < w; col++)
            if (now[col] != was[col])
              {
                min_x = MIN (min_x, x0 + col);
                max_x = MAX (max_x, x0 + col);
                min_y = MIN (min_y, y0 + row);
                max_y = MAX (max_y, y0 + row);
              }
        }
    }

  if (min_x != G_MAXUINT)
    {
      step = cb_undo_step_new (min_x, min_y, max_x - min_x + 1, max_y - min_y + 1);
      for (guint y = 0; y < step->height; y++)
        {
          memcpy (step->new_ids + (gsize)y * step->width,
                  session->map->ids + (gsize)(min_y + y) * session->map->width + min_x, step->width);
          for (guint x = 0; x < step->width; x++)
            step->old_ids[(gsize)y * step->width + x] = old_id (session, min_x + x, min_y + y);
        }
    }

  cb_paint_session_free (session);
  return step;
}

void
cb_paint_brush_center (double x, double y, guint size, double *cx, double *cy)
{
  if (size % 2 == 1)
    {
      *cx = floor (x) + 0.5;
      *cy = floor (y) + 0.5;
    }
  else
    {
      *cx = floor (x + 0.5);
      *cy = floor (y + 0.5);
    }
}

guint
cb_paint_pressure_size (guint size, double pressure)
{
  double s = size * CLAMP (pressure, 0.0, 1.0);

  return (guint)CLAMP (lround (s), CB_BRUSH_MIN_SIZE, CB_BRUSH_MAX_SIZE);
}

void
cb_paint_segment (CbPaintSession *session, double x0, double y0, guint size0, double x1, double y1, guint size1,
                  guint8 id)
{
  CbLabelMap *map = session->map;
  double ax, ay, bx, by, r0, r1, rmax, dx, dy, len2;
  long ix0, iy0, ix1, iy1;

  size0 = CLAMP (size0, CB_BRUSH_MIN_SIZE, CB_BRUSH_MAX_SIZE);
  size1 = CLAMP (size1, CB_BRUSH_MIN_SIZE, CB_BRUSH_MAX_SIZE);
  cb_paint_brush_center (x0, y0, size0, &ax, &ay);
  cb_paint_brush_center (x1, y1, size1, &bx, &by);
  r0 = size0 / 2.0;
  r1 = size1 / 2.0;
  rmax = MAX (r0, r1);

  ix0 = (long)floor (MIN (ax, bx) - rmax);
  iy0 = (long)floor (MIN (ay, by) - rmax);
  ix1 = (long)ceil (MAX (ax, bx) + rmax);
  iy1 = (long)ceil (MAX (ay, by) + rmax);
  ix0 = MAX (ix0, 0);
  iy0 = MAX (iy0, 0);
  ix1 = MIN (ix1, (long)map->width - 1);
  iy1 = MIN (iy1, (long)map->height - 1);

  dx = bx - ax;
  dy = by - ay;
  len2 = dx * dx + dy * dy;

  for (long y = iy0; y <= iy1; y++)
    for (long x = ix0; x <= ix1; x++)
      {
        double px = x + 0.5 - ax, py = y + 0.5 - ay;
        double t = len2 > 0 ? CLAMP ((px * dx + py * dy) / len2, 0.0, 1.0) : 0.0;
        double ex = px - t * dx, ey = py - t * dy;
        double r = r0 + t * (r1 - r0);

        /* a tiny tolerance so that e.g. the corner pixels of a 3x3 dab are exact */
        if (ex * ex + ey * ey <= r * r + 1e-9)
          put (session, (guint)x, (guint)y, id);
      }
}

void
cb_paint_dab (CbPaintSession *session, double x, double y, guint size, guint8 id)
{
  cb_paint_segment (session, x, y, size, x, y, size, id);
}

void
cb_paint_rect (CbPaintSession *session, int x0, int y0, int x1, int y1, guint8 id)
{
  CbLabelMap *map = session->map;
  int left = MAX (MIN (x0, x1), 0), right = MIN (MAX (x0, x1), (int)map->width - 1);
  int top = MAX (MIN (y0, y1), 0), bottom = MIN (MAX (y0, y1), (int)map->height - 1);

  for (int y = top; y <= bottom; y++)
    for (int x = left; x <= right; x++)
      put (session, (guint)x, (guint)y, id);
}

gboolean
cb_paint_flood_fill (CbPaintSession *session, int x, int y, guint8 id)
{
  CbLabelMap *map = session->map;
  g_autoptr (GArray) stack = NULL;
  guint8 target;
  gboolean changed = FALSE;

  if (x < 0 || y < 0 || (guint)x >= map->width || (guint)y >= map->height)
    return FALSE;
  target = map->ids[(gsize)y * map->width + x];
  if (target == id)
    return FALSE;

  /* scanline fill: the stack holds seed points; each fills its whole run and
   * pushes one seed per run of target pixels above and below */
  stack = g_array_new (FALSE, FALSE, sizeof (guint) * 2);
  g_array_append_vals (stack, (guint[2]){ (guint)x, (guint)y }, 1);
  while (stack->len > 0)
    {
      guint *seed = &g_array_index (stack, guint, (stack->len - 1) * 2);
      guint sx = seed[0], sy = seed[1];
      guint8 *row = map->ids + (gsize)sy * map->width;
      guint left, right;

      g_array_set_size (stack, stack->len - 1);
      if (row[sx] != target)
        continue;
      left = sx;
      while (left > 0 && row[left - 1] == target)
        left--;
      right = sx;
      while (right + 1 < map->width && row[right + 1] == target)
        right++;
      for (guint i = left; i <= right; i++)
        put (session, i, sy, id);
      changed = TRUE;

      for (int dir = -1; dir <= 1; dir += 2)
        {
          guint8 *other;
          gboolean in_run = FALSE;

          if ((dir < 0 && sy == 0) || (dir > 0 && sy + 1 >= map->height))
            continue;
          other = map->ids + (gsize)(sy + dir) * map->width;
          for (guint i = left; i <= right; i++)
            {
              if (other[i] == target)
                {
                  if (!in_run)
                    g_array_append_vals (stack, (guint[2]){ i, sy + dir }, 1);
                  in_run = TRUE;
                }
              else
                in_run = FALSE;
            }
        }
    }
  return changed;
}

guint8
cb_paint_pick (const CbLabelMap *map, int x, int y)
{
  if (x < 0 || y < 0 || (guint)x >= map->width || (guint)y >= map->height)
    return CB_VOID_ID;
  return map->ids[(gsize)y * map->width + x];
}
