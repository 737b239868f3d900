/* fuzz-class-set.c: class set JSON (DESIGN §3, docs/FORMATS.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"

#include "model/cb-class-set.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;
  g_autoptr (CbClassSet) set = NULL;
  g_autoptr (CbClassSet) again = NULL;
  g_autoptr (CbClassSet) copy = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonNode *root;

  cb_fuzz_init ();
  root = cb_fuzz_parse_json (parser, data, size);
  if (root == NULL)
    return 0;
  set = cb_class_set_from_json (root, "fuzz.json", &error);
  if (set == NULL)
    {
      CB_FUZZ_CHECK_ERROR (error);
      return 0;
    }
  /* what loaded must save and load again, the same */
  g_assert (cb_class_set_get_n_classes (set) >= 1 && cb_class_set_get_n_classes (set) <= CB_MAX_CLASSES);
  node = cb_class_set_to_json (set);
  again = cb_class_set_from_json (node, "round trip", &error);
  g_assert_no_error (error);
  g_assert (cb_class_set_get_n_classes (again) == cb_class_set_get_n_classes (set));
  g_assert (again->void_color == set->void_color);
  copy = cb_class_set_copy (set);
  for (guint i = 0; i < cb_class_set_get_n_classes (set); i++)
    {
      const CbClass *c = cb_class_set_get (set, i);
      const CbClass *d = cb_class_set_get (again, i);
      g_assert (c->id < CB_VOID_ID && c->color != set->void_color);
      g_assert (d->id == c->id && d->color == c->color && strcmp (d->name, c->name) == 0);
      g_assert (cb_class_set_lookup_id (copy, c->id) != NULL);
      g_assert (cb_class_set_lookup_name (set, c->name) == c);
      g_assert (cb_class_set_index_of_id (set, c->id) == (int)i);
    }
  return 0;
}
