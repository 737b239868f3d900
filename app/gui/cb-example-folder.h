/* cb-example-folder.h: few-shot examples painted in Catbrush, kept as a
 * dataset folder in the shared layout (docs/FORMATS.md, cb_example_set_load):
 * classes.json, images/STEM.{jpg,png} (the photo's bytes as they were),
 * labels/STEM.png (indexed), train.txt (one stem a line)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-class-set.h"
#include "model/cb-label-map.h"

G_BEGIN_DECLS

/* Adds one example: copies the photo (JPEG or PNG, told apart by its
 * signature) to images/STEM.jpg or .png, writes labels/STEM.png with classes
 * and appends STEM to train.txt. STEM is the photo's file name without its
 * suffix (letters, digits, '-', '_'), made unique in the folder. classes.json
 * is written when the folder has none; a folder with other classes (ids,
 * names or colours) is refused (CB_ERROR_MISMATCH). The label map must have
 * the photo's size (checked by the caller, who knows it). Returns the stem. */
char *cb_example_folder_add (const char *dir, const CbClassSet *classes, const char *photo_path,
                             const CbLabelMap *labels, GError **error);

/* Stems listed in dir/train.txt (0 when there is none). */
guint cb_example_folder_count (const char *dir);

G_END_DECLS
