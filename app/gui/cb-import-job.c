/* cb-import-job.c: what “Import Target Classes…” estimates from, and the estimation in a thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-import-job.h"

#include <glib/gi18n.h>

#include "model/cb-discriminator.h"
#include "model/cb-error.h"
#include "model/cb-vision-encoder.h"
#include "model/cb-wordnet.h"
#include "render/cb-backend.h"

struct _CbImportJob
{
  GObject parent_instance;

  CbModel *model;
  CbWordNet *wordnet; /* NULL when WordNet is missing */
  char *wordnet_why;
  CbClassSet *target;
  char *examples_dir; /* a dataset folder, or NULL */
  char *split;
  gboolean use[CB_AFFINITY_N_METHODS];
  double weights[CB_AFFINITY_N_METHODS];
  double temperature;
  guint top_k;
  CbProfile *profile;
  GCancellable *cancellable; /* of the running computation */
};

G_DEFINE_FINAL_TYPE (CbImportJob, cb_import_job, G_TYPE_OBJECT)

enum
{
  PROGRESS,
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------ inputs */

const CbModel *
cb_import_job_get_model (CbImportJob *self)
{
  return self->model;
}

void
cb_import_job_clear_profile (CbImportJob *self)
{
  g_clear_pointer (&self->profile, cb_profile_free);
}

void
cb_import_job_take_target (CbImportJob *self, CbClassSet *target)
{
  g_clear_pointer (&self->target, cb_class_set_free);
  self->target = target;
  g_clear_pointer (&self->examples_dir, g_free);
  cb_import_job_clear_profile (self);
}

const CbClassSet *
cb_import_job_get_target (CbImportJob *self)
{
  return self->target;
}

void
cb_import_job_set_examples (CbImportJob *self, const char *dir, const char *split)
{
  /* copies: the arguments may be the job's own strings */
  g_autofree char *new_dir = g_strdup (dir);
  g_autofree char *new_split = g_strdup (split ? split : "train");

  g_free (self->examples_dir);
  self->examples_dir = g_steal_pointer (&new_dir);
  g_free (self->split);
  self->split = g_steal_pointer (&new_split);
  cb_import_job_clear_profile (self);
}

const char *
cb_import_job_get_examples (CbImportJob *self)
{
  return self->examples_dir;
}

const char *
cb_import_job_get_split (CbImportJob *self)
{
  return self->split ? self->split : "train";
}

gboolean
cb_import_job_method_available (CbImportJob *self, CbAffinityMethod method, char **why)
{
  g_autoptr (GError) error = NULL;
  CbDiscriminatorConfig config;

  g_return_val_if_fail (method < CB_AFFINITY_N_METHODS, FALSE);
  if (method == CB_AFFINITY_TEXT)
    {
      if (self->wordnet == NULL)
        {
          if (why)
            *why = g_strdup (self->wordnet_why);
          return FALSE;
        }
      return TRUE;
    }
  if (method == CB_AFFINITY_VISION && self->model->has_vision_encoder)
    {
      CbVisionEncoderConfig vconfig;
      if (!cb_vision_encoder_get_config (self->model, &vconfig, &error))
        {
          if (why)
            *why = g_strdup_printf (_ ("The model's vision encoder is unusable: %s"), error->message);
          return FALSE;
        }
    }
  else if (!cb_discriminator_get_config (self->model, &config, &error))
    {
      if (why)
        *why = g_strdup_printf (_ ("The model has no discriminator: %s"), error->message);
      return FALSE;
    }
  if (self->examples_dir == NULL)
    {
      if (why)
        *why = g_strdup ("Needs example photos with label maps: import a dataset folder, or add example photos and "
                         "paint their classes");
      return FALSE;
    }
  return TRUE;
}

void
cb_import_job_use_available (CbImportJob *self)
{
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    self->use[m] = cb_import_job_method_available (self, m, NULL);
}

void
cb_import_job_set_method (CbImportJob *self, CbAffinityMethod method, gboolean use, double weight)
{
  g_return_if_fail (method < CB_AFFINITY_N_METHODS);
  self->use[method] = use;
  self->weights[method] = MAX (weight, 0.0);
}

gboolean
cb_import_job_get_use (CbImportJob *self, CbAffinityMethod method)
{
  g_return_val_if_fail (method < CB_AFFINITY_N_METHODS, FALSE);
  return self->use[method];
}

double
cb_import_job_get_weight (CbImportJob *self, CbAffinityMethod method)
{
  g_return_val_if_fail (method < CB_AFFINITY_N_METHODS, 0);
  return self->weights[method];
}

void
cb_import_job_set_temperature (CbImportJob *self, double temperature)
{
  self->temperature = temperature;
}

void
cb_import_job_set_top_k (CbImportJob *self, guint k)
{
  self->top_k = k;
}

/* the prior runs: chosen, weighted and possible */
static gboolean
runs (CbImportJob *self, CbAffinityMethod method)
{
  return self->use[method] && self->weights[method] > 0 && cb_import_job_method_available (self, method, NULL);
}

gboolean
cb_import_job_can_compute (CbImportJob *self)
{
  gboolean any = FALSE;

  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    any |= runs (self, m);
  return any && self->target != NULL && self->cancellable == NULL;
}

gboolean
cb_import_job_is_running (CbImportJob *self)
{
  return self->cancellable != NULL;
}

const CbProfile *
cb_import_job_get_profile (CbImportJob *self)
{
  return self->profile;
}

/* ------------------------------------------------------------------ the thread */

typedef struct
{
  CbModel *model;     /* borrowed from the job, which the task keeps alive */
  CbWordNet *wordnet; /* borrowed likewise */
  CbClassSet *target;
  char *examples_dir;
  char *split;
  gboolean use[CB_AFFINITY_N_METHODS];
  float weights[CB_AFFINITY_N_METHODS];
  float temperature;
  guint top_k;
  CbImportJob *job; /* for progress; only touched on the main thread */
} Work;

static void
work_free (Work *work)
{
  cb_class_set_free (work->target);
  g_free (work->examples_dir);
  g_free (work->split);
  g_free (work);
}

typedef struct
{
  CbImportJob *job;
  double fraction;
  char *text;
} Progress;

static gboolean
progress_idle_cb (gpointer data)
{
  Progress *p = data;

  /* late news of an ended computation is dropped */
  if (p->job->cancellable != NULL)
    g_signal_emit (p->job, signals[PROGRESS], 0, CLAMP (p->fraction, 0.0, 1.0), p->text);
  return G_SOURCE_REMOVE;
}

static void
progress_free (gpointer data)
{
  Progress *p = data;

  g_object_unref (p->job);
  g_free (p->text);
  g_free (p);
}

/* from the thread to the main loop */
static void
post_progress (CbImportJob *job, double fraction, const char *text)
{
  Progress *p = g_new0 (Progress, 1);

  p->job = g_object_ref (job);
  p->fraction = fraction;
  p->text = g_strdup (text);
  g_idle_add_full (G_PRIORITY_DEFAULT, progress_idle_cb, p, progress_free);
}

static void
estimate_progress_cb (double fraction, gpointer user_data)
{
  /* the photos are most of the work: 10 % .. 100 % */
  post_progress (user_data, 0.1 + 0.9 * fraction, NULL);
}

static gpointer
backend_prepare (gpointer user_data, const CbGraph *graph, GError **error)
{
  return cb_backend_prepare (user_data, graph, error);
}

static gboolean
backend_run (gpointer plan, CbTensor *const *inputs, guint n_inputs, CbTensor *output, GError **error)
{
  return cb_plan_run (plan, inputs, n_inputs, output, error);
}

static void
backend_free_plan (gpointer plan)
{
  cb_plan_free (plan);
}

static void
compute_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Work *work = task_data;
  g_autoptr (CbExampleSet) examples = NULL;
  g_autoptr (CbBackend) backend = NULL;
  g_autoptr (GError) error = NULL;
  CbGraphRunner runner = { 0 };
  CbAffinityOptions options;
  CbProfile *profile;
  gboolean photos = work->use[CB_AFFINITY_SEG] || work->use[CB_AFFINITY_VISION];

