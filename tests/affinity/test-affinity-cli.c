/* test-affinity-cli.c: catbrush-cli affinity end to end on the tiny fixture model
 * and a synthetic example folder: estimate, --show, the profile round trip,
 * refusals (a profile for another model, priors the model cannot run, test
 * splits, bad options), WordNet missing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "affinity-test-util.h"

#include "model/cb-profile.h"
#include "model/cb-wordnet.h"

#include <sys/wait.h>

static char *dataset; /* the synthetic example folder */
static char *tiny;    /* tests/fixtures/tiny-model.safetensors */
static char *g_only;  /* tiny without D.* */
static gboolean have_wordnet;

static char *
tmp_path (const char *name)
{
  return g_build_filename (dataset, name, NULL);
}

static void
test_estimate_and_show (void)
{
  g_autofree char *profile = tmp_path ("p1.json");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *args[] = { "affinity", "--model", tiny, "--examples", dataset, "-o", profile, NULL };
  int status = cb_test_run_cli (args, &out, &err);
  g_test_message ("stdout:\n%s\nstderr:\n%s", out, err);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (err, "discriminator on 4 photos at 32×24"));
  g_assert_nonnull (strstr (out, "Top source classes"));

  g_autoptr (GError) error = NULL;
  g_autoptr (CbProfile) p = cb_profile_load (profile, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cb_class_set_get_n_classes (p->target), ==, 3);
  JsonObject *e = json_node_get_object (p->estimation);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (e, "methods")), ==, have_wordnet ? 3 : 2);
  g_assert_cmpstr (json_object_get_string_member (e, "example_split"), ==, "train");

  /* --show: the matrix with names and the top source classes, the same as after estimating */
  g_autofree char *shown = NULL;
  g_autofree char *err2 = NULL;
  const char *show[] = { "affinity", "--show", profile, NULL };
  g_assert_cmpint (cb_test_run_cli (show, &shown, &err2), ==, 0);
  g_assert_cmpstr (shown, ==, out);
  g_assert_nonnull (strstr (shown, "Target classes “toy” (3)"));
  g_assert_nonnull (strstr (shown, "example photos (split “train”)"));
  /* header: the source names; one row per target class; a line of top classes each */
  g_assert_true (g_regex_match_simple ("^ +sky +road +tree$", shown, G_REGEX_MULTILINE, 0));
  for (guint t = 0; t < 3; t++)
    {
      const CbClass *k = cb_class_set_get (p->target, t);
      g_autofree char *row = g_strdup_printf ("^%s( +[01]\\.[0-9]{2}){3}$", k->name);
      g_autofree char *top = g_strdup_printf ("^  %s +(sky|road|tree) [01]\\.[0-9]{2}", k->name);
      g_assert_true (g_regex_match_simple (row, shown, G_REGEX_MULTILINE, 0));
      g_assert_true (g_regex_match_simple (top, shown, G_REGEX_MULTILINE, 0));
    }

  /* --show with the right model passes the check */
  const char *show_model[] = { "affinity", "--show", profile, "--model", tiny, NULL };
  g_autofree char *o3 = NULL;
  g_autofree char *e3 = NULL;
  g_assert_cmpint (cb_test_run_cli (show_model, &o3, &e3), ==, 0);
}

