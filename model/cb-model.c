/* cb-model.c: a model file: catbrush.config + weights (docs/FORMATS.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-config.h"

#include "cb-model.h"
#include "cb-datadir.h"
#include "cb-error.h"
#include "cb-fileutil.h"
#include "cb-label-map.h"

#include <math.h>
#include <string.h>

#define MAX_WIDTH 65536 /* channels, z_dim, hidden: far above any real model */

void
cb_model_free (CbModel *model)
{
  if (model == NULL)
    return;
  g_free (model->path);
  g_free (model->sha256);
  cb_class_set_free (model->classes);
  g_clear_pointer (&model->config, json_node_unref);
  cb_safetensors_free (model->weights);
  g_free (model);
}

/* An integer member in [min, max]; absent gives def, or an error when def < min. */
static gboolean
get_int (JsonObject *obj, const char *member, gint64 def, gint64 min, gint64 max, gint64 *out, const char *where,
         GError **error)
{
  JsonNode *n = json_object_get_member (obj, member);
  if (n == NULL)
    {
      if (def < min)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: catbrush.config: “%s” is missing", where, member);
          return FALSE;
        }
      *out = def;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64 || json_node_get_int (n) < min
      || json_node_get_int (n) > max)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                   "%s: catbrush.config: “%s” must be an integer in %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT, where,
                   member, min, max);
      return FALSE;
    }
  *out = json_node_get_int (n);
  return TRUE;
}

static gboolean
get_bool (JsonObject *obj, const char *member, gboolean def, gboolean *out, const char *where, GError **error)
{
  JsonNode *n = obj ? json_object_get_member (obj, member) : NULL;
  if (n == NULL)
    {
      *out = def;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: catbrush.config: “tensors.%s” is not a boolean", where,
                   member);
      return FALSE;
    }
  *out = json_node_get_boolean (n);
  return TRUE;
}