  cb_affinity_options_init (&options);
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    {
      options.use[m] = work->use[m];
      options.weights[m] = work->weights[m];
    }
  options.temperature = work->temperature;
  options.top_k = work->top_k;
  options.wordnet = work->wordnet;
  options.cancellable = cancellable;
  options.progress = estimate_progress_cb;
  options.progress_data = work->job;

  if (photos)
    {
      post_progress (work->job, 0.02, "Loading the example photos…");
      examples = cb_example_set_load (work->examples_dir, work->split, work->target, work->model->gen.width,
                                      work->model->gen.height, CB_EXAMPLE_LOAD_DEFAULT, &error);
      if (examples == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      options.examples = examples;
      backend = cb_backend_new (CB_BACKEND_AUTO, NULL, &error);
      if (backend != NULL)
        {
          runner = (CbGraphRunner){
            .prepare = backend_prepare,
            .run = backend_run,
            .free_plan = backend_free_plan,
            .user_data = backend,
            .description = cb_backend_get_description (backend),
          };
          options.runner = &runner;
        }
      /* no device: the CPU reference (options.runner NULL) */
      g_clear_error (&error);
    }
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    if (options.use[m] && !cb_affinity_can_run (work->model, m, &options, &error))
      {
        g_task_return_error (task, g_steal_pointer (&error));
        return;
      }
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  {
    g_autofree char *text
      = g_strdup_printf (_ ("Estimating with %u example photos…"), examples ? examples->examples->len : 0);

    post_progress (work->job, 0.1, text);
  }
  profile = cb_affinity_estimate (work->model, work->target, &options, &error);
  if (profile == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, profile, (GDestroyNotify)cb_profile_free);
}

static void
compute_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CbImportJob *self = CB_IMPORT_JOB (source);
  g_autoptr (GError) error = NULL;
  CbProfile *profile = g_task_propagate_pointer (G_TASK (result), &error);

