/* cb-wordnet.c: read-only access to the WordNet 3.0 noun database
 *
 * File formats: wndb(5WN), senseidx(5WN), cntlist(5WN) and morphy(7WN) of WordNet 3.0.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-wordnet.h"

#include <string.h>

#include "cb-error.h"

struct _CbWordNet
{
  char *dir;
  GMappedFile *index_file;
  GMappedFile *data_file;
  GHashTable *index;  /* lemma -> line start in index_file + 1 */
  GHashTable *exc;    /* inflected form -> GStrv of bases (noun.exc) */
  GHashTable *counts; /* noun sense key -> tag count (cntlist.rev) */
};

/* ---- small parsing helpers over a (start, end) byte range ---- */

typedef struct
{
  const char *p;
  const char *end;
} Cursor;

static gboolean
next_token (Cursor *c, const char **tok, gsize *len)
{
  while (c->p < c->end && *c->p == ' ')
    c->p++;
  if (c->p >= c->end)
    return FALSE;
  *tok = c->p;
  while (c->p < c->end && *c->p != ' ')
    c->p++;
  *len = (gsize)(c->p - *tok);
  return TRUE;
}

static gboolean
next_uint (Cursor *c, guint base, guint64 max, guint64 *value)
{
  const char *tok;
  gsize len;
  if (!next_token (c, &tok, &len) || len > 16)
    return FALSE;
  char buf[17];
  memcpy (buf, tok, len);
  buf[len] = '\0';
  return g_ascii_string_to_unsigned (buf, base, 0, max, value, NULL);
}

static const char *
line_end (const char *p, const char *end)
{
  const char *nl = memchr (p, '\n', (gsize)(end - p));
  return nl ? nl : end;
}

static GMappedFile *
map_file (const char *dir, const char *name, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) local = NULL;
  GMappedFile *file = g_mapped_file_new (path, FALSE, &local);
  if (!file)
    g_set_error (error, CB_ERROR, CB_ERROR_IO,
                 "WordNet database not found: cannot read %s (%s). Install it with `apt install wordnet-base`, "
                 "or point $WNSEARCHDIR at a directory holding index.noun and data.noun",
                 path, local->message);
  return file;
}

/* ---- open ---- */

static gboolean
load_index (CbWordNet *wn, GError **error)
{
  const char *base = g_mapped_file_get_contents (wn->index_file);
  const char *end = base + g_mapped_file_get_length (wn->index_file);
  for (const char *p = base; p < end;)
    {
      const char *le = line_end (p, end);
      const char *sp = memchr (p, ' ', (gsize)(le - p));
      /* licence header lines begin with a space */
      if (p < le && *p != ' ' && sp)
        g_hash_table_insert (wn->index, g_strndup (p, (gsize)(sp - p)), GSIZE_TO_POINTER ((gsize)(p - base) + 1));
      p = le + 1;
    }
  if (g_hash_table_size (wn->index) == 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "WordNet index %s/index.noun holds no lemmas", wn->dir);
      return FALSE;
    }
  return TRUE;
}

static void
load_exceptions (CbWordNet *wn, const char *text, gsize len)
{
  const char *end = text + len;
  for (const char *p = text; p < end;)
    {
      const char *le = line_end (p, end);
      g_autofree char *line = g_strndup (p, (gsize)(le - p));
      g_auto (GStrv) parts = g_strsplit (g_strstrip (line), " ", -1);
      if (parts[0] && parts[0][0] && parts[1])
        {
          GStrvBuilder *b = g_strv_builder_new ();
          for (guint i = 1; parts[i]; i++)
            if (parts[i][0])
              g_strv_builder_add (b, parts[i]);
          g_hash_table_replace (wn->exc, g_strdup (parts[0]), g_strv_builder_end (b));
          g_strv_builder_unref (b);
        }
      p = le + 1;
    }
}

static void
load_counts (CbWordNet *wn, const char *text, gsize len)
{
  const char *end = text + len;
  for (const char *p = text; p < end;)
    {
      const char *le = line_end (p, end);
      Cursor c = { p, le };
      const char *key;
      gsize key_len;
      guint64 number, count;
      /* only noun keys ("lemma%1:...") are needed */
      if (next_token (&c, &key, &key_len) && next_uint (&c, 10, G_MAXUINT, &number)
          && next_uint (&c, 10, G_MAXUINT, &count) && g_strstr_len (key, (gssize)key_len, "%1:"))
        g_hash_table_insert (wn->counts, g_strndup (key, key_len), GUINT_TO_POINTER ((guint)count));
      p = le + 1;
    }
}

