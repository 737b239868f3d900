/* placeholder: being written */
#include "app/cli/cb-cli.h"

int
cb_cli_labels (int argc, char **argv)
{
  g_printerr ("catbrush-cli labels: not built yet\n");
  return CB_CLI_ERROR;
}
