/* test-oasis.c: the OASIS generator's op list and its first layer (the
 * embed table: affinity, void row, don't-care channel, noise streams)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-oasis.h"
#include "model/cb-error.h"
#include "model/cb-noise.h"

#include <glib/gstdio.h>
#include <string.h>

/* A model with only a generator config, enough for the first layer. */
static CbModel *
config_model (guint z_dim, guint semantic_nc, int dontcare)
{
  CbModel *m = g_new0 (CbModel, 1);
  m->gen.n_blocks = 1;
  m->gen.channels[0] = m->gen.channels[1] = 4;
  m->gen.z_dim = z_dim;
  m->gen.semantic_nc = semantic_nc;
  m->gen.dontcare_channel = dontcare;
  m->gen.spade_hidden = 4;
  m->gen.width = 6;
  m->gen.height = 4;
  m->gen.bn_eps = 1e-5f;
  return m;
}

static const float *
row_of (const CbEmbedTable *t, guint r)
{
  return &t->table[(gsize)r * t->n_channels];
}

static void
assert_floats (const float *got, const float *expected, guint n)
{
  g_assert_cmpmem (got, n * sizeof (float), expected, n * sizeof (float));
}

static void
test_embed_identity (void)
{
  /* z 3, 4 label channels, don't-care on channel 2: classes 0, 1, 2 -> channels 0, 1, 3 */
  g_autofree CbModel *m = config_model (3, 4, 2);
  CbSeeds seeds = { .seed = 42 };
  g_autoptr (CbEmbedTable) t = cb_embed_table_new (m, NULL, 3, &seeds);
  g_assert_cmpuint (t->n_rows, ==, 4);
  g_assert_cmpuint (t->n_channels, ==, 7);

  float z[3];
  cb_noise_vector (42, 0, 3, z);
  const float labels[4][4] = { { 1, 0, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 0, 1 }, { 0, 0, 1, 0 } /* void */ };
  for (guint r = 0; r < 4; r++)
    {
      /* every class and void share the global vector by default */
      assert_floats (row_of (t, r), z, 3);
      assert_floats (row_of (t, r) + 3, labels[r], 4);
    }

  /* no seeds at all is seed 0 */
  g_autoptr (CbEmbedTable) t0 = cb_embed_table_new (m, NULL, 3, NULL);
  cb_noise_vector (0, 0, 3, z);
  assert_floats (row_of (t0, 3), z, 3);
}

static void
test_embed_no_dontcare (void)
{
  g_autofree CbModel *m = config_model (2, 3, -1);
  g_autoptr (CbEmbedTable) t = cb_embed_table_new (m, NULL, 3, NULL);
  g_assert_cmpuint (t->n_rows, ==, 4);
  const float labels[4][3] = { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 }, { 0, 0, 0 } /* void: all zero */ };
  for (guint r = 0; r < 4; r++)
    assert_floats (row_of (t, r) + 2, labels[r], 3);

  /* don't-care on channel 0 (OASIS ADE20K): the classes start at channel 1 */
  g_autofree CbModel *m0 = config_model (1, 3, 0);
  g_autoptr (CbEmbedTable) t0 = cb_embed_table_new (m0, NULL, 2, NULL);
  const float labels0[3][3] = { { 0, 1, 0 }, { 0, 0, 1 }, { 1, 0, 0 } };
  for (guint r = 0; r < 3; r++)
    assert_floats (row_of (t0, r) + 1, labels0[r], 3);
}

static void
test_embed_affinity (void)
{
  /* T = 2 target classes over S' = 3 source classes, don't-care on channel 1 */
  g_autofree CbModel *m = config_model (2, 4, 1);
  const float a[2 * 3] = { 0.5f, 0.25f, 0.25f, 0, 0, 1 };
  g_autoptr (CbEmbedTable) t = cb_embed_table_new (m, a, 2, NULL);
  g_assert_cmpuint (t->n_rows, ==, 3);
  const float labels[3][4] = { { 0.5f, 0, 0.25f, 0.25f }, { 0, 0, 0, 1 }, { 0, 1, 0, 0 } };
  for (guint r = 0; r < 3; r++)
    assert_floats (row_of (t, r) + 2, labels[r], 4);
}

