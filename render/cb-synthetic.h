/* cb-synthetic.h: models with random weights, for benchmarks and tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-model.h"

G_BEGIN_DECLS

/* The OASIS ADE20K generator's shape (DESIGN §2): channels
 * [1024,1024,1024,512,256,128,64], z 64, 151 semantic channels (don't-care 0),
 * hidden 128, 256x256. */
void cb_synthetic_ade20k_config (CbGeneratorConfig *gen);

/* A configuration by name: "ade20k" (above) or "camvid128" (the default
 * model's candidate shape: channels [256,256,192,96,48,24], z 64, 12
 * semantic channels (don't-care 11), hidden 64, 128x96). FALSE if unknown. */
gboolean cb_synthetic_config (const char *name, CbGeneratorConfig *gen);

/* A generator model with this configuration and random weights (seeded),
 * loaded through the ordinary model loader, so cb_oasis_build_generator()
 * makes exactly the graph a real file of that shape would. The weights go
 * through a temporary file that is deleted again. */
CbModel *cb_synthetic_model_new (const CbGeneratorConfig *gen, guint64 seed, GError **error);
/* The same, written to path and kept (so that training/bench_torch.py loads
 * exactly these weights). */
CbModel *cb_synthetic_model_new_file (const CbGeneratorConfig *gen, guint64 seed, const char *path, GError **error);

G_END_DECLS
