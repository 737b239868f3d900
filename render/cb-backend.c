/* cb-backend.c: the backend front: Vulkan, the native CPU backend, or the CPU reference
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-backend.h"

#include "model/cb-error.h"
#include "render/cb-cpu-backend.h"
#include "render/cb-vk.h"
#include "render/cb-warmup.h"

#include <string.h>

struct _CbBackend
{
  CbBackendKind kind; /* VULKAN, CPU or REFERENCE, never AUTO */
  CbBackendKind requested;
  CbVkDevice *vk; /* VULKAN */
  char *description;
  char *note;                /* why AUTO fell back to the CPU, or NULL */
  GCancellable *cancellable; /* stops runs between ops / submissions */
};

struct _CbPlan
{
  CbBackend *backend;
  const CbGraph *graph; /* borrowed */
  CbVkPlan *vk;
  CbCpuPlan *cpu;
  gboolean profiling;
  GArray *timings; /* CbOpTiming */
};

CbBackend *
cb_backend_new (CbBackendKind kind, const char *device, GError **error)
{
  g_autoptr (GError) vk_error = NULL;
  g_autofree char *warmup_note = NULL;
  CbBackend *backend;
  CbVkDevice *vk = NULL;

  if (kind == CB_BACKEND_VULKAN || kind == CB_BACKEND_AUTO)
    {
      vk = cb_vk_device_new (device, &vk_error);
      if (vk == NULL && kind == CB_BACKEND_VULKAN)
        {
          g_propagate_error (error, g_steal_pointer (&vk_error));
          return NULL;
        }
      if (vk == NULL)
        g_debug ("No Vulkan: %s; using the CPU", vk_error->message);
      /* AUTO: a discrete GPU wins, a CPU device (lavapipe) loses, an
       * integrated GPU is measured against the CPU backend (cb-warmup.c) */
      else if (kind == CB_BACKEND_AUTO && !cb_warmup_auto_prefers_vulkan (vk, &warmup_note))
        {
          g_debug ("Vulkan device %s: using the CPU backend", vk->description);
          g_clear_pointer (&vk, cb_vk_device_free);
        }
    }

  backend = g_new0 (CbBackend, 1);
  backend->requested = kind;
  if (vk_error != NULL)
    backend->note
      = g_strdup_printf ("Vulkan could not be used (%s); images are made on the CPU backend", vk_error->message);
  else if (warmup_note != NULL)
    backend->note = g_steal_pointer (&warmup_note);
  if (vk != NULL)
    {
      backend->kind = CB_BACKEND_VULKAN;
      backend->vk = vk;
      backend->description = g_strdup (vk->description);
    }
  else if (kind == CB_BACKEND_REFERENCE)
    {
      backend->kind = CB_BACKEND_REFERENCE;
      backend->description = g_strdup ("CPU reference (single-threaded, slow)");
    }
  else
    {
      backend->kind = CB_BACKEND_CPU;
      backend->description = cb_cpu_describe (0);
    }
  return backend;
}

void
cb_backend_free (CbBackend *backend)
{
  if (backend == NULL)
    return;
  cb_vk_device_free (backend->vk);
  g_clear_object (&backend->cancellable);
  g_free (backend->description);
  g_free (backend->note);
  g_free (backend);
}

CbBackendKind
cb_backend_get_kind (const CbBackend *backend)
{
  return backend->kind;
}

const char *
cb_backend_get_description (const CbBackend *backend)
{
  return backend->description;
}

gboolean
cb_backend_is_cpu_device (const CbBackend *backend)
{
  if (backend->kind != CB_BACKEND_VULKAN)
    return TRUE;
  return backend->vk->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
}

/* process-wide pass counts (cb_backend_get_pass_counts) */
static gint passes_begun, passes_finished, passes_cancelled;

void
cb_backend_set_cancellable (CbBackend *backend, GCancellable *cancellable)
{
  g_set_object (&backend->cancellable, cancellable);
}

GCancellable *
cb_backend_get_cancellable (const CbBackend *backend)
{
  return backend->cancellable;
}

void
cb_backend_get_pass_counts (guint *begun, guint *finished, guint *cancelled)
{
  *begun = (guint)g_atomic_int_get (&passes_begun);
  *finished = (guint)g_atomic_int_get (&passes_finished);
  *cancelled = (guint)g_atomic_int_get (&passes_cancelled);
}

/* CATBRUSH_TEST_OP_DELAY_MS: a pause before every CPU op, so that tests can
 * catch a pass in the middle (tests/app/test-cancel.c). */
static guint
test_op_delay_ms (void)
{
  static gsize once = 0;
  static guint delay;
  if (g_once_init_enter (&once))
    {
      const char *env = g_getenv ("CATBRUSH_TEST_OP_DELAY_MS");
      delay = env != NULL ? (guint)g_ascii_strtoull (env, NULL, 10) : 0;
      g_once_init_leave (&once, 1);
    }
  return delay;
}

