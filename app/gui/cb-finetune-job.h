/* cb-finetune-job.h: one fine-tuning run of training/finetune.py as a
 * subprocess, without widgets (the CbFinetuneDialog presents it)
 *
 * A job takes the source model, the target profile and its example dataset
 * folder, the number of iterations, the threads and a name. Check first
 * looks, off the main thread, whether the Python interpreter runs and has
 * PyTorch, NumPy and PIL; otherwise the job is MISSING and its status gives
 * the install command. Start runs
 *
 *   PYTHON finetune.py --source MODEL --profile RUN/profile.json --data DIR
 *     --split SPLIT --iters N --threads T --log-every K --out RUN
 *     --export MODELS/NAME.safetensors [--f16]
 *
 * as a GSubprocess (niced, stdout and stderr piped into one stream). RUN is a
 * new folder under $XDG_CACHE_HOME/catbrush/finetune (checkpoints, sample
 * grids, log.txt). Lines "iter N …" feed the progress; Cancel sends SIGTERM
 * (the tool finishes the iteration, saves and exits without exporting) and
 * force-exits the process when it has not ended after the kill timeout.
 *
 * Where things are found: the interpreter is $CATBRUSH_PYTHON or
 * /usr/bin/python3; the script $CATBRUSH_FINETUNE_SCRIPT, else
 * training/finetune.py on the bundled-data search path (model/cb-datadir.h).
 *
 * Signals: "changed": the state, the progress or the status changed;
 * "line" (const char *): a line of the tool's output; "finished" (GError *):
 * a run ended, the error NULL when the model was written (DONE), else
 * G_IO_ERROR_CANCELLED (CANCELLED) or the failure, its message the status.
 * Callbacks hold a reference: a job outlives its dialog until the run ends.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/cb-profile.h"

G_BEGIN_DECLS

#define CB_FINETUNE_INSTALL_COMMAND "sudo apt install python3-torch python3-numpy python3-pil"
#define CB_FINETUNE_DEFAULT_ITERATIONS 1000
#define CB_FINETUNE_DEFAULT_KILL_TIMEOUT_MS 60000

typedef enum
{
  CB_FINETUNE_CHECKING,  /* looking for python3 and torch */
  CB_FINETUNE_MISSING,   /* python3, torch or the script is missing: the status says what to install */
  CB_FINETUNE_READY,     /* can run (when a dataset folder is set) */
  CB_FINETUNE_RUNNING,   /* the subprocess runs */
  CB_FINETUNE_STOPPING,  /* SIGTERM sent, waiting for it to save and exit */
  CB_FINETUNE_DONE,      /* the model was written (get_output_path) */
  CB_FINETUNE_CANCELLED, /* stopped on request, nothing exported */
  CB_FINETUNE_FAILED,    /* the tool failed: the status holds the end of its output */
} CbFinetuneState;

#define CB_TYPE_FINETUNE_JOB (cb_finetune_job_get_type ())
G_DECLARE_FINAL_TYPE (CbFinetuneJob, cb_finetune_job, CB, FINETUNE_JOB, GObject)

/* profile copied; the state is CHECKING until cb_finetune_job_check() answers */
CbFinetuneJob *cb_finetune_job_new (const char *model_path, const CbProfile *profile);
void cb_finetune_job_check (CbFinetuneJob *self);

/* split NULL: "train" */
void cb_finetune_job_set_dataset (CbFinetuneJob *self, const char *dir, const char *split);
const char *cb_finetune_job_get_dataset (CbFinetuneJob *self); /* NULL before one */
const char *cb_finetune_job_get_split (CbFinetuneJob *self);
void cb_finetune_job_set_iterations (CbFinetuneJob *self, guint iterations);
void cb_finetune_job_set_threads (CbFinetuneJob *self, guint threads);
/* NULL or "": the target class set's name, else "finetuned" */
void cb_finetune_job_set_name (CbFinetuneJob *self, const char *name);
void cb_finetune_job_set_f16 (CbFinetuneJob *self, gboolean f16);
/* Where the model goes (default: cb_model_list_user_dir ()). */
void cb_finetune_job_set_output_dir (CbFinetuneJob *self, const char *dir);
void cb_finetune_job_set_kill_timeout (CbFinetuneJob *self, guint ms);

/* only when READY (or after a run) with a dataset folder and its split file */
gboolean cb_finetune_job_can_start (CbFinetuneJob *self);
/* FALSE with the reason when it cannot start or the run could not be
 * launched (the job is FAILED then, the status says why) */
gboolean cb_finetune_job_start (CbFinetuneJob *self, GError **error);
void cb_finetune_job_cancel (CbFinetuneJob *self);

CbFinetuneState cb_finetune_job_get_state (CbFinetuneJob *self);
gboolean cb_finetune_job_is_busy (CbFinetuneJob *self);    /* CHECKING, RUNNING or STOPPING */
gboolean cb_finetune_job_is_running (CbFinetuneJob *self); /* RUNNING or STOPPING */
guint cb_finetune_job_get_iteration (CbFinetuneJob *self); /* the last "iter N" seen */
double cb_finetune_job_get_fraction (CbFinetuneJob *self);
const char *cb_finetune_job_get_status (CbFinetuneJob *self);
const char *cb_finetune_job_get_output_path (CbFinetuneJob *self); /* the model written, or NULL */
const char *cb_finetune_job_get_run_dir (CbFinetuneJob *self);     /* of the last run, or NULL */
gboolean cb_finetune_job_was_forced (CbFinetuneJob *self);         /* the last run was force-exited */

/* Plain C: the iteration of a finetune.py / train.py log line
 * ("iter 120  G 1.234  D_fake … 0.210 it/s  0.05 h"); *it_per_s is 0 when
 * the line has none. FALSE for other lines. */
gboolean cb_finetune_parse_line (const char *line, guint *iteration, double *it_per_s);

/* The script that is run, or NULL when none is found. */
char *cb_finetune_find_script (void);

G_END_DECLS
