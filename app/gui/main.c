/* main.c: the catbrush program
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-application.h"

int
main (int argc, char **argv)
{
  g_autoptr (CbApplication) app = cb_application_new ();

  g_set_application_name ("Catbrush");
  return g_application_run (G_APPLICATION (app), argc, argv);
}
