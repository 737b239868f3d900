/* cb-affinity-text.c: the text prior of the class affinity (docs/AFFINITY.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-affinity-text.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "cb-error.h"

void
cb_text_prior_options_init (CbTextPriorOptions *o)
{
  *o = (CbTextPriorOptions){
    .sense_prior = 1.0f,
    .sense_decay = 0.5f,
    .synonym_weight = 0.5f,
    .modifier_weight = 0.5f,
    .holonym_step = 0.9f,
    .hypernym_step = 0.8f,
    .max_path = 4,
    .min_lcs_depth = 3,
    .catch_all = TRUE,
    .word_vectors = NULL,
    .word_vector_weight = 0.5f,
  };
}

gboolean
cb_affinity_is_catch_all (const char *name)
{
  static const char *const names[] = {
    "various", "other",    "others",     "misc",      "miscellaneous", "unknown", "background",
    "clutter", "anything", "everything", "unlabeled", "unlabelled",    "rest",    "stuff",
  };
  g_autofree char *norm = cb_wordnet_normalize (name);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (norm, names[i]))
      return TRUE;
  return FALSE;
}

/* ---- per-call context: caches synsets and depths (local, so the call is thread-safe) ---- */

typedef struct
{
  const CbWordNet *wn;
  CbTextPriorOptions o;
  GHashTable *synsets; /* offset -> CbWnSynset* */
  GHashTable *depths;  /* offset -> depth + 1 */
  GHashTable *hyper;   /* offset -> GHashTable (ancestor -> hops + 1) */
  GHashTable *parts;   /* offset -> GHashTable (whole -> float score, boxed) */
  GError *error;       /* first error met; the computation stops using WordNet after it */
} Ctx;

typedef struct
{
  guint32 offset;
  float weight;
} WSense;

static void
ctx_init (Ctx *c, const CbWordNet *wn, const CbTextPriorOptions *o)
{
  memset (c, 0, sizeof *c);
  c->wn = wn;
  if (o)
    c->o = *o;
  else
    cb_text_prior_options_init (&c->o);
  c->synsets = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)cb_wn_synset_free);
  c->depths = g_hash_table_new (NULL, NULL);
  c->hyper = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)g_hash_table_unref);
  c->parts = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)g_hash_table_unref);
}

static void
ctx_clear (Ctx *c)
{
  g_clear_pointer (&c->synsets, g_hash_table_unref);
  g_clear_pointer (&c->depths, g_hash_table_unref);
  g_clear_pointer (&c->hyper, g_hash_table_unref);
  g_clear_pointer (&c->parts, g_hash_table_unref);
  g_clear_error (&c->error);
}

/* Offsets are > 0 in data.noun (the licence comes first), so they can be hash keys as is. */
static const CbWnSynset *
ctx_synset (Ctx *c, guint32 offset)
{
  CbWnSynset *s = g_hash_table_lookup (c->synsets, GUINT_TO_POINTER (offset));
  if (s || c->error)
    return s;
  s = cb_wordnet_get_synset (c->wn, offset, &c->error);
  if (s)
    g_hash_table_insert (c->synsets, GUINT_TO_POINTER (offset), s);
  return s;
}

static gboolean
is_hypernym (CbWnRelation r)
{
  return r == CB_WN_HYPERNYM || r == CB_WN_INSTANCE_HYPERNYM;
}

static gboolean
is_holonym (CbWnRelation r)
{
  return r == CB_WN_PART_HOLONYM || r == CB_WN_MEMBER_HOLONYM || r == CB_WN_SUBSTANCE_HOLONYM;
}

