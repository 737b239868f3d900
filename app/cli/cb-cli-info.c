/* placeholder: being written */
#include "app/cli/cb-cli.h"

int
cb_cli_info (int argc, char **argv)
{
  g_printerr ("catbrush-cli info: not built yet\n");
  return CB_CLI_ERROR;
}
