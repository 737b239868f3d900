/* cb-class-set-match.h: which known class set a label map's colours come from
 *
 * A label map painted with another data set's colours cannot be opened with
 * the model's classes; naming that data set ("this map uses LabelMeFacade's
 * colours") lets the user import exactly those classes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-class-set.h"
#include "model/cb-png.h"

G_BEGIN_DECLS

/* The class set among the files *.json of dirs (NULL-terminated; missing
 * folders and unreadable files are passed over) whose colours (classes and
 * void) cover every colour of image; of several, the one with the fewest
 * classes (the tightest fit). NULL when none covers it. path_out (may be
 * NULL) receives the chosen file. */
CbClassSet *cb_class_set_match_image (const CbImage *image, const char *const *dirs, char **path_out);

/* The folders the app searches: "classes" under each bundled-data directory
 * (cb_datadir_get_search_path) and the user's (XDG data)/catbrush/classes. */
GStrv cb_class_set_match_dirs (void);

G_END_DECLS
