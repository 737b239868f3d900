/* main.c: the catbrush program
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-application.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "cb-config.h"

int
main (int argc, char **argv)
{
  g_autoptr (CbApplication) app = NULL;

  /* before anything that may show text */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = cb_application_new ();
  g_set_application_name (_ ("Catbrush"));
  return g_application_run (G_APPLICATION (app), argc, argv);
}