static void
test_round_trip_and_mismatch (void)
{
  g_autofree char *profile = tmp_path ("p2.json");
  g_autofree char *again = tmp_path ("p2-again.json");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *args[] = { "affinity",  "--model",    tiny,        "--examples", dataset,
                         "--methods", "seg,vision", "--weights", "2,1",        "--temperature",
                         "0.5",       "--top-k",    "1",         "--backend",  "reference",
                         "-o",        profile,      NULL };
  g_assert_cmpint (cb_test_run_cli (args, &out, &err), ==, 0);

  g_autoptr (GError) error = NULL;
  g_autoptr (CbProfile) p = cb_profile_load (profile, &error);
  g_assert_no_error (error);
  /* top-1: every row one-hot */
  for (guint t = 0; t < 3; t++)
    {
      guint ones = 0;
      for (guint s = 0; s < 3; s++)
        ones += p->affinity[t * 3 + s] == 1.0f;
      g_assert_cmpuint (ones, ==, 1);
    }
  JsonObject *e = json_node_get_object (p->estimation);
  g_assert_cmpfloat (json_object_get_double_member (e, "temperature"), ==, 0.5);
  g_assert_cmpint (json_object_get_int_member (e, "top_k"), ==, 1);
  JsonArray *w = json_object_get_array_member (e, "weights");
  g_assert_cmpfloat (json_array_get_double_element (w, 0), ==, 2.0);
  g_assert_cmpfloat (json_array_get_double_element (w, 1), ==, 1.0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (e, "discriminator"), "runner"), ==,
                   "CPU reference (single-threaded, slow)");

  /* saved again, it is the same profile */
  g_assert_true (cb_profile_save (p, again, &error));
  g_autoptr (CbProfile) q = cb_profile_load (again, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (p->affinity, 9 * sizeof (float), q->affinity, 9 * sizeof (float));
  g_assert_cmpstr (p->model_sha256, ==, q->model_sha256);
  g_assert_true (json_node_equal (p->estimation, q->estimation));

  /* --show reads any estimation record (it is kept verbatim) without tripping over it */
  g_autofree char *odd = tmp_path ("p2-odd.json");
  json_node_unref (q->estimation);
  q->estimation = json_from_string ("{\"methods\": [1, null], \"weights\": \"x\", \"temperature\": \"hot\", "
                                    "\"examples\": [\"a\"], \"example_split\": 3}",
                                    &error);
  g_assert_no_error (error);
  g_assert_true (cb_profile_save (q, odd, &error));
  const char *show_odd[] = { "affinity", "--show", odd, NULL };
  g_autofree char *o1 = NULL;
  g_autofree char *e1 = NULL;
  g_assert_cmpint (cb_test_run_cli (show_odd, &o1, &e1), ==, 0);
  g_assert_nonnull (strstr (o1, "Estimated with ?, ?; 1 example photos\n"));

  /* a profile made for another model file is refused, naming both hashes */
  g_autoptr (CbModel) other = cb_model_load (g_only, &error);
  g_assert_no_error (error);
  const char *show[] = { "affinity", "--show", profile, "--model", g_only, NULL };
  g_autofree char *o2 = NULL;
  g_autofree char *e2 = NULL;
  g_assert_cmpint (cb_test_run_cli (show, &o2, &e2), ==, 1);
  g_test_message ("%s", e2);
  g_assert_nonnull (strstr (e2, p->model_sha256));
  g_assert_nonnull (strstr (e2, other->sha256));

  g_autofree char *labels = cb_test_fixture ("tiny-labels.png");
  g_autofree char *png = tmp_path ("g.png");
  const char *gen[] = { "generate", "--model", g_only, "--profile", profile, "--labels", labels, "-o", png, NULL };
  g_autofree char *o3 = NULL;
  g_autofree char *e3 = NULL;
  g_assert_cmpint (cb_test_run_cli (gen, &o3, &e3), ==, 1);
  g_assert_nonnull (strstr (e3, p->model_sha256));
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
}

static void
test_no_discriminator (void)
{
  g_autofree char *profile = tmp_path ("p3.json");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  /* asked for explicitly: refused, saying why */
  const char *seg[] = { "affinity", "--model", g_only, "--examples", dataset, "--methods", "seg", "-o", profile, NULL };
  g_assert_cmpint (cb_test_run_cli (seg, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "segmentation prior"));
  g_assert_nonnull (strstr (err, "no discriminator"));
  g_assert_false (g_file_test (profile, G_FILE_TEST_EXISTS));

  /* by default: the priors it can run, and a note about the others */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  const char *all[] = { "affinity", "--model", g_only, "--examples", dataset, "-o", profile, NULL };
  int status = cb_test_run_cli (all, &out, &err);
  if (!have_wordnet)
    {
      g_assert_cmpint (status, ==, 1);
      g_assert_nonnull (strstr (err, "no affinity prior can run"));
      return;
    }
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (err, "no seg prior"));
  g_assert_nonnull (strstr (err, "no vision prior"));
  g_autoptr (GError) error = NULL;
  g_autoptr (CbProfile) p = cb_profile_load (profile, &error);
  g_assert_no_error (error);
  JsonArray *methods = json_object_get_array_member (json_node_get_object (p->estimation), "methods");
  g_assert_cmpuint (json_array_get_length (methods), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (methods, 0), ==, "text");
}

