/* cb-undo.h: bounded undo/redo of label-map edits, stored as rectangle diffs
 *
 * A step holds the bounding box of the pixels an edit changed and the old and
 * new ids inside it; never a whole map. The stack drops its oldest steps when
 * the bytes held exceed its budget. Plain C, no GTK.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-label-map.h"

G_BEGIN_DECLS

typedef struct
{
  guint x, y, width, height;
  guint8 *old_ids; /* width * height, row-major */
  guint8 *new_ids; /* width * height, row-major */
} CbUndoStep;

CbUndoStep *cb_undo_step_new (guint x, guint y, guint width, guint height);
void cb_undo_step_free (CbUndoStep *step);
gsize cb_undo_step_get_size (const CbUndoStep *step);
/* Writes the step's old (redo = FALSE) or new (redo = TRUE) ids into map. */
void cb_undo_step_apply (const CbUndoStep *step, CbLabelMap *map, gboolean redo);

typedef struct _CbUndoStack CbUndoStack;

#define CB_UNDO_DEFAULT_BUDGET (256u * 1024u * 1024u)

CbUndoStack *cb_undo_stack_new (gsize max_bytes);
void cb_undo_stack_free (CbUndoStack *stack);
/* Takes step; clears the redo side; drops the oldest steps beyond the budget
 * (the newest step is always kept). */
void cb_undo_stack_push (CbUndoStack *stack, CbUndoStep *step);
gboolean cb_undo_stack_can_undo (const CbUndoStack *stack);
gboolean cb_undo_stack_can_redo (const CbUndoStack *stack);
/* Apply the step to map and return it (for its rectangle), or NULL when there is none. */
const CbUndoStep *cb_undo_stack_undo (CbUndoStack *stack, CbLabelMap *map);
const CbUndoStep *cb_undo_stack_redo (CbUndoStack *stack, CbLabelMap *map);
void cb_undo_stack_clear (CbUndoStack *stack);
gsize cb_undo_stack_get_bytes (const CbUndoStack *stack);
guint cb_undo_stack_get_n_undo (const CbUndoStack *stack);
guint cb_undo_stack_get_n_redo (const CbUndoStack *stack);
/* The clean point: the map as it was saved. Undo and redo back to it make
 * the map clean again; a push over its redo side, a budget drop past it or
 * a clear make it unreachable until it is marked again. */
void cb_undo_stack_mark_clean (CbUndoStack *stack);
gboolean cb_undo_stack_is_clean (const CbUndoStack *stack);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbUndoStep, cb_undo_step_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbUndoStack, cb_undo_stack_free)

G_END_DECLS
