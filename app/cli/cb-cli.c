/* cb-cli.c: catbrush-cli, the command-line face of Catbrush
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-config.h"

#include "app/cli/cb-cli.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} CbCliCommand;

static const CbCliCommand commands[] = {
  { "info", cb_cli_info, "Describe a model, class set, profile or label map" },
  { "labels", cb_cli_labels, "Convert label maps between RGB and indexed PNG" },
  { "generate", cb_cli_generate, "Generate an image from a label map" },
  { "devices", cb_cli_devices, "List the compute devices" },
  { "bench", cb_cli_bench, "Time a forward pass, per op" },
  { "import-oasis", cb_cli_import_oasis, "Import an official OASIS checkpoint (.pth)" },
  { "affinity", cb_cli_affinity, "Estimate a target profile (class affinity), or show one" },
  { "soak", cb_cli_soak, "Run many generations; fail if memory grows (docs/RELIABILITY.md)" },
};

gboolean
cb_cli_parse (int *argc, char ***argv, const char *parameter_string, const char *summary, const GOptionEntry *entries)
{
  g_autoptr (GOptionContext) context = g_option_context_new (parameter_string);
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("%s: %s\nTry “%s --help”.\n", (*argv)[0], error->message, (*argv)[0]);
      return FALSE;
    }
  return TRUE;
}

int
cb_cli_fail (const GError *error)
{
  g_printerr ("catbrush-cli: %s\n", error->message);
  return CB_CLI_ERROR;
}

CbModel *
cb_cli_load_model (const char *path)
{
  g_autofree char *found = path == NULL ? cb_model_find_default () : NULL;
  g_autoptr (GError) error = NULL;
  CbModel *model;

  if (path == NULL && found == NULL)
    {
      g_printerr ("%s: no --model given and no bundled default model was found\n", g_get_prgname ());
      return NULL;
    }
  model = cb_model_load (path != NULL ? path : found, &error);
  if (model == NULL)
    cb_cli_fail (error);
  return model;
}

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: catbrush-cli COMMAND [OPTION…]\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun “catbrush-cli COMMAND --help” for a command's options.\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  /* the CLI's own texts are not marked yet; the catalogue is bound for when they are */
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      print_usage (stderr);
      return CB_CLI_USAGE;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0)
    {
      print_usage (stdout);
      return CB_CLI_OK;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("catbrush-cli %s\n", CB_VERSION);
      return CB_CLI_OK;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (strcmp (argv[1], commands[i].name) == 0)
        {
          g_autofree char *prog = g_strdup_printf ("catbrush-cli %s", commands[i].name);
          g_autoptr (GPtrArray) sub_argv = g_ptr_array_new ();

          g_set_prgname (prog);
          g_ptr_array_add (sub_argv, prog);
          for (int j = 2; j < argc; j++)
            g_ptr_array_add (sub_argv, argv[j]);
          g_ptr_array_add (sub_argv, NULL);
          return commands[i].run (argc - 1, (char **)sub_argv->pdata);
        }
    }

  g_printerr ("catbrush-cli: unknown command “%s”\n", argv[1]);
  print_usage (stderr);
  return CB_CLI_USAGE;
}
