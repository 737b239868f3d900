/* cb-finetune-dialog.h: “Fine-tune”: few-shot fine-tuning with class affinity
 * transfer (training/finetune.py) of the current model on the target
 * profile's example folder, run as a subprocess
 *
 * The dialog takes the source model, the target profile and its example
 * dataset folder (the profile's estimation.example_dir and example_split, or
 * one the person chooses), the number of iterations, the threads and a
 * name. It first checks, off the main thread, that the Python interpreter
 * runs and has PyTorch, NumPy and PIL; otherwise it says so and gives the
 * install command. Fine-tune runs
 *
 *   PYTHON finetune.py --source MODEL --profile RUN/profile.json --data DIR
 *     --split SPLIT --iters N --threads T --log-every K --out RUN
 *     --export MODELS/NAME.safetensors [--f16]
 *
 * as a GSubprocess (niced, stdout and stderr piped into one stream). RUN is a
 * new folder under $XDG_CACHE_HOME/catbrush/finetune (checkpoints, sample
 * grids, log.txt). Lines "iter N …" feed the progress bar; Cancel sends
 * SIGTERM (the tool finishes the iteration, saves and exits without
 * exporting) and force-exits the process when it has not ended after the
 * kill timeout. On success the model is in the user's models folder, "done"
 * is emitted and Switch offers it ("switch" with the path).
 *
 * Where things are found: the interpreter is $CATBRUSH_PYTHON or
 * /usr/bin/python3; the script $CATBRUSH_FINETUNE_SCRIPT, else
 * training/finetune.py on the bundled-data search path (model/cb-datadir.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

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

#define CB_TYPE_FINETUNE_DIALOG (cb_finetune_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CbFinetuneDialog, cb_finetune_dialog, CB, FINETUNE_DIALOG, GtkWindow)

/* profile copied. Signals: "done" (const char *path): a model was written
 * into the models folder; "switch" (const char *path): the person wants to
 * paint with it. */
GtkWidget *cb_finetune_dialog_new (GtkWindow *parent, const char *model_path, const CbProfile *profile);

/* split NULL: "train" */
void cb_finetune_dialog_set_dataset (CbFinetuneDialog *self, const char *dir, const char *split);
const char *cb_finetune_dialog_get_dataset (CbFinetuneDialog *self); /* NULL before one */
const char *cb_finetune_dialog_get_split (CbFinetuneDialog *self);
void cb_finetune_dialog_set_iterations (CbFinetuneDialog *self, guint iterations);
void cb_finetune_dialog_set_threads (CbFinetuneDialog *self, guint threads);
void cb_finetune_dialog_set_name (CbFinetuneDialog *self, const char *name);
/* Where the model goes (default: cb_model_list_user_dir ()). */
void cb_finetune_dialog_set_output_dir (CbFinetuneDialog *self, const char *dir);
void cb_finetune_dialog_set_kill_timeout (CbFinetuneDialog *self, guint ms);

/* What the buttons do. start: only when READY with a dataset folder. */
gboolean cb_finetune_dialog_can_start (CbFinetuneDialog *self);
void cb_finetune_dialog_start (CbFinetuneDialog *self);
void cb_finetune_dialog_cancel (CbFinetuneDialog *self);
/* emits "switch" after a successful run */
void cb_finetune_dialog_switch (CbFinetuneDialog *self);

CbFinetuneState cb_finetune_dialog_get_state (CbFinetuneDialog *self);
gboolean cb_finetune_dialog_is_busy (CbFinetuneDialog *self);    /* CHECKING, RUNNING or STOPPING */
guint cb_finetune_dialog_get_iteration (CbFinetuneDialog *self); /* the last "iter N" seen */
double cb_finetune_dialog_get_fraction (CbFinetuneDialog *self);
const char *cb_finetune_dialog_get_status (CbFinetuneDialog *self);
const char *cb_finetune_dialog_get_output_path (CbFinetuneDialog *self); /* the model written, or NULL */
const char *cb_finetune_dialog_get_run_dir (CbFinetuneDialog *self);     /* of the last run, or NULL */
gboolean cb_finetune_dialog_was_forced (CbFinetuneDialog *self);         /* the last run was force-exited */

/* Plain C: the iteration of a finetune.py / train.py log line
 * ("iter 120  G 1.234  D_fake … 0.210 it/s  0.05 h"); *it_per_s is 0 when
 * the line has none. FALSE for other lines. */
gboolean cb_finetune_parse_line (const char *line, guint *iteration, double *it_per_s);

/* The script that is run, or NULL when none is found. */
char *cb_finetune_find_script (void);

G_END_DECLS
