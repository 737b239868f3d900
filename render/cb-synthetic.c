/* cb-synthetic.c: models with random weights
 *
 * The weights are written as an ordinary model file and loaded back, so the
 * graph is built by the real cb_oasis_build_generator(): a benchmark of a
 * synthetic model times exactly what a real file of that shape would run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-synthetic.h"

#include "model/cb-error.h"
#include "model/cb-safetensors.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

void
cb_synthetic_ade20k_config (CbGeneratorConfig *gen)
{
  static const guint channels[] = { 1024, 1024, 1024, 512, 256, 128, 64 };

  memset (gen, 0, sizeof *gen);
  gen->n_blocks = G_N_ELEMENTS (channels) - 1;
  memcpy (gen->channels, channels, sizeof channels);
  gen->z_dim = 64;
  gen->semantic_nc = 151;
  gen->dontcare_channel = 0;
  gen->spade_hidden = 128;
  gen->width = 256;
  gen->height = 256;
  gen->bn_eps = 1e-5f;
}

gboolean
cb_synthetic_config (const char *name, CbGeneratorConfig *gen)
{
  static const guint camvid[] = { 256, 256, 192, 96, 48, 24 };

  if (g_ascii_strcasecmp (name, "ade20k") == 0)
    {
      cb_synthetic_ade20k_config (gen);
      return TRUE;
    }
  if (g_ascii_strcasecmp (name, "camvid128") == 0)
    {
      memset (gen, 0, sizeof *gen);
      gen->n_blocks = G_N_ELEMENTS (camvid) - 1;
      memcpy (gen->channels, camvid, sizeof camvid);
      gen->z_dim = 64;
      gen->semantic_nc = 12;
      gen->dontcare_channel = 11;
      gen->spade_hidden = 64;
      gen->width = 128;
      gen->height = 96;
      gen->bn_eps = 1e-5f;
      return TRUE;
    }
  return FALSE;
}

typedef struct
{
  CbSafetensorsWriter *writer;
  guint64 state; /* SplitMix64 */
} Weights;

static double
next_uniform (Weights *w)
{
  guint64 z = (w->state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  z ^= z >> 31;
  return ((z >> 11) + 0.5) / 9007199254740992.0;
}

/* uniform in [lo, hi), stored as F16 (half the temporary file) */
static void
add_tensor (Weights *w, const char *name, guint n_dims, const guint64 *shape, double lo, double hi)
{
  guint64 n = 1;

  for (guint i = 0; i < n_dims; i++)
    n *= shape[i];
  g_autofree float *data = g_new (float, n);
  for (guint64 i = 0; i < n; i++)
    data[i] = (float)(lo + (hi - lo) * next_uniform (w));
  g_autofree char *full = g_strconcat ("G.", name, NULL);
  cb_safetensors_writer_add (w->writer, full, CB_DTYPE_F16, n_dims, shape, data);
}

/* weights ~ U(±sqrt(3 / fan_in)) keep activations in range through the net */
static void
add_conv (Weights *w, const char *path, guint cin, guint cout, guint k, gboolean bias)
{
  g_autofree char *wname = g_strconcat (path, ".weight", NULL);
  g_autofree char *bname = g_strconcat (path, ".bias", NULL);
  const guint64 wshape[4] = { cout, cin, k, k }, bshape[1] = { cout };
  double a = sqrt (3.0 / ((double)cin * k * k));

  add_tensor (w, wname, 4, wshape, -a, a);
  if (bias)
    add_tensor (w, bname, 1, bshape, -0.1, 0.1);
}

static void
add_spade (Weights *w, const CbGeneratorConfig *gen, const char *path, guint c)
{
  g_autofree char *shared = g_strconcat (path, ".mlp_shared.0", NULL);
  g_autofree char *gamma = g_strconcat (path, ".mlp_gamma", NULL);
  g_autofree char *beta = g_strconcat (path, ".mlp_beta", NULL);
  g_autofree char *mean = g_strconcat (path, ".first_norm.running_mean", NULL);
  g_autofree char *var = g_strconcat (path, ".first_norm.running_var", NULL);
  const guint64 cshape[1] = { c };

  add_conv (w, shared, gen->z_dim + gen->semantic_nc, gen->spade_hidden, 3, TRUE);
  add_conv (w, gamma, gen->spade_hidden, c, 3, TRUE);
  add_conv (w, beta, gen->spade_hidden, c, 3, TRUE);
  add_tensor (w, mean, 1, cshape, -0.2, 0.2);
  add_tensor (w, var, 1, cshape, 0.5, 1.5);
}

static char *
config_json (const CbGeneratorConfig *gen)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  guint n_classes = gen->semantic_nc - (gen->dontcare_channel >= 0 ? 1 : 0);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, "catbrush-model");
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "architecture");
  json_builder_add_string_value (b, "oasis");
  json_builder_set_member_name (b, "generator");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "channels");
  json_builder_begin_array (b);
  for (guint i = 0; i <= gen->n_blocks; i++)
    json_builder_add_int_value (b, gen->channels[i]);
  json_builder_end_array (b);
