/* cb-gen-worker.c: the generator on a worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-gen-worker.h"

#include <glib/gi18n.h>

#include "app/gui/cb-project.h"
#include "model/cb-error.h"
#include "render/cb-generator.h"

#include <stdlib.h>

typedef struct
{
  guint64 serial;
  gboolean quit;
  gboolean is_profile; /* set the first layer to profile (NULL = the model's classes) */
  CbProfile *profile;
  CbLabelMap *map;
  guint64 seed;
  guint n_class_seeds;
  gboolean *has_class_seed;
  guint64 *class_seed;
  guint *class_ids; /* NULL: index = id */
  guint variation;  /* 0: a generation; k > 0: the k-th of the batch numbered serial */
} Request;

/* A worker's thread: joined once it has finished, by the next
 * cb_gen_worker_free (or cb_gen_worker_join_all), never by the main loop
 * waiting on it. */
typedef struct _Retired
{
  GThread *thread;
  gint finished; /* (atomic) the thread is about to return */
} Retired;

struct _CbGenWorker
{
  gatomicrefcount ref_count;
  /* main thread only */
  gboolean alive;
  gboolean ready;
  gboolean can_generate;
  guint64 next_serial;
  GMainContext *context;
  CbGenWorkerReadyFunc ready_func;
  CbGenWorkerResultFunc result_func;
  CbGenWorkerProfileFunc profile_func;
  CbGenWorkerResultFunc variation_func;
  gpointer user_data;
  struct _Retired *thread; /* the thread; retired by cb_gen_worker_free, joined when finished */
  /* shared */
  GAsyncQueue *queue;        /* of Request* */
  GCancellable *cancellable; /* cancelled by cb_gen_worker_free */
  /* worker thread only */
  char *model_path;
};

typedef struct
{
  CbGenWorker *worker;
  CbGenWorkerInfo *info; /* one of the three */
  CbGenWorkerResult *result;
  CbGenWorkerProfileResult *profile;
} Delivery;

static void
request_free (Request *request)
{
  if (request == NULL)
    return;
  g_clear_pointer (&request->map, cb_label_map_free);
  g_clear_pointer (&request->profile, cb_profile_free);
  g_free (request->has_class_seed);
  g_free (request->class_seed);
  g_free (request->class_ids);
  g_free (request);
}

static CbGenWorker *
worker_ref (CbGenWorker *worker)
{
  g_atomic_ref_count_inc (&worker->ref_count);
  return worker;
}

static void
worker_unref (CbGenWorker *worker)
{
  Request *request;

  if (!g_atomic_ref_count_dec (&worker->ref_count))
    return;
  while ((request = g_async_queue_try_pop (worker->queue)) != NULL)
    request_free (request);
  g_async_queue_unref (worker->queue);
  g_object_unref (worker->cancellable);
  g_main_context_unref (worker->context);
  g_free (worker->model_path);
  g_free (worker);
}

static void
info_free (CbGenWorkerInfo *info)
{
  if (info == NULL)
    return;
  g_clear_pointer (&info->classes, cb_class_set_free);
  g_free (info->model_path);
  g_free (info->model_sha256);
  g_free (info->model_card);
  g_free (info->device_description);
  g_clear_error (&info->error);
  g_free (info);
}

static void
result_free (CbGenWorkerResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->image, cb_image_free);
  g_clear_error (&result->error);
  g_free (result);
}

static void
profile_result_free (CbGenWorkerProfileResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->classes, cb_class_set_free);
  g_clear_error (&result->error);
  g_free (result);
}

static void
delivery_free (gpointer data)
{
  Delivery *delivery = data;

  info_free (delivery->info);
  result_free (delivery->result);
  profile_result_free (delivery->profile);
  worker_unref (delivery->worker);
  g_free (delivery);
}

static gboolean
deliver_cb (gpointer data)
{
  Delivery *delivery = data;
  CbGenWorker *worker = delivery->worker;

  if (!worker->alive)
    return G_SOURCE_REMOVE;
  if (delivery->info != NULL)
    {
      worker->ready = TRUE;
      worker->can_generate = delivery->info->error == NULL;
      if (worker->ready_func)
        worker->ready_func (delivery->info, worker->user_data);
    }
  else if (delivery->profile != NULL)
    {
      if (worker->profile_func)
        worker->profile_func (delivery->profile, worker->user_data);
    }
  else if (delivery->result->variation > 0)
    {
      if (worker->variation_func)
        worker->variation_func (delivery->result, worker->user_data);
    }
  else if (worker->result_func)
    worker->result_func (delivery->result, worker->user_data);
  return G_SOURCE_REMOVE;
}

