/* cb-vision-encoder.h: the vision prior's self-supervised encoder as an op graph
 *
 * A model may carry a small convolutional encoder trained without labels
 * (training/train_encoder.py, DESIGN §4.3) as V.* tensors and
 * catbrush.config["vision_encoder"], and the source classes' prototypes in
 * its feature space as P.source_prototypes (S' x F). Layers, as
 * training/encoder.py exports them (batch norm folded):
 *   V.block.i: 3x3 conv + bias, ReLU, then a 2x2 average pool for i < pools
 *   V.out:     1x1 conv + bias to F features, no activation
 * and the feature map is resized back to the photo's size (nearest).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-graph.h"
#include "cb-model.h"

G_BEGIN_DECLS

#define CB_VISION_ENCODER_MAX_BLOCKS 8

typedef struct
{
  guint n_blocks;
  guint widths[CB_VISION_ENCODER_MAX_BLOCKS];
  guint pools; /* the first `pools` blocks halve the size */
  guint n_features;
} CbVisionEncoderConfig;

/* Reads the structure from the V.* tensors and catbrush.config. FALSE with
 * CB_ERROR_UNSUPPORTED when the model has no encoder, CB_ERROR_FORMAT when
 * its tensors or config do not describe one. */
gboolean cb_vision_encoder_get_config (const CbModel *model, CbVisionEncoderConfig *config, GError **error);

/* The graph: input 0 = "photo", 3 x height x width in [-1, 1]
 * (cb_photo_to_tensor()); output: F x height x width features. The size
 * must be at least 2^pools in both directions (CB_ERROR_INVALID). */
CbGraph *cb_vision_encoder_build (const CbModel *model, guint width, guint height, GError **error);

/* P.source_prototypes as S' x F floats (rows in the model's class order), or
 * NULL with CB_ERROR_FORMAT when it is missing or of another shape. */
float *cb_vision_encoder_source_prototypes (const CbModel *model, guint n_source, guint n_features, GError **error);

G_END_DECLS