/* is-a ancestors of a synset with their distance in edges (self at 0) */
static GHashTable *
ctx_hypernyms (Ctx *c, guint32 offset)
{
  GHashTable *anc = g_hash_table_lookup (c->hyper, GUINT_TO_POINTER (offset));
  if (anc)
    return anc;
  anc = g_hash_table_new (NULL, NULL);
  g_autoptr (GArray) frontier = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_val (frontier, offset);
  g_hash_table_insert (anc, GUINT_TO_POINTER (offset), GUINT_TO_POINTER (1));
  for (guint hops = 1; frontier->len > 0 && hops < 64; hops++)
    {
      g_autoptr (GArray) next = g_array_new (FALSE, FALSE, sizeof (guint32));
      for (guint i = 0; i < frontier->len; i++)
        {
          const CbWnSynset *s = ctx_synset (c, g_array_index (frontier, guint32, i));
          for (guint p = 0; s && p < s->pointers->len; p++)
            {
              const CbWnPointer *ptr = &g_array_index (s->pointers, CbWnPointer, p);
              if (!is_hypernym (ptr->relation) || g_hash_table_contains (anc, GUINT_TO_POINTER (ptr->target)))
                continue;
              g_hash_table_insert (anc, GUINT_TO_POINTER (ptr->target), GUINT_TO_POINTER (hops + 1));
              g_array_append_val (next, ptr->target);
            }
        }
      g_array_unref (g_steal_pointer (&frontier));
      frontier = g_steal_pointer (&next);
    }
  g_hash_table_insert (c->hyper, GUINT_TO_POINTER (offset), anc);
  return anc;
}

/* depth = 1 + the shortest is-a path to a root ("entity" has depth 1) */
static guint
ctx_depth (Ctx *c, guint32 offset)
{
  gpointer memo = g_hash_table_lookup (c->depths, GUINT_TO_POINTER (offset));
  if (memo)
    return GPOINTER_TO_UINT (memo) - 1;
  GHashTable *anc = ctx_hypernyms (c, offset);
  guint best = G_MAXUINT;
  GHashTableIter it;
  gpointer key, val;
  g_hash_table_iter_init (&it, anc);
  while (g_hash_table_iter_next (&it, &key, &val))
    {
      const CbWnSynset *s = ctx_synset (c, GPOINTER_TO_UINT (key));
      gboolean root = TRUE;
      for (guint p = 0; s && p < s->pointers->len; p++)
        if (is_hypernym (g_array_index (s->pointers, CbWnPointer, p).relation))
          root = FALSE;
      if (root && GPOINTER_TO_UINT (val) < best)
        best = GPOINTER_TO_UINT (val); /* hops + 1 */
    }
  guint depth = best == G_MAXUINT ? 1 : best;
  g_hash_table_insert (c->depths, GUINT_TO_POINTER (offset), GUINT_TO_POINTER (depth + 1));
  return depth;
}

/* Wu & Palmer (1994): 2 N3 / (N1 + N2 + 2 N3) maximised over common ancestors, N3 = depth of
 * the ancestor, N1, N2 = edges from each synset up to it; ancestors shallower than
 * min_lcs_depth do not count. */
static float
wu_palmer (Ctx *c, guint32 a, guint32 b)
{
  if (a == b)
    return 1.0f;
  GHashTable *aa = ctx_hypernyms (c, a), *ab = ctx_hypernyms (c, b);
  if (g_hash_table_size (aa) > g_hash_table_size (ab))
    {
      GHashTable *t = aa;
      aa = ab;
      ab = t;
    }
  float best = 0.0f;
  GHashTableIter it;
  gpointer key, val;
  g_hash_table_iter_init (&it, aa);
  while (g_hash_table_iter_next (&it, &key, &val))
    {
      gpointer other = g_hash_table_lookup (ab, key);
      if (!other)
        continue;
      guint depth = ctx_depth (c, GPOINTER_TO_UINT (key));
      /* entity, physical entity, abstraction: sharing them says nothing */
      if (depth < c->o.min_lcs_depth)
        continue;
      float n3 = (float)depth;
      float n12 = (float)(GPOINTER_TO_UINT (val) - 1 + GPOINTER_TO_UINT (other) - 1);
      float s = 2.0f * n3 / (n12 + 2.0f * n3);
      best = MAX (best, s);
    }
  return best;
}

/* Wholes a synset belongs to: every synset reached by at most max_path upward edges (is-a or
 * part/member/substance-of) of which at least one is part-of; score = product of the steps. */
