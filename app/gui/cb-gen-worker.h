/* cb-gen-worker.h: runs the generator on its own thread; newest request wins
 *
 * The worker thread loads the model, opens the backend and owns its
 * CbGenerator. The main thread posts requests (a copy of the label map and
 * the seeds); requests that are still queued when a newer one arrives are
 * dropped. Callbacks run on the main context of the thread that created the
 * worker, never after cb_gen_worker_free().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-oasis.h"
#include "model/cb-png.h"

G_BEGIN_DECLS

typedef struct _CbGenWorker CbGenWorker;

typedef struct
{
  CbClassSet *classes; /* the classes one paints with; NULL when the model failed */
  guint native_width, native_height;
  char *model_path;
  char *model_sha256;       /* of the model file's bytes (hex); NULL when it could not be read */
  char *model_card;         /* human-readable text of the model card, may be NULL */
  char *device_description; /* NULL when the device failed */
  gboolean cpu_device;      /* a CPU Vulkan device (lavapipe) or a CPU backend */
  GError *error;            /* set when the model or the device could not be loaded */
} CbGenWorkerInfo;

typedef struct
{
  guint64 serial; /* of the request */
  CbImage *image; /* NULL on error */
  double ms;      /* wall time of the generation */
  guint64 seed;
  guint variation; /* 0: the image; k > 0: the k-th of a batch of variations (serial = the batch's) */
  GError *error;   /* with no image: the generation failed; beside an image: a
                    * notice (the device failed and the generator fell back) */
} CbGenWorkerResult;

typedef struct
{
  guint64 serial;      /* of the request */
  CbClassSet *classes; /* the classes one paints with now; NULL on error */
  GError *error;       /* the profile was refused (another model, wrong size); the old one stays */
} CbGenWorkerProfileResult;

typedef void (*CbGenWorkerReadyFunc) (const CbGenWorkerInfo *info, gpointer user_data);
typedef void (*CbGenWorkerResultFunc) (CbGenWorkerResult *result, gpointer user_data); /* result borrowed */

typedef void (*CbGenWorkerProfileFunc) (CbGenWorkerProfileResult *result, gpointer user_data); /* borrowed */

/* model_path NULL: $CATBRUSH_MODEL, else the bundled model. */
CbGenWorker *cb_gen_worker_new (const char *model_path, CbGenWorkerReadyFunc ready, CbGenWorkerResultFunc result,
                                gpointer user_data);
/* Stops the callbacks and cancels the current work (model loading or a
 * generation) without waiting for it: the thread ends on its own and is
 * joined by cb_gen_worker_join_all(). */
void cb_gen_worker_free (CbGenWorker *worker);
/* Waits for the threads of freed workers (at application shutdown; also
 * run at exit). A cancelled generation ends after its current CPU op or
 * Vulkan submission. */
void cb_gen_worker_join_all (void);

/* Copies map and seeds; returns the request's serial (increasing). */
guint64 cb_gen_worker_request (CbGenWorker *worker, const CbLabelMap *map, const CbSeeds *seeds);
/* Replaces the generator's first layer (DESIGN §2): profile copied, NULL =
 * the model's own classes. Requests are applied in order (never dropped);
 * generations queued before it are dropped (their ids meant other classes).
 * The result goes to the profile callback. Returns the request's serial. */
guint64 cb_gen_worker_set_profile (CbGenWorker *worker, const CbProfile *profile);
void cb_gen_worker_set_profile_func (CbGenWorker *worker, CbGenWorkerProfileFunc func);

/* Variations: n generations of map, each with variation_seeds[k] as the
 * image seed (the class seeds as given). They run only while no other
 * generation waits, one forward pass at a time; a newer batch or a profile
 * drops what is left of an older one. Each result goes to the variation
 * callback with variation = k + 1 and serial = the batch's, which is
 * returned. */
guint64 cb_gen_worker_request_variations (CbGenWorker *worker, const CbLabelMap *map, const CbSeeds *seeds,
                                          const guint64 *variation_seeds, guint n);
void cb_gen_worker_set_variation_func (CbGenWorker *worker, CbGenWorkerResultFunc func);
/* Has the info been delivered (successfully or not)? */
gboolean cb_gen_worker_is_ready (const CbGenWorker *worker);
gboolean cb_gen_worker_can_generate (const CbGenWorker *worker);

/* The model path the worker would load for model_path (NULL when none is found). */
char *cb_gen_worker_resolve_model (const char *model_path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbGenWorker, cb_gen_worker_free)

G_END_DECLS
