/* test-paint.c: brush, line, rectangle, flood fill and undo on a plain label map (no display)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-paint.h"
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
  g_test_add_func ("/paint/pressure-and-pick", test_pressure_and_pick);
  return g_test_run ();
}
