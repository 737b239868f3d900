/* cb-project.c: the .catbrush project file (a zip: project.json, labels.png, image.png)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-project.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <math.h>
#include <string.h>
#include <zip.h>

#include "model/cb-error.h"
#include "model/cb-fileutil.h"
#include "model/cb-png-private.h"

#define PROJECT_FORMAT "catbrush-project"
#define PROJECT_VERSION 1
#define ENTRY_JSON "project.json"
#define ENTRY_LABELS "labels.png"
#define ENTRY_IMAGE "image.png"
/* sizes refused before allocating */
/* a class set (≤ 1 MiB) and a profile (≤ 4 MiB) inline, with room; json-glib
 * needs about 40 times the text in memory */
#define MAX_JSON_BYTES (8u * 1024u * 1024u)
/* deflate cannot expand more than 1032:1: a larger claim is a zip bomb */
#define MAX_DEFLATE_RATIO 1032u
/* labels.png / image.png: a 16384² label map fits even uncompressed (256 MiB);
 * real ones are a few MiB (docs/RELIABILITY.md, Limits) */
#define MAX_PNG_BYTES (320u * 1024u * 1024u)
#define MAX_FILE_BYTES (G_GUINT64_CONSTANT (1024) * 1024u * 1024u)

CbProject *
cb_project_new (void)
{
  CbProject *project = g_new0 (CbProject, 1);

  project->class_seeds = g_array_new (FALSE, TRUE, sizeof (CbClassSeed));
  return project;
}

void
cb_project_free (CbProject *project)
{
  if (project == NULL)
    return;
  g_free (project->model_path);
  g_free (project->model_sha256);
  g_clear_pointer (&project->class_seeds, g_array_unref);
  g_clear_pointer (&project->classes, cb_class_set_free);
  g_clear_pointer (&project->profile, cb_profile_free);
  g_clear_pointer (&project->labels, cb_label_map_free);
  g_clear_pointer (&project->image, cb_image_free);
  g_free (project);
}

CbProfile *
cb_project_copy_profile (const CbProfile *profile)
{
  guint t = cb_class_set_get_n_classes (profile->target);
  CbProfile *copy = cb_profile_new (profile->target, profile->n_source, (const char *const *)profile->source_names,
                                    profile->model_sha256);

  memcpy (copy->affinity, profile->affinity, sizeof (float) * t * profile->n_source);
  if (profile->estimation != NULL)
    copy->estimation = json_node_copy (profile->estimation);
  return copy;
}

void
cb_affinity_set_weight (CbProfile *profile, guint row, guint column, double value)
{
  guint n = profile->n_source;
  float *a;
  double rest = 0;

  g_return_if_fail (row < cb_class_set_get_n_classes (profile->target) && column < n);

  a = profile->affinity + (gsize)row * n;
  value = CLAMP (isfinite (value) ? value : 0.0, 0.0, 1.0);
  if (n == 1)
    value = 1.0;
  for (guint j = 0; j < n; j++)
    if (j != column)
      rest += a[j];
  for (guint j = 0; j < n; j++)
    if (j != column)
      a[j] = rest > 1e-12 ? (float)(a[j] * (1.0 - value) / rest) : (float)((1.0 - value) / (n - 1));
  a[column] = (float)value;
}

guint
cb_affinity_top_columns (const CbProfile *profile, guint row, guint k, guint *columns)
{
  const float *a = profile->affinity + (gsize)row * profile->n_source;
  guint n = 0;

  k = MIN (k, profile->n_source);
  /* k is small: insertion into a sorted list of k */
  for (guint j = 0; j < profile->n_source; j++)
    {
      guint at = n;

      while (at > 0 && a[columns[at - 1]] < a[j])
        at--;
      if (at >= k)
        continue;
      for (guint m = MIN (n, k - 1); m > at; m--)
        columns[m] = columns[m - 1];
      columns[at] = j;
      n = MIN (n + 1, k);
    }
  return n;
}

/* ------------------------------------------------------------------ remapping */

