/* cb-cpu-threads.h: a small persistent thread pool for the CPU backend
 *
 * The workers live as long as the pool and sleep between runs; a run hands
 * out job indices 0..n-1 (the calling thread works too) and returns when all
 * are done. Which thread runs a job never changes its result: every job
 * writes its own outputs, so results are the same for any thread count.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CbCpuPool CbCpuPool;
/* job: the job's index; thread: 0..n_threads-1, for per-thread scratch */
typedef void (*CbCpuJobFunc) (gpointer data, guint job, guint thread);

/* n_threads 0 = CATBRUSH_CPU_THREADS, else the number of processors */
CbCpuPool *cb_cpu_pool_new (guint n_threads);
void cb_cpu_pool_free (CbCpuPool *pool);
guint cb_cpu_pool_get_n_threads (const CbCpuPool *pool);
void cb_cpu_pool_run (CbCpuPool *pool, guint n_jobs, CbCpuJobFunc func, gpointer data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbCpuPool, cb_cpu_pool_free)

G_END_DECLS