#define CB_INT(name, value)                                                                                            \
  json_builder_set_member_name (b, name);                                                                              \
  json_builder_add_int_value (b, value);
  CB_INT ("z_dim", gen->z_dim)
  CB_INT ("semantic_nc", gen->semantic_nc)
  CB_INT ("dontcare_channel", gen->dontcare_channel)
  CB_INT ("spade_hidden", gen->spade_hidden)
  CB_INT ("width", gen->width)
  CB_INT ("height", gen->height)
#undef CB_INT
  json_builder_set_member_name (b, "bn_eps");
  json_builder_add_double_value (b, gen->bn_eps);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "classes");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, "synthetic");
  json_builder_set_member_name (b, "void");
  json_builder_add_int_value (b, 255);
  json_builder_set_member_name (b, "void_color");
  json_builder_add_string_value (b, "#000000");
  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (guint i = 0; i < n_classes; i++)
    {
      g_autofree char *name = g_strdup_printf ("class%u", i);
      /* distinct, never black */
      g_autofree char *color = g_strdup_printf ("#%02x%02x%02x", 1 + i % 200, (i * 37) % 256, (i * 91) % 256);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, i);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, name);
      json_builder_set_member_name (b, "color");
      json_builder_add_string_value (b, color);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "tensors");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "generator");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "model_card");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "data");
  json_builder_add_string_value (b, "none (random weights, catbrush-cli bench --synthetic)");
  json_builder_end_object (b);
  json_builder_end_object (b);

  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

/* keep_path: write there and keep the file; NULL: a temporary file */
static CbModel *
synthetic_model_new (const CbGeneratorConfig *gen, guint64 seed, const char *keep_path, GError **error)
{
  Weights w = { cb_safetensors_writer_new (), seed };
  guint n = gen->n_blocks;
  g_autofree char *path = NULL;
  g_autofree char *config = NULL;
  CbModel *model = NULL;
  int fd;

  g_return_val_if_fail (n >= 1 && n <= CB_MODEL_MAX_BLOCKS, NULL);

  add_conv (&w, "fc", gen->z_dim + gen->semantic_nc, gen->channels[0], 3, TRUE);
  for (guint i = 0; i < n; i++)
    {
      guint fin = gen->channels[i], fout = gen->channels[i + 1], fmid = MIN (fin, fout);
      g_autofree char *norm_0 = g_strdup_printf ("body.%u.norm_0", i);
      g_autofree char *norm_1 = g_strdup_printf ("body.%u.norm_1", i);
      g_autofree char *norm_s = g_strdup_printf ("body.%u.norm_s", i);
      g_autofree char *conv_0 = g_strdup_printf ("body.%u.conv_0", i);
      g_autofree char *conv_1 = g_strdup_printf ("body.%u.conv_1", i);
      g_autofree char *conv_s = g_strdup_printf ("body.%u.conv_s", i);
      add_spade (&w, gen, norm_0, fin);
      add_conv (&w, conv_0, fin, fmid, 3, TRUE);
      add_spade (&w, gen, norm_1, fmid);
      add_conv (&w, conv_1, fmid, fout, 3, TRUE);
      if (fin != fout)
        {
          add_spade (&w, gen, norm_s, fin);
          add_conv (&w, conv_s, fin, fout, 1, FALSE);
        }
    }
  add_conv (&w, "conv_img", gen->channels[n], 3, 3, TRUE);

  config = config_json (gen);
  cb_safetensors_writer_set_metadata (w.writer, "catbrush.config", config);
  if (keep_path != NULL)
    {
      if (cb_safetensors_writer_write (w.writer, keep_path, error))
        model = cb_model_load (keep_path, error);
      cb_safetensors_writer_free (w.writer);
      return model;
    }
  fd = g_file_open_tmp ("catbrush-synthetic-XXXXXX.safetensors", &path, error);
  if (fd >= 0)
    {
      g_close (fd, NULL);
      if (cb_safetensors_writer_write (w.writer, path, error))
        model = cb_model_load (path, error);
      /* the model keeps its mapping; the name can go */
      g_unlink (path);
    }
  cb_safetensors_writer_free (w.writer);
  return model;
}

CbModel *
cb_synthetic_model_new (const CbGeneratorConfig *gen, guint64 seed, GError **error)
{
  return synthetic_model_new (gen, seed, NULL, error);
}

CbModel *
cb_synthetic_model_new_file (const CbGeneratorConfig *gen, guint64 seed, const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  return synthetic_model_new (gen, seed, path, error);
}
