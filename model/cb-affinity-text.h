/* cb-affinity-text.h: the text prior of the class affinity (DESIGN §4.2, docs/AFFINITY.md)
 *
 * Scores every (target class, source class) pair from their names and synonyms with
 * WordNet: frequency-weighted senses, synonym expansion, Wu–Palmer similarity and
 * part-of (holonym) paths; optionally mixed with the cosine of user word vectors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-class-set.h"
#include "cb-wordnet.h"

G_BEGIN_DECLS

/* The temperature we recommend for softmax-normalising the text prior's rows
 * (see docs/AFFINITY.md: scores live in [0, 1]; related pairs score 0.7–1). */
#define CB_TEXT_PRIOR_TEMPERATURE 0.1f

typedef struct
{
  /* sense weights: pi_i = tag_count_i + sense_prior * sense_decay^i, divided by the largest pi */
  float sense_prior;        /* default 1 */
  float sense_decay;        /* default 0.5 */
  float synonym_weight;     /* gamma: weight of senses reached through a synonym; default 0.5 */
  float modifier_weight;    /* weight of a non-head word of a multi-word name; default 0.5 */
  float holonym_step;       /* factor per part/member/substance-of edge on a part path; default 0.9 */
  float hypernym_step;      /* factor per is-a edge on a part path; default 0.8 */
  guint max_path;           /* longest part path, in edges; default 4 */
  guint min_lcs_depth;      /* Wu–Palmer ignores common ancestors shallower than this; default 3
                             * (entity = 1; physical entity, abstraction = 2) */
  gboolean catch_all;       /* "various", "other", ... give a flat row; default TRUE */
  const char *word_vectors; /* text file "word v1 v2 ..." (GloVe/word2vec text), or NULL */
  float word_vector_weight; /* alpha in (1 - alpha) * wordnet + alpha * max(0, cos); default 0.5 */
} CbTextPriorOptions;

void cb_text_prior_options_init (CbTextPriorOptions *options);

/* Returns T x S' row-major raw scores in [0, 1] (T = target classes, S' = source classes, both in
 * cb_class_set_get() order); free with g_free(). opts may be NULL (defaults).
 * A target class whose name and synonyms are all unknown to WordNet (and to the word vectors)
 * gets a zero row, which every normalisation below turns uniform; a catch-all target class gets
 * a constant row. When not_found is given, the unknown names (target and source) are appended
 * to it as newly allocated strings (use g_ptr_array_new_with_free_func (g_free)).
 * Errors: CB_ERROR_IO for an unreadable vector file, CB_ERROR_FORMAT for a malformed one or a
 * malformed WordNet database. */
float *cb_affinity_text (const CbWordNet *wn, const CbClassSet *target, const CbClassSet *source,
                         const CbTextPriorOptions *options, GPtrArray *not_found, GError **error);

/* The score of two names (each may be multi-word), as in one cell of cb_affinity_text(). */
float cb_affinity_text_pair (const CbWordNet *wn, const char *target_name, const char *source_name,
                             const CbTextPriorOptions *options, GError **error);

/* Normalises every row in place. temperature <= 0: divide by the row sum; temperature > 0:
 * softmax (score / temperature). A zero row becomes uniform either way. */
void cb_affinity_normalize_rows (float *matrix, guint rows, guint cols, float temperature);

/* TRUE for names that mean "anything else" ("various", "other", "misc", "background", ...). */
gboolean cb_affinity_is_catch_all (const char *name);

G_END_DECLS
