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

/* Incremental generation while painting (docs/PERFORMANCE.md): the plan
 * keeps the last run's activations and a run recomputes only what changed
 * in the label map reaches (where the backend can: the CPU backend in fp32);
 * the image is the same to the bit. Off by default (it keeps a buffer per layer). */
void cb_generator_set_incremental (CbGenerator *gen, gboolean enable);
/* A one-off image (a variation with other seeds): a whole pass that leaves
 * the kept activations of the incremental image alone. */
CbImage *cb_generator_run_aside (CbGenerator *gen, const CbLabelMap *map, const CbSeeds *seeds, GError **error);
/* The share of the network the last run computed (1: a whole pass). */
double cb_generator_get_recomputed (const CbGenerator *gen);

/* Device faults (docs/RELIABILITY.md): out of device memory at prepare or
 * run falls back to the CPU backend; a lost device is recreated and the work
 * retried once, then falls back to the CPU. The generation still succeeds;
 * the generator is then "degraded" and says why in a notice. */
gboolean cb_generator_is_degraded (const CbGenerator *gen);
/* what happened at the last fault (NULL when none), e.g. "The GPU ran out of memory (…); images are now made on
 * the CPU: CPU · 2 threads · AVX2+FMA" */
const char *cb_generator_get_notice (const CbGenerator *gen);
/* The notice when it is new since the last call (to show it once), else NULL. Free it. */
char *cb_generator_take_notice (CbGenerator *gen);
/* The backend images are made on now: the one given, or the CPU fallback. */
CbBackend *cb_generator_get_backend (const CbGenerator *gen);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbGenerator, cb_generator_free)

G_END_DECLS
