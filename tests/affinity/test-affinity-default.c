/* test-affinity-default.c: the priors with the bundled (trained) model on
 * LabelMeFacade's classes and its 100 `train` examples (issue 6):
 * segmentation and combined priors: at least 5 of {building, car, pavement,
 * road, sky, vegetation→tree} top-1; window and door → building in the top 2.
 *
 * Runs on whatever model cb_model_find_default() finds (CATBRUSH_MODEL
 * overrides; resources/models/default.safetensors otherwise) and skips, saying
 * why, when there is none, when it has no discriminator or no CamVid classes,
 * or when the dataset is not there (CB_DATASETS). The discriminator runs on
 * the automatic backend; CB_AFFINITY_LIMIT=N uses the first N examples only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "affinity-test-util.h"

#include "model/cb-wordnet.h"

#include <stdlib.h>

typedef struct
{
  CbModel *model;
  CbClassSet *target;
  CbExampleSet *examples;
  CbBackend *backend;
  CbWordNet *wordnet;
} Setup;

static Setup setup;
static char *skip_reason;

static void
print_matrix (const char *what, const float *m)
{
  guint T = cb_class_set_get_n_classes (setup.target), S = cb_class_set_get_n_classes (setup.model->classes);
  g_autoptr (GString) out = g_string_new (NULL);
  g_string_append_printf (out, "%s, rows = LabelMeFacade, columns = %s\n%-11s", what, setup.model->classes->name, "");
  for (guint s = 0; s < S; s++)
    g_string_append_printf (out, " %8.8s", cb_class_set_get (setup.model->classes, s)->name);
  for (guint t = 0; t < T; t++)
    {
      g_string_append_printf (out, "\n%-11s", cb_class_set_get (setup.target, t)->name);
      for (guint s = 0; s < S; s++)
        g_string_append_printf (out, " %8.3f", (double)m[t * S + s]);
    }
  g_test_message ("%s", out->str);
}

static guint
rank_of (const float *row, guint cols, guint col)
{
  guint rank = 0;
  for (guint k = 0; k < cols; k++)
    rank += k != col && (row[k] > row[col] || (row[k] == row[col] && k < col));
  return rank;
}

static guint
rank_for (const float *m, const char *target, const char *source)
{
  const CbClass *t = cb_class_set_lookup_name (setup.target, target);
  const CbClass *s = cb_class_set_lookup_name (setup.model->classes, source);
  g_assert_nonnull (t);
  g_assert_nonnull (s);
  guint S = cb_class_set_get_n_classes (setup.model->classes);
  int ti = cb_class_set_index_of_id (setup.target, t->id), si = cb_class_set_index_of_id (setup.model->classes, s->id);
  return rank_of (m + (gsize)ti * S, S, (guint)si);
}

/* The criteria on one matrix. */
static void
check_matrix (const char *what, const float *m)
{
  static const char *const pairs[][2] = {
    { "building", "building" }, { "car", "car" }, { "pavement", "pavement" },
    { "road", "road" },         { "sky", "sky" }, { "vegetation", "tree" },
  };
  guint top1 = 0;
  g_autoptr (GString) ranks = g_string_new (NULL);
  print_matrix (what, m);
  for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      guint r = rank_for (m, pairs[i][0], pairs[i][1]);
      top1 += r == 0;
      g_string_append_printf (ranks, "%s→%s %u, ", pairs[i][0], pairs[i][1], r + 1);
    }
  guint window = rank_for (m, "window", "building"), door = rank_for (m, "door", "building");
  g_test_message ("%s: %u of 6 top-1 (%swindow→building %u, door→building %u)", what, top1, ranks->str, window + 1,
                  door + 1);
  g_assert_cmpuint (top1, >=, 5);
  g_assert_cmpuint (window, <, 2);
  g_assert_cmpuint (door, <, 2);
}

static gboolean
ready (void)
{
  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return FALSE;
    }
  return TRUE;
}

/* One estimate with every prior serves both tests: with weights (1) and no
 * temperature or top-k, the segmentation prior alone is its recorded matrix. */
static CbProfile *profile;

static const CbProfile *
estimate (void)
{
  if (profile != NULL)
    return profile;
  CbAffinityOptions o;
  cb_affinity_options_init (&o);
  CbGraphRunner runner = backend_runner (setup.backend);
  o.use[CB_AFFINITY_SEG] = o.use[CB_AFFINITY_VISION] = TRUE;
  o.use[CB_AFFINITY_TEXT] = setup.wordnet != NULL;
  o.wordnet = setup.wordnet;
  o.examples = setup.examples;
  o.runner = &runner;
  g_autoptr (GError) error = NULL;
  profile = cb_affinity_estimate (setup.model, setup.target, &o, &error);
  g_assert_no_error (error);
  JsonObject *d = json_object_get_object_member (json_node_get_object (profile->estimation), "discriminator");
  g_test_message ("discriminator: %" G_GINT64_FORMAT " photos in %.1f s on %s",
                  json_object_get_int_member (d, "photos"), json_object_get_double_member (d, "seconds"),
                  json_object_get_string_member (d, "runner"));
  return profile;
}