static gboolean
between_ops (gpointer data, guint op, GError **error)
{
  CbBackend *backend = data;
  guint delay = test_op_delay_ms ();
  if (delay > 0)
    g_usleep ((gulong)delay * 1000);
  return backend->cancellable == NULL || !g_cancellable_set_error_if_cancelled (backend->cancellable, error);
}

CbPlan *
cb_backend_prepare (CbBackend *backend, const CbGraph *graph, GError **error)
{
  CbPlan *plan;

  g_return_val_if_fail (backend != NULL && graph != NULL, NULL);
  if (graph->output >= graph->values->len)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "The graph has no output");
      return NULL;
    }
  plan = g_new0 (CbPlan, 1);
  plan->backend = backend;
  plan->graph = graph;
  plan->timings = g_array_new (FALSE, TRUE, sizeof (CbOpTiming));
  if (backend->kind == CB_BACKEND_VULKAN)
    {
      plan->vk = cb_vk_plan_new (backend->vk, graph, error);
      if (plan->vk == NULL)
        {
          cb_plan_free (plan);
          return NULL;
        }
    }
  else if (backend->kind == CB_BACKEND_CPU)
    {
      g_autoptr (GError) cpu_error = NULL;
      plan->cpu = cb_cpu_plan_new (graph, NULL, &cpu_error);
      if (plan->cpu != NULL)
        cb_cpu_plan_set_between_ops (plan->cpu, between_ops, backend);
      if (plan->cpu == NULL)
        {
          /* a graph with ops the CPU backend has no kernel for (a convolution
           * other than 1x1 or 3x3) runs on the reference: slower, but it runs */
          if (!g_error_matches (cpu_error, CB_ERROR, CB_ERROR_UNSUPPORTED))
            {
              g_propagate_error (error, g_steal_pointer (&cpu_error));
              cb_plan_free (plan);
              return NULL;
            }
          g_debug ("CPU backend: %s; this graph runs on the CPU reference", cpu_error->message);
        }
    }
  return plan;
}

static void
clear_timings (CbPlan *plan)
{
  for (guint i = 0; i < plan->timings->len; i++)
    g_free (g_array_index (plan->timings, CbOpTiming, i).op_name);
  g_array_set_size (plan->timings, 0);
}

void
cb_plan_free (CbPlan *plan)
{
  if (plan == NULL)
    return;
  cb_vk_plan_free (plan->vk);
  cb_cpu_plan_free (plan->cpu);
  clear_timings (plan);
  g_array_unref (plan->timings);
  g_free (plan);
}

gboolean
cb_plan_set_incremental (CbPlan *plan, gboolean enable)
{
  g_autoptr (GError) error = NULL;

  if (plan->cpu == NULL)
    return !enable;
  if (!cb_cpu_plan_set_incremental (plan->cpu, enable, &error))
    {
      g_debug ("No incremental runs: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

void
cb_plan_set_aside (CbPlan *plan, gboolean aside)
{
  if (plan->cpu != NULL)
    cb_cpu_plan_set_aside (plan->cpu, aside);
}

double
cb_plan_get_recomputed (const CbPlan *plan)
{
  return plan->cpu != NULL ? cb_cpu_plan_get_recomputed (plan->cpu) : 1.0;
}

/* The graph's inputs in value order, to check what run() is given. */
static guint
count_inputs (const CbGraph *graph)
{
  guint n = 0;

  for (guint v = 0; v < graph->values->len; v++)
    n += cb_graph_value (graph, v)->kind == CB_VALUE_INPUT;
  return n;
}

gboolean
cb_plan_run (CbPlan *plan, CbTensor *const *inputs, guint n_inputs, CbTensor *output, GError **error)
{
  const CbGraph *graph = plan->graph;
  const double *ms = NULL;

  g_return_val_if_fail (plan != NULL && output != NULL, FALSE);
  g_atomic_int_inc (&passes_begun);
  /* Vulkan: the pass is one command buffer, one submission, which cannot be
   * interrupted; a cancelled pass stops before it, also after waiting for
   * the shared device. The CPU backend and the reference check between ops
   * (between_ops). */
  if (plan->backend->cancellable != NULL && g_cancellable_set_error_if_cancelled (plan->backend->cancellable, error))
    {
      g_atomic_int_inc (&passes_cancelled);
      return FALSE;
    }
  if (plan->vk != NULL)
    {
      GError *local = NULL;
      if (!cb_vk_plan_run_cancellable (plan->vk, inputs, n_inputs, output, plan->backend->cancellable, &local))
        {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_atomic_int_inc (&passes_cancelled);
          g_propagate_error (error, local);
          return FALSE;
        }
      ms = cb_vk_plan_get_op_ms (plan->vk);
    }
  else if (plan->cpu != NULL)
    {
      GError *local = NULL;
      if (!cb_cpu_plan_run (plan->cpu, inputs, n_inputs, output, &local))
        {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_atomic_int_inc (&passes_cancelled);
          g_propagate_error (error, local);
          return FALSE;
        }
      ms = cb_cpu_plan_get_op_ms (plan->cpu);
    }
  else
    {
      const CbValue *out = cb_graph_value (graph, graph->output);
      if (n_inputs != count_inputs (graph))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "The graph takes %u inputs, %u given", count_inputs (graph),
                       n_inputs);
          return FALSE;
        }
      if (output->c != out->c || output->h != out->h || output->w != out->w)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "The output tensor is %u×%u×%u, the graph makes %u×%u×%u",
                       output->c, output->h, output->w, out->c, out->h, out->w);
          return FALSE;
        }
      gint64 start = g_get_monotonic_time ();
      GError *local = NULL;
      g_autoptr (CbTensor) result
        = cb_graph_run_reference_full (graph, inputs, n_inputs, between_ops, plan->backend, &local);
      if (result == NULL)
        {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_atomic_int_inc (&passes_cancelled);
          g_propagate_error (error, local);
          return FALSE;
        }
      memcpy (output->data, result->data, cb_tensor_n_elements (output) * sizeof (float));
      /* the reference has no per-op clock: the whole run goes on the total only */
      (void)start;
    }

  clear_timings (plan);
  if (plan->profiling)
    for (guint i = 0; i < graph->ops->len; i++)
      {
        const CbOp *op = cb_graph_op (graph, i);
        CbOpTiming t = {
          .op_name = g_strdup (op->name),
          .op_kind = cb_op_kind_to_string (op->kind),
          .ms = ms != NULL ? ms[i] : -1.0,
          .macs = cb_op_count_macs (graph, op),
          .bytes = cb_op_count_bytes (graph, op),
        };
        g_array_append_val (plan->timings, t);
      }
  g_atomic_int_inc (&passes_finished);
  return TRUE;
}

