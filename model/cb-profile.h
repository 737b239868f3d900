/* cb-profile.h: a target profile: target class set + affinity matrix for one source model (DESIGN §3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-class-set.h"

G_BEGIN_DECLS

typedef struct
{
  CbClassSet *target;   /* T classes */
  guint n_source;       /* S' real source classes */
  GStrv source_names;   /* S' names, for display and checks */
  char *model_sha256;   /* the source model file's SHA-256 (hex) */
  float *affinity;      /* T x S', row-major, rows sum to 1 */
  JsonNode *estimation; /* how it was made: methods, weights, temperature, top_k, examples; may be NULL */
} CbProfile;

CbProfile *cb_profile_new (const CbClassSet *target, guint n_source, const char *const *source_names,
                           const char *model_sha256);
CbProfile *cb_profile_load (const char *path, GError **error);
CbProfile *cb_profile_from_json (JsonNode *node, const char *where, GError **error);
JsonNode *cb_profile_to_json (const CbProfile *profile);
gboolean cb_profile_save (const CbProfile *profile, const char *path, GError **error); /* atomic */
void cb_profile_free (CbProfile *profile);

/* Normalises every row to sum 1 (a zero row becomes uniform). */
void cb_profile_normalize_rows (CbProfile *profile);
/* Two target classes whose rows are within this total-variation distance
 * (half the L1 distance) of each other give the generator (nearly) the same
 * input, so it draws them alike; fine-tuning barely moves the matrix, so G
 * has to separate them (docs/RESULTS.md, "CAT with one prior": identical
 * rows lost window for good; rows 0.01-0.04 apart were drawn alike
 * zero-shot and separated fully or partly by fine-tuning). */
#define CB_PROFILE_SIMILAR_ROWS 0.05f

typedef struct
{
  guint a, b; /* target classes, a < b */
  float distance;
} CbRowPair;

/* The pairs of rows within max_distance of each other, closest first
 * (a GArray of CbRowPair). */
GArray *cb_profile_similar_rows (const CbProfile *profile, float max_distance);
/* For messages: "window and building (0.00), pavement and road (0.04)", the
 * first three pairs and how many more; NULL when no pair is that close. */
char *cb_profile_describe_similar_rows (const CbProfile *profile, float max_distance);
/* Refuses a profile made for another model file. */
gboolean cb_profile_check_model (const CbProfile *profile, const char *model_sha256, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbProfile, cb_profile_free)

G_END_DECLS
