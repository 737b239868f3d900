/* cb-datadir.h: where bundled data (models, class sets, training scripts) lives
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The directories searched for bundled data, best first; paths below them use
 * the installed layout ("models/default.safetensors", "classes/ade20k.json",
 * "training/finetune.py"):
 *
 *   1. $CATBRUSH_DATADIR, when set (an explicit choice);
 *   2. the source tree (resources/, then its root), only when the running
 *      program lies in this build's directory (an uninstalled build or a test);
 *   3. datadir/catbrush relative to the running program (a relocated prefix);
 *   4. the configured datadir/catbrush.
 *
 * An installed program never looks into the source tree. Computed once. */
const char *const *cb_datadir_get_search_path (void);

/* The first regular file `relative` under the search path, or NULL. */
char *cb_datadir_find (const char *relative);

/* The search path joined with ", ", for messages that say where we looked. */
char *cb_datadir_describe (void);

/* The search path for a given program, environment and build (for tests):
 * exe is the running program's canonical path (NULL when unknown), build_dir
 * and source_dir canonical, bindir_to_datadir relative ("../share/catbrush",
 * empty when the install cannot move). */
GStrv cb_datadir_build_search_path (const char *exe, const char *env_datadir, const char *build_dir,
                                    const char *source_dir, const char *bindir_to_datadir, const char *datadir);

G_END_DECLS
