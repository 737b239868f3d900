/* test-profile.c: target profiles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-error.h"
#include "model/cb-profile.h"

#include "io-test-util.h"

#include <math.h>
#include <string.h>

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

#define CLASSES                                                                                                        \
  "\"classes\":{\"name\":\"facade\",\"classes\":[{\"id\":0,\"name\":\"window\",\"color\":\"#0000ff\"},"                \
  "{\"id\":3,\"name\":\"door\",\"color\":\"#00ff00\"}]}"
#define SOURCE "\"source_model\":{\"sha256\":\"" SHA_A "\",\"classes\":[\"sky\",\"building\",\"road\"]}"

static CbProfile *
parse (const char *json, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;

  if (!json_parser_load_from_data (parser, json, -1, &local))
    g_error ("test JSON: %s", local->message);
  return cb_profile_from_json (json_parser_get_root (parser), "p.json", error);
}

static void
expect_error (const char *json, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbProfile) p = parse (json, &error);

  g_assert_null (p);
  g_assert_error (error, CB_ERROR, code);
  if (fragment && strstr (error->message, fragment) == NULL)
    g_error ("“%s” not in “%s”", fragment, error->message);
  g_test_message ("%s", error->message);
}

static void
test_parse_and_round_trip (void)
{
  const char *dir = io_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "p.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbProfile) p = parse ("{\"format\":\"catbrush-profile\",\"version\":1," CLASSES "," SOURCE ","
                                   "\"affinity\":[[0,3,1],[0,0,0]],"
                                   "\"estimation\":{\"methods\":[\"text\"],\"temperature\":0.5,\"x\":{\"y\":null}}}",
                                   &error);
  g_autoptr (CbProfile) back = NULL;
  g_autoptr (JsonNode) j1 = NULL, j2 = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (p->n_source, ==, 3);
  g_assert_cmpstr (p->source_names[1], ==, "building");
  g_assert_cmpstr (p->model_sha256, ==, SHA_A);
  /* rows normalised; a zero row becomes uniform */
  g_assert_cmpfloat_with_epsilon (p->affinity[1], 0.75, 1e-6);
  g_assert_cmpfloat_with_epsilon (p->affinity[2], 0.25, 1e-6);
  g_assert_cmpfloat_with_epsilon (p->affinity[3], 1.0 / 3, 1e-6);
  g_assert_nonnull (p->estimation);

  g_assert_true (cb_profile_save (p, path, &error));
  g_assert_no_error (error);
  back = cb_profile_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (back->affinity, 6 * sizeof (float), p->affinity, 6 * sizeof (float));
  g_assert_cmpstrv (back->source_names, p->source_names);
  g_assert_cmpuint (cb_class_set_get_n_classes (back->target), ==, 2);
  g_assert_true (json_node_equal (back->estimation, p->estimation));
  j1 = cb_profile_to_json (p);
  j2 = cb_profile_to_json (back);
  g_assert_true (json_node_equal (j1, j2));
}

static void
test_check_model (void)
{
  const char *names[] = { "a", "b", NULL };
  g_autoptr (CbClassSet) set = cb_class_set_new ("t");
  g_autoptr (CbProfile) p = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (cb_class_set_add (set, 0, "x", 0x010101, NULL, NULL));
  p = cb_profile_new (set, 2, names, SHA_A);
  g_assert_cmpfloat (p->affinity[0], ==, 0.5f);
  g_assert_true (cb_profile_check_model (p, SHA_A, &error));
  g_assert_false (cb_profile_check_model (p, SHA_B, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, SHA_A));
  g_assert_nonnull (strstr (error->message, SHA_B));
}