  g_clear_object (&self->cancellable);
  if (profile != NULL)
    {
      cb_import_job_clear_profile (self);
      self->profile = profile;
    }
  g_signal_emit (self, signals[FINISHED], 0, error);
}

gboolean
cb_import_job_compute (CbImportJob *self)
{
  g_autoptr (GTask) task = NULL;
  Work *work;

  /* without a usable prior it runs too, and says so (cb_affinity_estimate) */
  if (self->target == NULL || self->cancellable != NULL)
    return FALSE;
  work = g_new0 (Work, 1);
  work->model = self->model;
  work->wordnet = self->wordnet;
  work->target = cb_class_set_copy (self->target);
  work->examples_dir = g_strdup (self->examples_dir);
  work->split = g_strdup (cb_import_job_get_split (self));
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    {
      work->use[m] = runs (self, m);
      work->weights[m] = (float)self->weights[m];
    }
  work->temperature = (float)self->temperature;
  work->top_k = self->top_k;
  work->job = self;

  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, compute_done_cb, NULL);
  g_task_set_task_data (task, work, (GDestroyNotify)work_free);
  g_task_run_in_thread (task, compute_thread);
  return TRUE;
}

void
cb_import_job_cancel (CbImportJob *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

/* ------------------------------------------------------------------ object */

static void
cb_import_job_finalize (GObject *object)
{
  CbImportJob *self = CB_IMPORT_JOB (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->profile, cb_profile_free);
  g_clear_pointer (&self->target, cb_class_set_free);
  g_clear_pointer (&self->wordnet, cb_wordnet_free);
  g_clear_pointer (&self->model, cb_model_free);
  g_free (self->wordnet_why);
  g_free (self->examples_dir);
  g_free (self->split);
  G_OBJECT_CLASS (cb_import_job_parent_class)->finalize (object);
}

static void
cb_import_job_class_init (CbImportJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cb_import_job_finalize;
  signals[PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_STRING);
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
cb_import_job_init (CbImportJob *self)
{
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    self->weights[m] = 1.0;
  self->temperature = CB_AFFINITY_DEFAULT_TEMPERATURE;
}

CbImportJob *
cb_import_job_new (const char *model_path, GError **error)
{
  g_autoptr (CbModel) model = NULL;
  g_autoptr (GError) wn_error = NULL;
  CbImportJob *self;

  if (model_path == NULL)
    {
      g_set_error_literal (error, CB_ERROR, CB_ERROR_INVALID, _ ("No model is loaded"));
      return NULL;
    }
  model = cb_model_load (model_path, error);
  if (model == NULL)
    return NULL;
  self = g_object_new (CB_TYPE_IMPORT_JOB, NULL);
  self->model = g_steal_pointer (&model);
  self->wordnet = cb_wordnet_open (NULL, &wn_error);
  if (self->wordnet == NULL)
    self->wordnet_why
      = g_strdup_printf (_ ("WordNet is not available (apt install wordnet-base): %s"), wn_error->message);
  return self;
}
