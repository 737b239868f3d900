/* test-project.c: the .catbrush project file: round trip, atomic save, bad input (no display)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-project.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <zip.h>

#include "model/cb-error.h"
#include "tests/test-util.h"

static char *tmp_dir;

static CbClassSet *
make_classes (const char *name, const char *const *names, guint n)
{
  CbClassSet *set = cb_class_set_new (name);

  for (guint i = 0; i < n; i++)
    g_assert_true (cb_class_set_add (set, i * 2, names[i], 0x102030 * (i + 1), NULL, NULL));
  return set;
}

static CbProject *
make_project (gboolean with_profile, gboolean with_image)
{
  static const char *const source[] = { "sky", "road", "tree" };
  static const char *const target[] = { "door", "window", "sky", "lawn" };
  CbProject *project = cb_project_new ();
  CbClassSeed cs = { 2, G_MAXUINT64 - 5 };

  project->model_path = g_strdup ("/models/tiny.safetensors");
  project->model_sha256 = g_strdup ("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  project->seed = G_GUINT64_CONSTANT (18446744073709551000);
  if (with_profile)
    {
      g_autoptr (CbClassSet) t = make_classes ("facades", target, 4);

      project->profile = cb_profile_new (t, 3, source, project->model_sha256);
      for (guint i = 0; i < 4; i++)
        for (guint j = 0; j < 3; j++)
          project->profile->affinity[i * 3 + j] = (float)((i + 1) * (j + 2) % 5);
      cb_profile_normalize_rows (project->profile);
      project->classes = cb_class_set_copy (t);
    }
  else
    project->classes = make_classes ("source", source, 3);
  g_array_append_val (project->class_seeds, cs);
  project->labels = cb_label_map_new (37, 23);
  for (guint i = 0; i < 37 * 23; i++)
    project->labels->ids[i] = (i % 7 == 0) ? CB_VOID_ID : (guint8)((i / 5) % 3 * 2);
  if (with_image)
    {
      project->image = cb_image_new (16, 12);
      for (guint i = 0; i < 16 * 12 * 3; i++)
        project->image->rgb[i] = (guint8)(i * 7);
    }
  return project;
}

static void
assert_same (const CbProject *a, const CbProject *b)
{
  g_assert_cmpstr (a->model_path, ==, b->model_path);
  g_assert_cmpstr (a->model_sha256, ==, b->model_sha256);
  g_assert_cmpuint (a->seed, ==, b->seed);
  g_assert_cmpuint (a->class_seeds->len, ==, b->class_seeds->len);
  for (guint i = 0; i < a->class_seeds->len; i++)
    {
      g_assert_cmpuint (g_array_index (a->class_seeds, CbClassSeed, i).id, ==,
                        g_array_index (b->class_seeds, CbClassSeed, i).id);
      g_assert_cmpuint (g_array_index (a->class_seeds, CbClassSeed, i).seed, ==,
                        g_array_index (b->class_seeds, CbClassSeed, i).seed);
    }
  g_assert_cmpuint (cb_class_set_get_n_classes (a->classes), ==, cb_class_set_get_n_classes (b->classes));
  for (guint i = 0; i < cb_class_set_get_n_classes (a->classes); i++)
    {
      g_assert_cmpstr (cb_class_set_get (a->classes, i)->name, ==, cb_class_set_get (b->classes, i)->name);
      g_assert_cmpuint (cb_class_set_get (a->classes, i)->color, ==, cb_class_set_get (b->classes, i)->color);
    }
  g_assert_cmpuint (a->labels->width, ==, b->labels->width);
  g_assert_cmpuint (a->labels->height, ==, b->labels->height);
  g_assert_cmpmem (a->labels->ids, a->labels->width * a->labels->height, b->labels->ids,
                   b->labels->width * b->labels->height);
  g_assert_true ((a->image == NULL) == (b->image == NULL));
  if (a->image != NULL)
    {
      g_assert_cmpuint (a->image->width, ==, b->image->width);
      g_assert_cmpmem (a->image->rgb, a->image->width * a->image->height * 3, b->image->rgb,
                       b->image->width * b->image->height * 3);
    }
  g_assert_true ((a->profile == NULL) == (b->profile == NULL));
  if (a->profile != NULL)
    {
      guint t = cb_class_set_get_n_classes (a->profile->target);

      g_assert_cmpuint (a->profile->n_source, ==, b->profile->n_source);
      g_assert_cmpstr (a->profile->model_sha256, ==, b->profile->model_sha256);
      for (guint i = 0; i < t * a->profile->n_source; i++)
        g_assert_cmpfloat_with_epsilon (a->profile->affinity[i], b->profile->affinity[i], 1e-6);
    }
}

static guint
count_files (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d && g_dir_read_name (d))
    n++;
  return n;
}

static void
test_round_trip (void)
{
  g_autofree char *dir = g_build_filename (tmp_dir, "round-trip", NULL);
  g_autofree char *path = g_build_filename (dir, "painting.catbrush", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (guint k = 0; k < 4; k++)
    {
      g_autoptr (CbProject) project = make_project (k & 1, k & 2);
      g_autoptr (CbProject) back = NULL;

      g_assert_true (cb_project_save (project, path, &error));
      g_assert_no_error (error);
      /* atomic: only the file itself, no temporary left behind */
      g_assert_cmpuint (count_files (dir), ==, 1);
      back = cb_project_load (path, &error);
      g_assert_no_error (error);
      assert_same (project, back);
    }
}

