/* cb-class-set.c: a set of semantic classes (DESIGN §3, the datasets' classes.json)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-class-set.h"
#include "cb-error.h"
#include "cb-fileutil.h"

#include <string.h>

/* A classes.json of this size is not a class set. */
#define MAX_FILE_BYTES (1024u * 1024u) /* ADE20K's is 15 KB; JSON costs ~40x its size in memory */

static void
cb_class_free (gpointer p)
{
  CbClass *c = p;
  g_free (c->name);
  g_strfreev (c->synonyms);
  g_free (c);
}

CbClassSet *
cb_class_set_new (const char *name)
{
  CbClassSet *set = g_new0 (CbClassSet, 1);
  set->name = g_strdup (name ? name : "");
  set->void_color = 0x000000;
  set->classes = g_ptr_array_new_with_free_func (cb_class_free);
  return set;
}

void
cb_class_set_free (CbClassSet *set)
{
  if (set == NULL)
    return;
  g_free (set->name);
  g_ptr_array_unref (set->classes);
  g_free (set->source);
  g_free (set->licence);
  g_free (set);
}

gboolean
cb_color_parse (const char *text, guint32 *color)
{
  guint32 v = 0;

  if (text == NULL || text[0] != '#' || strlen (text) != 7)
    return FALSE;
  for (int i = 1; i < 7; i++)
    {
      int d = g_ascii_xdigit_value (text[i]);
      if (d < 0)
        return FALSE;
      v = (v << 4) | (guint32)d;
    }
  *color = v;
  return TRUE;
}

char *
cb_color_to_string (guint32 color)
{
  return g_strdup_printf ("#%06x", color & 0xffffff);
}

/* Checks one class against the set; code is the error code to use. */
static gboolean
check_new_class (const CbClassSet *set, guint id, const char *name, guint32 color, int code, GError **error)
{
  if (id >= CB_MAX_CLASSES)
    {
      g_set_error (error, CB_ERROR, code, "class “%s”: id %u is out of range (0..%d; %d is void)", name ? name : "", id,
                   CB_MAX_CLASSES - 1, CB_VOID_ID);
      return FALSE;
    }
  if (name == NULL || name[0] == '\0' || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, CB_ERROR, code, "class %u: the name is empty or not UTF-8", id);
      return FALSE;
    }
  if (set->classes->len >= CB_MAX_CLASSES)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, "class “%s”: more than %d classes", name, CB_MAX_CLASSES);
      return FALSE;
    }
  if (color == set->void_color)
    {
      g_autofree char *c = cb_color_to_string (color);
      g_set_error (error, CB_ERROR, code, "class “%s”: colour %s is the void colour", name, c);
      return FALSE;
    }
  for (guint i = 0; i < set->classes->len; i++)
    {
      const CbClass *o = set->classes->pdata[i];
      if (o->id == id)
        {
          g_set_error (error, CB_ERROR, code, "classes “%s” and “%s” have the same id %u", o->name, name, id);
          return FALSE;
        }
      if (g_ascii_strcasecmp (o->name, name) == 0)
        {
          g_set_error (error, CB_ERROR, code, "two classes are named “%s” (ids %u and %u)", name, o->id, id);
          return FALSE;
        }
      if (o->color == color)
        {
          g_autofree char *c = cb_color_to_string (color);
          g_set_error (error, CB_ERROR, code, "classes “%s” and “%s” have the same colour %s", o->name, name, c);
          return FALSE;
        }
    }
  return TRUE;
}

static void
insert_sorted (CbClassSet *set, guint id, const char *name, guint32 color, const char *const *synonyms)
{
  CbClass *c = g_new0 (CbClass, 1);
  guint pos = 0;

  c->id = id;
  c->name = g_strdup (name);
  c->color = color & 0xffffff;
  c->synonyms = synonyms && synonyms[0] ? g_strdupv ((char **)synonyms) : NULL;
  while (pos < set->classes->len && ((CbClass *)set->classes->pdata[pos])->id < id)
    pos++;
  g_ptr_array_insert (set->classes, (int)pos, c);
}

