/* cb-generator.h: label map + seeds (+ profile) in, image out
 *
 * Ties a model, a backend, a prepared plan and the current first layer
 * together; what the application and the CLI call. Not thread-safe: the
 * application owns one per worker thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-oasis.h"
#include "model/cb-png.h"
#include "render/cb-backend.h"

G_BEGIN_DECLS

typedef struct _CbGenerator CbGenerator;

CbGenerator *cb_generator_new (CbModel *model, CbBackend *backend, GError **error); /* model and backend borrowed */
void cb_generator_free (CbGenerator *gen);

/* profile NULL: paint with the source classes (identity). Checks the profile's model hash. */
gboolean cb_generator_set_profile (CbGenerator *gen, const CbProfile *profile, GError **error);
/* the classes one paints with now: the profile's target classes or the model's */
const CbClassSet *cb_generator_get_classes (const CbGenerator *gen);

/* A spatial noise map (z_dim x H x W at the native size) used instead of the
 * per-class vectors, or NULL to go back to them. Copied. */
void cb_generator_set_noise_map (CbGenerator *gen, const float *z_map);

/* Generates at the model's native size; map is resized by nearest neighbour. */
CbImage *cb_generator_run (CbGenerator *gen, const CbLabelMap *map, const CbSeeds *seeds, GError **error);
/* the same, returning the float output (3 x H x W in [-1, 1]) */
CbTensor *cb_generator_run_tensor (CbGenerator *gen, const CbLabelMap *map, const CbSeeds *seeds, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbGenerator, cb_generator_free)

G_END_DECLS
