/* test-affinity-text.c: WordNet access and the text prior (docs/AFFINITY.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "model/cb-affinity-text.h"
#include "model/cb-error.h"
#include "model/cb-wordnet.h"

static CbWordNet *
open_or_skip (void)
{
  g_autoptr (GError) error = NULL;
  CbWordNet *wn = cb_wordnet_open (NULL, &error);
  if (!wn)
    g_test_skip_printf ("no WordNet: %s", error->message);
  return wn;
}

static CbClassSet *
load_dataset_or_skip (const char *name)
{
  const char *root = g_getenv ("CB_DATASETS");
  if (!root)
    {
      g_test_skip ("CB_DATASETS is not set");
      return NULL;
    }
  g_autofree char *path = g_build_filename (root, name, "classes.json", NULL);
  g_autoptr (GError) error = NULL;
  CbClassSet *set = cb_class_set_load (path, &error);
  if (!set)
    g_test_skip_printf ("%s: %s", path, error->message);
  return set;
}

/* rank of column col in row (0 = largest) */
static guint
rank_in_row (const float *row, guint cols, guint col)
{
  guint rank = 0;
  for (guint k = 0; k < cols; k++)
    if (k != col && row[k] > row[col])
      rank++;
  return rank;
}

static void
print_matrix (const CbClassSet *t, const CbClassSet *s, const float *m)
{
  guint nt = cb_class_set_get_n_classes (t), ns = cb_class_set_get_n_classes (s);
  GString *out = g_string_new ("text prior (raw scores), rows = target, columns = source\n");
  g_string_append_printf (out, "%-12s", "");
  for (guint j = 0; j < ns; j++)
    g_string_append_printf (out, " %9.9s", cb_class_set_get (s, j)->name);
  g_string_append_c (out, '\n');
  for (guint i = 0; i < nt; i++)
    {
      g_string_append_printf (out, "%-12s", cb_class_set_get (t, i)->name);
      for (guint j = 0; j < ns; j++)
        g_string_append_printf (out, " %9.3f", m[i * ns + j]);
      g_string_append_c (out, '\n');
    }
  g_string_append (out, "top 3 per target class:\n");
  for (guint i = 0; i < nt; i++)
    {
      const float *row = m + (gsize)i * ns;
      g_string_append_printf (out, "  %-12s", cb_class_set_get (t, i)->name);
      gboolean used[CB_MAX_CLASSES] = { FALSE };
      for (guint r = 0; r < MIN (3, ns); r++)
        {
          guint best = 0;
          for (guint j = 0; j < ns; j++)
            if (!used[j] && (used[best] || row[j] > row[best]))
              best = j;
          used[best] = TRUE;
          g_string_append_printf (out, " %s %.3f,", cb_class_set_get (s, best)->name, row[best]);
        }
      g_string_append_c (out, '\n');
    }
  g_test_message ("%s", out->str);
  g_string_free (out, TRUE);
}

static void
test_missing_dir (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbWordNet) wn = cb_wordnet_open ("/nonexistent/wordnet-dir", &error);
  g_assert_null (wn);
  g_assert_error (error, CB_ERROR, CB_ERROR_IO);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "/nonexistent/wordnet-dir"));
  g_assert_nonnull (strstr (error->message, "apt install wordnet-base"));

  /* $WNSEARCHDIR is where a NULL dir looks */
  g_autofree char *old = g_strdup (g_getenv ("WNSEARCHDIR"));
  g_setenv ("WNSEARCHDIR", "/nonexistent/from-env", TRUE);
  g_clear_error (&error);
  wn = cb_wordnet_open (NULL, &error);
  g_assert_null (wn);
  g_assert_error (error, CB_ERROR, CB_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/from-env"));
  if (old)
    g_setenv ("WNSEARCHDIR", old, TRUE);
  else
    g_unsetenv ("WNSEARCHDIR");
}