gboolean
cb_class_set_add (CbClassSet *set, guint id, const char *name, guint32 color, const char *const *synonyms,
                  GError **error)
{
  g_return_val_if_fail (set != NULL, FALSE);

  if (!check_new_class (set, id, name, color & 0xffffff, CB_ERROR_INVALID, error))
    return FALSE;
  insert_sorted (set, id, name, color, synonyms);
  return TRUE;
}

guint
cb_class_set_get_n_classes (const CbClassSet *set)
{
  return set->classes->len;
}

const CbClass *
cb_class_set_get (const CbClassSet *set, guint index)
{
  g_return_val_if_fail (index < set->classes->len, NULL);
  return set->classes->pdata[index];
}

const CbClass *
cb_class_set_lookup_id (const CbClassSet *set, guint id)
{
  int i = cb_class_set_index_of_id (set, id);
  return i < 0 ? NULL : set->classes->pdata[i];
}

const CbClass *
cb_class_set_lookup_name (const CbClassSet *set, const char *name)
{
  for (guint i = 0; i < set->classes->len; i++)
    {
      const CbClass *c = set->classes->pdata[i];
      if (g_ascii_strcasecmp (c->name, name) == 0)
        return c;
    }
  return NULL;
}

int
cb_class_set_index_of_id (const CbClassSet *set, guint id)
{
  for (guint i = 0; i < set->classes->len; i++)
    if (((const CbClass *)set->classes->pdata[i])->id == id)
      return (int)i;
  return -1;
}

CbClassSet *
cb_class_set_copy (const CbClassSet *set)
{
  CbClassSet *copy = cb_class_set_new (set->name);

  copy->void_color = set->void_color;
  copy->source = g_strdup (set->source);
  copy->licence = g_strdup (set->licence);
  for (guint i = 0; i < set->classes->len; i++)
    {
      const CbClass *c = set->classes->pdata[i];
      insert_sorted (copy, c->id, c->name, c->color, (const char *const *)c->synonyms);
    }
  return copy;
}

static const char *
get_string_member (JsonObject *obj, const char *member, gboolean *ok)
{
  JsonNode *n = json_object_get_member (obj, member);
  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    {
      *ok = FALSE;
      return NULL;
    }
  return json_node_get_string (n);
}