guint
cb_class_remap_by_name (const CbClassSet *from, const CbClassSet *to, guint8 table[256])
{
  guint missing = 0;

  memset (table, CB_VOID_ID, 256);
  for (guint i = 0; i < cb_class_set_get_n_classes (from); i++)
    {
      const CbClass *c = cb_class_set_get (from, i);
      const CbClass *namesake = to ? cb_class_set_lookup_name (to, c->name) : NULL;

      if (namesake != NULL)
        table[c->id] = (guint8)namesake->id;
      else
        missing++;
    }
  return missing;
}

guint64
cb_label_map_apply_remap (CbLabelMap *map, const guint8 table[256])
{
  guint64 cleared = 0;

  for (gsize i = 0; i < (gsize)map->width * map->height; i++)
    {
      guint8 id = map->ids[i];

      if (id != CB_VOID_ID && table[id] == CB_VOID_ID)
        cleared++;
      map->ids[i] = table[id];
    }
  return cleared;
}

/* ------------------------------------------------------------------ writing */

static JsonNode *
project_to_json (const CbProject *project)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, project->seed);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, PROJECT_FORMAT);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, PROJECT_VERSION);
  json_builder_set_member_name (b, "model");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "path");
  if (project->model_path != NULL)
    json_builder_add_string_value (b, project->model_path);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "sha256");
  if (project->model_sha256 != NULL)
    json_builder_add_string_value (b, project->model_sha256);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "seed");
  json_builder_add_string_value (b, seed);
  json_builder_set_member_name (b, "class_seeds");
  json_builder_begin_array (b);
  for (guint i = 0; project->class_seeds != NULL && i < project->class_seeds->len; i++)
    {
      const CbClassSeed *cs = &g_array_index (project->class_seeds, CbClassSeed, i);
      g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, cs->seed);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, cs->id);
      json_builder_set_member_name (b, "seed");
      json_builder_add_string_value (b, text);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "classes");
  json_builder_add_value (b, cb_class_set_to_json (project->classes));
  json_builder_set_member_name (b, "profile");
  if (project->profile != NULL)
    json_builder_add_value (b, cb_profile_to_json (project->profile));
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
add_entry (zip_t *zip, const char *name, GBytes *bytes, gboolean compress, GError **error)
{
  gsize size;
  const void *data = g_bytes_get_data (bytes, &size);
  zip_source_t *source = zip_source_buffer (zip, data, size, 0);
  zip_int64_t index;

  if (source == NULL || (index = zip_file_add (zip, name, source, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE)) < 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_IO, _ ("entry “%s”: %s"), name, zip_strerror (zip));
      if (source != NULL)
        zip_source_free (source);
      return FALSE;
    }
  if (zip_set_file_compression (zip, (zip_uint64_t)index, compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) != 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_IO, _ ("entry “%s”: %s"), name, zip_strerror (zip));
      return FALSE;
    }
  return TRUE;
}