static GHashTable *
ctx_wholes (Ctx *c, guint32 offset)
{
  GHashTable *wholes = g_hash_table_lookup (c->parts, GUINT_TO_POINTER (offset));
  if (wholes)
    return wholes;
  wholes = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  /* states: (synset, has a part-of edge yet) -> best score so far */
  g_autoptr (GHashTable) plain = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr (GArray) frontier = g_array_new (FALSE, FALSE, sizeof (WSense)); /* weight<0: has part-of */
  WSense start = { offset, 1.0f };
  g_array_append_val (frontier, start);
  for (guint step = 0; step < c->o.max_path && frontier->len > 0; step++)
    {
      g_autoptr (GArray) next = g_array_new (FALSE, FALSE, sizeof (WSense));
      for (guint i = 0; i < frontier->len; i++)
        {
          WSense st = g_array_index (frontier, WSense, i);
          gboolean has_part = st.weight < 0;
          float score = fabsf (st.weight);
          const CbWnSynset *s = ctx_synset (c, st.offset);
          for (guint p = 0; s && p < s->pointers->len; p++)
            {
              const CbWnPointer *ptr = &g_array_index (s->pointers, CbWnPointer, p);
              float f;
              gboolean part = has_part;
              if (is_hypernym (ptr->relation))
                f = c->o.hypernym_step;
              else if (is_holonym (ptr->relation))
                f = c->o.holonym_step, part = TRUE;
              else
                continue;
              float ns = score * f;
              GHashTable *table = part ? wholes : plain;
              float *old = g_hash_table_lookup (table, GUINT_TO_POINTER (ptr->target));
              if (old && *old >= ns)
                continue;
              if (!old)
                {
                  old = g_new (float, 1);
                  g_hash_table_insert (table, GUINT_TO_POINTER (ptr->target), old);
                }
              *old = ns;
              WSense nst = { ptr->target, part ? -ns : ns };
              g_array_append_val (next, nst);
            }
        }
      g_array_unref (g_steal_pointer (&frontier));
      frontier = g_steal_pointer (&next);
    }
  g_hash_table_insert (c->parts, GUINT_TO_POINTER (offset), wholes);
  return wholes;
}

static float
part_of (Ctx *c, guint32 a, guint32 b)
{
  float *ab = g_hash_table_lookup (ctx_wholes (c, a), GUINT_TO_POINTER (b));
  float *ba = g_hash_table_lookup (ctx_wholes (c, b), GUINT_TO_POINTER (a));
  return MAX (ab ? *ab : 0.0f, ba ? *ba : 0.0f);
}

static float
sense_similarity (Ctx *c, guint32 a, guint32 b)
{
  return MAX (wu_palmer (c, a, b), part_of (c, a, b));
}

/* ---- names to weighted senses ---- */

static void
add_sense (GArray *senses, guint32 offset, float weight)
{
  for (guint i = 0; i < senses->len; i++)
    {
      WSense *s = &g_array_index (senses, WSense, i);
      if (s->offset == offset)
        {
          s->weight = MAX (s->weight, weight);
          return;
        }
    }
  WSense s = { offset, weight };
  g_array_append_val (senses, s);
}

/* senses of a lemma with weights pi_i / max pi, pi_i = count_i + prior * decay^i */
static GArray *
weighted_senses (Ctx *c, const char *lemma)
{
  g_autoptr (GArray) raw = cb_wordnet_lookup (c->wn, lemma, c->error ? NULL : &c->error);
  if (!raw)
    return NULL;
  GArray *out = g_array_new (FALSE, FALSE, sizeof (WSense));
  float top = 0.0f, decay = 1.0f;
  for (guint i = 0; i < raw->len; i++, decay *= c->o.sense_decay)
    {
      const CbWnSense *s = &g_array_index (raw, CbWnSense, i);
      WSense w = { s->offset, (float)s->tag_count + c->o.sense_prior * decay };
      top = MAX (top, w.weight);
      g_array_append_val (out, w);
    }
  for (guint i = 0; i < out->len; i++)
    g_array_index (out, WSense, i).weight = top > 0 ? g_array_index (out, WSense, i).weight / top : 1.0f;
  return out;
}

