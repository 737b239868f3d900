/* test-paint.c: brush, line, rectangle, flood fill and undo on a plain label map (no display)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-paint.h"
#include "app/gui/cb-label-colors.h"
#include "app/gui/cb-starter-scene.h"
#include "tests/test-util.h"

#include <string.h>

/* A map made here, not with cb_label_map_new(), so that this test needs only the paint code. */
static CbLabelMap *
map_new (guint width, guint height)
{
  CbLabelMap *map = g_new0 (CbLabelMap, 1);

  map->width = width;
  map->height = height;
  map->ids = g_malloc ((gsize)width * height);
  memset (map->ids, CB_VOID_ID, (gsize)width * height);
  return map;
}

static void
map_free (CbLabelMap *map)
{
  g_free (map->ids);
  g_free (map);
}

static void
test_dab_sizes (void)
{
  CbLabelMap *map = map_new (32, 32);
  CbPaintSession *session = cb_paint_session_new (map);

  /* size 1: exactly the pixel under the point */
  cb_paint_dab (session, 10.3, 5.7, 1, 1);
  g_assert_cmpuint (cb_test_count_id (map, 1), ==, 1);
  g_assert_cmpuint (cb_test_label_at (map, 10, 5), ==, 1);

  /* size 3: a 3x3 square around the pixel */
  cb_paint_dab (session, 20.9, 20.1, 3, 2);
  g_assert_cmpuint (cb_test_count_id (map, 2), ==, 9);
  for (guint y = 19; y <= 21; y++)
    for (guint x = 19; x <= 21; x++)
      g_assert_cmpuint (cb_test_label_at (map, x, y), ==, 2);

  /* size 2: a 2x2 square around the nearest pixel corner */
  cb_paint_dab (session, 4.9, 25.2, 2, 3);
  g_assert_cmpuint (cb_test_count_id (map, 3), ==, 4);
  g_assert_cmpuint (cb_test_label_at (map, 4, 24), ==, 3);
  g_assert_cmpuint (cb_test_label_at (map, 5, 25), ==, 3);

  /* size 4 is round: 4x4 without its corners */
  cb_paint_dab (session, 10.0, 10.0, 4, 4);
  g_assert_cmpuint (cb_test_count_id (map, 4), ==, 12);
  g_assert_cmpuint (cb_test_label_at (map, 8, 8), ==, CB_VOID_ID);
  g_assert_cmpuint (cb_test_label_at (map, 9, 8), ==, 4);

  /* clipped at the border, no crash */
  cb_paint_dab (session, 0.0, 0.0, 9, 5);
  g_assert_cmpuint (cb_test_label_at (map, 0, 0), ==, 5);

  cb_paint_session_free (session);
  map_free (map);
}

static void
test_segment (void)
{
  CbLabelMap *map = map_new (32, 16);
  CbPaintSession *session = cb_paint_session_new (map);
  g_autoptr (CbUndoStep) step = NULL;

  cb_paint_segment (session, 2.5, 2.5, 1, 12.5, 2.5, 1, 7);
  g_assert_cmpuint (cb_test_count_id (map, 7), ==, 11);
  for (guint x = 2; x <= 12; x++)
    g_assert_cmpuint (cb_test_label_at (map, x, 2), ==, 7);

  /* a diagonal one pixel wide line is 8-connected, no gaps */
  cb_paint_segment (session, 0.5, 5.5, 1, 9.5, 14.5, 1, 8);
  for (guint i = 0; i <= 9; i++)
    g_assert_cmpuint (cb_test_label_at (map, i, 5 + i), ==, 8);

  step = cb_paint_session_finish (session);
  g_assert_nonnull (step);
  g_assert_cmpuint (step->x, ==, 0);
  g_assert_cmpuint (step->y, ==, 2);
  g_assert_cmpuint (step->width, ==, 13);
  g_assert_cmpuint (step->height, ==, 13);
  map_free (map);
}

static void
test_rect_and_revert (void)
{
  CbLabelMap *map = map_new (100, 80);
  CbPaintSession *session = cb_paint_session_new (map);
  g_autoptr (CbUndoStep) step = NULL;

  /* a preview drawn, reverted and redrawn elsewhere, as the rectangle tool does while dragging */
  cb_paint_rect (session, 10, 10, 90, 70, 3);
  g_assert_cmpuint (cb_test_count_id (map, 3), ==, 81 * 61);
  cb_paint_session_revert (session);
  g_assert_cmpuint (cb_test_count_id (map, 3), ==, 0);
  g_assert_false (cb_paint_session_is_dirty (session));
  cb_paint_rect (session, 70, 5, 65, 2, 3); /* any corner order */
  g_assert_cmpuint (cb_test_count_id (map, 3), ==, 6 * 4);
  g_assert_true (cb_paint_session_is_dirty (session));

  step = cb_paint_session_finish (session);
  g_assert_nonnull (step);
  g_assert_cmpuint (step->x, ==, 65);
  g_assert_cmpuint (step->y, ==, 2);
  g_assert_cmpuint (step->width, ==, 6);
  g_assert_cmpuint (step->height, ==, 4);
  map_free (map);
}