/* a damaged database: clear errors, no crash */
static void
test_malformed (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cb-wordnet-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *index = g_build_filename (dir, "index.noun", NULL);
  g_autofree char *data = g_build_filename (dir, "data.noun", NULL);

  /* no lemmas at all */
  g_assert_true (g_file_set_contents (index, "  licence line\n", -1, &error));
  g_assert_true (g_file_set_contents (data, "  licence line\n", -1, &error));
  g_autoptr (CbWordNet) empty = cb_wordnet_open (dir, &error);
  g_assert_null (empty);
  g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
  g_clear_error (&error);

  /* a truncated entry, an entry pointing nowhere, a synset with a short pointer list */
  const char *idx = "  licence line\n"
                    "cut n 5\n"
                    "nowhere n 1 0 1 0 99999999\n"
                    "short n 1 0 1 0 00000016\n"
                    "fine n 1 0 1 0 00000064\n";
  const char *dat = "  licence line.\n"                                 /* 16 bytes */
                    "00000016 06 n 01 short 0 002 @ 00000064 n 0000 \n" /* claims 2 pointers, has 1 */
                    "00000064 06 n 01 fine 0 000 | a fine thing\n";
  g_assert_true (g_file_set_contents (index, idx, -1, &error));
  g_assert_true (g_file_set_contents (data, dat, -1, &error));
  g_autoptr (CbWordNet) wn = cb_wordnet_open (dir, &error);
  g_assert_no_error (error);
  g_assert_null (cb_wordnet_lookup (wn, "cut", &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
  g_clear_error (&error);
  g_autoptr (CbWnSynset) fine = cb_wordnet_get_synset (wn, 64, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fine->gloss, ==, "a fine thing");
  g_autoptr (CbWnSynset) shrt = cb_wordnet_get_synset (wn, 16, &error);
  g_assert_null (shrt);
  g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
  g_clear_error (&error);

  static const char *const names[] = { "short", "nowhere", "cut" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      float v = cb_affinity_text_pair (wn, names[i], "fine", NULL, &error);
      g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
      g_assert_cmpfloat (v, ==, 0.0f);
      g_test_message ("%s: %s", names[i], error->message);
      g_clear_error (&error);
    }
  g_assert_cmpfloat (cb_affinity_text_pair (wn, "fine", "fine", NULL, &error), ==, 1.0f);
  g_assert_no_error (error);

  g_unlink (index);
  g_unlink (data);
  g_rmdir (dir);
}

static void
test_lookup (void)
{
  g_autoptr (CbWordNet) wn = open_or_skip ();
  if (!wn)
    return;
  g_autoptr (GError) error = NULL;

  g_autoptr (GArray) senses = cb_wordnet_lookup (wn, "window", &error);
  g_assert_no_error (error);
  g_assert_nonnull (senses);
  g_assert_cmpuint (senses->len, ==, 8);
  const CbWnSense *first = &g_array_index (senses, CbWnSense, 0);
  g_assert_cmpuint (first->tag_count, >, 10); /* the building opening is the frequent sense */

  g_autoptr (CbWnSynset) syn = cb_wordnet_get_synset (wn, first->offset, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_array_index (syn->words, CbWnWord, 0).lemma, ==, "window");
  gboolean part_of_building = FALSE;
  for (guint i = 0; i < syn->pointers->len; i++)
    {
      const CbWnPointer *p = &g_array_index (syn->pointers, CbWnPointer, i);
      if (p->relation != CB_WN_PART_HOLONYM)
        continue;
      g_autoptr (CbWnSynset) whole = cb_wordnet_get_synset (wn, p->target, &error);
      g_assert_no_error (error);
      part_of_building |= g_str_equal (g_array_index (whole->words, CbWnWord, 0).lemma, "building");
    }
  g_assert_true (part_of_building);

  g_assert_null (cb_wordnet_lookup (wn, "zorblaxian", &error));
  g_assert_no_error (error);
  g_autoptr (CbWnSynset) none = cb_wordnet_get_synset (wn, 3, &error);
  g_assert_null (none);
  g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
  g_clear_error (&error);

  static const char *const cases[][2] = {
    { "windows", "window" },
    { "Windows", "window" },
    { "mice", "mouse" },
    { "boxes", "box" },
    { "glass", "glass" },
    { "traffic light", "traffic_light" },
    { "traffic lights", "traffic_light" },
    { "bodies", "body" },
    { "women", "woman" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (GStrv) bases = cb_wordnet_morph (wn, cases[i][0]);
      g_assert_nonnull (bases);
      g_assert_true (g_strv_contains ((const char *const *)bases, cases[i][1]));
    }
  g_auto (GStrv) nothing = cb_wordnet_morph (wn, "sign symbol");
  g_assert_null (nothing);
}

static void
test_camvid_labelmefacade (void)
{
  g_autoptr (CbWordNet) wn = open_or_skip ();
  if (!wn)
    return;
  g_autoptr (CbClassSet) source = load_dataset_or_skip ("camvid");
  if (!source)
    return;
  g_autoptr (CbClassSet) target = load_dataset_or_skip ("labelmefacade");
  if (!target)
    return;

  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) not_found = g_ptr_array_new_with_free_func (g_free);
  gint64 t0 = g_get_monotonic_time ();
  g_autofree float *m = cb_affinity_text (wn, target, source, NULL, not_found, &error);
  g_test_message ("computed in %.1f ms", (double)(g_get_monotonic_time () - t0) / 1000.0);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  print_matrix (target, source, m);
  for (guint i = 0; i < not_found->len; i++)
    g_test_message ("not in WordNet: %s", (const char *)not_found->pdata[i]);
  g_assert_cmpuint (not_found->len, ==, 0); /* "various" is a catch-all, "sign symbol" goes by its words */

  guint nt = cb_class_set_get_n_classes (target), ns = cb_class_set_get_n_classes (source);
  for (guint i = 0; i < nt * ns; i++)
    g_assert_true (m[i] >= 0.0f && m[i] <= 1.0f);

  g_autofree float *soft = g_memdup2 (m, sizeof (float) * nt * ns);
  cb_affinity_normalize_rows (soft, nt, ns, CB_TEXT_PRIOR_TEMPERATURE);
  g_test_message ("rows normalised by softmax, temperature %g:", (double)CB_TEXT_PRIOR_TEMPERATURE);
  print_matrix (target, source, soft);

  static const struct
  {
    const char *target, *source;
    guint max_rank;
  } expect[] = {
    { "vegetation", "tree", 0 },   { "window", "building", 0 }, { "door", "building", 1 },
    { "building", "building", 0 }, { "car", "car", 0 },         { "pavement", "pavement", 0 },
    { "road", "road", 0 },         { "sky", "sky", 0 },
  };
  for (guint e = 0; e < G_N_ELEMENTS (expect); e++)
    {
      int t = -1, s = -1;
      for (guint i = 0; i < nt; i++)
        if (g_str_equal (cb_class_set_get (target, i)->name, expect[e].target))
          t = (int)i;
      for (guint j = 0; j < ns; j++)
        if (g_str_equal (cb_class_set_get (source, j)->name, expect[e].source))
          s = (int)j;
      g_assert_cmpint (t, >=, 0);
      g_assert_cmpint (s, >=, 0);
      guint rank = rank_in_row (m + (gsize)t * ns, ns, (guint)s);
      g_test_message ("%s -> %s: rank %u", expect[e].target, expect[e].source, rank + 1);
      g_assert_cmpuint (rank, <=, expect[e].max_rank);
    }

  /* "various" means anything: a flat row */
  int various = -1;
  for (guint i = 0; i < nt; i++)
    if (g_str_equal (cb_class_set_get (target, i)->name, "various"))
      various = (int)i;
  g_assert_cmpint (various, >=, 0);
  for (guint j = 0; j < ns; j++)
    g_assert_cmpfloat_with_epsilon (soft[(gsize)various * ns + j], 1.0f / (float)ns, 1e-6f);
}

static void
test_not_found (void)
{
  g_autoptr (CbWordNet) wn = open_or_skip ();
  if (!wn)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (CbClassSet) target = cb_class_set_new ("t");
  g_assert_true (cb_class_set_add (target, 0, "zorblaxian", 0x010101, NULL, &error));
  g_assert_true (cb_class_set_add (target, 1, "Windows", 0x020202, NULL, &error));
  const char *syn[] = { "flora", NULL };
  g_assert_true (cb_class_set_add (target, 2, "qqq greenery-ish", 0x030303, syn, &error));
  g_autoptr (CbClassSet) source = cb_class_set_new ("s");
  g_assert_true (cb_class_set_add (source, 0, "building", 0x010101, NULL, &error));
  g_assert_true (cb_class_set_add (source, 1, "tree", 0x020202, NULL, &error));
  g_assert_true (cb_class_set_add (source, 2, "traffic lights", 0x030303, NULL, &error));
  g_assert_true (cb_class_set_add (source, 3, "xyzzy plugh", 0x040404, NULL, &error));
  g_assert_no_error (error);

  g_autoptr (GPtrArray) not_found = g_ptr_array_new_with_free_func (g_free);
  g_autofree float *m = cb_affinity_text (wn, target, source, NULL, not_found, &error);
  g_assert_no_error (error);
  print_matrix (target, source, m);
  g_assert_cmpuint (not_found->len, ==, 2);
  g_assert_cmpstr (not_found->pdata[0], ==, "zorblaxian");
  g_assert_cmpstr (not_found->pdata[1], ==, "xyzzy plugh");
  for (guint j = 0; j < 4; j++)
    g_assert_cmpfloat (m[j], ==, 0.0f);                /* unknown target: zero row */
  g_assert_cmpfloat (m[1 * 4 + 3], ==, 0.0f);          /* unknown source: zero column */
  g_assert_cmpuint (rank_in_row (m + 4, 4, 0), ==, 0); /* plural "Windows" -> building */
  g_assert_cmpuint (rank_in_row (m + 8, 4, 1), ==, 0); /* its synonym "flora" -> tree */

  cb_affinity_normalize_rows (m, 3, 4, 0.0f);
  for (guint j = 0; j < 4; j++)
    g_assert_cmpfloat_with_epsilon (m[j], 0.25f, 1e-6f);
}

static void
test_word_vectors (void)
{
  g_autoptr (CbWordNet) wn = open_or_skip ();
  if (!wn)
    return;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cb-affinity-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "vectors.txt", NULL);
  /* "zorblax" is unknown to WordNet but close to "tree" here; "lane" ~ "road" */
  const char *text = "5 3\n"
                     "tree 1 0 0\n"
                     "building 0 1 0\n"
                     "road 0 0 1\n"
                     "zorblax 0.9 0.1 0\n"
                     "lane 0.1 0 0.9\n";
  g_assert_true (g_file_set_contents (path, text, -1, &error));

  g_autoptr (CbClassSet) target = cb_class_set_new ("t");
  g_assert_true (cb_class_set_add (target, 0, "zorblax", 0x010101, NULL, &error));
  g_assert_true (cb_class_set_add (target, 1, "lane", 0x020202, NULL, &error));
  g_autoptr (CbClassSet) source = cb_class_set_new ("s");
  g_assert_true (cb_class_set_add (source, 0, "tree", 0x010101, NULL, &error));
  g_assert_true (cb_class_set_add (source, 1, "building", 0x020202, NULL, &error));
  g_assert_true (cb_class_set_add (source, 2, "road", 0x030303, NULL, &error));

  CbTextPriorOptions opts;
  cb_text_prior_options_init (&opts);
  g_autofree float *plain = cb_affinity_text (wn, target, source, &opts, NULL, &error);
  g_assert_no_error (error);
  opts.word_vectors = path;
  g_autoptr (GPtrArray) not_found = g_ptr_array_new_with_free_func (g_free);
  g_autofree float *mixed = cb_affinity_text (wn, target, source, &opts, not_found, &error);
  g_assert_no_error (error);
  print_matrix (target, source, mixed);
  /* still reported (not in WordNet) but scored by its vector alone */
  g_assert_cmpuint (not_found->len, ==, 1);
  g_assert_cmpfloat_with_epsilon (mixed[0], 0.9f / sqrtf (0.82f), 1e-5f);
  g_assert_cmpuint (rank_in_row (mixed, 3, 0), ==, 0);
  /* in both: (1 - a) wordnet + a cos */
  float cos_lane_road = 0.9f / sqrtf (0.82f);
  g_assert_cmpfloat_with_epsilon (mixed[3 + 2], 0.5f * plain[3 + 2] + 0.5f * cos_lane_road, 1e-5f);
  g_assert_cmpuint (rank_in_row (mixed + 3, 3, 2), ==, 0);

  /* errors: missing file, malformed numbers, ragged dimension */
  opts.word_vectors = "/nonexistent/vectors.txt";
  g_autofree float *none = cb_affinity_text (wn, target, source, &opts, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, CB_ERROR, CB_ERROR_IO);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "tree 1 0 0\nroad 0 x 1\n", -1, &error));
  opts.word_vectors = path;
  g_autofree float *bad = cb_affinity_text (wn, target, source, &opts, NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "tree 1 0 0\nroad 0 1\n", -1, &error));
  g_autofree float *ragged = cb_affinity_text (wn, target, source, &opts, NULL, &error);
  g_assert_null (ragged);
  g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
  g_clear_error (&error);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_normalize (void)
{
  float m[] = { 1, 3, 0, 0, 0, 0, 0.5f, 0.5f, 0.9f };
  float s[G_N_ELEMENTS (m)];
  memcpy (s, m, sizeof m);
  cb_affinity_normalize_rows (m, 3, 3, 0.0f);
  g_assert_cmpfloat_with_epsilon (m[0], 0.25f, 1e-6f);
  g_assert_cmpfloat_with_epsilon (m[1], 0.75f, 1e-6f);
  g_assert_cmpfloat_with_epsilon (m[4], 1.0f / 3.0f, 1e-6f);
  cb_affinity_normalize_rows (s, 3, 3, 0.1f);
  for (guint r = 0; r < 3; r++)
    g_assert_cmpfloat_with_epsilon (s[r * 3] + s[r * 3 + 1] + s[r * 3 + 2], 1.0f, 1e-5f);
  g_assert_cmpfloat_with_epsilon (s[4], 1.0f / 3.0f, 1e-6f);
  g_assert_cmpfloat_with_epsilon (s[8] / s[7], expf (4.0f), 1e-3f);
}