static void
test_no_wordnet (void)
{
  g_autofree char *profile = tmp_path ("p4.json");
  g_autofree char *missing = tmp_path ("no-wordnet");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  /* default methods: a clear message, the other priors still work */
  const char *args[]
    = { "affinity", "--model", tiny, "--examples", dataset, "--wordnet", missing, "-o", profile, NULL };
  g_assert_cmpint (cb_test_run_cli (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (err, "no text prior"));
  g_assert_nonnull (strstr (err, "wordnet-base"));
  g_autoptr (GError) error = NULL;
  g_autoptr (CbProfile) p = cb_profile_load (profile, &error);
  g_assert_no_error (error);
  JsonArray *methods = json_object_get_array_member (json_node_get_object (p->estimation), "methods");
  g_assert_cmpuint (json_array_get_length (methods), ==, 2);

  /* asked for: an error */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_autofree char *classes = g_build_filename (dataset, "classes.json", NULL);
  const char *text[] = { "affinity", "--model",   tiny,    "--classes", classes, "--methods",
                         "text",     "--wordnet", missing, "-o",        profile, NULL };
  g_assert_cmpint (cb_test_run_cli (text, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "text prior needs WordNet"));
}

static void
test_test_split (void)
{
  g_autofree char *profile = tmp_path ("p5.json");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *args[] = { "affinity", "--model",   tiny,  "--examples", dataset, "--split",
                         "test",     "--methods", "seg", "-o",         profile, NULL };
  g_assert_cmpint (cb_test_run_cli (args, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "test split"));
  g_assert_nonnull (strstr (err, "--allow-test-split"));

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  const char *allowed[] = { "affinity",           "--model",   tiny,  "--examples", dataset, "--split", "test",
                            "--allow-test-split", "--methods", "seg", "-o",         profile, NULL };
  g_assert_cmpint (cb_test_run_cli (allowed, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "2 example photos (split “test”)"));
}

static void
test_bad_options (void)
{
  g_autofree char *profile = tmp_path ("p6.json");
  const char *const cases[][16] = {
    { "affinity", "--model", tiny, "--examples", dataset, "--methods", "seg,vision", "--weights", "1", "-o", profile },
    { "affinity", "--model", tiny, "--examples", dataset, "--methods", "seg,colour", "-o", profile },
    { "affinity", "--model", tiny, "--examples", dataset, "--temperature", "0", "-o", profile },
    { "affinity", "--model", tiny, "--examples", dataset, "--top-k", "-1", "-o", profile },
    { "affinity", "--model", tiny, "--examples", dataset, "--weights", "1,x,1", "-o", profile },
    { "affinity", "--model", tiny, "--examples", dataset },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_assert_cmpint (cb_test_run_cli (cases[i], &out, &err), ==, 2);
      g_assert_cmpstr (err, !=, "");
    }
  g_assert_false (g_file_test (profile, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  g_autofree char *cache_dir = affinity_test_init (&argc, &argv);

  dataset = make_toy_dataset (4, 64, 48);
  tiny = cb_test_fixture ("tiny-model.safetensors");
  g_only = tmp_path ("generator-only.safetensors");
  write_model_without_d (g_only);
  g_autoptr (CbWordNet) wn = cb_wordnet_open (NULL, NULL);
  have_wordnet = wn != NULL;

  g_test_add_func ("/affinity/cli/estimate-and-show", test_estimate_and_show);
  g_test_add_func ("/affinity/cli/round-trip-and-mismatch", test_round_trip_and_mismatch);
  g_test_add_func ("/affinity/cli/no-discriminator", test_no_discriminator);
  g_test_add_func ("/affinity/cli/no-wordnet", test_no_wordnet);
  g_test_add_func ("/affinity/cli/test-split", test_test_split);
  g_test_add_func ("/affinity/cli/bad-options", test_bad_options);
  int status = g_test_run ();

  cb_test_remove_tree (dataset);
  cb_test_remove_tree (cache_dir);
  g_free (dataset);
  g_free (tiny);
  g_free (g_only);
  return status;
}