/* four classes: window = building exactly, pavement 0.04 from road, the rest far apart */
static void
test_similar_rows (void)
{
  const char *names[] = { "sky", "building", "road", "pavement", NULL };
  const float rows[5][4] = {
    { 0, 1, 0, 0 },         /* building */
    { 0, 0, 0.98f, 0.02f }, /* road */
    { 0, 0, 0.94f, 0.06f }, /* pavement: 0.04 from road */
    { 0, 1, 0, 0 },         /* window: building's row */
    { 0.5f, 0, 0, 0.5f },   /* sky: 0.94 or more from every row */
  };
  const char *targets[] = { "building", "road", "pavement", "window", "sky" };
  g_autoptr (CbClassSet) set = cb_class_set_new ("t");
  g_autoptr (CbProfile) p = NULL;
  g_autoptr (GArray) pairs = NULL;
  g_autofree char *text = NULL;
  g_autofree char *none = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    g_assert_true (cb_class_set_add (set, i, targets[i], 0x010101 * (i + 1), NULL, NULL));
  p = cb_profile_new (set, 4, names, SHA_A);
  memcpy (p->affinity, rows, sizeof rows);

  pairs = cb_profile_similar_rows (p, CB_PROFILE_SIMILAR_ROWS);
  g_assert_cmpuint (pairs->len, ==, 2);
  g_assert_cmpuint (g_array_index (pairs, CbRowPair, 0).a, ==, 0);
  g_assert_cmpuint (g_array_index (pairs, CbRowPair, 0).b, ==, 3);
  g_assert_cmpfloat (g_array_index (pairs, CbRowPair, 0).distance, ==, 0.0f);
  g_assert_cmpuint (g_array_index (pairs, CbRowPair, 1).a, ==, 1);
  g_assert_cmpuint (g_array_index (pairs, CbRowPair, 1).b, ==, 2);
  g_assert_cmpfloat_with_epsilon (g_array_index (pairs, CbRowPair, 1).distance, 0.04f, 1e-6f);

  text = cb_profile_describe_similar_rows (p, CB_PROFILE_SIMILAR_ROWS);
  g_assert_cmpstr (text, ==, "building and window (0.00), road and pavement (0.04)");
  none = cb_profile_describe_similar_rows (p, 0.03f);
  g_assert_cmpstr (none, ==, "building and window (0.00)");
  g_clear_pointer (&none, g_free);
  /* a distance over 1 takes every pair: ten, three of them named */
  none = cb_profile_describe_similar_rows (p, 2.0f);
  g_assert_true (g_str_has_suffix (none, " and 7 more"));
  g_clear_pointer (&none, g_free);
  memcpy (p->affinity + 3 * 4, (const float[4]){ 0, 0.9f, 0, 0.1f }, sizeof (float[4]));
  none = cb_profile_describe_similar_rows (p, 0.03f);
  g_assert_null (none);
}

static void
test_malformed (void)
{
  expect_error ("[]", CB_ERROR_FORMAT, "JSON object");
  expect_error ("{" SOURCE ",\"affinity\":[]}", CB_ERROR_FORMAT, "classes");
  expect_error ("{" CLASSES ",\"affinity\":[[1,0,0],[1,0,0]]}", CB_ERROR_FORMAT, "sha256");
  expect_error ("{" CLASSES ",\"source_model\":{\"sha256\":\"abc\",\"classes\":[\"a\"]},\"affinity\":[[1],[1]]}",
                CB_ERROR_FORMAT, "sha256");
  expect_error ("{" CLASSES "," SOURCE ",\"affinity\":[[1,0,0]]}", CB_ERROR_FORMAT, "2 rows");
  expect_error ("{" CLASSES "," SOURCE ",\"affinity\":[[1,0,0],[1,0]]}", CB_ERROR_FORMAT, "“door”");
  expect_error ("{" CLASSES "," SOURCE ",\"affinity\":[[1,0,0],[1,-0.5,0]]}", CB_ERROR_FORMAT, "[“door”, “building”]");
  expect_error ("{" CLASSES "," SOURCE ",\"affinity\":[[1,0,0],[1,\"NaN\",0]]}", CB_ERROR_FORMAT, ">= 0");
  expect_error ("{" CLASSES "," SOURCE ",\"affinity\":[[1,0,0],[1,1e300,0]]}", CB_ERROR_FORMAT, "finite");
  expect_error ("{\"format\":\"other\"," CLASSES "," SOURCE ",\"affinity\":[[1,0,0],[1,0,0]]}", CB_ERROR_FORMAT,
                "format");
  expect_error ("{\"version\":2," CLASSES "," SOURCE ",\"affinity\":[[1,0,0],[1,0,0]]}", CB_ERROR_UNSUPPORTED,
                "version");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/profile/round-trip", test_parse_and_round_trip);
  g_test_add_func ("/io/profile/check-model", test_check_model);
  g_test_add_func ("/io/profile/malformed", test_malformed);
  g_test_add_func ("/io/profile/similar-rows", test_similar_rows);
  return g_test_run ();
}