/* A zip made here with the given entries (NULL content = leave out). */
static GBytes *
make_zip (const char *json, GBytes *labels, GBytes *image)
{
  zip_error_t zerr;
  zip_source_t *buffer;
  zip_t *zip;
  zip_stat_t st;
  guint8 *out;

  zip_error_init (&zerr);
  buffer = zip_source_buffer_create (NULL, 0, 0, &zerr);
  zip = zip_open_from_source (buffer, ZIP_TRUNCATE, &zerr);
  g_assert_nonnull (zip);
  zip_source_keep (buffer);
  if (json != NULL)
    g_assert_cmpint (zip_file_add (zip, "project.json", zip_source_buffer (zip, json, strlen (json), 0), 0), >=, 0);
  if (labels != NULL)
    g_assert_cmpint (
      zip_file_add (zip, "labels.png",
                    zip_source_buffer (zip, g_bytes_get_data (labels, NULL), g_bytes_get_size (labels), 0), 0),
      >=, 0);
  if (image != NULL)
    g_assert_cmpint (zip_file_add (zip, "image.png",
                                   zip_source_buffer (zip, g_bytes_get_data (image, NULL), g_bytes_get_size (image), 0),
                                   0),
                     >=, 0);
  g_assert_cmpint (zip_close (zip), ==, 0);
  zip_stat_init (&st);
  g_assert_cmpint (zip_source_stat (buffer, &st), ==, 0);
  g_assert_cmpint (zip_source_open (buffer), ==, 0);
  out = g_malloc (st.size);
  g_assert_cmpint (zip_source_read (buffer, out, st.size), ==, (zip_int64_t)st.size);
  zip_source_close (buffer);
  zip_source_free (buffer);
  zip_error_fini (&zerr);
  return g_bytes_new_take (out, st.size);
}

static void
expect_error (GBytes *bytes, int code, const char *const *needles)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbProject) project = cb_project_load_from_bytes (bytes, "broken.catbrush", &error);

  g_assert_null (project);
  g_assert_error (error, CB_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "broken.catbrush"));
  for (guint i = 0; needles != NULL && needles[i] != NULL; i++)
    if (strstr (error->message, needles[i]) == NULL)
      g_error ("“%s” not in “%s”", needles[i], error->message);
}

