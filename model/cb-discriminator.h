/* cb-discriminator.h: the OASIS U-Net discriminator as an op graph (DESIGN §2)
 *
 * Built from a model file's D.* tensors with the official names
 * (boschresearch/OASIS models/discriminator.py, training/oasis.py):
 * D.body_down.i, D.body_up.i (residual_block_D: conv1, conv2, conv_s) and
 * D.layer_up_last. The widths come from the tensors' shapes, so an imported
 * OASIS checkpoint and a Catbrush model build the same way.
 *
 * A model file may also hold a source segmenter S.*: the same U-Net, trained
 * on the source photos alone (training/train_source_segmenter.py). The
 * priors run it in place of the GAN's discriminator when it is there, so
 * their quality does not depend on where the GAN's training stopped
 * (docs/AFFINITY.md); D.* stays for fine-tuning.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-graph.h"
#include "cb-model.h"

G_BEGIN_DECLS

#define CB_DISCRIMINATOR_MAX_BLOCKS 12

typedef struct
{
  guint n_blocks;                                  /* k down blocks and k up blocks */
  guint channels[CB_DISCRIMINATOR_MAX_BLOCKS + 1]; /* [3, c1, ..., ck] */
  guint head;                                      /* channels of the last up block: the features */
  guint n_outputs;                                 /* semantic_nc + 1; index 0 = fake */
} CbDiscriminatorConfig;

/* "S." when the model has a source segmenter, else "D.": the tensors that
 * cb_discriminator_get_config() and cb_discriminator_build() read. */
const char *cb_discriminator_prefix (const CbModel *model);

/* Reads the structure from the S.* or D.* tensors. CB_ERROR_UNSUPPORTED when the
 * model has no discriminator (an imported generator alone), CB_ERROR_FORMAT
 * when the tensors do not make a U-Net of this shape. */
gboolean cb_discriminator_get_config (const CbModel *model, CbDiscriminatorConfig *config, GError **error);

/* The graph: input 0 = "photo", 3 x height x width in [-1, 1]
 * (cb_photo_to_tensor()). Output: the n_outputs logits per pixel
 * (layer_up_last, before any softmax), at the input's size; with
 * with_features the output is concat(logits, features), n_outputs + head
 * channels, where features are the input of layer_up_last (the vision
 * prior's fallback features). Width and height must be divisible by 2^k
 * (the U-Net's skips must line up): CB_ERROR_INVALID otherwise. */
CbGraph *cb_discriminator_build (const CbModel *model, guint width, guint height, gboolean with_features,
                                 GError **error);

G_END_DECLS
