/* cb-project.h: the project file (.catbrush, DESIGN §3): a painting in progress
 *
 * Plain C (GLib, json-glib, libzip, model/): no GTK, so the format is tested
 * and fuzzed without a display. A project is a zip holding
 *
 *   project.json  {"format": "catbrush-project", "version": 1,
 *                  "model": {"path": "...", "sha256": "<64 hex>"},
 *                  "seed": "<decimal>",
 *                  "class_seeds": [{"id": 3, "seed": "<decimal>"}, ...],
 *                  "classes": { class set: the classes painted with },
 *                  "profile": { target profile } | null}
 *   labels.png    the label map, indexed (docs/FORMATS.md)
 *   image.png     the last generated image (optional)
 *
 * Seeds are decimal strings because they are 64-bit and JSON numbers are
 * doubles. Saving writes the zip in memory, then the file atomically
 * (temporary file in the same directory, fsync, rename). Loading refuses
 * bad input with a GError naming the file and the entry; it never crashes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-label-map.h"
#include "model/cb-png.h"
#include "model/cb-profile.h"

G_BEGIN_DECLS

#define CB_PROJECT_SUFFIX ".catbrush"
#define CB_PROJECT_MIME_TYPE "application/x-catbrush-project"

typedef struct
{
  guint id;
  guint64 seed;
} CbClassSeed;

typedef struct
{
  char *model_path;   /* may be NULL */
  char *model_sha256; /* may be NULL: unknown */
  guint64 seed;
  GArray *class_seeds; /* of CbClassSeed: classes re-rolled on their own */
  CbClassSet *classes; /* the classes painted with (the profile's target classes when there is one) */
  CbProfile *profile;  /* may be NULL: the model's own classes */
  CbLabelMap *labels;
  CbImage *image; /* may be NULL */
} CbProject;

CbProject *cb_project_new (void);
void cb_project_free (CbProject *project);

gboolean cb_project_save (const CbProject *project, const char *path, GError **error);
/* In memory (what save writes). */
GBytes *cb_project_to_bytes (const CbProject *project, GError **error);
CbProject *cb_project_load (const char *path, GError **error);
/* display_name names the file in errors */
CbProject *cb_project_load_from_bytes (GBytes *bytes, const char *display_name, GError **error);

/* A deep copy (model/ has none yet). */
CbProfile *cb_project_copy_profile (const CbProfile *profile);

/* Sets A[row, column] = value (clamped to [0, 1]) and rescales the other
 * entries of the row to sum 1 - value (spread evenly when they were all 0),
 * so the row stays stochastic and the edited entry keeps its value. */
void cb_affinity_set_weight (CbProfile *profile, guint row, guint column, double value);
/* The k largest entries of a row, largest first; returns how many (≤ k, ≤ S'). */
guint cb_affinity_top_columns (const CbProfile *profile, guint row, guint k, guint *columns);

/* table[old id] = the id in to of the class with the same name (case-insensitive)
 * in from, or void; void stays void. Returns the number of classes of from
 * without a namesake in to. */
guint cb_class_remap_by_name (const CbClassSet *from, const CbClassSet *to, guint8 table[256]);
/* map->ids[i] = table[map->ids[i]]; returns the number of pixels that changed to void */
guint64 cb_label_map_apply_remap (CbLabelMap *map, const guint8 table[256]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbProject, cb_project_free)

G_END_DECLS
