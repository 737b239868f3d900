/* placeholder until the render work lands: being written */
#include "app/cli/cb-cli.h"

int
cb_cli_bench (int argc, char **argv)
{
  g_printerr ("catbrush-cli bench: not built yet\n");
  return CB_CLI_ERROR;
}