CbClassSet *
cb_class_set_from_json (JsonNode *node, const char *where, GError **error)
{
  g_autoptr (CbClassSet) set = NULL;
  JsonObject *root;
  JsonNode *n;
  JsonArray *classes;
  const char *s;
  gboolean ok = TRUE;
  guint len;

  if (where == NULL)
    where = "class set";
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: a class set must be a JSON object", where);
      return NULL;
    }
  root = json_node_get_object (node);
  s = get_string_member (root, "name", &ok);
  if (!ok)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: “name” is not a string", where);
      return NULL;
    }
  set = cb_class_set_new (s);
  set->source = g_strdup (get_string_member (root, "source", &ok));
  set->licence = g_strdup (get_string_member (root, "licence", &ok));
  if (!ok)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: “source” or “licence” is not a string", where);
      return NULL;
    }

  n = json_object_get_member (root, "void");
  if (n != NULL
      && (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64
          || json_node_get_int (n) != CB_VOID_ID))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "%s: “void” must be %d", where, CB_VOID_ID);
      return NULL;
    }
  s = get_string_member (root, "void_color", &ok);
  if (!ok || (s != NULL && !cb_color_parse (s, &set->void_color)))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: “void_color” is not a colour like “#rrggbb”", where);
      return NULL;
    }

  n = json_object_get_member (root, "classes");
  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: “classes” is missing or not an array", where);
      return NULL;
    }
  classes = json_node_get_array (n);
  len = json_array_get_length (classes);
  if (len == 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: “classes” is empty", where);
      return NULL;
    }
  if (len > CB_MAX_CLASSES)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, "%s: %u classes (at most %d)", where, len, CB_MAX_CLASSES);
      return NULL;
    }

  for (guint i = 0; i < len; i++)
    {
      JsonNode *cn = json_array_get_element (classes, i);
      JsonObject *c;
      const char *name, *color_text;
      guint32 color;
      gint64 id;
      g_autoptr (GPtrArray) synonyms = g_ptr_array_new ();
      g_autoptr (GError) local = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (cn))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: classes[%u] is not an object", where, i);
          return NULL;
        }
      c = json_node_get_object (cn);
      n = json_object_get_member (c, "id");
      if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: classes[%u]: “id” is missing or not an integer", where,
                       i);
          return NULL;
        }
      id = json_node_get_int (n);
      if (id < 0 || id >= CB_MAX_CLASSES)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                       "%s: classes[%u]: id %" G_GINT64_FORMAT " is out of range (0..%d; %d is void)", where, i, id,
                       CB_MAX_CLASSES - 1, CB_VOID_ID);
          return NULL;
        }
      name = get_string_member (c, "name", &ok);
      if (!ok || name == NULL)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: classes[%u]: “name” is missing or not a string", where,
                       i);
          return NULL;
        }
      color_text = get_string_member (c, "color", &ok);
      if (!ok || !cb_color_parse (color_text, &color))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT,
                       "%s: class “%s”: “color” is missing or not a colour like “#rrggbb”", where, name);
          return NULL;
        }
      n = json_object_get_member (c, "synonyms");
      if (n != NULL && !JSON_NODE_HOLDS_NULL (n))
        {
          JsonArray *a = JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
          for (guint k = 0; a != NULL && k < json_array_get_length (a); k++)
            {
              JsonNode *sn = json_array_get_element (a, k);
              if (!JSON_NODE_HOLDS_VALUE (sn) || json_node_get_value_type (sn) != G_TYPE_STRING)
                {
                  a = NULL;
                  break;
                }
              g_ptr_array_add (synonyms, (gpointer)json_node_get_string (sn));
            }
          if (a == NULL)
            {
              g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: class “%s”: “synonyms” is not an array of strings",
                           where, name);
              return NULL;
            }
        }
      g_ptr_array_add (synonyms, NULL);

      if (!check_new_class (set, (guint)id, name, color, CB_ERROR_FORMAT, &local))
        {
          g_set_error (error, CB_ERROR, local->code, "%s: %s", where, local->message);
          return NULL;
        }
      insert_sorted (set, (guint)id, name, color, (const char *const *)synonyms->pdata);
    }
  return g_steal_pointer (&set);
}

CbClassSet *
cb_class_set_load (const char *path, GError **error)
{
  g_autoptr (JsonParser) parser = cb_json_parser_load_file (path, "class set", MAX_FILE_BYTES, error);

  if (parser == NULL)
    return NULL;
  return cb_class_set_from_json (json_parser_get_root (parser), path, error);
}

JsonNode *
cb_class_set_to_json (const CbClassSet *set)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *void_color = cb_color_to_string (set->void_color);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, set->name);
  json_builder_set_member_name (b, "void");
  json_builder_add_int_value (b, CB_VOID_ID);
  json_builder_set_member_name (b, "void_color");
  json_builder_add_string_value (b, void_color);
  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (guint i = 0; i < set->classes->len; i++)
    {
      const CbClass *c = set->classes->pdata[i];
      g_autofree char *color = cb_color_to_string (c->color);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, c->id);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, c->name);
      json_builder_set_member_name (b, "color");
      json_builder_add_string_value (b, color);
      if (c->synonyms != NULL && c->synonyms[0] != NULL)
        {
          json_builder_set_member_name (b, "synonyms");
          json_builder_begin_array (b);
          for (guint k = 0; c->synonyms[k]; k++)
            json_builder_add_string_value (b, c->synonyms[k]);
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  if (set->source)
    {
      json_builder_set_member_name (b, "source");
      json_builder_add_string_value (b, set->source);
    }
  if (set->licence)
    {
      json_builder_set_member_name (b, "licence");
      json_builder_add_string_value (b, set->licence);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
cb_class_set_save (const CbClassSet *set, const char *path, GError **error)
{
  g_autoptr (JsonNode) root = cb_class_set_to_json (set);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;
  gsize len;

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  text = json_generator_to_data (gen, &len);
  /* a text file ends with a newline */
  text = g_realloc (text, len + 2);
  text[len++] = '\n';
  text[len] = '\0';
  return cb_file_set_contents_atomic (path, text, len, error);
}
