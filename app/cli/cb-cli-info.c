/* cb-cli-info.c: catbrush-cli info FILE: describe a model, class set, profile or label map
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/cli/cb-cli.h"

#include "model/cb-class-set.h"
#include "model/cb-error.h"
#include "model/cb-label-map.h"
#include "model/cb-model.h"
#include "model/cb-profile.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

/* How many source classes a profile row shows. */
#define TOP_SOURCES 3

static void
print_classes (const CbClassSet *set, const char *indent)
{
  g_autofree char *void_color = cb_color_to_string (set->void_color);

  for (guint i = 0; i < cb_class_set_get_n_classes (set); i++)
    {
      const CbClass *c = cb_class_set_get (set, i);
      g_autofree char *color = cb_color_to_string (c->color);
      g_autofree char *syn = c->synonyms ? g_strjoinv (", ", c->synonyms) : NULL;

      printf ("%s%3u  %s  %s%s%s%s\n", indent, c->id, color, c->name, syn ? " (" : "", syn ? syn : "", syn ? ")" : "");
    }
  printf ("%s%3d  %s  void\n", indent, CB_VOID_ID, void_color);
}

static int
info_class_set (const char *path, JsonNode *root)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbClassSet) set = cb_class_set_from_json (root, path, &error);

  if (set == NULL)
    return cb_cli_fail (error);
  printf ("%s: class set “%s”, %u classes\n", path, set->name, cb_class_set_get_n_classes (set));
  if (set->source)
    printf ("source: %s\n", set->source);
  if (set->licence)
    printf ("licence: %s\n", set->licence);
  print_classes (set, "  ");
  return CB_CLI_OK;
}

typedef struct
{
  guint index;
  float value;
} Ranked;

static int
compare_ranked (gconstpointer a, gconstpointer b)
{
  const Ranked *ra = a, *rb = b;
  if (ra->value != rb->value)
    return ra->value > rb->value ? -1 : 1;
  return ra->index < rb->index ? -1 : (ra->index > rb->index);
}

static int
info_profile (const char *path, JsonNode *root)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbProfile) p = cb_profile_from_json (root, path, &error);
  g_autofree Ranked *ranked = NULL;
  guint t;

  if (p == NULL)
    return cb_cli_fail (error);
  t = cb_class_set_get_n_classes (p->target);
  printf ("%s: target profile “%s”, %u target classes × %u source classes\n", path, p->target->name, t, p->n_source);
  printf ("source model SHA-256: %s\n", p->model_sha256);
  if (p->estimation != NULL)
    {
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      g_autofree char *text = NULL;
      json_generator_set_root (gen, p->estimation);
      text = json_generator_to_data (gen, NULL);
      printf ("estimation: %s\n", text);
    }
  printf ("affinity (top %d source classes per target class):\n", TOP_SOURCES);
  ranked = g_new (Ranked, p->n_source);
  for (guint i = 0; i < t; i++)
    {
      const CbClass *c = cb_class_set_get (p->target, i);
      printf ("  %3u  %-20s", c->id, c->name);
      for (guint j = 0; j < p->n_source; j++)
        {
          ranked[j].index = j;
          ranked[j].value = p->affinity[(gsize)i * p->n_source + j];
        }
      qsort (ranked, p->n_source, sizeof (Ranked), compare_ranked);
      for (guint k = 0; k < MIN (TOP_SOURCES, p->n_source); k++)
        printf ("%s%s %.3f", k ? ", " : " ", p->source_names[ranked[k].index], ranked[k].value);
      printf ("\n");
    }
  return CB_CLI_OK;
}

static int
info_json (const char *path)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;
  JsonObject *obj;

  if (!json_parser_load_from_file (parser, path, &error))
    {
      g_autoptr (GError) e2 = NULL;
      if (error->domain == G_FILE_ERROR)
        e2 = g_error_new (CB_ERROR, CB_ERROR_IO, "%s", error->message);
      else
        e2 = g_error_new (CB_ERROR, CB_ERROR_FORMAT, "%s: not valid JSON: %s", path, error->message);
      return cb_cli_fail (e2);
    }
  root = json_parser_get_root (parser);
  obj = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  if (obj != NULL && json_object_has_member (obj, "affinity"))
    return info_profile (path, root);
  if (obj != NULL && json_object_has_member (obj, "classes"))
    return info_class_set (path, root);
  g_set_error (&error, CB_ERROR, CB_ERROR_FORMAT,
               "%s: a JSON file that is neither a class set (“classes”) nor a profile (“affinity”)", path);
  return cb_cli_fail (error);
}

