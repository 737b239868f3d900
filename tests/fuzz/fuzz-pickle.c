/* fuzz-pickle.c: the restricted pickle reader (.pth data.pkl)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"

#include "model/cb-pickle.h"

#include <string.h>

/* Walks the value graph without recursion; memoised values may be shared,
 * so a visit budget bounds the walk. */
static void
walk (const CbPickleValue *root)
{
  g_autoptr (GPtrArray) todo = g_ptr_array_new ();
  guint budget = 100000;

  g_ptr_array_add (todo, (gpointer)root);
  while (todo->len > 0 && budget-- > 0)
    {
      const CbPickleValue *v = g_ptr_array_steal_index_fast (todo, todo->len - 1);
      g_assert (cb_pickle_kind_name (v->kind) != NULL);
      switch (v->kind)
        {
        case CB_PICKLE_STRING:
        case CB_PICKLE_BYTES:
          g_assert (v->str != NULL);
          (void)memchr (v->str, 0, v->len + 1);
          break;
        case CB_PICKLE_TUPLE:
        case CB_PICKLE_LIST:
        case CB_PICKLE_DICT:
          for (guint i = 0; i < v->items->len; i++)
            g_ptr_array_add (todo, g_ptr_array_index (v->items, i));
          break;
        case CB_PICKLE_TENSOR:
          g_assert (v->storage != NULL && v->storage->kind == CB_PICKLE_STORAGE);
          g_assert (v->n_dims <= CB_PICKLE_MAX_DIMS);
          (void)cb_torch_dtype_name (v->dtype);
          g_assert (cb_torch_dtype_size (v->dtype) >= 1);
          break;
        default:
          break;
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbPickle) pickle = NULL;

  cb_fuzz_init ();
  pickle = cb_pickle_parse (data, size, "fuzz.pkl", &error);
  if (pickle == NULL)
    {
      CB_FUZZ_CHECK_ERROR (error);
      return 0;
    }
  walk (cb_pickle_get_root (pickle));
  return 0;
}
