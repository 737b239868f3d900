/* cb-variations.h: a strip of thumbnails of the painting with other image
 * seeds; clicking one adopts its seed
 *
 * The window asks the worker for a batch (cb_gen_worker_request_variations())
 * and hands the results here; results of another batch are ignored.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "app/gui/cb-gen-worker.h"

G_BEGIN_DECLS

/* thumbnails per batch: one forward pass each */
#define CB_VARIATIONS_N 7

#define CB_TYPE_VARIATIONS (cb_variations_get_type ())
G_DECLARE_FINAL_TYPE (CbVariations, cb_variations, CB, VARIATIONS, GtkWidget)

GtkWidget *cb_variations_new (void);
/* A new batch: n (≤ CB_VARIATIONS_N) empty thumbnails for seeds[]; batch 0 clears the strip. */
void cb_variations_start (CbVariations *self, guint64 batch, const guint64 *seeds, guint n);
/* A variation from the worker: taken (its image stolen) when it belongs to
 * the current batch; FALSE otherwise. */
gboolean cb_variations_take_result (CbVariations *self, CbGenWorkerResult *result);
/* Marks the thumbnail of seed as the one in use (none when no thumbnail has it). */
void cb_variations_set_current_seed (CbVariations *self, guint64 seed);

guint cb_variations_get_n (CbVariations *self);
/* thumbnails whose image has arrived */
guint cb_variations_get_n_done (CbVariations *self);
guint64 cb_variations_get_seed (CbVariations *self, guint index);
/* NULL until it has arrived */
const CbImage *cb_variations_get_image (CbVariations *self, guint index);
/* The thumbnail's button: clicking it emits ::seed-chosen with its seed. */
GtkWidget *cb_variations_get_button (CbVariations *self, guint index);

G_END_DECLS
