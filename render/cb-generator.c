/* cb-generator.c: label map + seeds (+ profile) in, image out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-generator.h"

#include "model/cb-error.h"

#include <math.h>
#include <string.h>

struct _CbGenerator
{
  CbModel *model;        /* borrowed */
  CbBackend *backend;    /* borrowed */
  CbBackend *active;     /* what runs now: backend, or fallback */
  CbBackend *fallback;   /* owned: the CPU backend after a device fault */
  gboolean lost_retried; /* a lost device was recreated for the current work */
  char *notice;          /* the last fault, for the user */
  gboolean notice_new;

  CbClassSet *classes; /* the classes one paints with */
  float *affinity;     /* T x S', or NULL for the identity */
  guint n_target;

  float *noise_map; /* z_dim x H x W, or NULL: z per class from the seeds */

  CbGraph *graph; /* built for n_target + 1 rows, with or without the noise input */
  CbPlan *plan;
  guint plan_rows;
  gboolean plan_noise_map;
  gboolean incremental; /* asked for: set on every plan prepared */
};

CbGenerator *
cb_generator_new (CbModel *model, CbBackend *backend, GError **error)
{
  g_autoptr (CbGenerator) gen = g_new0 (CbGenerator, 1);

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (backend != NULL, NULL);

  gen->model = model;
  gen->backend = backend;
  gen->active = backend;
  if (!cb_generator_set_profile (gen, NULL, error))
    return NULL;
  return g_steal_pointer (&gen);
}

void
cb_generator_free (CbGenerator *gen)
{
  if (gen == NULL)
    return;
  g_clear_pointer (&gen->plan, cb_plan_free);
  g_clear_pointer (&gen->graph, cb_graph_free);
  g_clear_pointer (&gen->classes, cb_class_set_free);
  g_clear_pointer (&gen->fallback, cb_backend_free);
  g_free (gen->affinity);
  g_free (gen->noise_map);
  g_free (gen->notice);
  g_free (gen);
}

static void
set_notice (CbGenerator *gen, char *text)
{
  g_free (gen->notice);
  gen->notice = text;
  gen->notice_new = TRUE;
  g_message ("%s", text);
}

/* After prepare or run failed with failure: decide whether to try again.
 * Out of device memory (or a size the device cannot bind): the CPU backend.
 * A lost device: recreate it once; lost again, the CPU backend. Other
 * errors (bad input, validation messages) are the caller's. TRUE: the plan
 * is gone and the work should be repeated on gen->active. */