CbWordNet *
cb_wordnet_open (const char *dir, GError **error)
{
  if (!dir)
    dir = g_getenv ("WNSEARCHDIR");
  if (!dir || !*dir)
    dir = CB_WORDNET_DEFAULT_DIR;

  g_autoptr (CbWordNet) wn = g_new0 (CbWordNet, 1);
  wn->dir = g_strdup (dir);
  wn->index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  wn->exc = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_strfreev);
  wn->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (!(wn->index_file = map_file (dir, "index.noun", error)))
    return NULL;
  if (!(wn->data_file = map_file (dir, "data.noun", error)))
    return NULL;
  if (!load_index (wn, error))
    return NULL;

  /* Optional files: without them there is no morphology for irregular plurals and
   * senses are weighted by their rank only. */
  g_autofree char *exc_path = g_build_filename (dir, "noun.exc", NULL);
  g_autofree char *exc_text = NULL;
  gsize exc_len = 0;
  if (g_file_get_contents (exc_path, &exc_text, &exc_len, NULL))
    load_exceptions (wn, exc_text, exc_len);
  g_autofree char *cnt_path = g_build_filename (dir, "cntlist.rev", NULL);
  g_autofree char *cnt_text = NULL;
  gsize cnt_len = 0;
  if (g_file_get_contents (cnt_path, &cnt_text, &cnt_len, NULL))
    load_counts (wn, cnt_text, cnt_len);

  return g_steal_pointer (&wn);
}

void
cb_wordnet_free (CbWordNet *wn)
{
  if (!wn)
    return;
  g_clear_pointer (&wn->index_file, g_mapped_file_unref);
  g_clear_pointer (&wn->data_file, g_mapped_file_unref);
  g_clear_pointer (&wn->index, g_hash_table_unref);
  g_clear_pointer (&wn->exc, g_hash_table_unref);
  g_clear_pointer (&wn->counts, g_hash_table_unref);
  g_free (wn->dir);
  g_free (wn);
}

const char *
cb_wordnet_get_dir (const CbWordNet *wn)
{
  return wn->dir;
}

char *
cb_wordnet_normalize (const char *word)
{
  g_autofree char *down = g_utf8_strdown (word, -1);
  g_strstrip (down);
  GString *s = g_string_new (NULL);
  for (const char *p = down; *p; p++)
    {
      char ch = (*p == ' ' || *p == '-' || *p == '\t') ? '_' : *p;
      /* collapse runs of separators */
      if (ch == '_' && (s->len == 0 || s->str[s->len - 1] == '_'))
        continue;
      g_string_append_c (s, ch);
    }
  while (s->len > 0 && s->str[s->len - 1] == '_')
    g_string_truncate (s, s->len - 1);
  return g_string_free (s, FALSE);
}

/* ---- synsets ---- */

void
cb_wn_synset_free (CbWnSynset *synset)
{
  if (!synset)
    return;
  g_clear_pointer (&synset->words, g_array_unref);
  g_clear_pointer (&synset->pointers, g_array_unref);
  g_free (synset->gloss);
  g_free (synset);
}

static void
clear_word (gpointer data)
{
  g_free (((CbWnWord *)data)->lemma);
}

static CbWnRelation
relation_from_symbol (const char *sym, gsize len)
{
  static const struct
  {
    const char *sym;
    CbWnRelation rel;
  } table[] = {
    { "@", CB_WN_HYPERNYM },          { "@i", CB_WN_INSTANCE_HYPERNYM }, { "~", CB_WN_HYPONYM },
    { "~i", CB_WN_INSTANCE_HYPONYM }, { "#m", CB_WN_MEMBER_HOLONYM },    { "#s", CB_WN_SUBSTANCE_HOLONYM },
    { "#p", CB_WN_PART_HOLONYM },     { "%m", CB_WN_MEMBER_MERONYM },    { "%s", CB_WN_SUBSTANCE_MERONYM },
    { "%p", CB_WN_PART_MERONYM },
  };
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (strlen (table[i].sym) == len && memcmp (table[i].sym, sym, len) == 0)
      return table[i].rel;
  return CB_WN_OTHER;
}

