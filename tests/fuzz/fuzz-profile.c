/* fuzz-profile.c: target profile JSON (DESIGN §3, docs/FORMATS.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"

#include "model/cb-profile.h"

#include <math.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;
  g_autoptr (CbProfile) profile = NULL;
  g_autoptr (CbProfile) again = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonNode *root;
  guint t;

  cb_fuzz_init ();
  root = cb_fuzz_parse_json (parser, data, size);
  if (root == NULL)
    return 0;
  profile = cb_profile_from_json (root, "fuzz.json", &error);
  if (profile == NULL)
    {
      CB_FUZZ_CHECK_ERROR (error);
      return 0;
    }
  t = cb_class_set_get_n_classes (profile->target);
  g_assert (profile->n_source >= 1 && profile->model_sha256 != NULL);
  for (guint s = 0; s < profile->n_source; s++)
    g_assert (profile->source_names[s] != NULL);
  for (guint r = 0; r < t; r++)
    {
      double sum = 0;
      for (guint s = 0; s < profile->n_source; s++)
        {
          float a = profile->affinity[(gsize)r * profile->n_source + s];
          g_assert (isfinite (a) && a >= 0);
          sum += a;
        }
      g_assert (fabs (sum - 1.0) < 1e-3);
    }
  (void)cb_profile_check_model (profile, profile->model_sha256, NULL);
  node = cb_profile_to_json (profile);
  again = cb_profile_from_json (node, "round trip", &error);
  g_assert_no_error (error);
  g_assert (again->n_source == profile->n_source);
  return 0;
}
