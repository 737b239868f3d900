/* cb-oasis.h: the OASIS generator as an op list, and its first layer (DESIGN §2)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-graph.h"
#include "cb-label-map.h"
#include "cb-model.h"
#include "cb-profile.h"

G_BEGIN_DECLS

/* What one generation runs with: the first layer as a table with one row per
 * target class plus a last row for void, and the label rows input. */
typedef struct
{
  guint n_rows;     /* T + 1 */
  guint n_channels; /* z_dim + semantic_nc */
  float *table;     /* n_rows x n_channels */
} CbEmbedTable;

typedef struct
{
  guint64 seed;        /* the image seed: global vector = stream 0 */
  guint n_class_seeds; /* per target class index; 0 = none */
  const gboolean *has_class_seed;
  const guint64 *class_seed;
  /* n_class_seeds class ids: a re-rolled class uses stream id + 1 (docs/FORMATS.md);
   * NULL = the index is the id (true of the source classes of the bundled models) */
  const guint *class_ids;
  /* z_dim floats replacing the global vector (stream 0 of seed), or NULL:
   * noise given by the user (--noise-file) */
  const float *global_z;
} CbSeeds;

/* Graph inputs, in order: 0 = rows (1 x H x W), 1 = table (1 x (T+1) x C).
 * Output: 3 x H x W after tanh (values in [-1, 1]). n_rows = T + 1. */
CbGraph *cb_oasis_build_generator (const CbModel *model, guint n_rows, GError **error);

/* The same with a third input, 2 = noise (z_dim + semantic_nc) x H x W,
 * added to the embedded map: a spatial z map (DESIGN §6: no gathers then).
 * The table's z part must be zero. */
CbGraph *cb_oasis_build_generator_with_noise_map (const CbModel *model, guint n_rows, GError **error);
/* The noise input from a z_dim x H x W map (H, W native), zero label channels. */
CbTensor *cb_oasis_noise_input (const CbModel *model, const float *z_map);

/* Row t = [z_t ; A[t, :] on the source channels]; the last row (void) =
 * [z_global ; one-hot don't-care or zeros]. affinity NULL = identity over the
 * source classes (T = S'). */
CbEmbedTable *cb_embed_table_new (const CbModel *model, const float *affinity, guint n_target, const CbSeeds *seeds);
void cb_embed_table_free (CbEmbedTable *table);

/* Rows input: map ids to row indices (target class index, void -> T) at the
 * model's native size (nearest resize). Unknown ids are void. target NULL =
 * the model's source classes (rows = source class indices, for the identity table). */
CbTensor *cb_oasis_label_rows (const CbModel *model, const CbLabelMap *map, const CbClassSet *target);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbEmbedTable, cb_embed_table_free)

G_END_DECLS
