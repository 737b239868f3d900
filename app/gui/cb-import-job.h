/* cb-import-job.h: the target classes, their examples and the chosen priors
 * of “Import Target Classes…”, and the estimation of a profile from them in
 * a GTask thread, without widgets (the CbImportDialog presents it)
 *
 * A job holds the model (for its classes, discriminator and SHA-256), WordNet
 * (NULL with the reason when it is missing), the target class set, the
 * example dataset folder (the shared layout: classes.json, images/, labels/,
 * SPLIT.txt) and, per prior (model/cb-affinity.h), whether it is used and
 * its weight, plus the temperature and top-k. Compute copies them into a
 * thread that loads the example photos and runs cb_affinity_estimate()
 * through render/'s backend (the CPU reference without a device).
 *
 * Signals, on the main thread: "progress" (double fraction, const char
 * *text or NULL); "finished" (GError *): the computation ended, the error
 * NULL when a profile was made (get_profile), else G_IO_ERROR_CANCELLED or
 * why it failed. The last profile stays until a new one replaces it or the
 * inputs change. The thread holds a reference: the job outlives its dialog
 * until the thread ends.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/cb-affinity.h"
#include "model/cb-model.h"

G_BEGIN_DECLS

#define CB_TYPE_IMPORT_JOB (cb_import_job_get_type ())
G_DECLARE_FINAL_TYPE (CbImportJob, cb_import_job, CB, IMPORT_JOB, GObject)

/* Loads the model; NULL with an error when it cannot. WordNet is optional. */
CbImportJob *cb_import_job_new (const char *model_path, GError **error);
const CbModel *cb_import_job_get_model (CbImportJob *self);

/* The target classes (taken; NULL: none). The examples go with them: set
 * them after. Clears the profile. */
void cb_import_job_take_target (CbImportJob *self, CbClassSet *target);
const CbClassSet *cb_import_job_get_target (CbImportJob *self);
/* A dataset folder with examples of the target classes (NULL: none); split
 * NULL: "train". Clears the profile. */
void cb_import_job_set_examples (CbImportJob *self, const char *dir, const char *split);
const char *cb_import_job_get_examples (CbImportJob *self);
const char *cb_import_job_get_split (CbImportJob *self);

/* FALSE with *why (free it) when the prior cannot run now */
gboolean cb_import_job_method_available (CbImportJob *self, CbAffinityMethod method, char **why);
/* each prior on when it can run, off when not (after the inputs changed) */
void cb_import_job_use_available (CbImportJob *self);
void cb_import_job_set_method (CbImportJob *self, CbAffinityMethod method, gboolean use, double weight);
gboolean cb_import_job_get_use (CbImportJob *self, CbAffinityMethod method);
double cb_import_job_get_weight (CbImportJob *self, CbAffinityMethod method);
void cb_import_job_set_temperature (CbImportJob *self, double temperature);
void cb_import_job_set_top_k (CbImportJob *self, guint k);
/* a target and at least one usable prior with a weight above 0, not running */
gboolean cb_import_job_can_compute (CbImportJob *self);

/* FALSE (nothing started) without a target or while running */
gboolean cb_import_job_compute (CbImportJob *self);
void cb_import_job_cancel (CbImportJob *self);
gboolean cb_import_job_is_running (CbImportJob *self);
/* the last result, NULL before one */
const CbProfile *cb_import_job_get_profile (CbImportJob *self);
void cb_import_job_clear_profile (CbImportJob *self);

G_END_DECLS
