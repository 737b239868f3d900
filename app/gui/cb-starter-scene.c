/* cb-starter-scene.c: a simple street to start from
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-starter-scene.h"

#include <math.h>
#include <string.h>

/* The scene in fractions of the map: a horizon at 60 %, a road narrowing
 * towards it, buildings of several heights on both sides, a tree on the
 * left pavement and a car on the road. */
#define HORIZON 0.60

static int
class_id (const CbClassSet *classes, const char *name, int fallback)
{
  const CbClass *c = cb_class_set_lookup_name (classes, name);

  return c != NULL ? (int)c->id : fallback;
}

static void
fill_rect (CbLabelMap *map, double x0, double y0, double x1, double y1, int id)
{
  guint left, right, top, bottom;

  if (id < 0)
    return;
  left = (guint)CLAMP (floor (x0 * map->width), 0, map->width);
  right = (guint)CLAMP (ceil (x1 * map->width), 0, map->width);
  top = (guint)CLAMP (floor (y0 * map->height), 0, map->height);
  bottom = (guint)CLAMP (ceil (y1 * map->height), 0, map->height);
  for (guint y = top; y < bottom; y++)
    memset (map->ids + (gsize)y * map->width + left, id, right > left ? right - left : 0);
}

/* an ellipse of radius r (a fraction of the height) around (cx, cy) */
static void
fill_blob (CbLabelMap *map, double cx, double cy, double r, int id)
{
  double px = r * map->height, cxp = cx * map->width, cyp = cy * map->height;

  if (id < 0)
    return;
  for (guint y = 0; y < map->height; y++)
    for (guint x = 0; x < map->width; x++)
      {
        double dx = (x + 0.5 - cxp) / (px * 0.9), dy = (y + 0.5 - cyp) / px;

        if (dx * dx + dy * dy <= 1.0)
          map->ids[(gsize)y * map->width + x] = (guint8)id;
      }
}

CbLabelMap *
cb_starter_scene_new (const CbClassSet *classes, guint width, guint height)
{
  int sky = class_id (classes, "sky", -1), road = class_id (classes, "road", -1);
  int building = class_id (classes, "building", -1);
  int ground = class_id (classes, "pavement", class_id (classes, "sidewalk", road));
  int tree = class_id (classes, "tree", class_id (classes, "vegetation", -1));
  int car = class_id (classes, "car", -1);
  CbLabelMap *map;

  g_return_val_if_fail (width > 0 && height > 0, NULL);
  if (sky < 0 || road < 0)
    return NULL;
  map = cb_label_map_new (width, height);

  fill_rect (map, 0, 0, 1, HORIZON, sky);
  /* buildings: taller towards the edges, a gap over the road's vanishing point */
  fill_rect (map, 0.00, 0.08, 0.16, HORIZON, building);
  fill_rect (map, 0.16, 0.18, 0.30, HORIZON, building);
  fill_rect (map, 0.30, 0.30, 0.42, HORIZON, building);
  fill_rect (map, 0.60, 0.26, 0.72, HORIZON, building);
  fill_rect (map, 0.72, 0.14, 0.86, HORIZON, building);
  fill_rect (map, 0.86, 0.04, 1.00, HORIZON, building);
  /* the ground: pavement, and the road widening from the horizon to the bottom */
  fill_rect (map, 0, HORIZON, 1, 1, ground);
  for (guint y = (guint)(HORIZON * height); y < height; y++)
    {
      double t = (y + 0.5 - HORIZON * height) / ((1.0 - HORIZON) * height);
      double left = 0.44 - 0.44 * t, right = 0.56 + 0.44 * t;

      for (guint x = (guint)floor (left * width); x < (guint)ceil (right * width) && x < width; x++)
        map->ids[(gsize)y * width + x] = (guint8)road;
    }
  /* a tree on the left: a trunk and a crown over the buildings */
  fill_rect (map, 0.135, 0.48, 0.155, 0.74, tree);
  fill_blob (map, 0.145, 0.40, 0.14, tree);
  /* a car on the road: body and cabin */
  fill_rect (map, 0.50, 0.76, 0.76, 0.90, car);
  fill_rect (map, 0.55, 0.69, 0.70, 0.77, car);
  return map;
}