static void
test_flood_fill (void)
{
  CbLabelMap *map = map_new (20, 20);
  CbPaintSession *session = cb_paint_session_new (map);

  /* a closed square outline of 1 in the void */
  cb_paint_rect (session, 5, 5, 14, 5, 1);
  cb_paint_rect (session, 5, 14, 14, 14, 1);
  cb_paint_rect (session, 5, 5, 5, 14, 1);
  cb_paint_rect (session, 14, 5, 14, 14, 1);
  g_assert_true (cb_paint_flood_fill (session, 10, 10, 2));
  g_assert_cmpuint (cb_test_count_id (map, 2), ==, 8 * 8);
  g_assert_cmpuint (cb_test_label_at (map, 4, 4), ==, CB_VOID_ID);
  g_assert_false (cb_paint_flood_fill (session, 10, 10, 2));
  g_assert_false (cb_paint_flood_fill (session, -1, 3, 2));

  /* filling the outside reaches everything around the square */
  g_assert_true (cb_paint_flood_fill (session, 0, 0, 3));
  g_assert_cmpuint (cb_test_count_id (map, 3), ==, 400 - 100);
  g_assert_cmpuint (cb_test_count_id (map, CB_VOID_ID), ==, 0);

  cb_paint_session_free (session);
  map_free (map);
}

static void
test_flood_fill_diagonal (void)
{
  CbLabelMap *map = map_new (4, 4);
  CbPaintSession *session = cb_paint_session_new (map);

  /* 0 on the diagonal only: a 4-connected fill from (0, 0) takes one pixel */
  memset (map->ids, 1, 16);
  for (guint i = 0; i < 4; i++)
    map->ids[i * 4 + i] = 0;
  g_assert_true (cb_paint_flood_fill (session, 0, 0, 2));
  g_assert_cmpuint (cb_test_count_id (map, 2), ==, 1);
  cb_paint_session_free (session);
  map_free (map);
}

static void
test_undo_redo (void)
{
  CbLabelMap *map = map_new (64, 64);
  g_autofree guint8 *before = NULL, *after = NULL;
  g_autoptr (CbUndoStack) stack = cb_undo_stack_new (CB_UNDO_DEFAULT_BUDGET);
  CbPaintSession *session;

  memset (map->ids, 4, 64 * 64);
  before = g_memdup2 (map->ids, 64 * 64);

  session = cb_paint_session_new (map);
  cb_paint_segment (session, 3, 3, 5, 60, 40, 9, 1);
  cb_undo_stack_push (stack, cb_paint_session_finish (session));
  session = cb_paint_session_new (map);
  g_assert_true (cb_paint_flood_fill (session, 63, 0, 2));
  cb_undo_stack_push (stack, cb_paint_session_finish (session));
  after = g_memdup2 (map->ids, 64 * 64);
  g_assert_cmpuint (cb_undo_stack_get_n_undo (stack), ==, 2);

  /* a session that changed nothing gives no step */
  session = cb_paint_session_new (map);
  cb_paint_dab (session, 32, 32, 1, map->ids[32 * 64 + 32]);
  g_assert_null (cb_paint_session_finish (session));

  g_assert_nonnull (cb_undo_stack_undo (stack, map));
  g_assert_nonnull (cb_undo_stack_undo (stack, map));
  g_assert_null (cb_undo_stack_undo (stack, map));
  g_assert_cmpmem (map->ids, 64 * 64, before, 64 * 64);
  g_assert_true (cb_undo_stack_can_redo (stack));

  g_assert_nonnull (cb_undo_stack_redo (stack, map));
  g_assert_nonnull (cb_undo_stack_redo (stack, map));
  g_assert_null (cb_undo_stack_redo (stack, map));
  g_assert_cmpmem (map->ids, 64 * 64, after, 64 * 64);

  /* a new edit after an undo clears the redo side */
  cb_undo_stack_undo (stack, map);
  session = cb_paint_session_new (map);
  cb_paint_dab (session, 1, 1, 1, 9);
  cb_undo_stack_push (stack, cb_paint_session_finish (session));
  g_assert_false (cb_undo_stack_can_redo (stack));
  map_free (map);
}