static void
test_embed_class_seeds (void)
{
  g_autofree CbModel *m = config_model (5, 3, 2);
  const gboolean has[2] = { FALSE, TRUE };
  const guint64 class_seed[2] = { 1234, 99 };
  CbSeeds seeds = { .seed = 7, .n_class_seeds = 2, .has_class_seed = has, .class_seed = class_seed };
  g_autoptr (CbEmbedTable) t = cb_embed_table_new (m, NULL, 2, &seeds);

  float global[5], own[5];
  cb_noise_vector (7, 0, 5, global);
  cb_noise_vector (99, 2, 5, own); /* class index 1 = id 1: stream 2 */
  assert_floats (row_of (t, 0), global, 5);
  assert_floats (row_of (t, 1), own, 5);
  assert_floats (row_of (t, 2), global, 5); /* void always global */

  /* with explicit ids the stream is id + 1 */
  const guint ids[2] = { 5, 8 };
  seeds.class_ids = ids;
  g_autoptr (CbEmbedTable) t2 = cb_embed_table_new (m, NULL, 2, &seeds);
  cb_noise_vector (99, 9, 5, own);
  assert_floats (row_of (t2, 1), own, 5);
  assert_floats (row_of (t2, 0), global, 5);
}

static void
test_label_rows (void)
{
  /* native 6 x 4; a 3 x 2 map: columns 0 0 1 1 2 2, rows 0 0 1 1 */
  g_autofree CbModel *m = config_model (1, 3, -1);
  g_autoptr (CbClassSet) target = cb_class_set_new ("target");
  g_assert_true (cb_class_set_add (target, 2, "a", 0x100000, NULL, NULL));
  g_assert_true (cb_class_set_add (target, 5, "b", 0x200000, NULL, NULL));
  g_assert_true (cb_class_set_add (target, 9, "c", 0x300000, NULL, NULL));
  g_autoptr (CbLabelMap) map = cb_label_map_new (3, 2);
  const guint8 ids[6] = { 2, 5, 9, 7 /* unknown */, CB_VOID_ID, 5 };
  memcpy (map->ids, ids, 6);

  g_autoptr (CbTensor) rows = cb_oasis_label_rows (m, map, target);
  g_assert_cmpuint (rows->c, ==, 1);
  g_assert_cmpuint (rows->h, ==, 4);
  g_assert_cmpuint (rows->w, ==, 6);
  const float expected[24] = { 0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 3, 3, 3, 3, 1, 1, 3, 3, 3, 3, 1, 1 };
  assert_floats (rows->data, expected, 24);

  /* downscaling (7 x 5 -> 6 x 4) picks PyTorch's source pixels: x 0 1 2 3 4 5, y 0 1 2 3 */
  g_autoptr (CbLabelMap) big = cb_label_map_new (7, 5);
  for (guint y = 0; y < 5; y++)
    for (guint x = 0; x < 7; x++)
      big->ids[y * 7 + x] = (x + y) % 2 ? 9 : 2;
  g_autoptr (CbTensor) r2 = cb_oasis_label_rows (m, big, target);
  /* 7 -> 6: floor(d * 7/6) = 0 1 2 3 4 5; 5 -> 4: floor(d * 1.25) = 0 1 2 3 */
  for (guint y = 0; y < 4; y++)
    for (guint x = 0; x < 6; x++)
      g_assert_cmpfloat (r2->data[y * 6 + x], ==, (x + y) % 2 ? 2.0f : 0.0f);
}