static void
post_delivery (CbGenWorker *worker, CbGenWorkerInfo *info, CbGenWorkerResult *result, CbGenWorkerProfileResult *profile)
{
  Delivery *delivery = g_new0 (Delivery, 1);
  g_autoptr (GSource) source = g_idle_source_new ();

  delivery->worker = worker_ref (worker);
  delivery->info = info;
  delivery->result = result;
  delivery->profile = profile;
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, deliver_cb, delivery, delivery_free);
  g_source_set_static_name (source, "[catbrush] generation result");
  g_source_attach (source, worker->context);
}

static void
post (CbGenWorker *worker, CbGenWorkerInfo *info, CbGenWorkerResult *result)
{
  post_delivery (worker, info, result, NULL);
}

static void
apply_profile (CbGenWorker *worker, CbGenerator *gen, Request *request)
{
  CbGenWorkerProfileResult *result = g_new0 (CbGenWorkerProfileResult, 1);

  result->serial = request->serial;
  if (gen == NULL)
    g_set_error_literal (&result->error, CB_ERROR, CB_ERROR_DEVICE, _ ("No generator"));
  else if (cb_generator_set_profile (gen, request->profile, &result->error))
    result->classes = cb_class_set_copy (cb_generator_get_classes (gen));
  post_delivery (worker, NULL, NULL, result);
}

static void
append_card_value (GString *text, const char *key, JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GValue value = G_VALUE_INIT;
      g_autofree char *str = NULL;

      json_node_get_value (node, &value);
      if (G_VALUE_HOLDS_STRING (&value))
        str = g_value_dup_string (&value);
      else
        {
          GValue as_string = G_VALUE_INIT;

          g_value_init (&as_string, G_TYPE_STRING);
          if (g_value_transform (&value, &as_string))
            str = g_value_dup_string (&as_string);
          g_value_unset (&as_string);
        }
      g_value_unset (&value);
      if (str != NULL && *str != '\0')
        g_string_append_printf (text, "%s: %s\n", key, str);
    }
  else if (JSON_NODE_HOLDS_OBJECT (node) || JSON_NODE_HOLDS_ARRAY (node))
    {
      g_autofree char *json = json_to_string (node, FALSE);

      if (g_strcmp0 (json, "{}") != 0 && g_strcmp0 (json, "[]") != 0)
        g_string_append_printf (text, "%s: %s\n", key, json);
    }
}

static char *
model_card_text (const CbModel *model)
{
  g_autoptr (GString) text = g_string_new (NULL);
  JsonObject *config, *card;

  g_string_append_printf (text, "%u×%u, %u blocks, %" G_GUINT64_FORMAT " generator parameters\n", model->gen.width,
                          model->gen.height, model->gen.n_blocks, cb_model_count_parameters (model, "G."));
  if (model->classes && model->classes->name)
    g_string_append_printf (text, "classes: %s (%u)\n", model->classes->name,
                            cb_class_set_get_n_classes (model->classes));
  if (model->config == NULL || !JSON_NODE_HOLDS_OBJECT (model->config))
    return g_string_free (g_steal_pointer (&text), FALSE);
  config = json_node_get_object (model->config);
  if (!json_object_has_member (config, "model_card")
      || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (config, "model_card")))
    return g_string_free (g_steal_pointer (&text), FALSE);
  card = json_object_get_object_member (config, "model_card");
  {
    g_autoptr (GList) members = json_object_get_members (card);

    for (GList *l = members; l != NULL; l = l->next)
      append_card_value (text, l->data, json_object_get_member (card, l->data));
  }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

char *
cb_gen_worker_resolve_model (const char *model_path)
{
  const char *env = g_getenv ("CATBRUSH_MODEL");

  if (model_path != NULL && *model_path != '\0')
    return g_strdup (model_path);
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return cb_model_find_default ();
}