/* one lemma, weight lw: its senses and, through each synset's other words, their senses */
static void
expand_lemma (Ctx *c, const char *lemma, float lw, GArray *senses)
{
  g_autoptr (GArray) own = weighted_senses (c, lemma);
  if (!own)
    return;
  for (guint i = 0; i < own->len; i++)
    {
      const WSense *s = &g_array_index (own, WSense, i);
      add_sense (senses, s->offset, lw * s->weight);
    }
  if (c->o.synonym_weight <= 0)
    return;
  for (guint i = 0; i < own->len; i++)
    {
      const WSense *s = &g_array_index (own, WSense, i);
      const CbWnSynset *syn = ctx_synset (c, s->offset);
      for (guint w = 0; syn && w < syn->words->len; w++)
        {
          g_autofree char *other = g_ascii_strdown (g_array_index (syn->words, CbWnWord, w).lemma, -1);
          if (g_str_equal (other, lemma))
            continue;
          g_autoptr (GArray) theirs = weighted_senses (c, other);
          for (guint j = 0; theirs && j < theirs->len; j++)
            {
              const WSense *t = &g_array_index (theirs, WSense, j);
              add_sense (senses, t->offset, c->o.synonym_weight * lw * s->weight * t->weight);
            }
        }
    }
}

/* The base forms of one word, weighted by their tag counts + 1 relative to the largest:
 * "windows" is both the OS (never tagged) and the plural of "window" (tagged 82 times). */
static void
expand_lemmas (Ctx *c, char **lemmas, float weight, GArray *senses)
{
  guint n = g_strv_length (lemmas);
  g_autofree float *mass = g_new0 (float, n);
  float top = 0.0f;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GArray) raw = cb_wordnet_lookup (c->wn, lemmas[i], c->error ? NULL : &c->error);
      mass[i] = 1.0f;
      for (guint k = 0; raw && k < raw->len; k++)
        mass[i] += (float)g_array_index (raw, CbWnSense, k).tag_count;
      top = MAX (top, mass[i]);
    }
  for (guint i = 0; i < n; i++)
    expand_lemma (c, lemmas[i], weight * mass[i] / top, senses);
}

/* a name: its collocation if WordNet has it, else its head (last) word and, weaker, the others */
static gboolean
expand_name (Ctx *c, const char *name, GArray *senses)
{
  g_auto (GStrv) lemmas = cb_wordnet_morph (c->wn, name);
  if (lemmas)
    {
      expand_lemmas (c, lemmas, 1.0f, senses);
      return TRUE;
    }
  g_autofree char *norm = cb_wordnet_normalize (name);
  g_auto (GStrv) words = g_strsplit (norm, "_", -1);
  guint n = g_strv_length (words);
  if (n < 2)
    return FALSE;
  gboolean found = FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_auto (GStrv) wl = cb_wordnet_morph (c->wn, words[i]);
      if (wl)
        expand_lemmas (c, wl, i == n - 1 ? 1.0f : c->o.modifier_weight, senses);
      found |= wl != NULL;
    }
  return found;
}

/* ---- word vectors ---- */

static void
add_words (GHashTable *need, const char *name)
{
  g_autofree char *norm = cb_wordnet_normalize (name);
  g_auto (GStrv) words = g_strsplit (norm, "_", -1);
  for (guint i = 0; words[i]; i++)
    if (*words[i])
      g_hash_table_add (need, g_strdup (words[i]));
}

/* Reads only the vectors of the words in need (a GloVe file has ~10^6 lines). */
static GHashTable *
load_vectors (const char *path, GHashTable *need, guint *dim, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) local = NULL;
  g_autoptr (GFileInputStream) fin = g_file_read (file, NULL, &local);
  if (!fin)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_IO, "Cannot read the word-vector file %s: %s", path, local->message);
      return NULL;
    }
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (G_INPUT_STREAM (fin));
  g_autoptr (GHashTable) vectors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  *dim = 0;
  for (guint line_no = 1;; line_no++)
    {
      gsize len;
      g_autofree char *line = g_data_input_stream_read_line_utf8 (in, &len, NULL, &local);
      if (local)
        {
          g_set_error (error, CB_ERROR, local->domain == G_CONVERT_ERROR ? CB_ERROR_FORMAT : CB_ERROR_IO, "%s:%u: %s",
                       path, line_no, local->message);
          return NULL;
        }
      if (!line)
        break;
      g_strstrip (line);
      char *sp = strchr (line, ' ');
      if (!sp)
        continue;
      *sp = '\0';
      g_autofree char *word = g_utf8_strdown (line, -1);
      /* a word2vec text header: "count dim" */
      if (line_no == 1 && g_ascii_isdigit (line[0]) && strchr (sp + 1, ' ') == NULL)
        continue;
      if (!g_hash_table_contains (need, word) || g_hash_table_contains (vectors, word))
        continue;
      g_auto (GStrv) parts = g_strsplit_set (sp + 1, " \t", -1);
      g_autoptr (GArray) v = g_array_new (FALSE, FALSE, sizeof (float));
      for (guint i = 0; parts[i]; i++)
        {
          if (!*parts[i])
            continue;
          char *end;
          double x = g_ascii_strtod (parts[i], &end);
          if (*end || !isfinite (x))
            {
              g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s:%u: “%s” is not a number", path, line_no, parts[i]);
              return NULL;
            }
          float f = (float)x;
          g_array_append_val (v, f);
        }
      if (v->len == 0 || (*dim && v->len != *dim))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s:%u: %u numbers where %u were expected", path, line_no,
                       v->len, *dim);
          return NULL;
        }
      *dim = v->len;
      g_hash_table_insert (vectors, g_steal_pointer (&word), g_array_free (g_steal_pointer (&v), FALSE));
    }
  return g_steal_pointer (&vectors);
}