static void
test_first_layer (void)
{
  /* rows -> EMBED -> seg: each pixel holds [z ; label channels] of its row */
  g_autofree CbModel *m = config_model (2, 3, 2);
  CbSeeds seeds = { .seed = 5 };
  g_autoptr (CbEmbedTable) t = cb_embed_table_new (m, NULL, 2, &seeds);
  g_autoptr (CbGraph) g = cb_graph_new ();
  CbOp op;
  cb_op_init (&op, CB_OP_EMBED, "seg");
  op.inputs[0] = cb_graph_add_input (g, "rows", 1, 2, 2);
  op.inputs[1] = cb_graph_add_input (g, "table", 1, t->n_rows, t->n_channels);
  op.n_inputs = 2;
  op.output = cb_graph_add_temp (g, "seg", t->n_channels, 2, 2);
  cb_graph_add_op (g, &op);

  g_autoptr (CbTensor) rows = cb_tensor_new (1, 2, 2);
  const float rv[4] = { 0, 1, 2, 1 };
  memcpy (rows->data, rv, sizeof rv);
  g_autoptr (CbTensor) table = cb_tensor_new (1, t->n_rows, t->n_channels);
  memcpy (table->data, t->table, cb_tensor_n_elements (table) * sizeof (float));
  CbTensor *in[] = { rows, table };
  g_autoptr (GError) error = NULL;
  g_autoptr (CbTensor) seg = cb_graph_run_reference (g, in, 2, &error);
  g_assert_no_error (error);

  float z[2];
  cb_noise_vector (5, 0, 2, z);
  /* channels: z0 z1 | class 0, class 1, don't care */
  const float expected[5][4] = {
    { z[0], z[0], z[0], z[0] }, { z[1], z[1], z[1], z[1] }, { 1, 0, 0, 0 }, { 0, 1, 0, 1 }, { 0, 0, 1, 0 },
  };
  assert_floats (seg->data, &expected[0][0], 20);
}

/* ---- the whole generator, on a model file written here ------------------ */

typedef struct
{
  CbSafetensorsWriter *w;
  GRand *rand;
  const char *skip; /* a tensor left out, to test the error */
} ModelWriter;

static void
put (ModelWriter *mw, const char *name, guint n_dims, guint64 d0, guint64 d1, guint64 d2, guint64 d3)
{
  if (mw->skip != NULL && strcmp (name, mw->skip) == 0)
    return;
  const guint64 shape[4] = { d0, d1, d2, d3 };
  guint64 n = 1;
  for (guint i = 0; i < n_dims; i++)
    n *= shape[i];
  g_autofree float *data = g_new (float, n);
  for (guint64 i = 0; i < n; i++)
    data[i] = (float)g_rand_double_range (mw->rand, 0.1, 0.5); /* positive: fine as a variance too */
  cb_safetensors_writer_add (mw->w, name, CB_DTYPE_F32, n_dims, shape, data);
}

static void
put_conv (ModelWriter *mw, const char *path, guint cout, guint cin, guint k, gboolean bias)
{
  g_autofree char *w = g_strdup_printf ("G.%s.weight", path);
  put (mw, w, 4, cout, cin, k, k);
  if (bias)
    {
      g_autofree char *b = g_strdup_printf ("G.%s.bias", path);
      put (mw, b, 1, cout, 0, 0, 0);
    }
}

static void
put_spade (ModelWriter *mw, const char *path, guint c, guint label_nc, guint hidden)
{
  g_autofree char *shared = g_strdup_printf ("%s.mlp_shared.0", path);
  g_autofree char *gamma = g_strdup_printf ("%s.mlp_gamma", path);
  g_autofree char *beta = g_strdup_printf ("%s.mlp_beta", path);
  g_autofree char *mean = g_strdup_printf ("G.%s.first_norm.running_mean", path);
  g_autofree char *var = g_strdup_printf ("G.%s.first_norm.running_var", path);
  put_conv (mw, shared, hidden, label_nc, 3, TRUE);
  put_conv (mw, gamma, c, hidden, 3, TRUE);
  put_conv (mw, beta, c, hidden, 3, TRUE);
  put (mw, mean, 1, c, 0, 0, 0);
  put (mw, var, 1, c, 0, 0, 0);
}

