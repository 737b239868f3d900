/* cb-autosave.h: where a window autosaves its painting, one slot per window
 *
 * Plain C + GLib. The autosave of a painting is a project file
 * (cb-project.h) in $XDG_STATE_HOME/catbrush: autosave.catbrush for the
 * first window, autosave-N.catbrush for the N+1-th open at the same time. A
 * window claims a slot by taking an exclusive lock (flock) on the slot's
 * .lock file for as long as it lives; the kernel drops the lock when the
 * process dies, so a slot whose autosave exists and whose lock is free
 * belongs to a painting whose program crashed or was killed: the window
 * that claims it next offers to restore it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CB_AUTOSAVE_INTERVAL_S 30
#define CB_AUTOSAVE_MAX_SLOTS 64

typedef struct _CbAutosave CbAutosave;

/* The lowest free slot; NULL when the state directory cannot be used. */
CbAutosave *cb_autosave_claim (GError **error);
/* Gives the slot up; the autosave file stays (a crash looks the same). */
void cb_autosave_release (CbAutosave *autosave);

const char *cb_autosave_get_path (const CbAutosave *autosave);
/* Is there an autosave in this slot (left by an earlier run, or written by us)? */
gboolean cb_autosave_exists (const CbAutosave *autosave);
/* Deletes the autosave file (after a normal close, a save, or a discard). */
void cb_autosave_remove (CbAutosave *autosave);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbAutosave, cb_autosave_release)

G_END_DECLS
