/* cb-profile.c: a target profile: target class set + affinity matrix for one source model (DESIGN §3)
 *
 * The file (docs/FORMATS.md, "Target profile"):
 *   { "format": "catbrush-profile", "version": 1,
 *     "classes": { class set },
 *     "source_model": { "sha256": "<hex>", "classes": ["sky", ...] },
 *     "affinity": [[...S' numbers...], ... T rows, in class-set order],
 *     "estimation": { ... kept verbatim ... } }
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-profile.h"
#include "cb-error.h"
#include "cb-fileutil.h"

#include <math.h>
#include <string.h>

#define MAX_FILE_BYTES (4u * 1024u * 1024u) /* 255 x 255 affinities are ~1.5 MB; JSON costs ~40x in memory */

CbProfile *
cb_profile_new (const CbClassSet *target, guint n_source, const char *const *source_names, const char *model_sha256)
{
  CbProfile *p;
  guint t;

  g_return_val_if_fail (target != NULL && n_source > 0, NULL);

  p = g_new0 (CbProfile, 1);
  p->target = cb_class_set_copy (target);
  p->n_source = n_source;
  p->source_names = g_new0 (char *, n_source + 1);
  for (guint s = 0; s < n_source; s++)
    p->source_names[s] = g_strdup (source_names && source_names[s] ? source_names[s] : "");
  p->model_sha256 = g_strdup (model_sha256 ? model_sha256 : "");
  t = cb_class_set_get_n_classes (target);
  p->affinity = g_new0 (float, MAX ((gsize)t * n_source, 1));
  /* uniform rows until estimated */
  cb_profile_normalize_rows (p);
  return p;
}

void
cb_profile_free (CbProfile *profile)
{
  if (profile == NULL)
    return;
  cb_class_set_free (profile->target);
  g_strfreev (profile->source_names);
  g_free (profile->model_sha256);
  g_free (profile->affinity);
  g_clear_pointer (&profile->estimation, json_node_unref);
  g_free (profile);
}

void
cb_profile_normalize_rows (CbProfile *profile)
{
  guint t = cb_class_set_get_n_classes (profile->target);
  guint s = profile->n_source;

  for (guint i = 0; i < t; i++)
    {
      float *row = profile->affinity + (gsize)i * s;
      double sum = 0;
      for (guint j = 0; j < s; j++)
        sum += row[j];
      for (guint j = 0; j < s; j++)
        row[j] = sum > 0 ? (float)(row[j] / sum) : 1.0f / (float)s;
    }
}

static int
compare_pairs (gconstpointer x, gconstpointer y)
{
  const CbRowPair *p = x, *q = y;

  if (p->distance != q->distance)
    return p->distance < q->distance ? -1 : 1;
  if (p->a != q->a)
    return p->a < q->a ? -1 : 1;
  return p->b < q->b ? -1 : p->b > q->b;
}

GArray *
cb_profile_similar_rows (const CbProfile *profile, float max_distance)
{
  GArray *pairs = g_array_new (FALSE, FALSE, sizeof (CbRowPair));
  guint t = cb_class_set_get_n_classes (profile->target);
  guint s = profile->n_source;

  for (guint a = 0; a < t; a++)
    for (guint b = a + 1; b < t; b++)
      {
        const float *ra = profile->affinity + (gsize)a * s;
        const float *rb = profile->affinity + (gsize)b * s;
        double l1 = 0;
        CbRowPair pair = { a, b, 0 };

        for (guint j = 0; j < s; j++)
          l1 += fabs ((double)ra[j] - (double)rb[j]);
        pair.distance = (float)(0.5 * l1);
        if (pair.distance <= max_distance)
          g_array_append_val (pairs, pair);
      }
  g_array_sort (pairs, compare_pairs);
  return pairs;
}

char *
cb_profile_describe_similar_rows (const CbProfile *profile, float max_distance)
{
  g_autoptr (GArray) pairs = cb_profile_similar_rows (profile, max_distance);
  GString *text;

  if (pairs->len == 0)
    return NULL;
  text = g_string_new (NULL);
  for (guint i = 0; i < MIN (pairs->len, 3); i++)
    {
      const CbRowPair *p = &g_array_index (pairs, CbRowPair, i);

      g_string_append_printf (text, "%s%s and %s (%.2f)", i > 0 ? ", " : "",
                              cb_class_set_get (profile->target, p->a)->name,
                              cb_class_set_get (profile->target, p->b)->name, p->distance);
    }
  if (pairs->len > 3)
    g_string_append_printf (text, " and %u more", pairs->len - 3);
  return g_string_free (text, FALSE);
}

static gboolean
is_sha256 (const char *s)
{
  if (s == NULL || strlen (s) != 64)
    return FALSE;
  for (int i = 0; i < 64; i++)
    if (!g_ascii_isxdigit (s[i]))
      return FALSE;
  return TRUE;
}

