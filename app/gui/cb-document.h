/* cb-document.h: what the person is working on: the label map, its classes, undo, seeds
 *
 * Plain C. A project file (.catbrush, DESIGN §3, cb-project.h: project.json
 * with the model, seeds, classes and profile, labels.png, image.png) holds
 * exactly this struct (less the undo history); cb_document_to_project() and
 * cb_document_take_project() convert, cb_document_load_labels()/save_labels()
 * are its label-map half.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "app/gui/cb-project.h"
#include "app/gui/cb-undo.h"
#include "model/cb-oasis.h"

G_BEGIN_DECLS

typedef struct
{
  CbLabelMap *map;
  CbClassSet *classes;
  CbProfile *profile; /* NULL: the model's own classes; else classes = its target classes */
  CbUndoStack *undo;

  guint64 seed;             /* the image seed (global noise vector) */
  guint n_class_seeds;      /* = number of classes */
  gboolean *has_class_seed; /* per class index: re-rolled on its own */
  guint64 *class_seed;
  guint *class_ids; /* per class index: its id (re-rolled noise stream = id + 1) */

  GFile *label_file;   /* where the label map was opened from or saved to; NULL = untitled */
  GFile *project_file; /* where the project was opened from or saved to; NULL = none */
  gboolean modified;
  /* seeds, classes or profile changed, or the painting came from no file
   * (restored, another model): undoing strokes cannot make it saved again */
  gboolean changed_beyond_map;
} CbDocument;

/* classes taken; a void map of width x height */
CbDocument *cb_document_new (CbClassSet *classes, guint width, guint height);
void cb_document_free (CbDocument *doc);

/* Takes classes; per-class seeds are reset; ids no longer in the set become void. */
void cb_document_set_classes (CbDocument *doc, CbClassSet *classes);
/* Takes map; clears the undo history. */
void cb_document_replace_map (CbDocument *doc, CbLabelMap *map);

/* The seeds as the generator wants them; the arrays are borrowed from doc. */
void cb_document_get_seeds (const CbDocument *doc, CbSeeds *seeds);
/* New image seed, every class back on the global noise. */
void cb_document_reroll (CbDocument *doc);
void cb_document_set_seed (CbDocument *doc, guint64 seed);
/* Re-rolls the noise of one class only (class index in the class set). */
void cb_document_reroll_class (CbDocument *doc, guint index);
void cb_document_reset_class_seed (CbDocument *doc, guint index);

/* Indexed, grey or RGB (by class colour) PNG; on error the document is untouched. */
gboolean cb_document_load_labels (CbDocument *doc, GFile *file, GError **error);
/* Indexed PNG, palette = class colours */
gboolean cb_document_save_labels (CbDocument *doc, GFile *file, GError **error);

/* The painting as a project (copies; image may be NULL). */
CbProject *cb_document_to_project (const CbDocument *doc, const char *model_path, const char *model_sha256,
                                   const CbImage *image);
/* Takes the project's classes, profile, label map and seeds (the project is
 * left without them); clears the undo history. */
void cb_document_take_project (CbDocument *doc, CbProject *project);
/* Takes profile (NULL: back to classes, taken too); the map is remapped with
 * table (cb_class_remap_by_name()) or cleared when table is NULL; seeds reset. */
void cb_document_set_profile (CbDocument *doc, CbProfile *profile, CbClassSet *classes, const guint8 *table);
gboolean cb_document_is_blank (const CbDocument *doc);

/* The painting is what its file holds now: not modified, and the undo
 * history's present is its clean point. */
void cb_document_mark_saved (CbDocument *doc);
/* Something undo cannot take back changed (seeds, classes, the profile): modified until saved. */
void cb_document_mark_unsaved (CbDocument *doc);
/* After an undo or a redo: modified unless back at the saved state. */
void cb_document_update_modified (CbDocument *doc);

/* The CamVid classes of the bundled model, for painting before (or without) a model. */
CbClassSet *cb_document_default_classes (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbDocument, cb_document_free)

G_END_DECLS
