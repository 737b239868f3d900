/* cb-safetensors.h: read (mmap, fully validated) and write safetensors files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  CB_DTYPE_F32,
  CB_DTYPE_F16,
  CB_DTYPE_BF16,
} CbDType;

#define CB_SAFETENSORS_MAX_DIMS 8

typedef struct {
  const char *name;
  CbDType dtype;
  guint n_dims;
  guint64 shape[CB_SAFETENSORS_MAX_DIMS];
  guint64 n_elements;
  const guint8 *data; /* raw little-endian bytes inside the mapping */
  gsize n_bytes;
} CbSafetensorsEntry;

typedef struct _CbSafetensors CbSafetensors;

/* Maps and validates the whole file: header length, JSON, dtypes, shapes,
 * shape x dtype size = byte range, ranges inside the data and disjoint. */
CbSafetensors *cb_safetensors_open (const char *path, GError **error);
/* The same on bytes already in memory (fuzzing, tests); bytes are referenced. */
CbSafetensors *cb_safetensors_new_from_bytes (GBytes *bytes, const char *display_name, GError **error);
void cb_safetensors_free (CbSafetensors *st);

const char *cb_safetensors_get_path (const CbSafetensors *st);
guint cb_safetensors_get_n_tensors (const CbSafetensors *st);
/* entries sorted by name */
const CbSafetensorsEntry *cb_safetensors_get_entry (const CbSafetensors *st, guint index);
const CbSafetensorsEntry *cb_safetensors_lookup (const CbSafetensors *st, const char *name);
/* a __metadata__ string value, or NULL */
const char *cb_safetensors_get_metadata (const CbSafetensors *st, const char *key);

/* Converts to a newly allocated F32 array (g_free). */
float *cb_safetensors_entry_to_f32 (const CbSafetensorsEntry *entry);

/* Writer: collects tensors (data copied) and metadata, writes atomically. */
typedef struct _CbSafetensorsWriter CbSafetensorsWriter;

CbSafetensorsWriter *cb_safetensors_writer_new (void);
void cb_safetensors_writer_free (CbSafetensorsWriter *w);
/* data is F32; stored as dtype (F32 or F16) */
void cb_safetensors_writer_add (CbSafetensorsWriter *w, const char *name, CbDType dtype, guint n_dims,
                                const guint64 *shape, const float *data);
void cb_safetensors_writer_set_metadata (CbSafetensorsWriter *w, const char *key, const char *value);
gboolean cb_safetensors_writer_write (CbSafetensorsWriter *w, const char *path, GError **error);

float cb_f16_to_f32 (guint16 h);
guint16 cb_f32_to_f16 (float f); /* round to nearest even */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbSafetensors, cb_safetensors_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbSafetensorsWriter, cb_safetensors_writer_free)

G_END_DECLS