static float *
recorded_prior (const CbProfile *p, const char *name)
{
  JsonObject *priors = json_object_get_object_member (json_node_get_object (p->estimation), "priors");
  guint S = p->n_source, T = cb_class_set_get_n_classes (p->target);
  JsonArray *rows = json_object_get_array_member (priors, name);
  float *m = g_new (float, T *S);
  for (guint t = 0; t < T; t++)
    for (guint s = 0; s < S; s++)
      m[t * S + s] = (float)json_array_get_double_element (json_array_get_array_element (rows, t), s);
  return m;
}

static void
test_seg (void)
{
  if (!ready ())
    return;
  g_autofree float *seg = recorded_prior (estimate (), "seg");
  check_matrix ("segmentation prior", seg);
}

static void
test_combined (void)
{
  if (!ready ())
    return;
  const CbProfile *p = estimate ();
  /* the vision prior alone, for the record (no criterion: the discriminator's
   * features stand in for the self-supervised encoder) */
  g_autofree float *vision = recorded_prior (p, "vision");
  print_matrix ("vision prior (discriminator features, head prototypes)", vision);
  if (setup.wordnet != NULL)
    {
      g_autofree float *text = recorded_prior (p, "text");
      print_matrix ("text prior", text);
    }
  check_matrix ("combined prior (seg + text + vision, weights 1)", p->affinity);
}

static char *
prepare (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = cb_model_find_default ();
  const char *root = g_getenv ("CB_DATASETS");

  if (path == NULL)
    return g_strdup ("No trained default model yet (resources/models/default.safetensors or CATBRUSH_MODEL)");
  setup.model = cb_model_load (path, &error);
  if (setup.model == NULL)
    return g_strdup_printf ("The default model does not load: %s", error->message);
  if (!setup.model->has_discriminator)
    return g_strdup_printf ("The default model %s has no discriminator", path);
  static const char *const needed[] = { "building", "car", "pavement", "road", "sky", "tree" };
  for (gsize i = 0; i < G_N_ELEMENTS (needed); i++)
    if (cb_class_set_lookup_name (setup.model->classes, needed[i]) == NULL)
      return g_strdup_printf ("The default model %s has no class “%s” (not CamVid's classes)", path, needed[i]);
  if (root == NULL)
    return g_strdup ("CB_DATASETS is not set");
  g_autofree char *dir = g_build_filename (root, "labelmefacade", NULL);
  g_autofree char *classes = g_build_filename (dir, "classes.json", NULL);
  if (!g_file_test (classes, G_FILE_TEST_EXISTS))
    return g_strdup_printf ("LabelMeFacade is not at %s", dir);
  setup.target = cb_class_set_load (classes, &error);
  g_assert_no_error (error);
  setup.examples = cb_example_set_load (dir, "train", setup.target, setup.model->gen.width, setup.model->gen.height,
                                        CB_EXAMPLE_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  const char *limit = g_getenv ("CB_AFFINITY_LIMIT");
  if (limit != NULL && atoi (limit) > 0 && (guint)atoi (limit) < setup.examples->examples->len)
    g_ptr_array_set_size (setup.examples->examples, (guint)atoi (limit));
  g_printerr ("# model %s (%s), %u examples\n", path, setup.model->sha256, setup.examples->examples->len);
  setup.backend = cb_backend_new (CB_BACKEND_AUTO, NULL, &error);
  g_assert_no_error (error);
  setup.wordnet = cb_wordnet_open (NULL, NULL);
  return NULL;
}

int
main (int argc, char **argv)
{
  g_autofree char *cache_dir = affinity_test_init (&argc, &argv);

  skip_reason = prepare ();
  if (skip_reason != NULL)
    g_printerr ("# %s\n", skip_reason);
  g_test_add_func ("/affinity/default/seg", test_seg);
  g_test_add_func ("/affinity/default/combined", test_combined);
  int status = g_test_run ();

  g_clear_pointer (&profile, cb_profile_free);
  g_clear_pointer (&setup.model, cb_model_free);
  g_clear_pointer (&setup.target, cb_class_set_free);
  g_clear_pointer (&setup.examples, cb_example_set_free);
  g_clear_pointer (&setup.backend, cb_backend_free);
  g_clear_pointer (&setup.wordnet, cb_wordnet_free);
  g_free (skip_reason);
  cb_test_remove_tree (cache_dir);
  return status;
}