static gboolean
recover (CbGenerator *gen, GError *failure, GError **error)
{
  CbBackendFault fault;
  g_autoptr (GError) local = failure;
  g_autoptr (GError) recreate_error = NULL;
  const char *why;

  /* a cancelled pass is no fault: nothing to recover, and no fallback */
  if (cb_backend_get_kind (gen->active) != CB_BACKEND_VULKAN
      || g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  fault = cb_backend_take_fault (gen->active);
  if (fault == CB_BACKEND_FAULT_NONE && !g_error_matches (local, CB_ERROR, CB_ERROR_LIMIT))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  /* every plan on the device goes before the device is replaced or left */
  g_clear_pointer (&gen->plan, cb_plan_free);
  g_clear_pointer (&gen->graph, cb_graph_free);

  if (fault == CB_BACKEND_FAULT_DEVICE_LOST && !gen->lost_retried)
    {
      gen->lost_retried = TRUE;
      if (cb_backend_recreate (gen->active, &recreate_error))
        {
          set_notice (gen, g_strdup_printf ("The GPU was lost (%s); the device was recreated and the image made again",
                                            local->message));
          return TRUE;
        }
      why = "The GPU was lost and could not be recreated";
    }
  else if (fault == CB_BACKEND_FAULT_DEVICE_LOST)
    why = "The GPU was lost again after it was recreated";
  else if (fault == CB_BACKEND_FAULT_OUT_OF_MEMORY)
    why = "The GPU ran out of memory";
  else
    why = "The GPU cannot hold this size";

  gen->fallback = cb_backend_new (CB_BACKEND_CPU, NULL, NULL);
  cb_backend_set_cancellable (gen->fallback, cb_backend_get_cancellable (gen->backend));
  gen->active = gen->fallback;
  set_notice (gen, g_strdup_printf ("%s (%s%s%s); images are now made on the CPU: %s", why, local->message,
                                    recreate_error ? "; " : "", recreate_error ? recreate_error->message : "",
                                    cb_backend_get_description (gen->active)));
  return TRUE;
}

/* The graph depends only on the number of first-layer rows and on whether a
 * noise map is given: rebuild it when those change, keep it (and its
 * recorded plan) otherwise. */
static gboolean
ensure_plan (CbGenerator *gen, GError **error)
{
  g_autoptr (CbGraph) graph = NULL;
  g_autoptr (CbPlan) plan = NULL;
  guint rows = gen->n_target + 1;

  gboolean noise_map = gen->noise_map != NULL;

  if (gen->plan != NULL && gen->plan_rows == rows && gen->plan_noise_map == noise_map)
    return TRUE;

  graph = noise_map ? cb_oasis_build_generator_with_noise_map (gen->model, rows, error)
                    : cb_oasis_build_generator (gen->model, rows, error);
  if (graph == NULL)
    return FALSE;
  for (;;)
    {
      GError *failure = NULL;

      plan = cb_backend_prepare (gen->active, graph, &failure);
      if (plan != NULL)
        break;
      if (!recover (gen, failure, error))
        return FALSE;
    }

  g_clear_pointer (&gen->plan, cb_plan_free);
  g_clear_pointer (&gen->graph, cb_graph_free);
  if (gen->incremental)
    cb_plan_set_incremental (plan, TRUE);
  gen->graph = g_steal_pointer (&graph);
  gen->plan = g_steal_pointer (&plan);
  gen->plan_rows = rows;
  gen->plan_noise_map = noise_map;
  return TRUE;
}

void
cb_generator_set_noise_map (CbGenerator *gen, const float *z_map)
{
  const CbGeneratorConfig *cfg = &gen->model->gen;

  g_clear_pointer (&gen->noise_map, g_free);
  if (z_map != NULL)
    gen->noise_map = g_memdup2 (z_map, sizeof (float) * cfg->z_dim * cfg->width * cfg->height);
}

gboolean
cb_generator_set_profile (CbGenerator *gen, const CbProfile *profile, GError **error)
{
  guint n_source = cb_class_set_get_n_classes (gen->model->classes);
  g_autofree float *affinity = NULL;
  g_autoptr (CbClassSet) classes = NULL;
  guint n_target;

  if (profile != NULL)
    {
      if (!cb_profile_check_model (profile, gen->model->sha256, error))
        return FALSE;
      if (profile->n_source != n_source)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH,
                       "The profile has %u source classes but the model “%s” has %u", profile->n_source,
                       gen->model->path, n_source);
          return FALSE;
        }
      n_target = cb_class_set_get_n_classes (profile->target);
      affinity = g_memdup2 (profile->affinity, sizeof (float) * n_target * n_source);
      classes = cb_class_set_copy (profile->target);
    }
  else
    {
      n_target = n_source;
      classes = cb_class_set_copy (gen->model->classes);
    }

  g_clear_pointer (&gen->classes, cb_class_set_free);
  g_clear_pointer (&gen->affinity, g_free);
  gen->classes = g_steal_pointer (&classes);
  gen->affinity = g_steal_pointer (&affinity);
  gen->n_target = n_target;
  if (!ensure_plan (gen, error))
    {
      gen->lost_retried = FALSE;
      return FALSE;
    }
  gen->lost_retried = FALSE;
  return TRUE;
}

const CbClassSet *
cb_generator_get_classes (const CbGenerator *gen)
{
  return gen->classes;
}

