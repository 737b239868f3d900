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
  gboolean bf16;           /* dense convolutions in bf16 (cb-cpu-bf16.h); needs AVX512_BF16 */
} CbCpuOptions;

/* The defaults, with CATBRUSH_CPU_THREADS, CATBRUSH_CPU_NO_GATHER=1,
 * CATBRUSH_CPU_NO_SPADE_CONST=1 (for before/after measurements) and
 * CATBRUSH_CPU_PRECISION=bf16 (opt-in, where the CPU has it) applied. */
void cb_cpu_options_init (CbCpuOptions *options);

/* e.g. "CPU · 2 threads · AVX2+FMA", "CPU · 2 threads · AVX-512 · bf16" */
char *cb_cpu_describe (guint n_threads);

/* graph is borrowed and must outlive the plan; options NULL = cb_cpu_options_init() */
CbCpuPlan *cb_cpu_plan_new (const CbGraph *graph, const CbCpuOptions *options, GError **error);
void cb_cpu_plan_free (CbCpuPlan *plan);
gboolean cb_cpu_plan_run (CbCpuPlan *plan, CbTensor *const *inputs, guint n_inputs, CbTensor *output, GError **error);
/* Called before every op of a run; FALSE (with error set) stops the run
 * there, e.g. when it was cancelled. NULL: none. */
typedef gboolean (*CbCpuBetweenOpsFunc) (gpointer data, guint op, GError **error);
void cb_cpu_plan_set_between_ops (CbCpuPlan *plan, CbCpuBetweenOpsFunc func, gpointer data);
/* Incremental runs (docs/PERFORMANCE.md): the plan keeps every value of
 * its last run and the inputs it was given; a run compares its inputs with
 * those and computes only the pixels of each value that can differ (a
 * changed rectangle, grown by each convolution's reach and mapped through
 * each resize), or a step whole where that is most of it. The output is the
 * same to the bit as a whole pass. Costs a buffer per value. Not with bf16. */
gboolean cb_cpu_plan_set_incremental (CbCpuPlan *plan, gboolean enable, GError **error);
/* While aside, runs are whole passes on the shared buffers that leave the
 * kept values alone (variations with other seeds). */
void cb_cpu_plan_set_aside (CbCpuPlan *plan, gboolean aside);
/* the last run's share of the network's MACs computed: 1 for a whole pass */
double cb_cpu_plan_get_recomputed (const CbCpuPlan *plan);
/* wall-clock ms of each op in the last run (ops folded into another one: 0) */
const double *cb_cpu_plan_get_op_ms (const CbCpuPlan *plan);
/* bytes allocated for buffers, packed weights and tables */
guint64 cb_cpu_plan_get_memory (const CbCpuPlan *plan);
guint cb_cpu_plan_get_n_threads (const CbCpuPlan *plan);
/* what the plan found: the number of gather convolutions and fused SPADEs */
void cb_cpu_plan_get_stats (const CbCpuPlan *plan, guint *n_gathers, guint *n_fused_spades);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbCpuPlan, cb_cpu_plan_free)

G_END_DECLS