static JsonObject *
get_object (JsonObject *obj, const char *member)
{
  JsonNode *n = json_object_get_member (obj, member);
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static gboolean
has_prefix (const CbSafetensors *st, const char *prefix)
{
  for (guint i = 0; i < cb_safetensors_get_n_tensors (st); i++)
    if (g_str_has_prefix (cb_safetensors_get_entry (st, i)->name, prefix))
      return TRUE;
  return FALSE;
}

static gboolean
parse_generator (CbModel *m, JsonObject *g, const char *where, GError **error)
{
  CbGeneratorConfig *c = &m->gen;
  JsonNode *n = json_object_get_member (g, "channels");
  JsonArray *ch;
  gint64 v;
  guint len, grid;

  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: catbrush.config: “generator.channels” is not an array",
                   where);
      return FALSE;
    }
  ch = json_node_get_array (n);
  len = json_array_get_length (ch);
  if (len < 2 || len > CB_MODEL_MAX_BLOCKS + 1)
    {
      g_set_error (error, CB_ERROR, len < 2 ? CB_ERROR_FORMAT : CB_ERROR_UNSUPPORTED,
                   "%s: catbrush.config: “generator.channels” has %u entries (2..%d: n blocks + 1)", where, len,
                   CB_MODEL_MAX_BLOCKS + 1);
      return FALSE;
    }
  c->n_blocks = len - 1;
  for (guint i = 0; i < len; i++)
    {
      JsonNode *e = json_array_get_element (ch, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64 || json_node_get_int (e) < 1
          || json_node_get_int (e) > MAX_WIDTH)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                       "%s: catbrush.config: “generator.channels[%u]” must be an integer in 1..%d", where, i,
                       MAX_WIDTH);
          return FALSE;
        }
      c->channels[i] = (guint)json_node_get_int (e);
    }

  if (!get_int (g, "z_dim", -1, 0, MAX_WIDTH, &v, where, error))
    return FALSE;
  c->z_dim = (guint)v;
  if (!get_int (g, "semantic_nc", -1, 1, CB_MAX_CLASSES + 1, &v, where, error))
    return FALSE;
  c->semantic_nc = (guint)v;
  if (!get_int (g, "dontcare_channel", -1, -1, (gint64)c->semantic_nc - 1, &v, where, error))
    return FALSE;
  c->dontcare_channel = (int)v;
  if (!get_int (g, "spade_hidden", 128, 1, MAX_WIDTH, &v, where, error))
    return FALSE;
  c->spade_hidden = (guint)v;
  if (!get_int (g, "width", -1, 1, CB_LABEL_MAP_MAX_SIDE, &v, where, error))
    return FALSE;
  c->width = (guint)v;
  if (!get_int (g, "height", -1, 1, CB_LABEL_MAP_MAX_SIDE, &v, where, error))
    return FALSE;
  c->height = (guint)v;

  c->bn_eps = 1e-5f;
  n = json_object_get_member (g, "bn_eps");
  if (n != NULL)
    {
      GType t = JSON_NODE_HOLDS_VALUE (n) ? json_node_get_value_type (n) : G_TYPE_INVALID;
      double eps = t == G_TYPE_DOUBLE || t == G_TYPE_INT64 ? json_node_get_double (n) : -1;
      if (!(eps > 0 && eps < 1))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: catbrush.config: “generator.bn_eps” must be in (0, 1)",
                       where);
          return FALSE;
        }
      c->bn_eps = (float)eps;
    }

  grid = 1u << (c->n_blocks - 1);
  if (c->width % grid != 0 || c->height % grid != 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                   "%s: catbrush.config: %u × %u is not divisible by 2^%u (the start grid of %u blocks)", where,
                   c->width, c->height, c->n_blocks - 1, c->n_blocks);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_config (CbModel *m, const char *text, GError **error)
{
  const char *where = m->path;
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local = NULL;
  JsonObject *root, *g, *tensors;
  JsonNode *n;
  gint64 version;
  guint expected;

  if (!json_parser_load_from_data (parser, text, -1, &local))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: catbrush.config is not valid JSON: %s", where,
                   local->message);
      return FALSE;
    }
  n = json_parser_get_root (parser);
  if (n == NULL || !JSON_NODE_HOLDS_OBJECT (n))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: catbrush.config is not a JSON object", where);
      return FALSE;
    }
  m->config = json_node_ref (n);
  root = json_node_get_object (n);

  n = json_object_get_member (root, "format");
  if (n == NULL || json_node_get_value_type (n) != G_TYPE_STRING
      || strcmp (json_node_get_string (n), "catbrush-model") != 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: catbrush.config: “format” is not “catbrush-model”", where);
      return FALSE;
    }
  if (!get_int (root, "version", -1, 1, G_MAXINT, &version, where, error))
    return FALSE;
  if (version > 1)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED,
                   "%s: catbrush.config version %" G_GINT64_FORMAT " is newer than this Catbrush (1)", where, version);
      return FALSE;
    }
  n = json_object_get_member (root, "architecture");
  if (n == NULL || json_node_get_value_type (n) != G_TYPE_STRING || strcmp (json_node_get_string (n), "oasis") != 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "%s: catbrush.config: architecture “%s” is not supported",
                   where, n && json_node_get_value_type (n) == G_TYPE_STRING ? json_node_get_string (n) : "?");
      return FALSE;
    }

  g = get_object (root, "generator");
  if (g == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: catbrush.config: “generator” is missing", where);
      return FALSE;
    }
  if (!parse_generator (m, g, where, error))
    return FALSE;

  n = json_object_get_member (root, "classes");
  {
    g_autofree char *cwhere = g_strdup_printf ("%s: catbrush.config “classes”", where);
    m->classes = cb_class_set_from_json (n, cwhere, error);
    if (m->classes == NULL)
      return FALSE;
  }
  expected = m->gen.semantic_nc - (m->gen.dontcare_channel >= 0 ? 1 : 0);
  if (cb_class_set_get_n_classes (m->classes) != expected)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH,
                   "%s: catbrush.config: %u source classes, but semantic_nc %u and dontcare_channel %d mean %u", where,
                   cb_class_set_get_n_classes (m->classes), m->gen.semantic_nc, m->gen.dontcare_channel, expected);
      return FALSE;
    }

  tensors = get_object (root, "tensors");
  {
    gboolean has_g;
    if (!get_bool (tensors, "generator", TRUE, &has_g, where, error)
        || !get_bool (tensors, "discriminator", FALSE, &m->has_discriminator, where, error)
        || !get_bool (tensors, "vision_encoder", FALSE, &m->has_vision_encoder, where, error)
        || !get_bool (tensors, "source_prototypes", FALSE, &m->has_source_prototypes, where, error)
        || !get_bool (tensors, "source_segmenter", FALSE, &m->has_source_segmenter, where, error))
      return FALSE;
    /* The flags must describe the file, or a prior would fail late. */
    if ((has_g && !has_prefix (m->weights, "G.")) || (m->has_discriminator && !has_prefix (m->weights, "D."))
        || (m->has_vision_encoder && !has_prefix (m->weights, "V."))
        || (m->has_source_segmenter && !has_prefix (m->weights, "S."))
        || (m->has_source_prototypes && !cb_safetensors_lookup (m->weights, "P.source_prototypes")))
      {
        g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH,
                     "%s: catbrush.config “tensors” lists networks whose tensors are not in the file", where);
        return FALSE;
      }
    if (!has_g)
      {
        g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "%s: the model has no generator", where);
        return FALSE;
      }
  }
  return TRUE;
}

