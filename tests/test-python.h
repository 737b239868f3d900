/* test-python.h: whether the Python side (the scripts in training/) can run here
 * (header-only).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

/* TRUE when /usr/bin/python3 runs and imports torch, numpy and PIL. */
G_GNUC_UNUSED static gboolean
cb_test_have_torch (void)
{
  int status = -1;

  return g_spawn_sync (NULL, (char *[]){ "/usr/bin/python3", "-c", "import torch, numpy, PIL", NULL }, NULL,
                       G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL)
         && g_spawn_check_wait_status (status, NULL);
}