/* the mean of the vectors of a name's words, or NULL when none has one */
static float *
name_vector (GHashTable *vectors, guint dim, const char *name)
{
  g_autofree char *norm = cb_wordnet_normalize (name);
  g_auto (GStrv) words = g_strsplit (norm, "_", -1);
  g_autofree float *sum = g_new0 (float, dim);
  guint n = 0;
  for (guint i = 0; words[i]; i++)
    {
      const float *v = g_hash_table_lookup (vectors, words[i]);
      if (!v)
        continue;
      for (guint k = 0; k < dim; k++)
        sum[k] += v[k];
      n++;
    }
  return n ? g_steal_pointer (&sum) : NULL;
}

static float
cosine (const float *a, const float *b, guint dim)
{
  double ab = 0, aa = 0, bb = 0;
  for (guint k = 0; k < dim; k++)
    ab += (double)a[k] * b[k], aa += (double)a[k] * a[k], bb += (double)b[k] * b[k];
  return aa > 0 && bb > 0 ? (float)(ab / sqrt (aa * bb)) : 0.0f;
}

/* ---- the matrix ---- */

typedef struct
{
  const char *name;
  const char *const *synonyms;
  GArray *senses;  /* WSense */
  GPtrArray *vecs; /* float*, one per variant with a vector */
  gboolean catch_all;
} Item;

static void
item_clear (Item *it)
{
  g_clear_pointer (&it->senses, g_array_unref);
  g_clear_pointer (&it->vecs, g_ptr_array_unref);
}

static void
item_build (Ctx *c, Item *it, GHashTable *vectors, guint dim)
{
  it->senses = g_array_new (FALSE, FALSE, sizeof (WSense));
  it->vecs = g_ptr_array_new_with_free_func (g_free);
  expand_name (c, it->name, it->senses);
  for (guint i = 0; it->synonyms && it->synonyms[i]; i++)
    expand_name (c, it->synonyms[i], it->senses);
  if (vectors)
    {
      float *v = name_vector (vectors, dim, it->name);
      if (v)
        g_ptr_array_add (it->vecs, v);
      for (guint i = 0; it->synonyms && it->synonyms[i]; i++)
        if ((v = name_vector (vectors, dim, it->synonyms[i])))
          g_ptr_array_add (it->vecs, v);
    }
}

static float
item_score (Ctx *c, const Item *t, const Item *s, guint dim)
{
  if (t->catch_all)
    return 1.0f;
  float wn = 0.0f;
  for (guint i = 0; i < t->senses->len; i++)
    {
      const WSense *a = &g_array_index (t->senses, WSense, i);
      for (guint j = 0; j < s->senses->len; j++)
        {
          const WSense *b = &g_array_index (s->senses, WSense, j);
          float bound = a->weight * b->weight;
          if (bound <= wn) /* cannot beat the best so far */
            continue;
          wn = MAX (wn, bound * sense_similarity (c, a->offset, b->offset));
        }
    }
  if (t->vecs->len == 0 || s->vecs->len == 0)
    return wn;
  float cos = 0.0f;
  for (guint i = 0; i < t->vecs->len; i++)
    for (guint j = 0; j < s->vecs->len; j++)
      cos = MAX (cos, cosine (t->vecs->pdata[i], s->vecs->pdata[j], dim));
  if (t->senses->len == 0 || s->senses->len == 0)
    return cos;
  return (1.0f - c->o.word_vector_weight) * wn + c->o.word_vector_weight * cos;
}

