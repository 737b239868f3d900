/* cb-backend.h: runs a CbGraph on a compute device
 *
 * A backend owns a device (a Vulkan physical device, or the CPU). prepare()
 * uploads a graph's constants and records its work once; run() replays it
 * for new inputs. The reference backend runs model/'s CPU reference (slow,
 * exact) and exists so that everything works without Vulkan.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-graph.h"

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  CB_BACKEND_AUTO, /* Vulkan on a discrete GPU; an integrated one if a warm-up finds it faster; else the CPU */
  CB_BACKEND_VULKAN,
  CB_BACKEND_CPU, /* the native CPU backend (render/cb-cpu-*.c) */
  CB_BACKEND_REFERENCE,
} CbBackendKind;

typedef struct _CbBackend CbBackend;
typedef struct _CbPlan CbPlan;

typedef struct
{
  char *op_name;
  const char *op_kind;
  double ms; /* device time of the last run, when measured */
  guint64 macs, bytes;
} CbOpTiming;

/* device: NULL (choose; CATBRUSH_DEVICE overrides), an index, or a name substring. */
CbBackend *cb_backend_new (CbBackendKind kind, const char *device, GError **error);
void cb_backend_free (CbBackend *backend);
CbBackendKind cb_backend_get_kind (const CbBackend *backend);
/* e.g. "Vulkan · llvmpipe (LLVM 15.0.6, 256 bits) — CPU device" */
const char *cb_backend_get_description (const CbBackend *backend);
gboolean cb_backend_is_cpu_device (const CbBackend *backend);

/* graph is borrowed: it must outlive the plan (the reference runs it; timings name its ops).
 * With CATBRUSH_VK_VALIDATION=1 any validation message fails prepare and run (and is printed). */
CbPlan *cb_backend_prepare (CbBackend *backend, const CbGraph *graph, GError **error);
void cb_plan_free (CbPlan *plan);
/* inputs as for cb_graph_run_reference(); output must have the graph output's shape */
gboolean cb_plan_run (CbPlan *plan, CbTensor *const *inputs, guint n_inputs, CbTensor *output, GError **error);
/* per-op timings of the last run (array of CbOpTiming, owned by the plan), when profiling was
 * asked for; ms < 0 where the backend has no per-op clock (the reference). Profiling on
 * Vulkan serialises the ops so that each time is its own. */
void cb_plan_set_profiling (CbPlan *plan, gboolean enable);
GArray *cb_plan_get_timings (CbPlan *plan);
guint64 cb_plan_get_device_memory (const CbPlan *plan);
/* Whether the plan stores values as fp16 (Vulkan, docs/PERFORMANCE.md). */
gboolean cb_plan_is_fp16 (const CbPlan *plan);

/* Incremental runs (the CPU backend; docs/PERFORMANCE.md): the plan keeps
 * its values and computes only what its inputs' changes since its last run
 * reach, to the bit as a whole pass. FALSE where the backend has none (runs stay whole). */
gboolean cb_plan_set_incremental (CbPlan *plan, gboolean enable);
/* While aside, runs are whole passes that leave the kept values alone (variations). */
void cb_plan_set_aside (CbPlan *plan, gboolean aside);
/* The share of the network's MACs the last run computed: 1 for a whole pass. */
double cb_plan_get_recomputed (const CbPlan *plan);

/* Device faults (docs/RELIABILITY.md): what the last failure of prepare or
 * run on a Vulkan device was, so that a caller can retry or fall back. */
typedef enum
{
  CB_BACKEND_FAULT_NONE,
  CB_BACKEND_FAULT_OUT_OF_MEMORY, /* VK_ERROR_OUT_OF_DEVICE_MEMORY / _HOST_MEMORY */
  CB_BACKEND_FAULT_DEVICE_LOST,   /* VK_ERROR_DEVICE_LOST: the device must be recreated */
} CbBackendFault;

/* The fault the calling thread met on this backend since its last call (a
 * lost device stays lost for every thread), and clears it. */
CbBackendFault cb_backend_take_fault (CbBackend *backend);
/* Replaces a (lost) Vulkan device by a new one on the same request. Every
 * plan of this backend must have been freed. */
gboolean cb_backend_recreate (CbBackend *backend, GError **error);
/* Why AUTO did not get a Vulkan device ("No Vulkan device found: …", or the warm-up's times), or NULL. */
const char *cb_backend_get_note (const CbBackend *backend);
/* Bytes of device memory the backend's plans hold now (Vulkan); 0 otherwise. */
guint64 cb_backend_get_device_memory_in_use (const CbBackend *backend);
/* VK_EXT_memory_budget: usage and budget of the device-local heaps; FALSE without it. */
gboolean cb_backend_get_memory_budget (const CbBackend *backend, guint64 *usage, guint64 *budget);
/* Runs of this backend's plans stop with G_IO_ERROR_CANCELLED once
 * cancellable is cancelled: the CPU backend between two ops, Vulkan before
 * a pass's submission (a submitted pass runs to its end). NULL: none. */
void cb_backend_set_cancellable (CbBackend *backend, GCancellable *cancellable);
GCancellable *cb_backend_get_cancellable (const CbBackend *backend);
/* For tests: passes (cb_plan_run) begun, finished and stopped by their
 * cancellable, in this process. */
void cb_backend_get_pass_counts (guint *begun, guint *finished, guint *cancelled);

/* The Vulkan device's pipeline cache, for tests: FALSE on the CPU backend. */
typedef struct
{
  const char *path;      /* the file it is saved to and read from */
  guint64 read_bytes;    /* bytes of that file handed to the driver at start (0: none, or refused) */
  guint64 initial_bytes; /* the cache's data size right after the driver took them */
  guint created;         /* pipelines created since */
  guint with_feedback;   /* of them, with VK_EXT_pipeline_creation_feedback's report */
  guint cache_hits;      /* of them, reported as found in the cache */
} CbPipelineCacheStats;
gboolean cb_backend_get_pipeline_cache_stats (const CbBackend *backend, CbPipelineCacheStats *stats);
/* Fault injection for tests (as CATBRUSH_VK_FAULT, see render/cb-vk.h):
 * "alloc:N", "submit:N", "lost:N", "N+" = from the Nth on; NULL or "" = none. */
gboolean cb_backend_set_fault_injection (const char *spec, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbBackend, cb_backend_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbPlan, cb_plan_free)

G_END_DECLS