static int
info_model (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbModel) m = cb_model_load (path, &error);
  JsonObject *card;
  GStatBuf st;

  if (m == NULL)
    return cb_cli_fail (error);
  printf ("%s: Catbrush model (OASIS generator)\n", path);
  if (g_stat (path, &st) == 0)
    {
      g_autofree char *size = g_format_size ((guint64)st.st_size);
      printf ("file size: %s (%" G_GUINT64_FORMAT " bytes)\n", size, (guint64)st.st_size);
    }
  printf ("SHA-256: %s\n", m->sha256);
  printf ("output: %u × %u, %u blocks, channels", m->gen.width, m->gen.height, m->gen.n_blocks);
  for (guint i = 0; i <= m->gen.n_blocks; i++)
    printf ("%s%u", i ? ", " : " [", m->gen.channels[i]);
  printf ("]\n");
  printf ("z_dim %u, semantic_nc %u, don't-care channel %d, SPADE hidden %u, bn_eps %g\n", m->gen.z_dim,
          m->gen.semantic_nc, m->gen.dontcare_channel, m->gen.spade_hidden, (double)m->gen.bn_eps);
  printf ("tensors: %u; generator (G.*): %" G_GUINT64_FORMAT " parameters; discriminator (D.*): %" G_GUINT64_FORMAT
          " parameters%s\n",
          cb_safetensors_get_n_tensors (m->weights), cb_model_count_parameters (m, "G."),
          cb_model_count_parameters (m, "D."), m->has_discriminator ? "" : " (none)");
  printf ("vision encoder: %s; source prototypes: %s\n", m->has_vision_encoder ? "yes" : "no",
          m->has_source_prototypes ? "yes" : "no");
  card = json_node_get_object (m->config);
  card = json_object_has_member (card, "model_card")
             && JSON_NODE_HOLDS_OBJECT (json_object_get_member (card, "model_card"))
           ? json_object_get_object_member (card, "model_card")
           : NULL;
  if (card != NULL)
    {
      const char *keys[] = { "data", "licence", "training" };
      for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
        {
          JsonNode *n = json_object_get_member (card, keys[i]);
          if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
            printf ("%s: %s\n", keys[i], json_node_get_string (n));
        }
    }
  printf ("source classes “%s” (%u):\n", m->classes->name, cb_class_set_get_n_classes (m->classes));
  print_classes (m->classes, "  ");
  return CB_CLI_OK;
}

static int
info_label_map (const char *path, const char *classes_path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbClassSet) classes = NULL;
  g_autoptr (CbLabelMap) map = NULL;
  guint64 counts[256];
  guint64 total;
  guint present = 0;

  if (classes_path != NULL && (classes = cb_class_set_load (classes_path, &error)) == NULL)
    return cb_cli_fail (error);
  map = cb_label_map_load (path, classes, &error);
  if (map == NULL)
    return cb_cli_fail (error);
  cb_label_map_count (map, counts);
  total = (guint64)map->width * map->height;
  for (guint id = 0; id < 256; id++)
    present += counts[id] > 0;
  printf ("%s: label map, %u × %u, %u ids present\n", path, map->width, map->height, present);
  printf ("   id     pixels  percent  class\n");
  for (guint id = 0; id < 256; id++)
    {
      const CbClass *c;
      if (counts[id] == 0)
        continue;
      c = classes ? cb_class_set_lookup_id (classes, id) : NULL;
      printf ("  %3u %10" G_GUINT64_FORMAT " %7.2f%%  %s\n", id, counts[id], 100.0 * (double)counts[id] / (double)total,
              id == CB_VOID_ID ? "void"
              : c              ? c->name
                               : "");
    }
  return CB_CLI_OK;
}

/* The kind of file from its first bytes, then its name. */
static int
info_file (const char *path, const char *classes_path)
{
  g_autoptr (GError) error = NULL;
  guint8 head[8] = { 0 };
  FILE *f = g_fopen (path, "rbe");
  size_t n;

  if (f == NULL)
    {
      g_set_error (&error, CB_ERROR, CB_ERROR_IO, "%s: could not open: %s", path, g_strerror (errno));
      return cb_cli_fail (error);
    }
  n = fread (head, 1, sizeof head, f);
  fclose (f);
  if (n == 8 && memcmp (head, "\x89PNG\r\n\x1a\n", 8) == 0)
    return info_label_map (path, classes_path);
  if (g_str_has_suffix (path, ".json") || (n > 0 && (head[0] == '{' || g_ascii_isspace (head[0]))))
    return info_json (path);
  if (g_str_has_suffix (path, ".safetensors") || n == 8)
    return info_model (path);
  g_set_error (&error, CB_ERROR, CB_ERROR_FORMAT,
               "%s: not a model (.safetensors), class set or profile (.json) or label map (.png)", path);
  return cb_cli_fail (error);
}

int
cb_cli_info (int argc, char **argv)
{
  g_autofree char *classes = NULL;
  const GOptionEntry entries[] = {
    { "classes", 'c', 0, G_OPTION_ARG_FILENAME, &classes, "Class set for a label map's names (and RGB maps)",
      "CLASSES.json" },
    { NULL },
  };

  if (!cb_cli_parse (&argc, &argv, "FILE",
                     "Describe a model (.safetensors), class set or profile (.json) or label map (.png).", entries))
    return CB_CLI_USAGE;
  if (argc != 2)
    {
      g_printerr ("%s: expected one FILE\nTry “%s --help”.\n", argv[0], argv[0]);
      return CB_CLI_USAGE;
    }
  return info_file (argv[1], classes);
}
