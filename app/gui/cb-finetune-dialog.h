/* cb-finetune-dialog.h: “Fine-tune”: few-shot fine-tuning with class affinity
 * transfer (training/finetune.py) of the current model on the target
 * profile's example folder
 *
 * The dialog (a template, resources/ui/cb-finetune-dialog.ui) presents a
 * CbFinetuneJob (cb-finetune-job.h: the torch check, the subprocess, its
 * progress, Cancel and the end): it takes the example dataset folder (the
 * profile's estimation.example_dir and example_split, or one the person
 * chooses), the number of iterations, the threads and a name, and shows the
 * job's state, status and last output line. On success "done" is emitted and
 * Switch offers the model ("switch" with the path). Closing the dialog hides
 * it (the run goes on); destroying it (its window's end) cancels the run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "app/gui/cb-finetune-job.h"
#include "model/cb-profile.h"

G_BEGIN_DECLS

#define CB_TYPE_FINETUNE_DIALOG (cb_finetune_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CbFinetuneDialog, cb_finetune_dialog, CB, FINETUNE_DIALOG, GtkWindow)

/* profile copied. Signals: "done" (const char *path): a model was written
 * into the models folder; "switch" (const char *path): the person wants to
 * paint with it. */
GtkWidget *cb_finetune_dialog_new (GtkWindow *parent, const char *model_path, const CbProfile *profile);
/* the run it presents (owned by the dialog) */
CbFinetuneJob *cb_finetune_dialog_get_job (CbFinetuneDialog *self);

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

G_END_DECLS