static void
test_pairs (void)
{
  g_autoptr (CbWordNet) wn = open_or_skip ();
  if (!wn)
    return;
  g_autoptr (GError) error = NULL;
  /* identity, symmetry of part-of, and the catch-all */
  g_assert_cmpfloat (cb_affinity_text_pair (wn, "tree", "tree", NULL, &error), ==, 1.0f);
  float a = cb_affinity_text_pair (wn, "window", "building", NULL, &error);
  float b = cb_affinity_text_pair (wn, "building", "window", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (a, ==, b);
  g_assert_cmpfloat (a, >=, 0.85f);
  g_assert_true (cb_affinity_is_catch_all ("Various"));
  g_assert_true (cb_affinity_is_catch_all ("misc"));
  g_assert_false (cb_affinity_is_catch_all ("window"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/affinity/wordnet/missing-dir", test_missing_dir);
  g_test_add_func ("/affinity/wordnet/lookup", test_lookup);
  g_test_add_func ("/affinity/wordnet/malformed", test_malformed);
  g_test_add_func ("/affinity/text/camvid-labelmefacade", test_camvid_labelmefacade);
  g_test_add_func ("/affinity/text/not-found", test_not_found);
  g_test_add_func ("/affinity/text/word-vectors", test_word_vectors);
  g_test_add_func ("/affinity/text/pairs", test_pairs);
  g_test_add_func ("/affinity/normalize", test_normalize);
  return g_test_run ();
}