static GHashTable *
maybe_load_vectors (Ctx *c, const char *const *names, guint n, const char *const *const *synonyms, guint *dim,
                    GError **error)
{
  if (!c->o.word_vectors)
    return g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) need = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < n; i++)
    {
      add_words (need, names[i]);
      for (guint k = 0; synonyms && synonyms[i] && synonyms[i][k]; k++)
        add_words (need, synonyms[i][k]);
    }
  return load_vectors (c->o.word_vectors, need, dim, error);
}

float *
cb_affinity_text (const CbWordNet *wn, const CbClassSet *target, const CbClassSet *source,
                  const CbTextPriorOptions *options, GPtrArray *not_found, GError **error)
{
  g_return_val_if_fail (wn && target && source, NULL);
  Ctx c;
  ctx_init (&c, wn, options);
  guint nt = cb_class_set_get_n_classes (target), ns = cb_class_set_get_n_classes (source);
  guint n = nt + ns;
  g_autofree Item *items = g_new0 (Item, n);
  g_autofree const char **names = g_new0 (const char *, n);
  g_autofree const char *const **syns = g_new0 (const char *const *, n);
  for (guint i = 0; i < n; i++)
    {
      const CbClass *k = i < nt ? cb_class_set_get (target, i) : cb_class_set_get (source, i - nt);
      items[i].name = names[i] = k->name;
      items[i].synonyms = syns[i] = (const char *const *)k->synonyms;
      items[i].catch_all = i < nt && c.o.catch_all && cb_affinity_is_catch_all (k->name);
    }

  float *m = NULL;
  guint dim = 0;
  g_autoptr (GHashTable) vectors = maybe_load_vectors (&c, names, n, syns, &dim, error);
  if (!vectors)
    goto out;
  for (guint i = 0; i < n; i++)
    {
      item_build (&c, &items[i], g_hash_table_size (vectors) ? vectors : NULL, dim);
      if (items[i].senses->len == 0 && !items[i].catch_all && not_found)
        g_ptr_array_add (not_found, g_strdup (items[i].name));
    }
  gsize cells = (gsize)nt * ns;
  m = g_new0 (float, MAX (cells, 1)); /* never NULL: NULL means an error */
  for (guint t = 0; t < nt; t++)
    for (guint s = 0; s < ns; s++)
      m[(gsize)t * ns + s] = item_score (&c, &items[t], &items[nt + s], dim);
  if (c.error)
    {
      g_propagate_error (error, g_steal_pointer (&c.error));
      g_clear_pointer (&m, g_free);
    }

out:
  for (guint i = 0; i < n; i++)
    item_clear (&items[i]);
  ctx_clear (&c);
  return m;
}

float
cb_affinity_text_pair (const CbWordNet *wn, const char *target_name, const char *source_name,
                       const CbTextPriorOptions *options, GError **error)
{
  g_autoptr (CbClassSet) t = cb_class_set_new ("target");
  g_autoptr (CbClassSet) s = cb_class_set_new ("source");
  if (!cb_class_set_add (t, 0, target_name, 0x000001, NULL, error)
      || !cb_class_set_add (s, 0, source_name, 0x000001, NULL, error))
    return 0.0f;
  g_autofree float *m = cb_affinity_text (wn, t, s, options, NULL, error);
  return m ? m[0] : 0.0f;
}

void
cb_affinity_normalize_rows (float *m, guint rows, guint cols, float temperature)
{
  for (guint r = 0; r < rows; r++)
    {
      float *row = m + (gsize)r * cols;
      double sum = 0;
      if (temperature > 0)
        {
          float top = -INFINITY;
          for (guint k = 0; k < cols; k++)
            top = MAX (top, row[k]);
          for (guint k = 0; k < cols; k++)
            sum += row[k] = expf ((row[k] - top) / temperature);
        }
      else
        for (guint k = 0; k < cols; k++)
          sum += row[k] = MAX (row[k], 0.0f);
      for (guint k = 0; k < cols; k++)
        row[k] = sum > 0 ? (float)(row[k] / sum) : 1.0f / (float)cols;
    }
}
