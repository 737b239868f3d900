/* test-class-set.c: class sets (classes.json)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-class-set.h"
#include "model/cb-class-set-match.h"
#include "model/cb-error.h"

#include "io-test-util.h"

#include <string.h>

static CbClassSet *
parse (const char *json, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;

  if (!json_parser_load_from_data (parser, json, -1, &local))
    g_error ("test JSON: %s", local->message);
  return cb_class_set_from_json (json_parser_get_root (parser), "test.json", error);
}

static void
expect_error (const char *json, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbClassSet) set = parse (json, &error);

  g_assert_null (set);
  g_assert_error (error, CB_ERROR, code);
  g_assert_true (g_str_has_prefix (error->message, "test.json: "));
  if (fragment && strstr (error->message, fragment) == NULL)
    g_error ("“%s” not in “%s”", fragment, error->message);
  g_test_message ("%s", error->message);
}

static void
test_datasets (void)
{
  const char *names[] = { "camvid", "labelmefacade" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *dir = io_dataset (names[i]);
      g_autofree char *path = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (CbClassSet) set = NULL;

      if (dir == NULL)
        return;
      path = g_build_filename (dir, "classes.json", NULL);
      set = cb_class_set_load (path, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (cb_class_set_get_n_classes (set), ==, i == 0 ? 11 : 9);
      g_assert_nonnull (set->licence);
      if (i == 0)
        {
          g_assert_cmpuint (set->void_color, ==, 0x000000);
          g_assert_cmpuint (cb_class_set_lookup_name (set, "Sign Symbol")->id, ==, 6);
          g_assert_cmphex (cb_class_set_lookup_id (set, 4)->color, ==, 0x3c28de);
        }
      else
        g_assert_cmphex (set->void_color, ==, 0xffffff);
    }
}

static void
test_round_trip (void)
{
  const char *dir = io_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "c.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbClassSet) set = cb_class_set_new ("Test “set”");
  g_autoptr (CbClassSet) back = NULL;
  g_autoptr (CbClassSet) copy = NULL;
  const char *syn[] = { "flora", "plant", NULL };

  set->void_color = 0x123456;
  set->licence = g_strdup ("CC0");
  g_assert_true (cb_class_set_add (set, 7, "vegetation", 0x00ff00, syn, &error));
  g_assert_true (cb_class_set_add (set, 2, "sky", 0x8080ff, NULL, &error));
  g_assert_true (cb_class_set_add (set, 254, "last", 0xabcdef, NULL, &error));
  g_assert_no_error (error);
  /* sorted by id */
  g_assert_cmpuint (cb_class_set_get (set, 0)->id, ==, 2);
  g_assert_cmpint (cb_class_set_index_of_id (set, 7), ==, 1);
  g_assert_cmpint (cb_class_set_index_of_id (set, 8), ==, -1);

  g_assert_false (cb_class_set_add (set, 7, "other", 0x010101, NULL, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (cb_class_set_add (set, 8, "SKY", 0x010101, NULL, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (cb_class_set_add (set, 8, "other", 0x00ff00, NULL, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (cb_class_set_add (set, 8, "other", 0x123456, NULL, &error)); /* the void colour */
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (cb_class_set_add (set, 255, "void", 0x010101, NULL, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (cb_class_set_save (set, path, &error));
  g_assert_no_error (error);
  back = cb_class_set_load (path, &error);
  g_assert_no_error (error);
  copy = cb_class_set_copy (back);
  g_assert_cmpstr (copy->name, ==, "Test “set”");
  g_assert_cmphex (copy->void_color, ==, 0x123456);
  g_assert_cmpstr (copy->licence, ==, "CC0");
  g_assert_null (copy->source);
  g_assert_cmpuint (cb_class_set_get_n_classes (copy), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      const CbClass *a = cb_class_set_get (set, i), *b = cb_class_set_get (copy, i);
      g_assert_cmpuint (a->id, ==, b->id);
      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_cmphex (a->color, ==, b->color);
    }
  g_assert_cmpstrv (cb_class_set_lookup_id (copy, 7)->synonyms, syn);
  g_assert_null (cb_class_set_lookup_id (copy, 2)->synonyms);
}

static void
test_colors (void)
{
  guint32 c = 0;
  g_autofree char *s = NULL;

  g_assert_true (cb_color_parse ("#A0b1C2", &c));
  g_assert_cmphex (c, ==, 0xa0b1c2);
  g_assert_false (cb_color_parse ("A0b1C2", &c));
  g_assert_false (cb_color_parse ("#a0b1c", &c));
  g_assert_false (cb_color_parse ("#a0b1c23", &c));
  g_assert_false (cb_color_parse ("#a0b1cg", &c));
  g_assert_false (cb_color_parse (NULL, &c));
  s = cb_color_to_string (0x0a0b0c);
  g_assert_cmpstr (s, ==, "#0a0b0c");
}

static void
test_malformed (void)
{
  g_autoptr (GString) many = g_string_new ("{\"name\":\"x\",\"classes\":[");

  expect_error ("[]", CB_ERROR_FORMAT, "JSON object");
  expect_error ("{\"name\":\"x\"}", CB_ERROR_FORMAT, "classes");
  expect_error ("{\"name\":\"x\",\"classes\":[]}", CB_ERROR_FORMAT, "empty");
  expect_error ("{\"name\":\"x\",\"classes\":[{\"id\":0,\"name\":\"a\",\"color\":\"#010101\"},"
                "{\"id\":0,\"name\":\"b\",\"color\":\"#020202\"}]}",
                CB_ERROR_FORMAT, "same id 0");
  expect_error ("{\"name\":\"x\",\"classes\":[{\"id\":0,\"name\":\"a\",\"color\":\"#010101\"},"
                "{\"id\":1,\"name\":\"A\",\"color\":\"#020202\"}]}",
                CB_ERROR_FORMAT, "named");
  expect_error ("{\"name\":\"x\",\"classes\":[{\"id\":0,\"name\":\"a\",\"color\":\"#010101\"},"
                "{\"id\":1,\"name\":\"b\",\"color\":\"#010101\"}]}",
                CB_ERROR_FORMAT, "same colour #010101");
  expect_error ("{\"name\":\"x\",\"classes\":[{\"id\":0,\"name\":\"a\",\"color\":\"#000000\"}]}", CB_ERROR_FORMAT,
                "void colour");
  expect_error ("{\"name\":\"x\",\"void_color\":\"#ffffff\",\"classes\":[{\"id\":0,\"name\":\"a\",\"color\":"
                "\"#FFFFFF\"}]}",
                CB_ERROR_FORMAT, "void colour");
  expect_error ("{\"name\":\"x\",\"classes\":[{\"id\":255,\"name\":\"a\",\"color\":\"#010101\"}]}", CB_ERROR_FORMAT,
                "out of range");
  expect_error ("{\"name\":\"x\",\"classes\":[{\"id\":-1,\"name\":\"a\",\"color\":\"#010101\"}]}", CB_ERROR_FORMAT,
                "out of range");
  expect_error ("{\"name\":\"x\",\"classes\":[{\"id\":\"1\",\"name\":\"a\",\"color\":\"#010101\"}]}", CB_ERROR_FORMAT,
                "id");
  expect_error ("{\"name\":\"x\",\"classes\":[{\"id\":1,\"name\":\"\",\"color\":\"#010101\"}]}", CB_ERROR_FORMAT,
                "name");
  expect_error ("{\"name\":\"x\",\"classes\":[{\"id\":1,\"color\":\"#010101\"}]}", CB_ERROR_FORMAT, "name");
  expect_error ("{\"name\":\"x\",\"classes\":[{\"id\":1,\"name\":\"a\",\"color\":\"red\"}]}", CB_ERROR_FORMAT, "color");
  expect_error ("{\"name\":\"x\",\"classes\":[{\"id\":1,\"name\":\"a\",\"color\":\"#010101\",\"synonyms\":[1]}]}",
                CB_ERROR_FORMAT, "synonyms");
  expect_error ("{\"name\":\"x\",\"void\":0,\"classes\":[{\"id\":1,\"name\":\"a\",\"color\":\"#010101\"}]}",
                CB_ERROR_UNSUPPORTED, "void");
  expect_error ("{\"name\":\"x\",\"void_color\":\"#12\",\"classes\":[{\"id\":1,\"name\":\"a\",\"color\":"
                "\"#010101\"}]}",
                CB_ERROR_FORMAT, "void_color");

  for (int i = 0; i < 256; i++)
    g_string_append_printf (many, "%s{\"id\":%d,\"name\":\"c%d\",\"color\":\"#%06x\"}", i ? "," : "", i, i, i + 1);
  g_string_append (many, "]}");
  expect_error (many->str, CB_ERROR_LIMIT, "256 classes");
}

static void
test_load_errors (void)
{
  const char *dir = io_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "bad.json", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_null (cb_class_set_load ("/nonexistent/classes.json", &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_IO);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "{\"name\": ", -1, NULL));
  g_assert_null (cb_class_set_load (path, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_FORMAT);
  g_assert_true (g_str_has_prefix (error->message, path));
}

/* A map painted with a bundled class set's colours names that set; a map with
 * a colour no set has names none; between two sets that both fit, the tighter. */
static void
test_match_image (void)
{
  const char *src = g_getenv ("CB_SOURCE_DIR");
  g_autofree char *classes = g_build_filename (src != NULL ? src : ".", "resources", "classes", NULL);
  const char *dirs[] = { "/nonexistent/catbrush-classes", classes, NULL };
  g_autofree char *lmf_path = g_build_filename (classes, "labelmefacade.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbClassSet) lmf = cb_class_set_load (lmf_path, &error);
  g_autoptr (CbImage) image = cb_image_new (9, 4);
  g_autofree char *path = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < 9 * 4; i++)
    {
      guint32 c = i % 10 == 9 ? lmf->void_color : cb_class_set_get (lmf, i % cb_class_set_get_n_classes (lmf))->color;
      image->rgb[i * 3] = c >> 16 & 0xff;
      image->rgb[i * 3 + 1] = c >> 8 & 0xff;
      image->rgb[i * 3 + 2] = c & 0xff;
    }
  {
    g_autoptr (CbClassSet) match = cb_class_set_match_image (image, dirs, &path);
    g_assert_nonnull (match);
    g_assert_cmpstr (match->name, ==, "LabelMeFacade");
    g_assert_true (g_str_has_suffix (path, "labelmefacade.json"));
  }
  /* one pixel of a colour no known set has */
  image->rgb[0] = 0x12, image->rgb[1] = 0x34, image->rgb[2] = 0x56;
  g_clear_pointer (&path, g_free);
  g_assert_null (cb_class_set_match_image (image, dirs, &path));
  g_assert_null (path);
  /* only black: CamVid (void) and LabelMeFacade (various) both fit; ADE20K-sized sets lose */
  memset (image->rgb, 0, 9 * 4 * 3);
  {
    g_autoptr (CbClassSet) match = cb_class_set_match_image (image, dirs, NULL);
    g_assert_nonnull (match);
    g_assert_cmpuint (cb_class_set_get_n_classes (match), <=, 11);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/class-set/datasets", test_datasets);
  g_test_add_func ("/io/class-set/round-trip", test_round_trip);
  g_test_add_func ("/io/class-set/colors", test_colors);
  g_test_add_func ("/io/class-set/malformed", test_malformed);
  g_test_add_func ("/io/class-set/load-errors", test_load_errors);
  g_test_add_func ("/io/class-set/match-image", test_match_image);
  return g_test_run ();
}