/* channels 5 5 3, z 2, 3 source classes + don't-care on 3, hidden 6, 8 x 6 */
static char *
write_tiny_model (const char *dir, const char *skip)
{
  const guint ch[3] = { 5, 5, 3 }, z = 2, snc = 4, hidden = 6, label_nc = z + snc;
  ModelWriter mw = { cb_safetensors_writer_new (), g_rand_new_with_seed (11), skip };
  put_conv (&mw, "fc", ch[0], label_nc, 3, TRUE);
  for (guint i = 0; i < 2; i++)
    {
      guint fin = ch[i], fout = ch[i + 1], fmid = MIN (fin, fout);
      g_autofree char *p = g_strdup_printf ("body.%u", i);
      g_autofree char *n0 = g_strconcat (p, ".norm_0", NULL), *n1 = g_strconcat (p, ".norm_1", NULL);
      g_autofree char *ns = g_strconcat (p, ".norm_s", NULL), *c0 = g_strconcat (p, ".conv_0", NULL);
      g_autofree char *c1 = g_strconcat (p, ".conv_1", NULL), *cs = g_strconcat (p, ".conv_s", NULL);
      put_spade (&mw, n0, fin, label_nc, hidden);
      put_spade (&mw, n1, fmid, label_nc, hidden);
      put_conv (&mw, c0, fmid, fin, 3, TRUE);
      put_conv (&mw, c1, fout, fmid, 3, TRUE);
      if (fin != fout)
        {
          put_spade (&mw, ns, fin, label_nc, hidden);
          put_conv (&mw, cs, fout, fin, 1, FALSE);
        }
    }
  put_conv (&mw, "conv_img", 3, ch[2], 3, TRUE);

  const char *config = "{\"format\": \"catbrush-model\", \"version\": 1, \"architecture\": \"oasis\","
                       " \"generator\": {\"channels\": [5, 5, 3], \"z_dim\": 2, \"semantic_nc\": 4,"
                       " \"dontcare_channel\": 3, \"spade_hidden\": 6, \"width\": 8, \"height\": 6, \"bn_eps\": 1e-05},"
                       " \"classes\": {\"name\": \"tiny\", \"void\": 255, \"void_color\": \"#000000\", \"classes\": ["
                       " {\"id\": 0, \"name\": \"sky\", \"color\": \"#808080\"},"
                       " {\"id\": 1, \"name\": \"road\", \"color\": \"#804080\"},"
                       " {\"id\": 2, \"name\": \"car\", \"color\": \"#400080\"}]},"
                       " \"tensors\": {\"generator\": true, \"discriminator\": false,"
                       " \"vision_encoder\": false, \"source_prototypes\": false}}";
  cb_safetensors_writer_set_metadata (mw.w, "catbrush.config", config);
  char *path = g_build_filename (dir, skip ? "broken.safetensors" : "tiny.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (cb_safetensors_writer_write (mw.w, path, &error));
  g_assert_no_error (error);
  cb_safetensors_writer_free (mw.w);
  g_rand_free (mw.rand);
  return path;
}

static void
test_generator_structure (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cb-oasis-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = write_tiny_model (dir, NULL);
  g_autoptr (CbModel) model = cb_model_load (path, &error);
  g_assert_no_error (error);

  g_autoptr (CbGraph) g = cb_oasis_build_generator (model, 4, &error);
  g_assert_no_error (error);
  g_assert_nonnull (g);

  /* the op list of DESIGN §2, named after the OASIS modules */
  const char *const names[] = {
    "seg",
    "seg_4x3",
    "fc",
    "body.0.norm_0.mlp_shared",
    "body.0.norm_0.mlp_gamma",
    "body.0.norm_0.mlp_beta",
    "body.0.norm_0",
    "body.0.conv_0",
    "body.0.norm_1.mlp_shared",
    "body.0.norm_1.mlp_gamma",
    "body.0.norm_1.mlp_beta",
    "body.0.norm_1",
    "body.0.conv_1",
    "body.0",
    "body.0.up",
    "body.1.norm_s.mlp_shared",
    "body.1.norm_s.mlp_gamma",
    "body.1.norm_s.mlp_beta",
    "body.1.norm_s",
    "body.1.conv_s",
    "body.1.norm_0.mlp_shared",
    "body.1.norm_0.mlp_gamma",
    "body.1.norm_0.mlp_beta",
    "body.1.norm_0",
    "body.1.conv_0",
    "body.1.norm_1.mlp_shared",
    "body.1.norm_1.mlp_gamma",
    "body.1.norm_1.mlp_beta",
    "body.1.norm_1",
    "body.1.conv_1",
    "body.1",
    "conv_img",
  };
  g_assert_cmpuint (g->ops->len, ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < g->ops->len; i++)
    g_assert_cmpstr (cb_graph_op (g, i)->name, ==, names[i]);

  /* fused activations where OASIS applies them */
  const CbOp *norm_0 = cb_graph_op (g, 6), *norm_s = cb_graph_op (g, 18), *img = cb_graph_op (g, 31);
  g_assert_cmpint (norm_0->act, ==, CB_ACT_LEAKY_RELU);
  g_assert_cmpfloat (norm_0->slope, ==, 0.2f);
  g_assert_cmpint (norm_s->act, ==, CB_ACT_NONE);
  g_assert_cmpint (cb_graph_op (g, 3)->act, ==, CB_ACT_RELU);
  g_assert_cmpint (img->act_in, ==, CB_ACT_LEAKY_RELU);
  g_assert_cmpint (img->act, ==, CB_ACT_TANH);
  g_assert_cmpuint (cb_graph_op (g, 19)->n_inputs, ==, 2); /* conv_s: no bias */
  g_assert_cmpuint (cb_graph_op (g, 19)->kernel, ==, 1);

  /* MACs counted by hand: label_nc 6, hidden 6; 4 x 3 then 8 x 6 */
  guint64 a = 12, b = 48;
  guint64 spade0 = 6 * 6 * 9 + 2 * 6 * 9 * 5 + 2 * 5; /* per pixel, c = 5 */
  guint64 spade_c3 = 6 * 6 * 9 + 2 * 6 * 9 * 3 + 2 * 3;
  guint64 expected = a * 5 * 6 * 9                                                 /* fc */
                     + a * (2 * spade0 + 5 * 5 * 9 * 2)                            /* body.0 */
                     + b * (2 * spade0 + 3 * 5 * 9 + spade_c3 + 3 * 3 * 9 + 3 * 5) /* body.1 */
                     + b * 3 * 3 * 9;                                              /* conv_img */
  guint64 macs = 0;
  for (guint i = 0; i < g->ops->len; i++)
    macs += cb_op_count_macs (g, cb_graph_op (g, i));
  g_assert_cmpuint (macs, ==, expected);

  /* it runs and stays inside tanh's range */
  g_autoptr (CbEmbedTable) t = cb_embed_table_new (model, NULL, 3, NULL);
  g_autoptr (CbTensor) rows = cb_tensor_new (1, 6, 8);
  for (guint i = 0; i < 48; i++)
    rows->data[i] = (float)(i % 4);
  g_autoptr (CbTensor) table = cb_tensor_new (1, 4, 6);
  memcpy (table->data, t->table, 24 * sizeof (float));
  CbTensor *in[] = { rows, table };
  g_autoptr (CbTensor) out = cb_graph_run_reference (g, in, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (out->c, ==, 3);
  for (guint i = 0; i < 3 * 48; i++)
    g_assert_true (out->data[i] >= -1.0f && out->data[i] <= 1.0f);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_generator_missing_tensor (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cb-oasis-XXXXXX", &error);
  g_autofree char *path = write_tiny_model (dir, "G.body.1.norm_s.mlp_beta.bias");
  g_autoptr (CbModel) model = cb_model_load (path, &error);
  g_assert_no_error (error);
  g_autoptr (CbGraph) g = cb_oasis_build_generator (model, 4, &error);
  g_assert_null (g);
  g_assert_error (error, CB_ERROR, CB_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, "G.body.1.norm_s.mlp_beta.bias"));
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/oasis/embed-identity", test_embed_identity);
  g_test_add_func ("/oasis/embed-no-dontcare", test_embed_no_dontcare);
  g_test_add_func ("/oasis/embed-affinity", test_embed_affinity);
  g_test_add_func ("/oasis/embed-class-seeds", test_embed_class_seeds);
  g_test_add_func ("/oasis/label-rows", test_label_rows);
  g_test_add_func ("/oasis/first-layer", test_first_layer);
  g_test_add_func ("/oasis/generator-structure", test_generator_structure);
  g_test_add_func ("/oasis/generator-missing-tensor", test_generator_missing_tensor);
  return g_test_run ();
}