CbProfile *
cb_profile_from_json (JsonNode *node, const char *where, GError **error)
{
  g_autoptr (CbProfile) p = NULL;
  g_autoptr (CbClassSet) target = NULL;
  g_autofree char *cwhere = NULL;
  JsonObject *root, *src;
  JsonNode *n;
  JsonArray *names, *rows;
  guint t, s;
  g_autoptr (GPtrArray) name_list = g_ptr_array_new ();

  if (where == NULL)
    where = "profile";
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: a profile must be a JSON object", where);
      return NULL;
    }
  root = json_node_get_object (node);
  n = json_object_get_member (root, "format");
  if (n != NULL
      && (json_node_get_value_type (n) != G_TYPE_STRING || strcmp (json_node_get_string (n), "catbrush-profile") != 0))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: “format” is not “catbrush-profile”", where);
      return NULL;
    }
  n = json_object_get_member (root, "version");
  if (n != NULL && (json_node_get_value_type (n) != G_TYPE_INT64 || json_node_get_int (n) != 1))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "%s: profile version is not 1", where);
      return NULL;
    }

  cwhere = g_strdup_printf ("%s: “classes”", where);
  target = cb_class_set_from_json (json_object_get_member (root, "classes"), cwhere, error);
  if (target == NULL)
    return NULL;
  t = cb_class_set_get_n_classes (target);

  n = json_object_get_member (root, "source_model");
  src = n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
  n = src ? json_object_get_member (src, "sha256") : NULL;
  if (n == NULL || json_node_get_value_type (n) != G_TYPE_STRING || !is_sha256 (json_node_get_string (n)))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: “source_model.sha256” is missing or not a SHA-256 in hex",
                   where);
      return NULL;
    }
  n = json_object_get_member (src, "classes");
  names = n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
  if (names == NULL || json_array_get_length (names) == 0 || json_array_get_length (names) > CB_MAX_CLASSES)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: “source_model.classes” must be an array of 1..%d class names",
                   where, CB_MAX_CLASSES);
      return NULL;
    }
  s = json_array_get_length (names);
  for (guint j = 0; j < s; j++)
    {
      JsonNode *e = json_array_get_element (names, j);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: “source_model.classes[%u]” is not a string", where, j);
          return NULL;
        }
      g_ptr_array_add (name_list, (gpointer)json_node_get_string (e));
    }
  g_ptr_array_add (name_list, NULL);

  p = cb_profile_new (target, s, (const char *const *)name_list->pdata,
                      json_node_get_string (json_object_get_member (src, "sha256")));
  /* hashes compare case-insensitively; keep lower case */
  {
    char *lower = g_ascii_strdown (p->model_sha256, -1);
    g_free (p->model_sha256);
    p->model_sha256 = lower;
  }

  n = json_object_get_member (root, "affinity");
  rows = n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
  if (rows == NULL || json_array_get_length (rows) != t)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: “affinity” must be an array of %u rows (one per class)",
                   where, t);
      return NULL;
    }
  for (guint i = 0; i < t; i++)
    {
      JsonNode *rn = json_array_get_element (rows, i);
      JsonArray *row = JSON_NODE_HOLDS_ARRAY (rn) ? json_node_get_array (rn) : NULL;
      const char *tname = cb_class_set_get (target, i)->name;

      if (row == NULL || json_array_get_length (row) != s)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                       "%s: “affinity” row %u (“%s”) must be an array of %u numbers (one per source class)", where, i,
                       tname, s);
          return NULL;
        }
      for (guint j = 0; j < s; j++)
        {
          JsonNode *e = json_array_get_element (row, j);
          GType type = JSON_NODE_HOLDS_VALUE (e) ? json_node_get_value_type (e) : G_TYPE_INVALID;
          double v = type == G_TYPE_DOUBLE || type == G_TYPE_INT64 ? json_node_get_double (e) : NAN;
          /* also catches NaN: the comparison is false */
          if (!(v >= 0 && v < G_MAXFLOAT))
            {
              g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: “affinity” [“%s”, “%s”] must be a finite number >= 0",
                           where, tname, p->source_names[j]);
              return NULL;
            }
          p->affinity[(gsize)i * s + j] = (float)v;
        }
    }
  cb_profile_normalize_rows (p);

  n = json_object_get_member (root, "estimation");
  if (n != NULL && !JSON_NODE_HOLDS_NULL (n))
    p->estimation = json_node_copy (n);
  return g_steal_pointer (&p);
}

CbProfile *
cb_profile_load (const char *path, GError **error)
{
  g_autoptr (JsonParser) parser = cb_json_parser_load_file (path, "profile", MAX_FILE_BYTES, error);

  if (parser == NULL)
    return NULL;
  return cb_profile_from_json (json_parser_get_root (parser), path, error);
}

JsonNode *
cb_profile_to_json (const CbProfile *profile)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  guint t = cb_class_set_get_n_classes (profile->target);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, "catbrush-profile");
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "classes");
  json_builder_add_value (b, cb_class_set_to_json (profile->target));
  json_builder_set_member_name (b, "source_model");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "sha256");
  json_builder_add_string_value (b, profile->model_sha256);
  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (guint j = 0; j < profile->n_source; j++)
    json_builder_add_string_value (b, profile->source_names[j]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "affinity");
  json_builder_begin_array (b);
  for (guint i = 0; i < t; i++)
    {
      json_builder_begin_array (b);
      for (guint j = 0; j < profile->n_source; j++)
        json_builder_add_double_value (b, profile->affinity[(gsize)i * profile->n_source + j]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  if (profile->estimation != NULL)
    {
      json_builder_set_member_name (b, "estimation");
      json_builder_add_value (b, json_node_copy (profile->estimation));
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
cb_profile_save (const CbProfile *profile, const char *path, GError **error)
{
  g_autoptr (JsonNode) root = cb_profile_to_json (profile);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;
  gsize len;

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  text = json_generator_to_data (gen, &len);
  text = g_realloc (text, len + 2);
  text[len++] = '\n';
  text[len] = '\0';
  return cb_file_set_contents_atomic (path, text, len, error);
}

gboolean
cb_profile_check_model (const CbProfile *profile, const char *model_sha256, GError **error)
{
  if (model_sha256 != NULL && g_ascii_strcasecmp (profile->model_sha256, model_sha256) == 0)
    return TRUE;
  g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH,
               "the profile “%s” was made for the model with SHA-256 %s, but this model's SHA-256 is %s; "
               "re-estimate the affinity for this model",
               profile->target->name, profile->model_sha256, model_sha256 ? model_sha256 : "(unknown)");
  return FALSE;
}