static void
test_bad_input (void)
{
  g_autoptr (CbProject) project = make_project (TRUE, TRUE);
  g_autoptr (GBytes) good = cb_project_to_bytes (project, NULL);
  g_autoptr (GBytes) labels = cb_label_map_to_png_bytes (project->labels, project->classes, NULL);
  g_autoptr (GBytes) json = NULL;
  g_autoptr (GBytes) text = g_bytes_new_static ("hello", 5);
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr (CbProject) plain = make_project (FALSE, FALSE);
  g_autoptr (GBytes) plain_bytes = cb_project_to_bytes (plain, NULL);
  gsize size;
  const guint8 *data = g_bytes_get_data (good, &size);

  g_assert_nonnull (good);
  /* the JSON of a good project, to break piece by piece */
  {
    g_autoptr (CbProject) back = cb_project_load_from_bytes (plain_bytes, "x", NULL);
    g_assert_nonnull (back);
  }

  expect_error (text, CB_ERROR_FORMAT, (const char *const[]){ "not a Catbrush project", NULL });
  expect_error (empty, CB_ERROR_FORMAT, NULL);

  /* truncated at every length: an error, never a crash */
  for (gsize cut = 0; cut < size; cut += (cut < 64 || size - cut < 64) ? 1 : 97)
    {
      g_autoptr (GBytes) part = g_bytes_new (data, cut);
      g_autoptr (GError) error = NULL;
      g_autoptr (CbProject) back = cb_project_load_from_bytes (part, "broken.catbrush", &error);

      g_assert_null (back);
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, "broken.catbrush"));
    }

  /* flipped bytes: an error or (where the byte did not matter) a project, never a crash */
  for (gsize at = 0; at < size; at += 13)
    {
      guint8 *copy = g_memdup2 (data, size);
      g_autoptr (GBytes) flipped = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (CbProject) back = NULL;

      copy[at] ^= 0x5a;
      flipped = g_bytes_new_take (copy, size);
      back = cb_project_load_from_bytes (flipped, "broken.catbrush", &error);
      g_assert_true ((back == NULL) == (error != NULL));
    }

  /* missing entries */
  {
    static const char *const json_text = "{\"format\": \"catbrush-project\", \"version\": 1, \"seed\": \"7\", "
                                         "\"classes\": {\"name\": \"s\", \"classes\": [{\"id\": 0, \"name\": \"sky\", "
                                         "\"color\": \"#102030\"}, {\"id\": 2, \"name\": \"road\", \"color\": "
                                         "\"#204060\"}, {\"id\": 4, \"name\": \"tree\", \"color\": \"#306090\"}]}}";
    g_autoptr (GBytes) no_labels = make_zip (json_text, NULL, NULL);
    g_autoptr (GBytes) no_json = make_zip (NULL, labels, NULL);
    g_autoptr (GBytes) ok = make_zip (json_text, labels, NULL);
    g_autoptr (CbProject) back = cb_project_load_from_bytes (ok, "ok.catbrush", NULL);

    g_assert_nonnull (back);
    g_assert_cmpuint (back->seed, ==, 7);
    g_assert_null (back->profile);
    g_assert_null (back->image);
    expect_error (no_labels, CB_ERROR_FORMAT, (const char *const[]){ "labels.png", "missing", NULL });
    expect_error (no_json, CB_ERROR_FORMAT, (const char *const[]){ "project.json", "missing", NULL });
    /* an image entry that is no PNG */
    {
      g_autoptr (GBytes) z = make_zip (json_text, labels, text);
      expect_error (z, CB_ERROR_FORMAT, (const char *const[]){ "image.png", NULL });
    }
    /* a labels entry that is no PNG */
    {
      g_autoptr (GBytes) z = make_zip (json_text, text, NULL);
      expect_error (z, CB_ERROR_FORMAT, (const char *const[]){ "labels.png", NULL });
    }
  }

  /* bad JSON, each naming project.json */
  {
    static const struct
    {
      const char *json;
      int code;
      const char *needle;
    } cases[] = {
      { "{not json", CB_ERROR_FORMAT, "not valid JSON" },
      { "[1, 2]", CB_ERROR_FORMAT, "not a JSON object" },
      { "{\"format\": \"zip\", \"version\": 1}", CB_ERROR_FORMAT, "format" },
      { "{\"format\": \"catbrush-project\"}", CB_ERROR_FORMAT, "version" },
      { "{\"format\": \"catbrush-project\", \"version\": 99}", CB_ERROR_UNSUPPORTED, "newer" },
      { "{\"format\": \"catbrush-project\", \"version\": 1}", CB_ERROR_FORMAT, "classes" },
      { "{\"format\": \"catbrush-project\", \"version\": 1, \"seed\": -3}", CB_ERROR_FORMAT, "seed" },
      { "{\"format\": \"catbrush-project\", \"version\": 1, \"seed\": \"x\"}", CB_ERROR_FORMAT, "seed" },
      { "{\"format\": \"catbrush-project\", \"version\": 1, \"model\": {\"sha256\": \"abc\"}}", CB_ERROR_FORMAT,
        "sha256" },
      { "{\"format\": \"catbrush-project\", \"version\": 1, \"model\": 3}", CB_ERROR_FORMAT, "model" },
      { "{\"format\": \"catbrush-project\", \"version\": 1, \"classes\": {\"name\": \"s\", \"classes\": []}}",
        CB_ERROR_FORMAT, "classes" },
      { "{\"format\": \"catbrush-project\", \"version\": 1, \"profile\": {\"format\": \"x\"}}", CB_ERROR_FORMAT,
        "profile" },
      { "{\"format\": \"catbrush-project\", \"version\": 1, \"classes\": {\"name\": \"s\", \"classes\": [{\"id\": 0, "
        "\"name\": \"sky\", \"color\": \"#102030\"}]}, \"class_seeds\": [{\"id\": 9, \"seed\": \"1\"}]}",
        CB_ERROR_FORMAT, "class_seeds" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr (GBytes) z = make_zip (cases[i].json, labels, NULL);
        g_autoptr (GError) error = NULL;
        g_autoptr (CbProject) back = cb_project_load_from_bytes (z, "broken.catbrush", &error);

        g_assert_null (back);
        g_test_message ("%s", error ? error->message : "(no error)");
        if (error == NULL || error->code != cases[i].code || strstr (error->message, cases[i].needle) == NULL
            || strstr (error->message, "project.json") == NULL)
          g_error ("case %u: %s", i, error ? error->message : "no error");
      }
  }

  /* a label map painted with ids that are not the project's classes */
  {
    g_autoptr (CbLabelMap) odd = cb_label_map_new (4, 4);
    g_autoptr (GBytes) odd_png = NULL;
    g_autoptr (GBytes) z = NULL;
    static const char *const json_text = "{\"format\": \"catbrush-project\", \"version\": 1, \"classes\": {\"name\": "
                                         "\"s\", \"classes\": [{\"id\": 0, \"name\": \"sky\", \"color\": "
                                         "\"#102030\"}]}}";

    odd->ids[3] = 17;
    odd_png = cb_label_map_to_png_bytes (odd, NULL, NULL);
    g_assert_nonnull (odd_png);
    z = make_zip (json_text, odd_png, NULL);
    expect_error (z, CB_ERROR_MISMATCH, (const char *const[]){ "labels.png", NULL });
  }

  /* a missing file: CB_ERROR_IO naming it; a failed save leaves nothing behind */
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *missing = g_build_filename (tmp_dir, "missing.catbrush", NULL);
    g_autofree char *nodir = g_build_filename (tmp_dir, "no-such-dir", "a.catbrush", NULL);

    g_assert_null (cb_project_load (missing, &error));
    g_assert_error (error, CB_ERROR, CB_ERROR_IO);
    g_assert_nonnull (strstr (error->message, "missing.catbrush"));
    g_clear_error (&error);
    g_assert_false (cb_project_save (project, nodir, &error));
    g_assert_nonnull (error);
  }
  (void)json;
}

