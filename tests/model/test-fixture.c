/* test-fixture.c: the whole generator against PyTorch (DESIGN §7)
 *
 * training/make_fixtures.py writes a tiny random OASIS model, a label map,
 * the seeds and PyTorch's output (raw float32, 3 x H x W, after tanh); the
 * CPU reference must reproduce it within 1e-4 relative error.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-oasis.h"
#include "model/cb-error.h"
#include "tests/test-util.h"

#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

/* tiny-fixtures.json: {"seed": N, "class_seeds": {"<class name or id>": N},
 * "class_seed_streams": {"<class>": id + 1}, "expected_shape": [3, H, W], ...} */
static JsonObject *
load_seeds_json (JsonParser *parser)
{
  const char *const candidates[] = { "tiny-fixtures.json" };
  for (gsize i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *path = cb_test_fixture (candidates[i]);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      g_autoptr (GError) error = NULL;
      g_assert_true (json_parser_load_from_file (parser, path, &error));
      g_assert_no_error (error);
      JsonNode *root = json_parser_get_root (parser);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
      return json_node_get_object (root);
    }
  return NULL;
}

static void
test_fixture (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *model_path = cb_test_fixture ("tiny-model.safetensors");
  g_autofree char *labels_path = cb_test_fixture ("tiny-labels.png");
  g_autofree char *expected_path = cb_test_fixture ("tiny-expected.f32");

  g_autoptr (CbModel) model = cb_model_load (model_path, &error);
  g_assert_no_error (error);
  guint n_source = cb_class_set_get_n_classes (model->classes);

  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *meta = load_seeds_json (parser);
  g_assert_nonnull (meta);
  CbSeeds seeds = { .seed = (guint64)json_object_get_int_member (meta, "seed") };
  g_autofree gboolean *has = g_new0 (gboolean, n_source);
  g_autofree guint64 *class_seed = g_new0 (guint64, n_source);
  g_autofree guint *ids = g_new0 (guint, n_source);
  for (guint s = 0; s < n_source; s++)
    ids[s] = cb_class_set_get (model->classes, s)->id;
  if (json_object_has_member (meta, "class_seeds"))
    {
      JsonObject *cs = json_object_get_object_member (meta, "class_seeds");
      g_autoptr (GList) keys = json_object_get_members (cs);
      for (GList *l = keys; l != NULL; l = l->next)
        {
          const char *key = l->data;
          const CbClass *c = cb_class_set_lookup_name (model->classes, key);
          if (c == NULL)
            c = cb_class_set_lookup_id (model->classes, (guint)strtoul (key, NULL, 10));
          g_assert_nonnull (c);
          int s = cb_class_set_index_of_id (model->classes, c->id);
          has[s] = TRUE;
          class_seed[s] = (guint64)json_object_get_int_member (cs, key);
          /* the stream Python used must be the one docs/FORMATS.md gives: id + 1 */
          if (json_object_has_member (meta, "class_seed_streams"))
            g_assert_cmpint (
              json_object_get_int_member (json_object_get_object_member (meta, "class_seed_streams"), key), ==,
              (gint64)c->id + 1);
        }
    }
  seeds.n_class_seeds = n_source;
  seeds.has_class_seed = has;
  seeds.class_seed = class_seed;
  seeds.class_ids = ids;

  g_autoptr (CbLabelMap) map = cb_label_map_load (labels_path, model->classes, &error);
  g_assert_no_error (error);

  g_autoptr (CbGraph) graph = cb_oasis_build_generator (model, n_source + 1, &error);
  g_assert_no_error (error);
  g_autoptr (CbEmbedTable) table = cb_embed_table_new (model, NULL, n_source, &seeds);
  g_autoptr (CbTensor) rows = cb_oasis_label_rows (model, map, NULL);
  g_autoptr (CbTensor) table_t = cb_tensor_new (1, table->n_rows, table->n_channels);
  memcpy (table_t->data, table->table, cb_tensor_n_elements (table_t) * sizeof (float));
  CbTensor *inputs[] = { rows, table_t };
  g_autoptr (CbTensor) out = cb_graph_run_reference (graph, inputs, 2, &error);
  g_assert_no_error (error);

  g_autofree char *raw = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (expected_path, &raw, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, cb_tensor_n_elements (out) * sizeof (float));
  if (json_object_has_member (meta, "expected_shape"))
    {
      JsonArray *shape = json_object_get_array_member (meta, "expected_shape");
      g_assert_cmpuint (json_array_get_length (shape), ==, 3);
      g_assert_cmpint (json_array_get_int_element (shape, 0), ==, out->c);
      g_assert_cmpint (json_array_get_int_element (shape, 1), ==, out->h);
      g_assert_cmpint (json_array_get_int_element (shape, 2), ==, out->w);
    }
  g_autoptr (CbTensor) expected = cb_tensor_new (out->c, out->h, out->w);
  /* raw little-endian float32 */
  for (gsize i = 0; i < cb_tensor_n_elements (expected); i++)
    {
      guint32 bits;
      memcpy (&bits, raw + 4 * i, 4);
      bits = GUINT32_FROM_LE (bits);
      memcpy (&expected->data[i], &bits, 4);
    }

  double err = cb_tensor_rel_error (out, expected);
  g_test_message ("relative error against PyTorch: %g", err);
  g_assert_cmpfloat (err, <=, 1e-4);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fixture/tiny-generator", test_fixture);
  return g_test_run ();
}
