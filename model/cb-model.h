/* cb-model.h: a model file: catbrush.config + weights (docs/FORMATS.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-class-set.h"
#include "cb-safetensors.h"

G_BEGIN_DECLS

#define CB_MODEL_MAX_BLOCKS 12

typedef struct
{
  guint n_blocks;                          /* n ResNet-SPADE blocks */
  guint channels[CB_MODEL_MAX_BLOCKS + 1]; /* n + 1 widths */
  guint z_dim;
  guint semantic_nc;    /* label channels, don't-care included */
  int dontcare_channel; /* -1 when none */
  guint spade_hidden;
  guint width, height; /* native output size */
  float bn_eps;
} CbGeneratorConfig;

typedef struct
{
  char *path;
  char *sha256; /* hex of the file's bytes */
  CbGeneratorConfig gen;
  CbClassSet *classes; /* the source classes S' (in channel order, don't-care skipped) */
  gboolean has_discriminator, has_vision_encoder, has_source_prototypes;
  gboolean has_source_segmenter; /* S.*: a U-Net of D's shape trained on the source photos alone */
  JsonNode *config;              /* the whole catbrush.config */
  CbSafetensors *weights;
} CbModel;

CbModel *cb_model_load (const char *path, GError **error);
/* The same on bytes in memory (fuzzing, tests); bytes are referenced. */
CbModel *cb_model_load_from_bytes (GBytes *bytes, const char *display_name, GError **error);
void cb_model_free (CbModel *model);

/* The label channel of source class index s (0..S'-1), skipping the don't-care channel. */
guint cb_model_source_channel (const CbModel *model, guint s);

/* A weight as F32 (g_free), checked against the expected shape (n_dims dims). */
float *cb_model_get_weight (const CbModel *model, const char *name, guint n_dims, const guint64 *shape, GError **error);
gboolean cb_model_has_tensor (const CbModel *model, const char *name);
/* The shape of a k x k convolution weight `name` ([cout, cin, k, k]);
 * CB_ERROR_FORMAT naming the file, `what` (e.g. "discriminator") and the
 * tensor when it is missing or of another shape. */
gboolean cb_model_conv_shape (const CbModel *model, const char *name, guint k, const char *what, guint *cout,
                              guint *cin, GError **error);

/* Parameters in G.* (generator) tensors. */
guint64 cb_model_count_parameters (const CbModel *model, const char *prefix);

/* $CATBRUSH_MODEL, else the bundled default model on the data search path
 * (model/cb-datadir.h), or NULL. */
char *cb_model_find_default (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbModel, cb_model_free)

G_END_DECLS
