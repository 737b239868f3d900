/* placeholder: being written */
#include "app/cli/cb-cli.h"

int
cb_cli_generate (int argc, char **argv)
{
  g_printerr ("catbrush-cli generate: not built yet\n");
  return CB_CLI_ERROR;
}