GBytes *
cb_project_to_bytes (const CbProject *project, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (GBytes) json = NULL, labels = NULL, image = NULL;
  zip_error_t zerr;
  zip_source_t *buffer;
  zip_t *zip;
  zip_stat_t st;
  char *text;
  gsize len;
  guint8 *out;

  g_return_val_if_fail (project != NULL && project->classes != NULL && project->labels != NULL, NULL);

  root = project_to_json (project);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  text = json_generator_to_data (generator, &len);
  json = g_bytes_new_take (text, len);
  labels = cb_label_map_to_png_bytes (project->labels, project->classes, error);
  if (labels == NULL)
    return NULL;
  if (project->image != NULL)
    {
      image = cb_png_write_raw (project->image->width, project->image->height, CB_PNG_RGB, project->image->rgb, NULL, 0,
                                ENTRY_IMAGE, error);
      if (image == NULL)
        return NULL;
    }

  zip_error_init (&zerr);
  buffer = zip_source_buffer_create (NULL, 0, 0, &zerr);
  if (buffer == NULL || (zip = zip_open_from_source (buffer, ZIP_TRUNCATE, &zerr)) == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_IO, _ ("could not make a zip: %s"), zip_error_strerror (&zerr));
      zip_error_fini (&zerr);
      if (buffer != NULL)
        zip_source_free (buffer);
      return NULL;
    }
  zip_error_fini (&zerr);
  zip_source_keep (buffer); /* survives zip_close(): it holds the result */

  /* project.json first, so that `unzip -l` shows what this is */
  if (!add_entry (zip, ENTRY_JSON, json, TRUE, error) || !add_entry (zip, ENTRY_LABELS, labels, FALSE, error)
      || (image != NULL && !add_entry (zip, ENTRY_IMAGE, image, FALSE, error)))
    {
      zip_discard (zip);
      zip_source_free (buffer);
      return NULL;
    }
  if (zip_close (zip) != 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_IO, _ ("could not write the zip: %s"), zip_strerror (zip));
      zip_discard (zip);
      zip_source_free (buffer);
      return NULL;
    }

  zip_stat_init (&st);
  if (zip_source_stat (buffer, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || zip_source_open (buffer) != 0)
    {
      g_set_error_literal (error, CB_ERROR, CB_ERROR_IO, _ ("could not read back the zip written in memory"));
      zip_source_free (buffer);
      return NULL;
    }
  out = g_malloc (MAX (st.size, 1));
  if (zip_source_read (buffer, out, st.size) != (zip_int64_t)st.size)
    {
      g_set_error_literal (error, CB_ERROR, CB_ERROR_IO, _ ("could not read back the zip written in memory"));
      g_free (out);
      zip_source_close (buffer);
      zip_source_free (buffer);
      return NULL;
    }
  zip_source_close (buffer);
  zip_source_free (buffer);
  return g_bytes_new_take (out, st.size);
}

gboolean
cb_project_save (const CbProject *project, const char *path, GError **error)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) local = NULL;

  bytes = cb_project_to_bytes (project, &local);
  if (bytes == NULL)
    {
      g_set_error (error, local->domain, local->code, "%s: %s", path, local->message);
      return FALSE;
    }
  return cb_file_set_contents_atomic (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), error);
}

/* ------------------------------------------------------------------ reading */

/* The entry's bytes; NULL with *error, or NULL without *error when optional and missing. */
static GBytes *
read_entry (zip_t *zip, const char *file, const char *name, guint64 max_bytes, gboolean optional, GError **error)
{
  zip_stat_t st;
  zip_file_t *f;
  zip_int64_t got;
  guint8 *data;

  zip_stat_init (&st);
  if (zip_stat (zip, name, 0, &st) != 0)
    {
      if (!optional)
        g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: entry “%s” is missing: not a Catbrush project"), file,
                     name);
      return NULL;
    }
  if (!(st.valid & ZIP_STAT_SIZE))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: entry “%s” has no size"), file, name);
      return NULL;
    }
  if (st.size > max_bytes)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT,
                   "%s: entry “%s” is too large (%" G_GUINT64_FORMAT " bytes; the limit is %" G_GUINT64_FORMAT " MiB)",
                   file, name, (guint64)st.size, (guint64)max_bytes >> 20);
      return NULL;
    }
  if ((st.valid & ZIP_STAT_COMP_SIZE) && st.size > (zip_uint64_t)MAX_DEFLATE_RATIO * MAX (st.comp_size, 1))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT,
                   "%s: entry “%s” claims %" G_GUINT64_FORMAT " bytes from %" G_GUINT64_FORMAT
                   " compressed, more than deflate can expand",
                   file, name, (guint64)st.size, (guint64)st.comp_size);
      return NULL;
    }
  f = zip_fopen (zip, name, 0);
  if (f == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: entry “%s” cannot be read: %s"), file, name,
                   zip_strerror (zip));
      return NULL;
    }
  data = g_malloc (MAX (st.size, 1));
  got = zip_fread (f, data, st.size);
  if (got < 0 || (zip_uint64_t)got != st.size)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: entry “%s” is damaged: %s"), file, name,
                   got < 0 ? zip_file_strerror (f) : "shorter than its size");
      zip_fclose (f);
      g_free (data);
      return NULL;
    }
  if (zip_fclose (f) != 0)
    {
      /* a CRC error shows here */
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: entry “%s” is damaged (checksum)"), file, name);
      g_free (data);
      return NULL;
    }
  return g_bytes_new_take (data, st.size);
}