static void
test_undo_budget (void)
{
  CbLabelMap *map = map_new (256, 256);
  g_autoptr (CbUndoStack) stack = cb_undo_stack_new (3 * (2 * 256 * 256 + sizeof (CbUndoStep)));

  /* each fill changes the whole map: at most three such steps fit */
  for (guint i = 0; i < 10; i++)
    {
      CbPaintSession *session = cb_paint_session_new (map);

      cb_paint_flood_fill (session, 0, 0, (guint8)i);
      cb_undo_stack_push (stack, cb_paint_session_finish (session));
      g_assert_cmpuint (cb_undo_stack_get_bytes (stack), <=, 3 * (2 * 256 * 256 + sizeof (CbUndoStep)));
    }
  g_assert_cmpuint (cb_undo_stack_get_n_undo (stack), ==, 3);
  while (cb_undo_stack_undo (stack, map) != NULL)
    ;
  g_assert_cmpuint (cb_test_label_at (map, 100, 100), ==, 6);

  /* a step that alone exceeds the budget is still kept */
  {
    g_autoptr (CbUndoStack) tiny = cb_undo_stack_new (16);
    CbPaintSession *session = cb_paint_session_new (map);

    cb_paint_rect (session, 0, 0, 9, 9, 200);
    cb_undo_stack_push (tiny, cb_paint_session_finish (session));
    g_assert_true (cb_undo_stack_can_undo (tiny));
  }
  map_free (map);
}

static void
push_dab (CbUndoStack *stack, CbLabelMap *map, int x, guint8 id)
{
  CbPaintSession *session = cb_paint_session_new (map);

  cb_paint_dab (session, x, 1, 1, id);
  cb_undo_stack_push (stack, cb_paint_session_finish (session));
}

/* The clean point (the map as saved): reached again by undo or redo, lost
 * when a new edit drops its redo side, when the budget drops it, on clear. */
static void
test_undo_clean (void)
{
  CbLabelMap *map = map_new (32, 4);
  g_autoptr (CbUndoStack) stack = cb_undo_stack_new (CB_UNDO_DEFAULT_BUDGET);

  g_assert_true (cb_undo_stack_is_clean (stack));
  push_dab (stack, map, 1, 1);
  g_assert_false (cb_undo_stack_is_clean (stack));
  cb_undo_stack_undo (stack, map);
  g_assert_true (cb_undo_stack_is_clean (stack));

  /* saved after two edits: undo leaves it, redo comes back */
  push_dab (stack, map, 1, 1);
  push_dab (stack, map, 2, 2);
  cb_undo_stack_mark_clean (stack);
  cb_undo_stack_undo (stack, map);
  g_assert_false (cb_undo_stack_is_clean (stack));
  cb_undo_stack_redo (stack, map);
  g_assert_true (cb_undo_stack_is_clean (stack));

  /* undo below the saved state, then a new edit: the saved state is gone for good */
  cb_undo_stack_undo (stack, map);
  push_dab (stack, map, 3, 3);
  g_assert_false (cb_undo_stack_is_clean (stack));
  cb_undo_stack_undo (stack, map);
  g_assert_false (cb_undo_stack_is_clean (stack)); /* same count of steps, other map */

  /* clear: no clean point until marked */
  cb_undo_stack_clear (stack);
  g_assert_false (cb_undo_stack_is_clean (stack));
  cb_undo_stack_mark_clean (stack);
  g_assert_true (cb_undo_stack_is_clean (stack));

  /* a budget of one step: undo cannot get back to a clean point it dropped */
  {
    g_autoptr (CbUndoStack) tiny = cb_undo_stack_new (16);

    push_dab (tiny, map, 5, 5);
    push_dab (tiny, map, 6, 6);
    g_assert_cmpuint (cb_undo_stack_get_n_undo (tiny), ==, 1);
    cb_undo_stack_undo (tiny, map);
    g_assert_false (cb_undo_stack_is_clean (tiny));
  }
  map_free (map);
}

static guint
count_ids (const CbLabelMap *map, guint8 id)
{
  guint n = 0;

  for (gsize i = 0; i < (gsize)map->width * map->height; i++)
    n += map->ids[i] == id;
  return n;
}

/* The starter street: every part where the scene puts it, in the ids of the
 * class set by name; no scene without sky and road. */