static void
test_remap (void)
{
  static const char *const a_names[] = { "sky", "road", "tree" };
  static const char *const b_names[] = { "door", "TREE", "sky" };
  g_autoptr (CbClassSet) a = make_classes ("a", a_names, 3); /* ids 0, 2, 4 */
  g_autoptr (CbClassSet) b = make_classes ("b", b_names, 3); /* ids 0, 2, 4 */
  g_autoptr (CbLabelMap) map = cb_label_map_new (4, 1);
  guint8 table[256];

  g_assert_cmpuint (cb_class_remap_by_name (a, b, table), ==, 1); /* road */
  g_assert_cmpuint (table[0], ==, 4);                             /* sky → sky */
  g_assert_cmpuint (table[2], ==, CB_VOID_ID);                    /* road → void */
  g_assert_cmpuint (table[4], ==, 2);                             /* tree → TREE */
  g_assert_cmpuint (table[CB_VOID_ID], ==, CB_VOID_ID);
  map->ids[0] = 0;
  map->ids[1] = 2;
  map->ids[2] = 4;
  g_assert_cmpuint (cb_label_map_apply_remap (map, table), ==, 1);
  g_assert_cmpuint (map->ids[0], ==, 4);
  g_assert_cmpuint (map->ids[1], ==, CB_VOID_ID);
  g_assert_cmpuint (map->ids[2], ==, 2);
  g_assert_cmpuint (map->ids[3], ==, CB_VOID_ID);
}