static gboolean
parse_seed (JsonNode *node, guint64 *seed)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_ascii_string_to_unsigned (json_node_get_string (node), 10, 0, G_MAXUINT64, seed, NULL);
  if (json_node_get_value_type (node) == G_TYPE_INT64 && json_node_get_int (node) >= 0)
    {
      *seed = (guint64)json_node_get_int (node);
      return TRUE;
    }
  return FALSE;
}

static gboolean
is_sha256 (const char *s)
{
  if (strlen (s) != 64)
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  return TRUE;
}

static const char *
optional_string (JsonObject *object, const char *member, gboolean *ok)
{
  JsonNode *node = json_object_get_member (object, member);

  *ok = TRUE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      *ok = FALSE;
      return NULL;
    }
  return json_node_get_string (node);
}

/* project.json into project (everything but the PNGs) */
static gboolean
parse_json (CbProject *project, GBytes *bytes, const char *where, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local = NULL;
  gsize len;
  const char *text = g_bytes_get_data (bytes, &len);
  JsonObject *root, *model;
  JsonNode *node;
  gboolean ok;
  const char *s;

  if (!json_parser_load_from_data (parser, text ? text : "", (gssize)len, &local))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: not valid JSON: %s"), where, local->message);
      return FALSE;
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: not a JSON object"), where);
      return FALSE;
    }
  root = json_node_get_object (node);
  s = optional_string (root, "format", &ok);
  if (g_strcmp0 (s, PROJECT_FORMAT) != 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: “format” is not “%s”"), where, PROJECT_FORMAT);
      return FALSE;
    }
  node = json_object_get_member (root, "version");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64
      || json_node_get_int (node) < 1)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: “version” is missing or not a positive integer"), where);
      return FALSE;
    }
  if (json_node_get_int (node) > PROJECT_VERSION)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED,
                   "%s: version %" G_GINT64_FORMAT " was written by a newer Catbrush (this one reads version %d)",
                   where, json_node_get_int (node), PROJECT_VERSION);
      return FALSE;
    }

  node = json_object_get_member (root, "model");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: “model” is not an object"), where);
          return FALSE;
        }
      model = json_node_get_object (node);
      s = optional_string (model, "path", &ok);
      if (!ok)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: “model.path” is not a string"), where);
          return FALSE;
        }
      project->model_path = g_strdup (s);
      s = optional_string (model, "sha256", &ok);
      if (!ok || (s != NULL && !is_sha256 (s)))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: “model.sha256” is not 64 hexadecimal digits"), where);
          return FALSE;
        }
      project->model_sha256 = g_ascii_strdown (s ? s : "", -1);
      if (s == NULL)
        g_clear_pointer (&project->model_sha256, g_free);
    }

  node = json_object_get_member (root, "seed");
  if (node != NULL && !parse_seed (node, &project->seed))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: “seed” is not an unsigned 64-bit integer"), where);
      return FALSE;
    }

  node = json_object_get_member (root, "profile");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      g_autofree char *profile_where = g_strdup_printf (_ ("%s, “profile”"), where);

      project->profile = cb_profile_from_json (node, profile_where, error);
      if (project->profile == NULL)
        return FALSE;
    }

  node = json_object_get_member (root, "classes");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      g_autofree char *classes_where = g_strdup_printf (_ ("%s, “classes”"), where);

      project->classes = cb_class_set_from_json (node, classes_where, error);
      if (project->classes == NULL)
        return FALSE;
    }
  else if (project->profile != NULL)
    project->classes = cb_class_set_copy (project->profile->target);
  else
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: “classes” is missing"), where);
      return FALSE;
    }
  if (project->profile != NULL)
    {
      const CbClassSet *target = project->profile->target;
      guint n = cb_class_set_get_n_classes (target);
      gboolean same = n == cb_class_set_get_n_classes (project->classes);

      for (guint i = 0; same && i < n; i++)
        same = cb_class_set_get (target, i)->id == cb_class_set_get (project->classes, i)->id;
      if (!same)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, _ ("%s: “classes” are not the target classes of “profile”"),
                       where);
          return FALSE;
        }
    }

  node = json_object_get_member (root, "class_seeds");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: “class_seeds” is not an array"), where);
          return FALSE;
        }
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          JsonObject *object;
          JsonNode *id;
          CbClassSeed cs = { 0 };

          if (!JSON_NODE_HOLDS_OBJECT (item))
            goto bad_class_seed;
          object = json_node_get_object (item);
          id = json_object_get_member (object, "id");
          if (id == NULL || !JSON_NODE_HOLDS_VALUE (id) || json_node_get_value_type (id) != G_TYPE_INT64
              || json_node_get_int (id) < 0 || json_node_get_int (id) >= CB_VOID_ID
              || cb_class_set_lookup_id (project->classes, (guint)json_node_get_int (id)) == NULL
              || !parse_seed (json_object_get_member (object, "seed"), &cs.seed))
            goto bad_class_seed;
          cs.id = (guint)json_node_get_int (id);
          g_array_append_val (project->class_seeds, cs);
          continue;

        bad_class_seed:
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                       _ ("%s: “class_seeds” item %u is not {\"id\": a class id, \"seed\": a seed}"), where, i);
          return FALSE;
        }
    }
  return TRUE;
}

