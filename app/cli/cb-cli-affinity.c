/* cb-cli-affinity.c: catbrush-cli affinity: estimate a target profile, or show one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/cli/cb-cli.h"

#include "model/cb-affinity.h"
#include "model/cb-error.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------- the backend as runner */

static gpointer
backend_prepare (gpointer user_data, const CbGraph *graph, GError **error)
{
  return cb_backend_prepare (user_data, graph, error);
}

static gboolean
backend_run (gpointer plan, CbTensor *const *inputs, guint n_inputs, CbTensor *output, GError **error)
{
  return cb_plan_run (plan, inputs, n_inputs, output, error);
}

static void
backend_free_plan (gpointer plan)
{
  cb_plan_free (plan);
}

/* ------------------------------------------------------------------ show */

static gboolean
is_number (JsonNode *n)
{
  return n != NULL && JSON_NODE_HOLDS_VALUE (n)
         && (json_node_get_value_type (n) == G_TYPE_DOUBLE || json_node_get_value_type (n) == G_TYPE_INT64);
}

static JsonArray *
member_array (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static const char *
member_string (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
           ? json_node_get_string (n)
           : NULL;
}

static void
print_profile (const CbProfile *p, FILE *out)
{
  guint T = cb_class_set_get_n_classes (p->target), S = p->n_source;
  int name_w = 6;
  g_autofree int *col_w = g_new (int, MAX (S, 1));

  for (guint t = 0; t < T; t++)
    name_w = MAX (name_w, (int)g_utf8_strlen (cb_class_set_get (p->target, t)->name, -1));
  for (guint s = 0; s < S; s++)
    col_w[s] = MAX (4, (int)g_utf8_strlen (p->source_names[s], -1));

  fprintf (out, "Target classes “%s” (%u) → source model %.12s… (%u classes)\n", p->target->name, T, p->model_sha256,
           S);
  if (p->estimation != NULL && JSON_NODE_HOLDS_OBJECT (p->estimation))
    {
      /* estimation is kept verbatim from any file: read it defensively */
      JsonObject *e = json_node_get_object (p->estimation);
      JsonArray *methods = member_array (e, "methods");
      JsonArray *weights = member_array (e, "weights");
      JsonArray *examples = member_array (e, "examples");
      const char *split = member_string (e, "example_split");
      g_autoptr (GString) line = g_string_new ("Estimated with");
      for (guint i = 0; methods != NULL && i < json_array_get_length (methods); i++)
        {
          JsonNode *m = json_array_get_element (methods, i);
          JsonNode *w
            = weights != NULL && i < json_array_get_length (weights) ? json_array_get_element (weights, i) : NULL;
          g_string_append_printf (line, "%s %s", i == 0 ? "" : ",",
                                  JSON_NODE_HOLDS_VALUE (m) && json_node_get_value_type (m) == G_TYPE_STRING
                                    ? json_node_get_string (m)
                                    : "?");
          if (is_number (w))
            g_string_append_printf (line, " (weight %g)", json_node_get_double (w));
        }
      if (is_number (json_object_get_member (e, "temperature")))
        g_string_append_printf (line, "; temperature %g", json_object_get_double_member (e, "temperature"));
      if (is_number (json_object_get_member (e, "top_k")))
        g_string_append_printf (line, "; top-k %g", json_object_get_double_member (e, "top_k"));
      if (examples != NULL && json_array_get_length (examples) > 0)
        {
          g_string_append_printf (line, "; %u example photos", json_array_get_length (examples));
          if (split != NULL)
            g_string_append_printf (line, " (split “%s”)", split);
        }
      fprintf (out, "%s\n", line->str);
    }

  fprintf (out, "\n%*s", name_w, "");
  for (guint s = 0; s < S; s++)
    fprintf (out, "  %*s", col_w[s], p->source_names[s]);
  fprintf (out, "\n");
  for (guint t = 0; t < T; t++)
    {
      const char *name = cb_class_set_get (p->target, t)->name;
      /* printf pads by bytes: pad by characters for non-ASCII names */
      fprintf (out, "%s%*s", name, name_w - (int)g_utf8_strlen (name, -1), "");
      for (guint s = 0; s < S; s++)
        fprintf (out, "  %*.2f", col_w[s], (double)p->affinity[(gsize)t * S + s]);
      fprintf (out, "\n");
    }

  fprintf (out, "\nTop source classes:\n");
  for (guint t = 0; t < T; t++)
    {
      const float *row = p->affinity + (gsize)t * S;
      const char *name = cb_class_set_get (p->target, t)->name;
      gboolean used[256] = { FALSE };
      fprintf (out, "  %s%*s ", name, name_w - (int)g_utf8_strlen (name, -1), "");
      for (guint r = 0; r < MIN (3u, S); r++)
        {
          guint best = G_MAXUINT;
          for (guint s = 0; s < S && s < 256; s++)
            if (!used[s] && (best == G_MAXUINT || row[s] > row[best]))
              best = s;
          if (best == G_MAXUINT || (r > 0 && row[best] <= 0.0f))
            break;
          used[best] = TRUE;
          fprintf (out, "%s%s %.2f", r == 0 ? " " : ", ", p->source_names[best], (double)row[best]);
        }
      fprintf (out, "\n");
    }

  g_autofree char *similar = cb_profile_describe_similar_rows (p, CB_PROFILE_SIMILAR_ROWS);
  if (similar != NULL)
    fprintf (out,
             "\nDrawn alike by the model (rows at most %.2f apart): %s. Fine-tuning has to separate them "
             "(identical rows it never does): give one class of each pair its own mix.\n",
             (double)CB_PROFILE_SIMILAR_ROWS, similar);
}

/* ---------------------------------------------------------------- parsing */

static gboolean
parse_float (const char *text, float *value)
{
  char *end = NULL;
  errno = 0;
  double v = g_ascii_strtod (text, &end);
  if (errno != 0 || end == text || *end != '\0' || !isfinite (v))
    return FALSE;
  *value = (float)v;
  return TRUE;
}

int
cb_cli_affinity (int argc, char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *classes_path = NULL;
  g_autofree char *examples_dir = NULL;
  g_autofree char *split = NULL;
  g_autofree char *source_dir = NULL;
  g_autofree char *source_split = NULL;
  g_autofree char *methods_text = NULL;
  g_autofree char *weights_text = NULL;
  g_autofree char *temperature_text = NULL;
  g_autofree char *wordnet_dir = NULL;
  g_autofree char *word_vectors = NULL;
  g_autofree char *backend_text = NULL;
  g_autofree char *device = NULL;
  g_autofree char *output = NULL;
  g_autofree char *show = NULL;
  gint top_k = 0;
  gint seg_scales = 2;
  gboolean allow_test = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Source model (default: the bundled model)", "M" },
    { "classes", 'c', 0, G_OPTION_ARG_FILENAME, &classes_path,
      "Target class set (default: the examples folder's classes.json)", "C.json" },
    { "examples", 'e', 0, G_OPTION_ARG_FILENAME, &examples_dir,
      "Example photos + label maps (images/, labels/, SPLIT.txt)", "DIR" },
    { "split", 0, 0, G_OPTION_ARG_STRING, &split, "Split of the examples folder (default: train)", "NAME" },
    { "allow-test-split", 0, 0, G_OPTION_ARG_NONE, &allow_test, "Allow a test* split as examples", NULL },
    { "source-examples", 0, 0, G_OPTION_ARG_FILENAME, &source_dir, "Source dataset: vision prototypes from its photos",
      "DIR" },
    { "source-split", 0, 0, G_OPTION_ARG_STRING, &source_split, "Split of the source dataset (default: train)",
      "NAME" },
    { "methods", 0, 0, G_OPTION_ARG_STRING, &methods_text,
      "Priors: seg, text, vision, comma-separated (default: every one that can run)", "LIST" },
    { "weights", 'w', 0, G_OPTION_ARG_STRING, &weights_text, "One weight per method, in --methods order", "a,b,c" },
    { "temperature", 't', 0, G_OPTION_ARG_STRING, &temperature_text,
      "Sharpening of the combined rows: row^(1/T) (default 0.3; 1: none)", "T" },
    { "top-k", 'k', 0, G_OPTION_ARG_INT, &top_k, "Keep the K largest entries per row (default 0: all)", "K" },
    { "seg-scales", 0, 0, G_OPTION_ARG_INT, &seg_scales,
      "Segmentation prior at 1 scale (native size) or 2 (native and 2×; default)", "N" },
    { "wordnet", 0, 0, G_OPTION_ARG_FILENAME, &wordnet_dir, "WordNet dict folder (default /usr/share/wordnet)", "DIR" },
    { "word-vectors", 0, 0, G_OPTION_ARG_FILENAME, &word_vectors, "Word vectors for the text prior (GloVe text)",
      "FILE" },
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &backend_text, "auto, vulkan, cpu or reference", "B" },
    { "device", 'd', 0, G_OPTION_ARG_STRING, &device, "Vulkan device index or name", "D" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Profile to write", "PROFILE.json" },
    { "show", 0, 0, G_OPTION_ARG_FILENAME, &show, "Print a profile's matrix and top source classes", "PROFILE.json" },
    { NULL },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (CbModel) model = NULL;
  g_autoptr (CbClassSet) target = NULL;
  g_autoptr (CbExampleSet) examples = NULL;
  g_autoptr (CbExampleSet) source_examples = NULL;
  g_autoptr (CbWordNet) wordnet = NULL;
  g_autoptr (CbBackend) backend = NULL;
  g_autoptr (CbProfile) profile = NULL;
  CbAffinityOptions options;
  CbBackendKind kind;
  gboolean explicit_methods;

  if (!cb_cli_parse (&argc, &argv, "",
                     "Estimate the class affinity between a target class set and a model's source classes "
                     "(DESIGN §4), or show a profile.",
                     entries))
    return CB_CLI_USAGE;
  explicit_methods = methods_text != NULL;

  if (show != NULL)
    {
      profile = cb_profile_load (show, &error);
      if (profile == NULL)
        return cb_cli_fail (error);
      if (model_path != NULL)
        {
          /* --model with --show: check the profile was made for it */
          model = cb_model_load (model_path, &error);
          if (model == NULL || !cb_profile_check_model (profile, model->sha256, &error))
            return cb_cli_fail (error);
        }
      print_profile (profile, stdout);
      return CB_CLI_OK;
    }

  if (output == NULL)
    {
      g_printerr ("%s: --output (the profile to write) or --show is required\n", argv[0]);
      return CB_CLI_USAGE;
    }
  if (top_k < 0)
    {
      g_printerr ("%s: --top-k takes a number ≥ 0, not %d\n", argv[0], top_k);
      return CB_CLI_USAGE;
    }
  if (!cb_cli_parse_backend (backend_text, &kind, &error))
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      return CB_CLI_USAGE;
    }

  cb_affinity_options_init (&options);
  options.top_k = (guint)top_k;
  if (seg_scales != 1 && seg_scales != 2)
    {
      g_printerr ("%s: --seg-scales takes 1 or 2, not %d\n", argv[0], seg_scales);
      return CB_CLI_USAGE;
    }
  options.seg_scales = (guint)seg_scales;
  if (temperature_text != NULL && (!parse_float (temperature_text, &options.temperature) || options.temperature <= 0))
    {
      g_printerr ("%s: --temperature takes a number > 0, not “%s”\n", argv[0], temperature_text);
      return CB_CLI_USAGE;
    }

  /* --methods in order; the weights follow that order */
  CbAffinityMethod order[CB_AFFINITY_N_METHODS] = { CB_AFFINITY_SEG, CB_AFFINITY_TEXT, CB_AFFINITY_VISION };
  guint n_methods = CB_AFFINITY_N_METHODS;
  if (methods_text != NULL)
    {
      g_auto (GStrv) names = g_strsplit (methods_text, ",", -1);
      n_methods = 0;
      for (guint i = 0; names[i] != NULL; i++)
        {
          CbAffinityMethod m;
          if (!cb_affinity_method_from_string (g_strstrip (names[i]), &m))
            {
              g_printerr ("%s: unknown method “%s”: use seg, text or vision\n", argv[0], names[i]);
              return CB_CLI_USAGE;
            }
          if (options.use[m])
            {
              g_printerr ("%s: --methods names “%s” twice\n", argv[0], names[i]);
              return CB_CLI_USAGE;
            }
          options.use[m] = TRUE;
          order[n_methods++] = m;
        }
      if (n_methods == 0)
        {
          g_printerr ("%s: --methods is empty\n", argv[0]);
          return CB_CLI_USAGE;
        }
    }
  if (weights_text != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (weights_text, ",", -1);
      if (g_strv_length (parts) != n_methods)
        {
          g_printerr ("%s: --weights has %u numbers for %u methods (%s)\n", argv[0], g_strv_length (parts), n_methods,
                      methods_text != NULL ? methods_text : "seg,text,vision");
          return CB_CLI_USAGE;
        }
      for (guint i = 0; i < n_methods; i++)
        if (!parse_float (g_strstrip (parts[i]), &options.weights[order[i]]) || options.weights[order[i]] < 0)
          {
            g_printerr ("%s: --weights takes numbers ≥ 0, not “%s”\n", argv[0], parts[i]);
            return CB_CLI_USAGE;
          }
    }

  model = cb_cli_load_model (model_path);
  if (model == NULL)
    return CB_CLI_ERROR;

  if (classes_path == NULL && examples_dir != NULL)
    classes_path = g_build_filename (examples_dir, "classes.json", NULL);
  if (classes_path == NULL)
    {
      g_printerr ("%s: --classes (the target class set) is required\n", argv[0]);
      return CB_CLI_USAGE;
    }
  target = cb_class_set_load (classes_path, &error);
  if (target == NULL)
    return cb_cli_fail (error);

  if (examples_dir != NULL)
    {
      if (split != NULL && g_str_has_prefix (split, "test") && !allow_test)
        {
          g_printerr ("%s: “%s” is a test split: test photos are for evaluation, not examples "
                      "(--allow-test-split uses it anyway)\n",
                      argv[0], split);
          return CB_CLI_USAGE;
        }
      examples = cb_example_set_load (examples_dir, split, target, model->gen.width, model->gen.height,
                                      allow_test ? CB_EXAMPLE_LOAD_ALLOW_TEST : CB_EXAMPLE_LOAD_DEFAULT, &error);
      if (examples == NULL)
        return cb_cli_fail (error);
      options.examples = examples;
    }
  else if (split != NULL)
    {
      g_printerr ("%s: --split needs --examples\n", argv[0]);
      return CB_CLI_USAGE;
    }
  if (source_dir != NULL)
    {
      /* the vision prior's prototypes: the native size only */
      source_examples = cb_example_set_load (source_dir, source_split, model->classes, model->gen.width,
                                             model->gen.height, CB_EXAMPLE_LOAD_NATIVE_ONLY, &error);
      if (source_examples == NULL)
        return cb_cli_fail (error);
      options.source_examples = source_examples;
    }

  /* WordNet: only when the text prior may run; missing, the other priors still work */
  if (!explicit_methods || options.use[CB_AFFINITY_TEXT])
    {
      g_autoptr (GError) wn_error = NULL;
      wordnet = cb_wordnet_open (wordnet_dir, &wn_error);
      if (wordnet == NULL)
        {
          if (explicit_methods)
            {
              g_printerr ("catbrush-cli: the text prior needs WordNet: %s\n", wn_error->message);
              return CB_CLI_ERROR;
            }
          g_printerr ("catbrush-cli: no text prior: %s\n", wn_error->message);
        }
      options.wordnet = wordnet;
      options.text.word_vectors = word_vectors;
    }

  if (!explicit_methods)
    {
      /* every prior that can run, in seg, text, vision order */
      guint n = 0;
      for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
        {
          g_autoptr (GError) why = NULL;
          options.use[m] = cb_affinity_can_run (model, m, &options, &why);
          if (options.use[m])
            n++;
          else if (m != CB_AFFINITY_TEXT || wordnet != NULL)
            g_printerr ("catbrush-cli: no %s prior: %s\n", cb_affinity_method_to_string (m), why->message);
        }
      if (n == 0)
        {
          g_printerr ("catbrush-cli: no affinity prior can run: give example photos (--examples) for the "
                      "segmentation and vision priors, or install WordNet for the text prior\n");
          return CB_CLI_ERROR;
        }
    }
  else
    for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
      if (options.use[m] && !cb_affinity_can_run (model, m, &options, &error))
        return cb_cli_fail (error);

  CbGraphRunner runner = { 0 };
  if (options.use[CB_AFFINITY_SEG] || options.use[CB_AFFINITY_VISION])
    {
      backend = cb_backend_new (kind, device, &error);
      if (backend == NULL)
        return cb_cli_fail (error);
      runner = (CbGraphRunner){
        .prepare = backend_prepare,
        .run = backend_run,
        .free_plan = backend_free_plan,
        .user_data = backend,
        .description = cb_backend_get_description (backend),
      };
      options.runner = &runner;
    }

  profile = cb_affinity_estimate (model, target, &options, &error);
  if (profile == NULL)
    return cb_cli_fail (error);
  if (!cb_profile_save (profile, output, &error))
    return cb_cli_fail (error);

  /* absent when only the encoder ran */
  JsonObject *est = json_node_get_object (profile->estimation);
  if (json_object_has_member (est, "discriminator"))
    {
      JsonObject *d = json_object_get_object_member (est, "discriminator");
      g_printerr ("catbrush-cli: discriminator on %" G_GINT64_FORMAT " photos at %u×%u in %.2f s (%s)\n",
                  json_object_get_int_member (d, "photos"), model->gen.width, model->gen.height,
                  json_object_get_double_member (d, "seconds"), runner.description);
    }
  print_profile (profile, stdout);
  return CB_CLI_OK;
}
