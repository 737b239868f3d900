/* cb-wordnet.h: read-only access to the WordNet 3.0 noun database (Debian wordnet-base)
 *
 * Reads index.noun, data.noun, noun.exc and cntlist.rev directly (no libwordnet: it keeps
 * global state and prints instead of reporting errors). A CbWordNet is immutable once
 * opened, so one instance may be used from several threads at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CB_WORDNET_DEFAULT_DIR "/usr/share/wordnet"

typedef struct _CbWordNet CbWordNet;

typedef enum
{
  CB_WN_HYPERNYM,          /* @  */
  CB_WN_INSTANCE_HYPERNYM, /* @i */
  CB_WN_HYPONYM,           /* ~  */
  CB_WN_INSTANCE_HYPONYM,  /* ~i */
  CB_WN_MEMBER_HOLONYM,    /* #m: this is a member of the target */
  CB_WN_SUBSTANCE_HOLONYM, /* #s: this is a substance of the target */
  CB_WN_PART_HOLONYM,      /* #p: this is a part of the target */
  CB_WN_MEMBER_MERONYM,    /* %m */
  CB_WN_SUBSTANCE_MERONYM, /* %s */
  CB_WN_PART_MERONYM,      /* %p */
  CB_WN_OTHER,
} CbWnRelation;

typedef struct
{
  CbWnRelation relation;
  guint32 target; /* byte offset of the target synset in data.noun */
} CbWnPointer;

typedef struct
{
  char *lemma;  /* as in data.noun: underscores for spaces, case kept */
  guint lex_id; /* 0..15, part of the sense key */
} CbWnWord;

typedef struct
{
  guint32 offset;    /* byte offset in data.noun: the synset's identity */
  guint lex_filenum; /* lexicographer file (noun.artifact = 6, ...) */
  GArray *words;     /* of CbWnWord */
  GArray *pointers;  /* of CbWnPointer: semantic noun-to-noun pointers only */
  char *gloss;
} CbWnSynset;

typedef struct
{
  guint32 offset;  /* synset */
  guint tag_count; /* times this sense was tagged in the SemCor texts (cntlist.rev), 0 if never */
} CbWnSense;

/* dir: NULL = $WNSEARCHDIR, else CB_WORDNET_DEFAULT_DIR. A missing database is CB_ERROR_IO
 * naming the directory; a malformed one is CB_ERROR_FORMAT. */
CbWordNet *cb_wordnet_open (const char *dir, GError **error);
void cb_wordnet_free (CbWordNet *wn);
const char *cb_wordnet_get_dir (const CbWordNet *wn);

/* The noun senses of a lemma exactly as spelled in index.noun (lower case, underscores),
 * most frequent first, as CbWnSense. NULL when the lemma is not a noun in WordNet. */
GArray *cb_wordnet_lookup (const CbWordNet *wn, const char *lemma, GError **error);

/* Base forms of a noun (WordNet's morphy): the word itself when it is a lemma, its
 * noun.exc bases ("mice" -> "mouse") and every detachment rule that gives a lemma
 * ("windows" -> "windows" (the OS), "window"; "boxes" -> "box"); for a collocation
 * without a result, the same on its last word ("traffic lights" -> "traffic_light").
 * Input is normalised (lower case, spaces and hyphens to underscores). Returns NULL
 * when nothing is found. */
GStrv cb_wordnet_morph (const CbWordNet *wn, const char *word);

/* Parses the synset at that offset of data.noun; CB_ERROR_FORMAT when there is none. */
CbWnSynset *cb_wordnet_get_synset (const CbWordNet *wn, guint32 offset, GError **error);
void cb_wn_synset_free (CbWnSynset *synset);

/* "window" -> "window"; "Traffic Light" -> "traffic_light" (newly allocated) */
char *cb_wordnet_normalize (const char *word);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbWordNet, cb_wordnet_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbWnSynset, cb_wn_synset_free)

G_END_DECLS