CbProject *
cb_project_load_from_bytes (GBytes *bytes, const char *display_name, GError **error)
{
  g_autoptr (CbProject) project = cb_project_new ();
  g_autoptr (GBytes) json = NULL, labels = NULL, image = NULL;
  g_autofree char *json_where = g_strdup_printf (_ ("%s: entry “%s”"), display_name, ENTRY_JSON);
  g_autofree char *labels_where = g_strdup_printf (_ ("%s: entry “%s”"), display_name, ENTRY_LABELS);
  g_autofree char *image_where = g_strdup_printf (_ ("%s: entry “%s”"), display_name, ENTRY_IMAGE);
  GError *local = NULL;
  zip_error_t zerr;
  zip_source_t *source;
  zip_t *zip;
  gsize size;
  const void *data = g_bytes_get_data (bytes, &size);

  zip_error_init (&zerr);
  source = zip_source_buffer_create (data, size, 0, &zerr);
  if (source == NULL || (zip = zip_open_from_source (source, ZIP_RDONLY | ZIP_CHECKCONS, &zerr)) == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: not a Catbrush project (a zip file): %s"), display_name,
                   zip_error_strerror (&zerr));
      zip_error_fini (&zerr);
      if (source != NULL)
        zip_source_free (source);
      return NULL;
    }
  zip_error_fini (&zerr);

  json = read_entry (zip, display_name, ENTRY_JSON, MAX_JSON_BYTES, FALSE, &local);
  if (json != NULL)
    labels = read_entry (zip, display_name, ENTRY_LABELS, MAX_PNG_BYTES, FALSE, &local);
  if (labels != NULL)
    image = read_entry (zip, display_name, ENTRY_IMAGE, MAX_PNG_BYTES, TRUE, &local);
  zip_discard (zip); /* frees source */
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }

  if (!parse_json (project, json, json_where, error))
    return NULL;
  project->labels = cb_label_map_load_from_bytes (labels, labels_where, project->classes, error);
  if (project->labels == NULL)
    return NULL;
  if (image != NULL)
    {
      CbPngRaw raw;

      if (!cb_png_read_raw (g_bytes_get_data (image, NULL), g_bytes_get_size (image), image_where, TRUE,
                            CB_LABEL_MAP_MAX_SIDE, &raw, error))
        return NULL;
      project->image = g_new0 (CbImage, 1);
      project->image->width = raw.width;
      project->image->height = raw.height;
      project->image->rgb = raw.pixels;
    }
  return g_steal_pointer (&project);
}

CbProject *
cb_project_load (const char *path, GError **error)
{
  g_autoptr (GMappedFile) mapped = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) local = NULL;

  mapped = g_mapped_file_new (path, FALSE, &local);
  if (mapped == NULL)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s", local->message);
      return NULL;
    }
  if (g_mapped_file_get_length (mapped) > MAX_FILE_BYTES)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, _ ("%s: too large for a project"), path);
      return NULL;
    }
  bytes = g_mapped_file_get_bytes (mapped);
  return cb_project_load_from_bytes (bytes, path, error);
}