/* Takes weights; reads catbrush.config. */
static CbModel *
model_from_weights (const char *path, CbSafetensors *weights, GError **error)
{
  g_autoptr (CbModel) m = g_new0 (CbModel, 1);
  const char *text;

  m->path = g_strdup (path);
  m->weights = weights;
  text = cb_safetensors_get_metadata (m->weights, "catbrush.config");
  if (text == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                   "%s: no “catbrush.config” in the safetensors metadata (not a Catbrush model; convert OASIS "
                   "checkpoints with training/)",
                   path);
      return NULL;
    }
  if (!parse_config (m, text, error))
    return NULL;
  return g_steal_pointer (&m);
}

CbModel *
cb_model_load (const char *path, GError **error)
{
  g_autoptr (CbModel) m = NULL;
  CbSafetensors *weights;

  g_return_val_if_fail (path != NULL, NULL);

  weights = cb_safetensors_open (path, error);
  if (weights == NULL)
    return NULL;
  m = model_from_weights (path, weights, error);
  if (m == NULL)
    return NULL;
  /* the identity a profile is tied to (DESIGN §3) */
  m->sha256 = cb_file_sha256 (path, error);
  if (m->sha256 == NULL)
    return NULL;
  return g_steal_pointer (&m);
}

CbModel *
cb_model_load_from_bytes (GBytes *bytes, const char *display_name, GError **error)
{
  g_autoptr (CbModel) m = NULL;
  CbSafetensors *weights;

  g_return_val_if_fail (bytes != NULL, NULL);

  if (display_name == NULL)
    display_name = "(memory)";
  weights = cb_safetensors_new_from_bytes (bytes, display_name, error);
  if (weights == NULL)
    return NULL;
  m = model_from_weights (display_name, weights, error);
  if (m == NULL)
    return NULL;
  m->sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  return g_steal_pointer (&m);
}

guint
cb_model_source_channel (const CbModel *model, guint s)
{
  int dc = model->gen.dontcare_channel;
  return dc >= 0 && s >= (guint)dc ? s + 1 : s;
}

gboolean
cb_model_has_tensor (const CbModel *model, const char *name)
{
  return cb_safetensors_lookup (model->weights, name) != NULL;
}

static char *
shape_string (guint n_dims, const guint64 *shape)
{
  GString *s = g_string_new ("[");
  for (guint i = 0; i < n_dims; i++)
    g_string_append_printf (s, "%s%" G_GUINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

float *
cb_model_get_weight (const CbModel *model, const char *name, guint n_dims, const guint64 *shape, GError **error)
{
  const CbSafetensorsEntry *e = cb_safetensors_lookup (model->weights, name);
  gboolean same;

  if (e == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "%s: tensor “%s” is missing", model->path, name);
      return NULL;
    }
  same = e->n_dims == n_dims;
  for (guint i = 0; same && i < n_dims; i++)
    same = e->shape[i] == shape[i];
  if (!same)
    {
      g_autofree char *have = shape_string (e->n_dims, e->shape);
      g_autofree char *want = shape_string (n_dims, shape);
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "%s: tensor “%s” has shape %s, the config implies %s",
                   model->path, name, have, want);
      return NULL;
    }
  return cb_safetensors_entry_to_f32 (e);
}

gboolean
cb_model_conv_shape (const CbModel *model, const char *name, guint k, const char *what, guint *cout, guint *cin,
                     GError **error)
{
  const CbSafetensorsEntry *e = cb_safetensors_lookup (model->weights, name);
  if (e == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: the %s tensor “%s” is missing", model->path, what, name);
      return FALSE;
    }
  if (e->n_dims != 4 || e->shape[2] != k || e->shape[3] != k || e->shape[0] == 0 || e->shape[1] == 0
      || e->shape[0] > G_MAXUINT16 || e->shape[1] > G_MAXUINT16)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: “%s” is not a %ux%u convolution weight", model->path, name, k,
                   k);
      return FALSE;
    }
  *cout = (guint)e->shape[0];
  *cin = (guint)e->shape[1];
  return TRUE;
}

guint64
cb_model_count_parameters (const CbModel *model, const char *prefix)
{
  guint64 n = 0;
  for (guint i = 0; i < cb_safetensors_get_n_tensors (model->weights); i++)
    {
      const CbSafetensorsEntry *e = cb_safetensors_get_entry (model->weights, i);
      if (prefix == NULL || g_str_has_prefix (e->name, prefix))
        n += e->n_elements;
    }
  return n;
}

char *
cb_model_find_default (void)
{
  const char *env = g_getenv ("CATBRUSH_MODEL");

  /* An explicit choice wins even when missing, so that loading it names it. */
  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  return cb_datadir_find ("models/default.safetensors");
}
