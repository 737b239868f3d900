/* cb-pth.h: PyTorch checkpoints (.pth, torch.save zip format) and the
 * import of official OASIS checkpoints into a Catbrush model file
 * (docs/IMPORT.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-class-set.h"
#include "cb-pickle.h"
#include "cb-safetensors.h"

G_BEGIN_DECLS

/* ---- a state dict read from a torch.save zip ---- */

typedef struct _CbPth CbPth;

/* Opens a zip checkpoint, TOP/data.pkl + TOP/data/KEY (TOP is any single
 * folder name), or the legacy (PyTorch < 1.6) format, parses
 * the pickle with the restricted reader and checks that the root is a dict
 * of name -> tensor (non-tensor entries are skipped). A leading "module."
 * (DataParallel) is removed from every name. Storages are read lazily. */
CbPth *cb_pth_open (const char *path, GError **error);
void cb_pth_free (CbPth *pth);

const char *cb_pth_get_path (const CbPth *pth);
guint cb_pth_get_n_tensors (const CbPth *pth);
const char *cb_pth_get_name (const CbPth *pth, guint index); /* in file order */
gboolean cb_pth_has (const CbPth *pth, const char *name);
/* The tensor's dims (NULL when there is no such tensor). */
const CbPickleValue *cb_pth_lookup (const CbPth *pth, const char *name);

/* Reads a floating-point tensor (F32, F16, BF16 or F64 storage; any strides
 * and storage offset) as a contiguous row-major F32 array (g_free). When
 * n_dims > 0 the shape must be exactly `shape`; with n_dims = 0 any shape is
 * accepted. */
float *cb_pth_read_f32 (CbPth *pth, const char *name, guint n_dims, const guint64 *shape, GError **error);

/* ---- OASIS import ---- */

/* W / sigma with sigma = u . (W_mat v), W_mat = W reshaped to rows x cols:
 * what torch.nn.utils.spectral_norm computes in eval mode from the stored
 * weight_orig, weight_u, weight_v. Sums in double. FALSE when sigma is zero
 * or not finite. */
gboolean cb_pth_fold_spectral_norm (const float *w_orig, guint64 rows, guint64 cols, const float *u, const float *v,
                                    float *w_out, double *sigma_out);

typedef struct
{
  const char *generator_path;     /* the EMA (or G) state dict */
  const char *discriminator_path; /* may be NULL */
  const char *dataset;            /* "ade20k", "cityscapes", "cocostuff" or "custom" */
  const char *classes_path;       /* class set JSON: required for custom, replaces the bundled one otherwise */
  guint width, height;            /* 0 = the dataset's default */
  int z_dim;                      /* custom without a discriminator: z_dim (-1 = 64, the OASIS default) */
  int dontcare_channel;           /* custom only: -2 = infer (0 when there is one channel more than classes) */
  gboolean f16;                   /* store the weights as F16 */
  const char *command;            /* the command line, for the model card; may be NULL */
} CbOasisImportOptions;

void cb_oasis_import_options_init (CbOasisImportOptions *options);

/* Reads the checkpoints, maps the official names, folds spectral norm, infers
 * the architecture and writes the model file (atomically). */
gboolean cb_oasis_import (const CbOasisImportOptions *options, const char *output_path, GError **error);

/* The bundled class set of a dataset ("ade20k", "cityscapes", "cocostuff"). */
CbClassSet *cb_oasis_load_bundled_classes (const char *dataset, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbPth, cb_pth_free)

G_END_DECLS
