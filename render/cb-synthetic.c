/* cb-synthetic.c: models with random weights
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-synthetic.h"

#include "model/cb-error.h"

#include <string.h>

void
cb_synthetic_ade20k_config (CbGeneratorConfig *gen)
{
  static const guint channels[] = { 1024, 1024, 1024, 512, 256, 128, 64 };

  memset (gen, 0, sizeof *gen);
  gen->n_blocks = G_N_ELEMENTS (channels) - 1;
  memcpy (gen->channels, channels, sizeof channels);
  gen->z_dim = 64;
  gen->semantic_nc = 151;
  gen->dontcare_channel = 0;
  gen->spade_hidden = 128;
  gen->width = 256;
  gen->height = 256;
  gen->bn_eps = 1e-5f;
}

CbModel *
cb_synthetic_model_new (const CbGeneratorConfig *gen, guint64 seed, GError **error)
{
  g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED, "not yet");
  return NULL;
}