static void
test_affinity_edit (void)
{
  static const char *const source[] = { "sky", "road", "tree", "car" };
  static const char *const target[] = { "door", "lawn" };
  g_autoptr (CbClassSet) t = make_classes ("t", target, 2);
  g_autoptr (CbProfile) p = cb_profile_new (t, 4, source, NULL);
  guint top[5];

  /* row 0: 0.1 0.6 0.3 0 */
  p->affinity[0] = 0.1f;
  p->affinity[1] = 0.6f;
  p->affinity[2] = 0.3f;
  p->affinity[3] = 0.0f;
  g_assert_cmpuint (cb_affinity_top_columns (p, 0, 5, top), ==, 4);
  g_assert_cmpuint (top[0], ==, 1);
  g_assert_cmpuint (top[1], ==, 2);
  g_assert_cmpuint (top[2], ==, 0);
  g_assert_cmpuint (cb_affinity_top_columns (p, 0, 2, top), ==, 2);
  g_assert_cmpuint (top[0], ==, 1);
  g_assert_cmpuint (top[1], ==, 2);

  /* road to 0.2: the others share 0.8 in their old proportions (0.1 : 0.3 : 0) */
  cb_affinity_set_weight (p, 0, 1, 0.2);
  g_assert_cmpfloat_with_epsilon (p->affinity[1], 0.2, 1e-6);
  g_assert_cmpfloat_with_epsilon (p->affinity[0], 0.2, 1e-6);
  g_assert_cmpfloat_with_epsilon (p->affinity[2], 0.6, 1e-6);
  g_assert_cmpfloat_with_epsilon (p->affinity[3], 0.0, 1e-6);
  /* all on one, then off it: the rest was zero, so it is spread evenly */
  cb_affinity_set_weight (p, 0, 3, 1.0);
  g_assert_cmpfloat_with_epsilon (p->affinity[3], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (p->affinity[0] + p->affinity[1] + p->affinity[2], 0.0, 1e-6);
  cb_affinity_set_weight (p, 0, 3, 0.4);
  for (guint j = 0; j < 3; j++)
    g_assert_cmpfloat_with_epsilon (p->affinity[j], 0.2, 1e-6);
  /* out of range and NaN are clamped */
  cb_affinity_set_weight (p, 0, 0, 7.0);
  g_assert_cmpfloat (p->affinity[0], ==, 1.0f);
  cb_affinity_set_weight (p, 0, 0, NAN);
  g_assert_cmpfloat (p->affinity[0], ==, 0.0f);
  {
    double sum = 0;

    for (guint j = 0; j < 4; j++)
      sum += p->affinity[j];
    g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-6);
  }
  /* the other row is untouched (uniform) */
  g_assert_cmpfloat_with_epsilon (p->affinity[4], 0.25, 1e-6);
}

/* The project's bytes with labels.png claiming claimed bytes uncompressed
 * (in the local header and in the central directory). */
static GBytes *
project_claiming (guint32 claimed_bytes)
{
  g_autoptr (CbProject) project = make_project (FALSE, FALSE);
  g_autoptr (GBytes) good = cb_project_to_bytes (project, NULL);
  gsize size;
  const guint8 *data = g_bytes_get_data (good, &size);
  guint8 *copy = g_memdup2 (data, size);
  guint32 claimed = GUINT32_TO_LE (claimed_bytes);
  guint n_patched = 0;

  for (gsize i = 0; i + 46 + 10 <= size; i++)
    if (memcmp (copy + i, "PK\x03\x04", 4) == 0 && memcmp (copy + i + 30, "labels.png", 10) == 0)
      {
        memcpy (copy + i + 22, &claimed, 4);
        n_patched++;
      }
    else if (memcmp (copy + i, "PK\x01\x02", 4) == 0 && memcmp (copy + i + 46, "labels.png", 10) == 0)
      {
        memcpy (copy + i + 24, &claimed, 4);
        n_patched++;
      }
  g_assert_cmpuint (n_patched, ==, 2);
  return g_bytes_new_take (copy, size);
}

/* an entry whose central directory claims far more than its compressed bytes
 * can expand to is refused before anything is allocated (a zip bomb); one
 * claiming more than the 320 MiB a PNG entry may have is refused by that
 * limit first (docs/RELIABILITY.md, Limits) */
static void
test_zip_bomb (void)
{
  g_autoptr (GBytes) bomb = project_claiming (300u * 1024u * 1024u);
  g_autoptr (GBytes) huge = project_claiming (400u * 1024u * 1024u);

  expect_error (bomb, CB_ERROR_LIMIT, (const char *const[]){ "labels.png", "deflate", NULL });
  expect_error (huge, CB_ERROR_LIMIT, (const char *const[]){ "labels.png", "too large", "320 MiB", NULL });
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/project/round-trip", test_round_trip);
  g_test_add_func ("/app/project/bad-input", test_bad_input);
  g_test_add_func ("/app/project/zip-bomb", test_zip_bomb);
  g_test_add_func ("/app/project/remap", test_remap);
  g_test_add_func ("/app/project/affinity-edit", test_affinity_edit);
  return cb_test_run_in_tmp_dir ("catbrush-project-XXXXXX", &tmp_dir);
}
