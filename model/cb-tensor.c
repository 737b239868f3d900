/* cb-tensor.c: a dense float tensor, channel-major (C x H x W, batch 1)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-tensor.h"

#include <math.h>

CbTensor *
cb_tensor_new (guint c, guint h, guint w)
{
  CbTensor *t = g_new0 (CbTensor, 1);
  t->c = c;
  t->h = h;
  t->w = w;
  /* g_new0 aborts on overflow of the element count times the size */
  t->data = g_new0 (float, (gsize)c *h *w);
  return t;
}

CbTensor *
cb_tensor_copy (const CbTensor *t)
{
  g_return_val_if_fail (t != NULL, NULL);
  CbTensor *copy = g_new0 (CbTensor, 1);
  copy->c = t->c;
  copy->h = t->h;
  copy->w = t->w;
  copy->data = g_memdup2 (t->data, cb_tensor_n_elements (t) * sizeof (float));
  return copy;
}

void
cb_tensor_free (CbTensor *t)
{
  if (t == NULL)
    return;
  g_free (t->data);
  g_free (t);
}

gsize
cb_tensor_n_elements (const CbTensor *t)
{
  g_return_val_if_fail (t != NULL, 0);
  return (gsize)t->c * t->h * t->w;
}

double
cb_tensor_rel_error (const CbTensor *a, const CbTensor *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, INFINITY);
  g_return_val_if_fail (a->c == b->c && a->h == b->h && a->w == b->w, INFINITY);

  gsize n = cb_tensor_n_elements (a);
  double max_diff = 0.0, max_ref = 0.0;
  for (gsize i = 0; i < n; i++)
    {
      double d = fabs ((double)a->data[i] - (double)b->data[i]);
      /* a NaN anywhere must not hide behind fmax */
      if (isnan (d))
        return INFINITY;
      max_diff = fmax (max_diff, d);
      max_ref = fmax (max_ref, fabs ((double)b->data[i]));
    }
  return max_diff / fmax (1e-6, max_ref);
}
