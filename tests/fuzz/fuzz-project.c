/* fuzz-project.c: the project file (.catbrush: a zip of project.json,
 * labels.png and image.png; DESIGN §3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"

#include "app/gui/cb-project.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbProject) project = NULL;
  g_autoptr (CbProject) again = NULL;
  g_autoptr (GBytes) saved = NULL;

  cb_fuzz_init ();
  project = cb_project_load_from_bytes (bytes, "fuzz.catbrush", &error);
  if (project == NULL)
    {
      CB_FUZZ_CHECK_ERROR (error);
      return 0;
    }
  g_assert (project->labels != NULL && project->classes != NULL);
  /* what loaded saves, and loads back */
  saved = cb_project_to_bytes (project, &error);
  g_assert_no_error (error);
  again = cb_project_load_from_bytes (saved, "round trip", &error);
  g_assert_no_error (error);
  g_assert (again->labels->width == project->labels->width && again->labels->height == project->labels->height);
  g_assert (memcmp (again->labels->ids, project->labels->ids, (gsize)project->labels->width * project->labels->height)
            == 0);
  return 0;
}