CbWnSynset *
cb_wordnet_get_synset (const CbWordNet *wn, guint32 offset, GError **error)
{
  const char *base = g_mapped_file_get_contents (wn->data_file);
  gsize size = g_mapped_file_get_length (wn->data_file);
  if (offset >= size || (offset > 0 && base[offset - 1] != '\n'))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s/data.noun: no synset at offset %08u", wn->dir, offset);
      return NULL;
    }
  const char *end = line_end (base + offset, base + size);
  Cursor c = { base + offset, end };
  g_autoptr (CbWnSynset) s = g_new0 (CbWnSynset, 1);
  s->offset = offset;
  s->words = g_array_new (FALSE, TRUE, sizeof (CbWnWord));
  g_array_set_clear_func (s->words, clear_word);
  s->pointers = g_array_new (FALSE, TRUE, sizeof (CbWnPointer));

  guint64 v, lex_filenum, w_cnt, p_cnt;
  const char *tok;
  gsize len;
  if (!next_uint (&c, 10, G_MAXUINT32, &v) || v != offset || !next_uint (&c, 10, 99, &lex_filenum)
      || !next_token (&c, &tok, &len) || !next_uint (&c, 16, 255, &w_cnt))
    goto bad;
  s->lex_filenum = (guint)lex_filenum;
  for (guint i = 0; i < w_cnt; i++)
    {
      guint64 lex_id;
      if (!next_token (&c, &tok, &len) || !next_uint (&c, 16, 15, &lex_id))
        goto bad;
      CbWnWord w = { g_strndup (tok, len), (guint)lex_id };
      g_array_append_val (s->words, w);
    }
  if (!next_uint (&c, 10, 9999, &p_cnt))
    goto bad;
  for (guint i = 0; i < p_cnt; i++)
    {
      const char *sym, *pos, *st;
      gsize sym_len, pos_len, st_len;
      guint64 target;
      if (!next_token (&c, &sym, &sym_len) || !next_uint (&c, 10, G_MAXUINT32, &target)
          || !next_token (&c, &pos, &pos_len) || !next_token (&c, &st, &st_len))
        goto bad;
      /* source/target "0000" marks a semantic pointer (synset to synset); others link single words */
      if (pos_len == 1 && pos[0] == 'n' && st_len == 4 && memcmp (st, "0000", 4) == 0)
        {
          CbWnPointer ptr = { relation_from_symbol (sym, sym_len), (guint32)target };
          g_array_append_val (s->pointers, ptr);
        }
    }
  const char *bar = memchr (c.p, '|', (gsize)(end - c.p));
  s->gloss = bar ? g_strstrip (g_strndup (bar + 1, (gsize)(end - bar - 1))) : g_strdup ("");
  return g_steal_pointer (&s);

bad:
  g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s/data.noun: malformed synset at offset %08u", wn->dir, offset);
  return NULL;
}

/* ---- lookup ---- */

static guint
sense_tag_count (const CbWordNet *wn, const char *lemma, guint32 offset)
{
  g_autoptr (CbWnSynset) s = cb_wordnet_get_synset (wn, offset, NULL);
  if (!s)
    return 0;
  for (guint i = 0; i < s->words->len; i++)
    {
      const CbWnWord *w = &g_array_index (s->words, CbWnWord, i);
      if (g_ascii_strcasecmp (w->lemma, lemma) != 0)
        continue;
      g_autofree char *down = g_ascii_strdown (lemma, -1);
      g_autofree char *key = g_strdup_printf ("%s%%1:%02u:%02u::", down, s->lex_filenum, w->lex_id);
      return GPOINTER_TO_UINT (g_hash_table_lookup (wn->counts, key));
    }
  return 0;
}

