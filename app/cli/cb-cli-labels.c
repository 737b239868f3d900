/* cb-cli-labels.c: catbrush-cli labels convert: label maps between RGB and indexed PNG
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/cli/cb-cli.h"

#include "model/cb-class-set.h"
#include "model/cb-label-map.h"

#include <stdio.h>
#include <string.h>

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: catbrush-cli labels convert IN.png --classes CLASSES.json -o OUT.png [--rgb]\n\n"
                "Converts a label map (indexed, grey or RGB PNG) to an indexed PNG (palette = class\n"
                "colours, index 255 = void), or with --rgb to an RGB PNG of the class colours.\n"
                "Run “catbrush-cli labels convert --help” for the options.\n");
}

static int
labels_convert (int argc, char **argv)
{
  g_autofree char *classes_path = NULL, *output = NULL;
  gboolean rgb = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (CbClassSet) classes = NULL;
  g_autoptr (CbLabelMap) map = NULL;
  const GOptionEntry entries[] = {
    { "classes", 'c', 0, G_OPTION_ARG_FILENAME, &classes_path, "The class set (required)", "CLASSES.json" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Where to write (required; replaced atomically)", "OUT.png" },
    { "rgb", 0, 0, G_OPTION_ARG_NONE, &rgb, "Write an RGB PNG instead of an indexed one", NULL },
    { NULL },
  };

  if (!cb_cli_parse (&argc, &argv, "IN.png",
                     "Convert a label map: to indexed PNG by default, to RGB with --rgb. RGB input is matched\n"
                     "exactly against the class colours; unknown colours are an error.",
                     entries))
    return CB_CLI_USAGE;
  if (argc != 2 || output == NULL || classes_path == NULL)
    {
      g_printerr ("%s: expected IN.png, --classes and -o\nTry “%s --help”.\n", argv[0], argv[0]);
      return CB_CLI_USAGE;
    }

  classes = cb_class_set_load (classes_path, &error);
  if (classes == NULL)
    return cb_cli_fail (error);
  map = cb_label_map_load (argv[1], classes, &error);
  if (map == NULL)
    return cb_cli_fail (error);
  if (!(rgb ? cb_label_map_save_rgb (map, classes, output, &error) : cb_label_map_save (map, classes, output, &error)))
    return cb_cli_fail (error);
  return CB_CLI_OK;
}

int
cb_cli_labels (int argc, char **argv)
{
  if (argc >= 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0))
    {
      print_usage (stdout);
      return CB_CLI_OK;
    }
  if (argc >= 2 && strcmp (argv[1], "convert") == 0)
    {
      g_autofree char *prog = g_strdup_printf ("%s convert", argv[0]);
      g_autofree char **sub = g_new0 (char *, argc);

      sub[0] = prog;
      for (int i = 2; i < argc; i++)
        sub[i - 1] = argv[i];
      g_set_prgname (prog);
      return labels_convert (argc - 1, sub);
    }
  if (argc < 2)
    g_printerr ("%s: expected a subcommand\n", argv[0]);
  else
    g_printerr ("%s: unknown subcommand “%s”\n", argv[0], argv[1]);
  print_usage (stderr);
  return CB_CLI_USAGE;
}
