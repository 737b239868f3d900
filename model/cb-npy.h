/* cb-npy.h: NumPy .npy arrays of float32, for exact noise from other implementations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CB_NPY_MAX_DIMS 4

typedef struct
{
  guint n_dims;
  guint64 shape[CB_NPY_MAX_DIMS];
  float *data; /* C order */
} CbNpy;

/* Reads a little-endian float32 ('<f4') C-order array of 0..4 dims, versions 1-3. */
CbNpy *cb_npy_load (const char *path, GError **error);
CbNpy *cb_npy_load_from_bytes (GBytes *bytes, const char *display_name, GError **error);
void cb_npy_free (CbNpy *npy);
guint64 cb_npy_n_elements (const CbNpy *npy);
/* Writes a float32 array (atomic); for tests and tools. */
gboolean cb_npy_save (const char *path, guint n_dims, const guint64 *shape, const float *data, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbNpy, cb_npy_free)

G_END_DECLS