/* CATBRUSH_BACKEND: auto (the default), vulkan, cpu or reference */
static gboolean
backend_kind_from_env (CbBackendKind *kind, GError **error)
{
  const char *env = g_getenv ("CATBRUSH_BACKEND");
  static const struct
  {
    const char *name;
    CbBackendKind kind;
  } kinds[] = {
    { "auto", CB_BACKEND_AUTO },
    { "vulkan", CB_BACKEND_VULKAN },
    { "cpu", CB_BACKEND_CPU },
    { "reference", CB_BACKEND_REFERENCE },
  };

  *kind = CB_BACKEND_AUTO;
  if (env == NULL || *env == '\0')
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_ascii_strcasecmp (env, kinds[i].name) == 0)
      {
        *kind = kinds[i].kind;
        return TRUE;
      }
  g_set_error (error, CB_ERROR, CB_ERROR_INVALID,
               _ ("CATBRUSH_BACKEND is “%s”: use auto, vulkan, cpu or reference (or unset it)"), env);
  return FALSE;
}

static gpointer
worker_thread (gpointer data)
{
  CbGenWorker *worker = data;
  CbGenWorkerInfo *info = g_new0 (CbGenWorkerInfo, 1);
  g_autoptr (CbModel) model = NULL;
  g_autoptr (CbBackend) backend = NULL;
  g_autoptr (CbGenerator) gen = NULL;
  g_autoptr (GError) error = NULL;
  CbBackendKind kind = CB_BACKEND_AUTO;
  GQueue variations = G_QUEUE_INIT; /* of Request*: the batch left to run */

  /* Loading stops between its stages once the worker is freed (the model
   * file is read and the plan prepared in one piece each); nothing is
   * delivered then. */
  info->model_path = cb_gen_worker_resolve_model (worker->model_path);
  if (info->model_path == NULL)
    g_set_error (&info->error, CB_ERROR, CB_ERROR_IO,
                 _ ("No model found: the bundled model is not installed and CATBRUSH_MODEL is not set"));
  else if (!backend_kind_from_env (&kind, &info->error))
    g_assert (info->error != NULL);
  else if ((model = cb_model_load (info->model_path, &error)) == NULL)
    g_set_error (&info->error, CB_ERROR, CB_ERROR_IO, _ ("The model could not be loaded: %s"), error->message);
  else if (!g_cancellable_is_cancelled (worker->cancellable))
    {
      info->classes = cb_class_set_copy (model->classes);
      info->native_width = model->gen.width;
      info->native_height = model->gen.height;
      info->model_card = model_card_text (model);
      info->model_sha256 = g_strdup (model->sha256);
      if ((backend = cb_backend_new (kind, NULL, &error)) == NULL)
        g_set_error (&info->error, CB_ERROR, CB_ERROR_DEVICE, _ ("No compute device could be opened: %s"),
                     error->message);
      else if (!g_cancellable_is_cancelled (worker->cancellable))
        {
          cb_backend_set_cancellable (backend, worker->cancellable);
          info->device_description = g_strdup (cb_backend_get_description (backend));
          info->cpu_device = cb_backend_is_cpu_device (backend);
          if ((gen = cb_generator_new (model, backend, &error)) == NULL)
            g_set_error (&info->error, CB_ERROR, CB_ERROR_DEVICE, _ ("The generator could not be prepared: %s"),
                         error->message);
          else
            {
              /* live generation while painting: recompute what a stroke reaches (docs/PERFORMANCE.md) */
              cb_generator_set_incremental (gen, TRUE);
              /* a device fault at prepare may have moved the generator to the CPU backend */
              CbBackend *active = cb_generator_get_backend (gen);
              g_free (info->device_description);
              info->device_description = g_strdup (cb_backend_get_description (active));
              info->cpu_device = cb_backend_is_cpu_device (active);
              g_clear_pointer (&info->classes, cb_class_set_free);
              info->classes = cb_class_set_copy (cb_generator_get_classes (gen));
            }
        }
    }
  g_clear_error (&error);
  if (g_cancellable_is_cancelled (worker->cancellable))
    {
      info_free (info);
      goto out;
    }
  post (worker, info, NULL);

  for (;;)
    {
      Request *request = NULL;
      gboolean quit = FALSE;
      CbGenWorkerResult *result;
      CbSeeds seeds = { 0 };
      gint64 start;
      /* with variations left, look at the queue without waiting */
      Request *first
        = g_queue_is_empty (&variations) ? g_async_queue_pop (worker->queue) : g_async_queue_try_pop (worker->queue);

      /* Profiles apply in order and drop the generations queued before them;
       * of the generations, the newest wins; variations wait for both. */
      for (Request *r = first; r != NULL; r = g_async_queue_try_pop (worker->queue))
        {
          if (r->quit)
            quit = TRUE;
          else if (r->is_profile)
            {
              /* a closed window's queue: its profiles no longer matter */
              if (!g_cancellable_is_cancelled (worker->cancellable))
                apply_profile (worker, gen, r);
              g_clear_pointer (&request, request_free);
              g_queue_clear_full (&variations, (GDestroyNotify)request_free);
            }
          else if (r->variation > 0)
            {
              Request *last = g_queue_peek_tail (&variations);

              /* a newer batch replaces what is left of the older one */
              if (last != NULL && last->serial != r->serial)
                g_queue_clear_full (&variations, (GDestroyNotify)request_free);
              g_queue_push_tail (&variations, g_steal_pointer (&r));
            }
          else
            {
              request_free (request);
              request = g_steal_pointer (&r);
            }
          request_free (r);
        }
      if (quit)
        {
          request_free (request);
          break;
        }
      if (request == NULL)
        request = g_queue_pop_head (&variations);
      if (request == NULL)
        continue;

      result = g_new0 (CbGenWorkerResult, 1);
      result->serial = request->serial;
      result->seed = request->seed;
      result->variation = request->variation;
      if (gen == NULL)
        {
          g_set_error_literal (&result->error, CB_ERROR, CB_ERROR_DEVICE, _ ("No generator"));
          post (worker, NULL, result);
          request_free (request);
          continue;
        }
      seeds.seed = request->seed;
      seeds.n_class_seeds = request->n_class_seeds;
      seeds.has_class_seed = request->has_class_seed;
      seeds.class_seed = request->class_seed;
      seeds.class_ids = request->class_ids;
      start = g_get_monotonic_time ();
      /* variations (other seeds) leave the painting's kept activations alone */
      result->image = request->variation > 0 ? cb_generator_run_aside (gen, request->map, &seeds, &result->error)
                                             : cb_generator_run (gen, request->map, &seeds, &result->error);
      result->ms = (g_get_monotonic_time () - start) / 1000.0;
      {
        /* A device fault the generator recovered from (docs/RELIABILITY.md):
         * the image is there and the error, once, says what happened (the
         * GPU ran out of memory or was lost; images now come from the CPU). */
        g_autofree char *notice = cb_generator_take_notice (gen);
        if (notice != NULL && result->error == NULL)
          result->error = g_error_new_literal (CB_ERROR, CB_ERROR_DEVICE, notice);
      }
      request_free (request);
      post (worker, NULL, result);
    }

out:
  g_queue_clear_full (&variations, (GDestroyNotify)request_free);
  /* the generator before the backend and the model it borrows */
  g_clear_pointer (&gen, cb_generator_free);
  g_clear_pointer (&backend, cb_backend_free);
  g_atomic_int_set (&worker->thread->finished, TRUE);
  worker_unref (worker);
  return NULL;
}

