/* cb-tensor.h: a dense float tensor, channel-major (C x H x W, batch 1)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint c, h, w;
  float *data; /* c * h * w floats, owned */
} CbTensor;

CbTensor *cb_tensor_new (guint c, guint h, guint w);   /* zero-filled */
CbTensor *cb_tensor_copy (const CbTensor *t);
void cb_tensor_free (CbTensor *t);
gsize cb_tensor_n_elements (const CbTensor *t);

/* max|a - b| / max(1e-6, max|b|): the error measure of DESIGN §7 */
double cb_tensor_rel_error (const CbTensor *a, const CbTensor *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbTensor, cb_tensor_free)

G_END_DECLS