void
cb_plan_set_profiling (CbPlan *plan, gboolean enable)
{
  g_autoptr (GError) error = NULL;

  plan->profiling = enable;
  if (plan->vk != NULL && !cb_vk_plan_set_profiling (plan->vk, enable, &error))
    g_printerr ("catbrush: cannot profile: %s\n", error->message);
}

GArray *
cb_plan_get_timings (CbPlan *plan)
{
  return plan->timings;
}

guint64
cb_plan_get_device_memory (const CbPlan *plan)
{
  if (plan->cpu != NULL)
    return cb_cpu_plan_get_memory (plan->cpu);
  return plan->vk != NULL ? cb_vk_plan_get_device_memory (plan->vk) : 0;
}

gboolean
cb_plan_is_fp16 (const CbPlan *plan)
{
  return plan->vk != NULL && cb_vk_plan_is_fp16 (plan->vk);
}

CbBackendFault
cb_backend_take_fault (CbBackend *backend)
{
  VkResult fault;

  if (backend->vk == NULL)
    return CB_BACKEND_FAULT_NONE;
  fault = cb_vk_device_take_fault ();
  if (g_atomic_int_get (&backend->vk->lost) || fault == VK_ERROR_DEVICE_LOST)
    return CB_BACKEND_FAULT_DEVICE_LOST;
  if (fault == VK_ERROR_OUT_OF_DEVICE_MEMORY || fault == VK_ERROR_OUT_OF_HOST_MEMORY)
    return CB_BACKEND_FAULT_OUT_OF_MEMORY;
  return CB_BACKEND_FAULT_NONE;
}

gboolean
cb_backend_recreate (CbBackend *backend, GError **error)
{
  CbVkDevice *fresh;

  g_return_val_if_fail (backend->kind == CB_BACKEND_VULKAN, FALSE);
  /* the new device first: when it cannot be made, the backend keeps a valid (if lost) one */
  fresh = cb_vk_device_new (backend->vk->request, error);
  if (fresh == NULL)
    return FALSE;
  cb_vk_device_free (backend->vk);
  backend->vk = fresh;
  g_free (backend->description);
  backend->description = g_strdup (fresh->description);
  return TRUE;
}

const char *
cb_backend_get_note (const CbBackend *backend)
{
  return backend->note;
}

guint64
cb_backend_get_device_memory_in_use (const CbBackend *backend)
{
  return backend->vk != NULL ? backend->vk->allocated : 0;
}

gboolean
cb_backend_get_memory_budget (const CbBackend *backend, guint64 *usage, guint64 *budget)
{
  if (backend->vk == NULL)
    {
      *usage = *budget = 0;
      return FALSE;
    }
  return cb_vk_device_get_memory_budget (backend->vk, usage, budget);
}

gboolean
cb_backend_get_pipeline_cache_stats (const CbBackend *backend, CbPipelineCacheStats *stats)
{
  memset (stats, 0, sizeof *stats);
  if (backend->vk == NULL)
    return FALSE;
  stats->path = backend->vk->pipeline_cache_path;
  stats->read_bytes = backend->vk->pipeline_cache_read;
  stats->initial_bytes = backend->vk->pipeline_cache_initial;
  stats->created = backend->vk->pipelines_created;
  stats->with_feedback = backend->vk->pipelines_with_feedback;
  stats->cache_hits = backend->vk->pipeline_cache_hits;
  return TRUE;
}

gboolean
cb_backend_set_fault_injection (const char *spec, GError **error)
{
  return cb_vk_fault_configure (spec, error);
}