CbGenWorker *
cb_gen_worker_new (const char *model_path, CbGenWorkerReadyFunc ready, CbGenWorkerResultFunc result, gpointer user_data)
{
  CbGenWorker *worker = g_new0 (CbGenWorker, 1);

  g_atomic_ref_count_init (&worker->ref_count);
  worker->alive = TRUE;
  worker->context = g_main_context_ref_thread_default ();
  worker->ready_func = ready;
  worker->result_func = result;
  worker->user_data = user_data;
  worker->queue = g_async_queue_new ();
  worker->cancellable = g_cancellable_new ();
  worker->model_path = g_strdup (model_path);
  worker->thread = g_new0 (Retired, 1);
  worker->thread->thread = g_thread_new ("catbrush-generator", worker_thread, worker_ref (worker));
  return worker;
}

/* Threads of freed workers, still finishing (Retired*) */
static GMutex retired_lock;
static GPtrArray *retired;

static void
retired_join (Retired *r)
{
  g_thread_join (r->thread);
  g_free (r);
}

void
cb_gen_worker_join_all (void)
{
  for (;;)
    {
      GPtrArray *threads;

      g_mutex_lock (&retired_lock);
      threads = g_steal_pointer (&retired);
      g_mutex_unlock (&retired_lock);
      if (threads == NULL)
        return;
      for (guint i = 0; i < threads->len; i++)
        retired_join (g_ptr_array_index (threads, i));
      g_ptr_array_unref (threads);
    }
}

