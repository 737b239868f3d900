/* cb-cpu-threads.c: a small persistent thread pool for the CPU backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-cpu-threads.h"

#include <stdlib.h>

#define CB_CPU_MAX_THREADS 64

struct _CbCpuPool
{
  guint n_threads; /* including the caller */
  GThread **threads;
  GMutex lock;
  GCond wake; /* a new run, or quitting */
  GCond done; /* the last worker left the run */
  guint64 generation;
  gboolean quit;

  /* the current run */
  CbCpuJobFunc func;
  gpointer data;
  guint n_jobs;
  gint next_job; /* atomic */
  guint busy;    /* workers still inside the run (under lock) */
};

typedef struct
{
  CbCpuPool *pool;
  guint index;
} Worker;

static void
work (CbCpuPool *pool, guint thread)
{
  for (;;)
    {
      guint job = (guint)g_atomic_int_add (&pool->next_job, 1);
      if (job >= pool->n_jobs)
        break;
      pool->func (pool->data, job, thread);
    }
}

static gpointer
worker_main (gpointer data)
{
  Worker *worker = data;
  CbCpuPool *pool = worker->pool;
  guint64 seen = 0;

  g_mutex_lock (&pool->lock);
  for (;;)
    {
      while (!pool->quit && pool->generation == seen)
        g_cond_wait (&pool->wake, &pool->lock);
      if (pool->quit)
        break;
      seen = pool->generation;
      g_mutex_unlock (&pool->lock);

      work (pool, worker->index);

      g_mutex_lock (&pool->lock);
      if (--pool->busy == 0)
        g_cond_signal (&pool->done);
    }
  g_mutex_unlock (&pool->lock);
  g_free (worker);
  return NULL;
}

CbCpuPool *
cb_cpu_pool_new (guint n_threads)
{
  CbCpuPool *pool = g_new0 (CbCpuPool, 1);

  if (n_threads == 0)
    {
      const char *env = g_getenv ("CATBRUSH_CPU_THREADS");
      guint64 n = 0;
      if (env != NULL && g_ascii_string_to_unsigned (env, 10, 1, CB_CPU_MAX_THREADS, &n, NULL))
        n_threads = (guint)n;
      else
        n_threads = (guint)g_get_num_processors ();
    }
  pool->n_threads = CLAMP (n_threads, 1, CB_CPU_MAX_THREADS);
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->wake);
  g_cond_init (&pool->done);
  pool->threads = g_new0 (GThread *, pool->n_threads);
  for (guint i = 1; i < pool->n_threads; i++)
    {
      Worker *worker = g_new0 (Worker, 1);
      worker->pool = pool;
      worker->index = i;
      pool->threads[i] = g_thread_new ("cb-cpu", worker_main, worker);
    }
  return pool;
}

void
cb_cpu_pool_free (CbCpuPool *pool)
{
  if (pool == NULL)
    return;
  g_mutex_lock (&pool->lock);
  pool->quit = TRUE;
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);
  for (guint i = 1; i < pool->n_threads; i++)
    g_thread_join (pool->threads[i]);
  g_free (pool->threads);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->wake);
  g_cond_clear (&pool->done);
  g_free (pool);
}

guint
cb_cpu_pool_get_n_threads (const CbCpuPool *pool)
{
  return pool->n_threads;
}

void
cb_cpu_pool_run (CbCpuPool *pool, guint n_jobs, CbCpuJobFunc func, gpointer data)
{
  if (n_jobs == 0)
    return;
  /* one job, or one thread: no hand-off (its cost would dominate small ops) */
  if (n_jobs == 1 || pool->n_threads == 1)
    {
      for (guint j = 0; j < n_jobs; j++)
        func (data, j, 0);
      return;
    }

  g_mutex_lock (&pool->lock);
  pool->func = func;
  pool->data = data;
  pool->n_jobs = n_jobs;
  g_atomic_int_set (&pool->next_job, 0);
  pool->busy = pool->n_threads - 1;
  pool->generation++;
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);

  work (pool, 0);

  g_mutex_lock (&pool->lock);
  while (pool->busy > 0)
    g_cond_wait (&pool->done, &pool->lock);
  g_mutex_unlock (&pool->lock);
}
