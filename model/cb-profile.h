/* cb-profile.h: a target profile: target class set + affinity matrix for one source model (DESIGN §3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-class-set.h"

G_BEGIN_DECLS

typedef struct {
  CbClassSet *target;     /* T classes */
  guint n_source;         /* S' real source classes */
  GStrv source_names;     /* S' names, for display and checks */
  char *model_sha256;     /* the source model file's SHA-256 (hex) */
  float *affinity;        /* T x S', row-major, rows sum to 1 */
  JsonNode *estimation;   /* how it was made: methods, weights, temperature, top_k, examples; may be NULL */
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
/* Refuses a profile made for another model file. */
gboolean cb_profile_check_model (const CbProfile *profile, const char *model_sha256, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbProfile, cb_profile_free)

G_END_DECLS