static void
test_starter_scene (void)
{
  static const char *const names[] = { "Sky", "building", "road", "pavement", "tree", "car", "pedestrian" };
  g_autoptr (CbClassSet) set = cb_class_set_new ("street");
  g_autoptr (CbClassSet) no_road = cb_class_set_new ("no road");
  g_autoptr (CbClassSet) bare = cb_class_set_new ("sky and road only");
  CbLabelMap *map;

  /* ids that are not indices: the scene must use ids */
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    cb_class_set_add (set, 10 + 3 * i, names[i], 0x101010 * (i + 1), NULL, NULL);
  cb_class_set_add (no_road, 0, "sky", 0x808080, NULL, NULL);
  cb_class_set_add (no_road, 1, "car", 0x400080, NULL, NULL);
  cb_class_set_add (bare, 4, "road", 0x804080, NULL, NULL);
  cb_class_set_add (bare, 7, "sky", 0x808080, NULL, NULL);

  map = cb_starter_scene_new (set, 512, 384);
  g_assert_nonnull (map);
  g_assert_cmpuint (cb_test_label_at (map, 256, 5), ==, 10);   /* sky over the road */
  g_assert_cmpuint (cb_test_label_at (map, 5, 150), ==, 13);   /* a building on the left */
  g_assert_cmpuint (cb_test_label_at (map, 500, 150), ==, 13); /* and on the right */
  g_assert_cmpuint (cb_test_label_at (map, 256, 380), ==, 16); /* the road at the bottom */
  g_assert_cmpuint (cb_test_label_at (map, 2, 250), ==, 19);   /* pavement beside it */
  g_assert_cmpuint (cb_test_label_at (map, 74, 154), ==, 22);  /* the crown of the tree */
  g_assert_cmpuint (cb_test_label_at (map, 320, 315), ==, 25); /* the car */
  g_assert_cmpuint (count_ids (map, 28), ==, 0);               /* no pedestrian */
  g_assert_cmpuint (count_ids (map, CB_VOID_ID), ==, 0);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpuint (count_ids (map, (guint8)(10 + 3 * i)), >, 512 * 384 / 100);
  cb_label_map_free (map);

  /* any size, down to one pixel */
  map = cb_starter_scene_new (set, 1, 1);
  g_assert_nonnull (map);
  cb_label_map_free (map);

  g_assert_null (cb_starter_scene_new (no_road, 64, 48));
  map = cb_starter_scene_new (bare, 64, 48);
  g_assert_nonnull (map);
  g_assert_cmpuint (count_ids (map, 7) + count_ids (map, 4), ==, 64 * 48);
  cb_label_map_free (map);
}

/* The labels laid over the image: each output pixel is the colour of the
 * class at the generator's nearest source pixel, void and unknown ids
 * transparent; random maps, sizes up, down and equal. */
static void
test_label_colors (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (19);
  g_autoptr (CbClassSet) set = cb_class_set_new ("random");
  static const guint sizes[][4] = { { 37, 23, 64, 40 }, { 64, 48, 32, 24 }, { 20, 20, 20, 20 }, { 1, 1, 5, 3 } };

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("class %u", i);

      g_assert_true (cb_class_set_add (set, 2 * i, name, 0x123456 + 0x10203 * i, NULL, NULL));
    }
  for (guint t = 0; t < G_N_ELEMENTS (sizes); t++)
    {
      guint mw = sizes[t][0], mh = sizes[t][1], w = sizes[t][2], h = sizes[t][3];
      CbLabelMap *map = map_new (mw, mh);
      g_autofree guint8 *rgba = NULL;

      for (gsize i = 0; i < (gsize)mw * mh; i++)
        {
          guint r = (guint)g_rand_int_range (rand, 0, 12);

          /* classes 0, 2, 4, 6, 8; void; an id no class has */
          map->ids[i] = r < 10 ? (guint8)r : r == 10 ? CB_VOID_ID : 200;
        }
      rgba = cb_label_colors_rgba (map, set, w, h);
      for (guint y = 0; y < h; y++)
        for (guint x = 0; x < w; x++)
          {
            guint8 id = cb_test_label_at (map, cb_nearest_source_index (x, mw, w), cb_nearest_source_index (y, mh, h));
            const guint8 *p = rgba + ((gsize)y * w + x) * 4;
            int index = cb_class_set_index_of_id (set, id);

            if (index < 0)
              {
                g_assert_cmpuint (p[3], ==, 0);
                continue;
              }
            g_assert_cmpuint (p[3], ==, 255);
            g_assert_cmpuint ((guint32)p[0] << 16 | (guint32)p[1] << 8 | p[2], ==,
                              cb_class_set_get (set, (guint)index)->color);
          }
      map_free (map);
    }
}

