/* cb-undo.c: bounded undo/redo of label-map edits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-undo.h"

#include <string.h>

struct _CbUndoStack
{
  gsize max_bytes;
  gsize bytes;
  GQueue undo; /* of CbUndoStep*, head = newest */
  GQueue redo; /* of CbUndoStep*, head = next to redo */
  /* steps applied since the start (push and redo +1, undo −1) and where the
   * clean point is on that count */
  gint64 position, clean_position;
  gboolean has_clean;
};

CbUndoStep *
cb_undo_step_new (guint x, guint y, guint width, guint height)
{
  CbUndoStep *step = g_new0 (CbUndoStep, 1);
  gsize n = (gsize)width * height;

  step->x = x;
  step->y = y;
  step->width = width;
  step->height = height;
  step->old_ids = g_malloc0 (MAX (n, 1));
  step->new_ids = g_malloc0 (MAX (n, 1));
  return step;
}

void
cb_undo_step_free (CbUndoStep *step)
{
  if (step == NULL)
    return;
  g_free (step->old_ids);
  g_free (step->new_ids);
  g_free (step);
}

gsize
cb_undo_step_get_size (const CbUndoStep *step)
{
  return sizeof *step + 2 * (gsize)step->width * step->height;
}

void
cb_undo_step_apply (const CbUndoStep *step, CbLabelMap *map, gboolean redo)
{
  const guint8 *src = redo ? step->new_ids : step->old_ids;

  g_return_if_fail (step->x + step->width <= map->width);
  g_return_if_fail (step->y + step->height <= map->height);

  for (guint row = 0; row < step->height; row++)
    memcpy (map->ids + (gsize)(step->y + row) * map->width + step->x, src + (gsize)row * step->width, step->width);
}

CbUndoStack *
cb_undo_stack_new (gsize max_bytes)
{
  CbUndoStack *stack = g_new0 (CbUndoStack, 1);

  stack->max_bytes = max_bytes;
  stack->has_clean = TRUE; /* a new stack starts at its clean point */
  g_queue_init (&stack->undo);
  g_queue_init (&stack->redo);
  return stack;
}

static void
clear_queue (CbUndoStack *stack, GQueue *queue)
{
  CbUndoStep *step;

  while ((step = g_queue_pop_head (queue)) != NULL)
    {
      stack->bytes -= cb_undo_step_get_size (step);
      cb_undo_step_free (step);
    }
}

void
cb_undo_stack_clear (CbUndoStack *stack)
{
  clear_queue (stack, &stack->undo);
  clear_queue (stack, &stack->redo);
  stack->position = 0;
  stack->has_clean = FALSE;
}

void
cb_undo_stack_free (CbUndoStack *stack)
{
  if (stack == NULL)
    return;
  cb_undo_stack_clear (stack);
  g_free (stack);
}

void
cb_undo_stack_push (CbUndoStack *stack, CbUndoStep *step)
{
  g_return_if_fail (step != NULL);

  clear_queue (stack, &stack->redo);
  /* the clean point was on the redo side just dropped */
  if (stack->clean_position > stack->position)
    stack->has_clean = FALSE;
  g_queue_push_head (&stack->undo, step);
  stack->position++;
  stack->bytes += cb_undo_step_get_size (step);

  while (stack->bytes > stack->max_bytes && stack->undo.length > 1)
    {
      CbUndoStep *oldest = g_queue_pop_tail (&stack->undo);

      stack->bytes -= cb_undo_step_get_size (oldest);
      cb_undo_step_free (oldest);
    }
  /* undo can no longer reach a clean point older than the oldest step kept */
  if (stack->clean_position < stack->position - (gint64)stack->undo.length)
    stack->has_clean = FALSE;
}

gboolean
cb_undo_stack_can_undo (const CbUndoStack *stack)
{
  return stack->undo.length > 0;
}

gboolean
cb_undo_stack_can_redo (const CbUndoStack *stack)
{
  return stack->redo.length > 0;
}

static gboolean
step_fits (const CbUndoStep *step, const CbLabelMap *map)
{
  return step->x + step->width <= map->width && step->y + step->height <= map->height;
}

const CbUndoStep *
cb_undo_stack_undo (CbUndoStack *stack, CbLabelMap *map)
{
  CbUndoStep *step = g_queue_peek_head (&stack->undo);

  if (step == NULL || !step_fits (step, map))
    return NULL;
  g_queue_pop_head (&stack->undo);
  cb_undo_step_apply (step, map, FALSE);
  g_queue_push_head (&stack->redo, step);
  stack->position--;
  return step;
}

const CbUndoStep *
cb_undo_stack_redo (CbUndoStack *stack, CbLabelMap *map)
{
  CbUndoStep *step = g_queue_peek_head (&stack->redo);

  if (step == NULL || !step_fits (step, map))
    return NULL;
  g_queue_pop_head (&stack->redo);
  cb_undo_step_apply (step, map, TRUE);
  g_queue_push_head (&stack->undo, step);
  stack->position++;
  return step;
}

gsize
cb_undo_stack_get_bytes (const CbUndoStack *stack)
{
  return stack->bytes;
}

guint
cb_undo_stack_get_n_undo (const CbUndoStack *stack)
{
  return stack->undo.length;
}

guint
cb_undo_stack_get_n_redo (const CbUndoStack *stack)
{
  return stack->redo.length;
}

void
cb_undo_stack_mark_clean (CbUndoStack *stack)
{
  stack->clean_position = stack->position;
  stack->has_clean = TRUE;
}

gboolean
cb_undo_stack_is_clean (const CbUndoStack *stack)
{
  return stack->has_clean && stack->position == stack->clean_position;
}