CbTensor *
cb_generator_run_tensor (CbGenerator *gen, const CbLabelMap *map, const CbSeeds *seeds, GError **error)
{
  const CbGeneratorConfig *cfg = &gen->model->gen;
  g_autoptr (CbTensor) rows = NULL;
  g_autoptr (CbTensor) table = NULL;
  g_autoptr (CbTensor) out = NULL;
  g_autoptr (CbEmbedTable) embed = NULL;
  g_autoptr (CbTensor) noise = NULL;
  CbTensor *inputs[3];

  if (!ensure_plan (gen, error))
    {
      gen->lost_retried = FALSE;
      return NULL;
    }

  rows = cb_oasis_label_rows (gen->model, map, gen->classes);
  embed = cb_embed_table_new (gen->model, gen->affinity, gen->n_target, seeds);
  if (gen->noise_map != NULL)
    {
      /* z comes from the map alone */
      for (guint r = 0; r < embed->n_rows; r++)
        memset (&embed->table[(gsize)r * embed->n_channels], 0, sizeof (float) * cfg->z_dim);
      noise = cb_oasis_noise_input (gen->model, gen->noise_map);
    }

  /* The table input is a 1 x rows x channels tensor; hand over the buffer. */
  table = g_new0 (CbTensor, 1);
  table->c = 1;
  table->h = embed->n_rows;
  table->w = embed->n_channels;
  table->data = g_steal_pointer (&embed->table);

  out = cb_tensor_new (3, cfg->height, cfg->width);
  inputs[0] = rows;
  inputs[1] = table;
  inputs[2] = noise;
  for (;;)
    {
      GError *failure = NULL;

      if (cb_plan_run (gen->plan, inputs, noise != NULL ? 3 : 2, out, &failure))
        break;
      /* the plan is gone after a recovery: prepare it again (it may fail and recover too) */
      if (!recover (gen, failure, error) || !ensure_plan (gen, error))
        return NULL;
    }
  gen->lost_retried = FALSE; /* the next loss gets its own retry */
  return g_steal_pointer (&out);
}

void
cb_generator_set_incremental (CbGenerator *gen, gboolean enable)
{
  gen->incremental = enable;
  if (gen->plan != NULL)
    cb_plan_set_incremental (gen->plan, enable);
}

double
cb_generator_get_recomputed (const CbGenerator *gen)
{
  return gen->plan != NULL ? cb_plan_get_recomputed (gen->plan) : 1.0;
}

CbImage *
cb_generator_run_aside (CbGenerator *gen, const CbLabelMap *map, const CbSeeds *seeds, GError **error)
{
  CbImage *image;

  /* a plan prepared again during the run (after a device fault) is not
   * aside: it keeps the variation, which costs the next image a whole pass */
  if (!ensure_plan (gen, error))
    {
      gen->lost_retried = FALSE;
      return NULL;
    }
  cb_plan_set_aside (gen->plan, TRUE);
  image = cb_generator_run (gen, map, seeds, error);
  if (gen->plan != NULL)
    cb_plan_set_aside (gen->plan, FALSE);
  return image;
}

CbImage *
cb_generator_run (CbGenerator *gen, const CbLabelMap *map, const CbSeeds *seeds, GError **error)
{
  g_autoptr (CbTensor) out = cb_generator_run_tensor (gen, map, seeds, error);
  CbImage *image;
  gsize plane;

  if (out == NULL)
    return NULL;

  image = cb_image_new (out->w, out->h);
  plane = (gsize)out->w * out->h;
  for (gsize i = 0; i < plane; i++)
    for (guint k = 0; k < 3; k++)
      {
        /* the rounding of CB_OP_TO_RGBA8; NaN becomes 0 */
        float v = (out->data[k * plane + i] + 1.0f) * 0.5f;
        v = v > 0.0f ? MIN (v, 1.0f) : 0.0f;
        image->rgb[i * 3 + k] = (guint8)floorf (v * 255.0f + 0.5f);
      }
  return image;
}

gboolean
cb_generator_is_degraded (const CbGenerator *gen)
{
  return gen->active != gen->backend;
}

const char *
cb_generator_get_notice (const CbGenerator *gen)
{
  return gen->notice;
}

char *
cb_generator_take_notice (CbGenerator *gen)
{
  if (!gen->notice_new)
    return NULL;
  gen->notice_new = FALSE;
  return g_strdup (gen->notice);
}

CbBackend *
cb_generator_get_backend (const CbGenerator *gen)
{
  return gen->active;
}
