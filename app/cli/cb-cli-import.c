/* cb-cli-import.c: catbrush-cli import-oasis (docs/IMPORT.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/cli/cb-cli.h"

#include "model/cb-error.h"
#include "model/cb-pth.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static gboolean
parse_wxh (const char *text, guint *width, guint *height)
{
  g_auto (GStrv) parts = g_strsplit (text, "x", 2);
  guint64 w, h;
  char *end = NULL;

  if (g_strv_length (parts) != 2 || parts[0][0] == '-' || parts[1][0] == '-')
    return FALSE;
  errno = 0;
  w = g_ascii_strtoull (parts[0], &end, 10);
  if (errno || !end || *end || end == parts[0])
    return FALSE;
  h = g_ascii_strtoull (parts[1], &end, 10);
  if (errno || !end || *end || end == parts[1])
    return FALSE;
  if (w == 0 || h == 0 || w > 16384 || h > 16384)
    return FALSE;
  *width = (guint)w;
  *height = (guint)h;
  return TRUE;
}

int
cb_cli_import_oasis (int argc, char **argv)
{
  g_autofree char *generator = NULL, *discriminator = NULL, *dataset = NULL, *classes = NULL, *size = NULL,
                  *output = NULL;
  int z_dim = -1, dontcare = -2;
  gboolean f16 = FALSE;
  g_autoptr (GError) error = NULL;
  g_autofree char *command = NULL;
  CbOasisImportOptions options;
  const GOptionEntry entries[] = {
    { "generator", 'g', 0, G_OPTION_ARG_FILENAME, &generator, "The generator checkpoint (the EMA one: *_EMA.pth)",
      "EMA.pth" },
    { "discriminator", 'd', 0, G_OPTION_ARG_FILENAME, &discriminator, "The discriminator checkpoint (*_D.pth)",
      "D.pth" },
    { "dataset", 0, 0, G_OPTION_ARG_STRING, &dataset, "ade20k, cityscapes, cocostuff or custom", "NAME" },
    { "classes", 'c', 0, G_OPTION_ARG_FILENAME, &classes, "Class set JSON (custom; replaces the bundled one)",
      "C.json" },
    { "size", 's', 0, G_OPTION_ARG_STRING, &size,
      "Native size (default ade20k 256x256, cityscapes 512x256, cocostuff 256x256)", "WxH" },
    { "z-dim", 0, 0, G_OPTION_ARG_INT, &z_dim, "custom without --discriminator: noise channels (default 64)", "N" },
    { "dontcare-channel", 0, 0, G_OPTION_ARG_INT, &dontcare,
      "custom: the don't-care channel, -1 for none (default: 0 when the model has one channel more than classes)",
      "N" },
    { "f16", 0, 0, G_OPTION_ARG_NONE, &f16, "Store the weights as float16", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "The model file to write", "MODEL.safetensors" },
    { NULL },
  };

  /* before parsing: the card records the command as given */
  command = g_strjoinv (" ", argv);
  if (!cb_cli_parse (&argc, &argv, "", "Import an official OASIS checkpoint (PyTorch .pth) as a Catbrush model",
                     entries))
    return CB_CLI_USAGE;
  if (argc > 1)
    {
      g_printerr ("%s: unexpected argument “%s”\n", argv[0], argv[1]);
      return CB_CLI_USAGE;
    }
  if (!generator || !dataset || !output)
    {
      g_printerr ("%s: --generator, --dataset and -o are required\n", argv[0]);
      return CB_CLI_USAGE;
    }

  cb_oasis_import_options_init (&options);
  options.generator_path = generator;
  options.discriminator_path = discriminator;
  options.dataset = dataset;
  options.classes_path = classes;
  options.z_dim = z_dim;
  options.dontcare_channel = dontcare;
  options.f16 = f16;
  options.command = command;
  if (size && !parse_wxh (size, &options.width, &options.height))
    {
      g_printerr ("%s: --size wants WIDTHxHEIGHT, e.g. 256x256, not “%s”\n", argv[0], size);
      return CB_CLI_USAGE;
    }
  if (dontcare < -2)
    {
      g_printerr ("%s: --dontcare-channel must be -1 or a channel\n", argv[0]);
      return CB_CLI_USAGE;
    }

  if (!cb_oasis_import (&options, output, &error))
    return cb_cli_fail (error);
  g_print ("%s\n", output);
  return CB_CLI_OK;
}