/* Colours of another class set to the nearest class: a brute-force twin on
 * random images of class colours, void's and colours near them. */
static void
test_nearest_colors (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  g_autoptr (CbClassSet) set = cb_class_set_new ("near");
  static const guint32 colors[] = { 0x808080, 0x800000, 0x804080, 0x3c28de, 0x808000, 0x400080 };
  g_autoptr (CbImage) image = cb_image_new (53, 41);
  g_autoptr (CbLabelMap) map = NULL;
  guint n_colors = 99;
  GHashTable *inexact = g_hash_table_new (g_direct_hash, g_direct_equal);

  for (guint i = 0; i < G_N_ELEMENTS (colors); i++)
    {
      g_autofree char *name = g_strdup_printf ("class %u", i);

      g_assert_true (cb_class_set_add (set, 3 + i, name, colors[i], NULL, NULL));
    }
  for (gsize i = 0; i < (gsize)image->width * image->height; i++)
    {
      guint k = (guint)g_rand_int_range (rand, 0, G_N_ELEMENTS (colors) + 1);
      guint32 c = k < G_N_ELEMENTS (colors) ? colors[k] : set->void_color;

      if (g_rand_boolean (rand))
        c = (guint32)g_rand_int_range (rand, 0, 1 << 24);
      image->rgb[i * 3 + 0] = (guint8)(c >> 16);
      image->rgb[i * 3 + 1] = (guint8)(c >> 8);
      image->rgb[i * 3 + 2] = (guint8)c;
    }
  map = cb_label_map_from_nearest_colors (image, set, &n_colors);
  for (gsize i = 0; i < (gsize)image->width * image->height; i++)
    {
      const guint8 *p = image->rgb + i * 3;
      guint best = G_MAXUINT, id = CB_VOID_ID;

      for (guint k = 0; k <= G_N_ELEMENTS (colors); k++)
        {
          guint32 c = k < G_N_ELEMENTS (colors) ? colors[k] : set->void_color;
          int dr = p[0] - (int)(c >> 16 & 0xff), dg = p[1] - (int)(c >> 8 & 0xff), db = p[2] - (int)(c & 0xff);
          guint d = (guint)(dr * dr + dg * dg + db * db);

          if (d < best)
            {
              best = d;
              id = k < G_N_ELEMENTS (colors) ? 3 + k : CB_VOID_ID;
            }
        }
      g_assert_cmpuint (map->ids[i], ==, id);
      if (best != 0)
        g_hash_table_add (inexact, GUINT_TO_POINTER ((guint)p[0] << 16 | (guint)p[1] << 8 | p[2]));
    }
  g_assert_cmpuint (n_colors, ==, g_hash_table_size (inexact));
  g_assert_cmpuint (n_colors, >, 100);
  g_hash_table_unref (inexact);
}

static void
test_pressure_and_pick (void)
{
  CbLabelMap *map = map_new (8, 8);

  g_assert_cmpuint (cb_paint_pressure_size (20, 0.5), ==, 10);
  g_assert_cmpuint (cb_paint_pressure_size (20, 0.0), ==, 1);
  g_assert_cmpuint (cb_paint_pressure_size (300, 1.0), ==, 256);
  map->ids[3 * 8 + 2] = 6;
  g_assert_cmpuint (cb_paint_pick (map, 2, 3), ==, 6);
  g_assert_cmpuint (cb_paint_pick (map, 8, 3), ==, CB_VOID_ID);
  g_assert_cmpuint (cb_paint_pick (map, -1, 0), ==, CB_VOID_ID);
  map_free (map);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/paint/dab-sizes", test_dab_sizes);
  g_test_add_func ("/paint/segment", test_segment);
  g_test_add_func ("/paint/rect-and-revert", test_rect_and_revert);
  g_test_add_func ("/paint/flood-fill", test_flood_fill);
  g_test_add_func ("/paint/flood-fill-diagonal", test_flood_fill_diagonal);
  g_test_add_func ("/paint/undo-redo", test_undo_redo);
  g_test_add_func ("/paint/undo-budget", test_undo_budget);
  g_test_add_func ("/paint/undo-clean", test_undo_clean);
  g_test_add_func ("/paint/starter-scene", test_starter_scene);
  g_test_add_func ("/paint/label-colors", test_label_colors);
  g_test_add_func ("/paint/nearest-colors", test_nearest_colors);
  g_test_add_func ("/paint/pressure-and-pick", test_pressure_and_pick);
  return g_test_run ();
}
