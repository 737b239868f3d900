/* cb-cpu-backend.h: the native CPU backend (DESIGN §1, §6)
 *
 * Runs a CbGraph with multi-threaded, register-blocked kernels
 * (cb-cpu-conv.h). prepare() packs every weight, plans every buffer and
 * finds the network's structure: convolutions over the label map become
 * table gathers, and a SPADE whose γ/β come from the label map is computed
 * per table row where the label map is constant and densely only near class
 * boundaries and the image border. run() allocates nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-graph.h"

G_BEGIN_DECLS

typedef struct _CbCpuPlan CbCpuPlan;

typedef struct
{
  guint n_threads;         /* 0: CATBRUSH_CPU_THREADS, else the number of processors */
  gboolean no_gather;      /* convolutions over the label map run densely (implies no_spade_const) */
  gboolean no_spade_const; /* SPADE γ/β densely everywhere */
} CbCpuOptions;

/* The defaults, with CATBRUSH_CPU_THREADS, CATBRUSH_CPU_NO_GATHER=1 and
 * CATBRUSH_CPU_NO_SPADE_CONST=1 applied (for before/after measurements). */
void cb_cpu_options_init (CbCpuOptions *options);

/* e.g. "CPU · 2 threads · AVX2+FMA" */
char *cb_cpu_describe (guint n_threads);

/* graph is borrowed and must outlive the plan; options NULL = cb_cpu_options_init() */
CbCpuPlan *cb_cpu_plan_new (const CbGraph *graph, const CbCpuOptions *options, GError **error);
void cb_cpu_plan_free (CbCpuPlan *plan);
gboolean cb_cpu_plan_run (CbCpuPlan *plan, CbTensor *const *inputs, guint n_inputs, CbTensor *output, GError **error);
/* Called before every op of a run; FALSE (with error set) stops the run
 * there, e.g. when it was cancelled. NULL: none. */
typedef gboolean (*CbCpuBetweenOpsFunc) (gpointer data, guint op, GError **error);
void cb_cpu_plan_set_between_ops (CbCpuPlan *plan, CbCpuBetweenOpsFunc func, gpointer data);
/* wall-clock ms of each op in the last run (ops folded into another one: 0) */
const double *cb_cpu_plan_get_op_ms (const CbCpuPlan *plan);
/* bytes allocated for buffers, packed weights and tables */
guint64 cb_cpu_plan_get_memory (const CbCpuPlan *plan);
guint cb_cpu_plan_get_n_threads (const CbCpuPlan *plan);
/* what the plan found: the number of gather convolutions and fused SPADEs */
void cb_cpu_plan_get_stats (const CbCpuPlan *plan, guint *n_gathers, guint *n_fused_spades);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbCpuPlan, cb_cpu_plan_free)

G_END_DECLS