GArray *
cb_wordnet_lookup (const CbWordNet *wn, const char *lemma, GError **error)
{
  gsize at = GPOINTER_TO_SIZE (g_hash_table_lookup (wn->index, lemma));
  if (at == 0)
    return NULL;
  g_autoptr (GArray) senses = g_array_new (FALSE, TRUE, sizeof (CbWnSense));
  const char *base = g_mapped_file_get_contents (wn->index_file);
  const char *line = base + at - 1;
  Cursor c = { line, line_end (line, base + g_mapped_file_get_length (wn->index_file)) };
  const char *tok;
  gsize len;
  guint64 synset_cnt, p_cnt, sense_cnt, tagsense_cnt;
  if (!next_token (&c, &tok, &len) || !next_token (&c, &tok, &len) || !next_uint (&c, 10, 9999, &synset_cnt)
      || !next_uint (&c, 10, 9999, &p_cnt))
    goto bad;
  for (guint i = 0; i < p_cnt; i++)
    if (!next_token (&c, &tok, &len))
      goto bad;
  if (!next_uint (&c, 10, 9999, &sense_cnt) || !next_uint (&c, 10, 9999, &tagsense_cnt))
    goto bad;

  for (guint i = 0; i < synset_cnt; i++)
    {
      guint64 offset;
      if (!next_uint (&c, 10, G_MAXUINT32, &offset))
        goto bad;
      CbWnSense sense = { (guint32)offset, 0 };
      /* index.noun orders senses by frequency; only the first tagsense_cnt were ever tagged */
      if (i < tagsense_cnt)
        sense.tag_count = sense_tag_count (wn, lemma, sense.offset);
      g_array_append_val (senses, sense);
    }
  return g_steal_pointer (&senses);

bad:
  g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s/index.noun: malformed entry for “%s”", wn->dir, lemma);
  return NULL;
}

static void
add_unique (GPtrArray *out, const char *lemma)
{
  for (guint i = 0; i < out->len; i++)
    if (g_str_equal (out->pdata[i], lemma))
      return;
  g_ptr_array_add (out, g_strdup (lemma));
}

/* morphy(7WN) for one noun: the word, its exceptions and every detachment rule that gives a lemma */
static void
morph_word (const CbWordNet *wn, const char *word, GPtrArray *out)
{
  static const char *const rules[][2] = {
    { "s", "" },      { "ses", "s" },   { "xes", "x" },   { "zes", "z" },
    { "ches", "ch" }, { "shes", "sh" }, { "men", "man" }, { "ies", "y" },
  };
  if (g_hash_table_contains (wn->index, word))
    add_unique (out, word);
  const char *const *bases = g_hash_table_lookup (wn->exc, word);
  for (guint i = 0; bases && bases[i]; i++)
    if (g_hash_table_contains (wn->index, bases[i]))
      add_unique (out, bases[i]);
  gsize n = strlen (word);
  for (guint r = 0; r < G_N_ELEMENTS (rules); r++)
    {
      gsize sl = strlen (rules[r][0]);
      /* "ss" is not a plural ending: "glass" stays */
      if (n <= sl || !g_str_has_suffix (word, rules[r][0]) || (sl == 1 && n >= 2 && word[n - 2] == 's'))
        continue;
      g_autofree char *stem = g_strndup (word, n - sl);
      g_autofree char *base = g_strconcat (stem, rules[r][1], NULL);
      if (g_hash_table_contains (wn->index, base))
        add_unique (out, base);
    }
}

GStrv
cb_wordnet_morph (const CbWordNet *wn, const char *word)
{
  g_autofree char *norm = cb_wordnet_normalize (word);
  if (!*norm)
    return NULL;
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  morph_word (wn, norm, out);
  /* a collocation: inflect its last word ("traffic_lights" -> "traffic_light") */
  const char *us = strrchr (norm, '_');
  if (out->len == 0 && us)
    {
      g_autoptr (GPtrArray) last = g_ptr_array_new_with_free_func (g_free);
      morph_word (wn, us + 1, last);
      g_autofree char *head = g_strndup (norm, (gsize)(us - norm) + 1);
      for (guint i = 0; i < last->len; i++)
        {
          g_autofree char *joined = g_strconcat (head, last->pdata[i], NULL);
          if (g_hash_table_contains (wn->index, joined))
            add_unique (out, joined);
        }
    }
  if (out->len == 0)
    return NULL;
  g_ptr_array_add (out, NULL);
  return (GStrv)g_ptr_array_steal (out, NULL);
}