static void
join_all_at_exit (void)
{
  cb_gen_worker_join_all ();
}

void
cb_gen_worker_free (CbGenWorker *worker)
{
  static gsize registered = 0;
  Request *quit;

  if (worker == NULL)
    return;
  /* No callback from here on; the thread stops at its next check (between
   * two CPU ops, before a Vulkan submission, between loading stages) and
   * is joined later, so that the main loop never waits for it. */
  worker->alive = FALSE;
  g_cancellable_cancel (worker->cancellable);
  quit = g_new0 (Request, 1);
  quit->quit = TRUE;
  g_async_queue_push (worker->queue, quit);
  /* a thread still running when the process exits would race the libraries' destructors */
  if (g_once_init_enter (&registered))
    {
      atexit (join_all_at_exit);
      g_once_init_leave (&registered, 1);
    }
  g_mutex_lock (&retired_lock);
  if (retired == NULL)
    retired = g_ptr_array_new ();
  /* the threads of earlier workers that have finished since: joining them
   * does not wait, and a long session does not keep them all */
  for (guint i = retired->len; i-- > 0;)
    {
      Retired *r = g_ptr_array_index (retired, i);
      if (g_atomic_int_get (&r->finished))
        {
          g_ptr_array_remove_index_fast (retired, i);
          retired_join (r);
        }
    }
  g_ptr_array_add (retired, worker->thread); /* still the thread's to mark finished */
  g_mutex_unlock (&retired_lock);
  worker_unref (worker);
}

/* a generation request with copies of map and seeds; no serial yet */
static Request *
new_generation (CbGenWorker *worker, const CbLabelMap *map, const CbSeeds *seeds)
{
  Request *request = g_new0 (Request, 1);
  guint n = seeds->n_class_seeds;

  request->map = cb_label_map_copy (map);
  request->seed = seeds->seed;
  request->n_class_seeds = n;
  request->has_class_seed = g_new0 (gboolean, MAX (n, 1));
  request->class_seed = g_new0 (guint64, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      request->has_class_seed[i] = seeds->has_class_seed[i];
      request->class_seed[i] = seeds->class_seed[i];
    }
  if (seeds->class_ids != NULL)
    request->class_ids = g_memdup2 (seeds->class_ids, sizeof (guint) * MAX (n, 1));
  return request;
}

guint64
cb_gen_worker_request (CbGenWorker *worker, const CbLabelMap *map, const CbSeeds *seeds)
{
  Request *request = new_generation (worker, map, seeds);
  guint64 serial;

  request->serial = ++worker->next_serial;
  serial = request->serial;
  /* the worker may take and free the request at once: no access after the push */
  g_async_queue_push (worker->queue, request);
  return serial;
}

guint64
cb_gen_worker_request_variations (CbGenWorker *worker, const CbLabelMap *map, const CbSeeds *seeds,
                                  const guint64 *variation_seeds, guint n)
{
  guint64 batch = worker->next_serial + 1;

  /* one request per variation, all numbered with the batch's serial */
  for (guint k = 0; k < n; k++)
    {
      CbSeeds one = *seeds;
      Request *request;

      one.seed = variation_seeds[k];
      request = new_generation (worker, map, &one);
      request->serial = batch;
      request->variation = k + 1;
      g_async_queue_push (worker->queue, request);
    }
  worker->next_serial = batch;
  return batch;
}

void
cb_gen_worker_set_variation_func (CbGenWorker *worker, CbGenWorkerResultFunc func)
{
  worker->variation_func = func;
}

guint64
cb_gen_worker_set_profile (CbGenWorker *worker, const CbProfile *profile)
{
  Request *request = g_new0 (Request, 1);
  guint64 serial;

  request->serial = ++worker->next_serial;
  request->is_profile = TRUE;
  request->profile = profile ? cb_project_copy_profile (profile) : NULL;
  serial = request->serial;
  g_async_queue_push (worker->queue, request);
  return serial;
}

void
cb_gen_worker_set_profile_func (CbGenWorker *worker, CbGenWorkerProfileFunc func)
{
  worker->profile_func = func;
}

gboolean
cb_gen_worker_is_ready (const CbGenWorker *worker)
{
  return worker->ready;
}

gboolean
cb_gen_worker_can_generate (const CbGenWorker *worker)
{
  return worker->can_generate;
}
