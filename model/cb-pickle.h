/* cb-pickle.h: a restricted reader of the pickles that torch.save writes
 *
 * It interprets a fixed subset of pickle protocol 2 (plus a few harmless
 * protocol 3/4 framing opcodes) over an allow-list of globals: the
 * OrderedDict of a state dict, torch's tensor rebuild functions and its
 * storage types. It never imports or calls anything: the allowed "calls"
 * build plain values here. Any other opcode or global is refused with a
 * GError that names it and its byte offset.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CB_PICKLE_MAX_DIMS 8

typedef enum
{
  CB_PICKLE_NONE,
  CB_PICKLE_BOOL,
  CB_PICKLE_INT,
  CB_PICKLE_FLOAT,
  CB_PICKLE_STRING, /* UTF-8, NUL-terminated; len bytes */
  CB_PICKLE_BYTES,  /* str holds len bytes (plus a NUL) */
  CB_PICKLE_TUPLE,
  CB_PICKLE_LIST,
  CB_PICKLE_DICT,    /* dict and OrderedDict: items = key, value, key, value, ... in insertion order */
  CB_PICKLE_GLOBAL,  /* one of the allowed globals (str = "module name") */
  CB_PICKLE_STORAGE, /* a persistent id: ('storage', type, key, location, numel[, None]) */
  CB_PICKLE_TENSOR,  /* torch._utils._rebuild_tensor_v2 (...) */
} CbPickleKind;

/* Element types of torch storages. */
typedef enum
{
  CB_TORCH_F32,
  CB_TORCH_F16,
  CB_TORCH_BF16,
  CB_TORCH_F64,
  CB_TORCH_I64,
  CB_TORCH_I32,
  CB_TORCH_I16,
  CB_TORCH_I8,
  CB_TORCH_U8,
  CB_TORCH_BOOL,
} CbTorchDType;

typedef struct _CbPickleValue CbPickleValue;

struct _CbPickleValue
{
  CbPickleKind kind;
  gint64 i;         /* BOOL, INT */
  double f;         /* FLOAT */
  char *str;        /* STRING, BYTES, GLOBAL; STORAGE: the key */
  gsize len;        /* STRING, BYTES */
  GPtrArray *items; /* TUPLE, LIST, DICT (CbPickleValue *, not owned) */
  int global;       /* GLOBAL: internal id */
  /* STORAGE */
  CbTorchDType dtype;
  guint64 numel;
  char *location;
  /* TENSOR: element (i0, i1, ...) is storage[offset + sum i_k * stride[k]] */
  const CbPickleValue *storage;
  guint64 offset;
  guint n_dims;
  guint64 shape[CB_PICKLE_MAX_DIMS];
  guint64 stride[CB_PICKLE_MAX_DIMS];
};

typedef struct _CbPickle CbPickle;

/* Parses a whole pickle. Tensors are checked to lie inside their storage's
 * numel. what names the input in messages (a file name). */
CbPickle *cb_pickle_parse (const guint8 *data, gsize len, const char *what, GError **error);
/* The same from byte start of data (offsets in messages are offsets in
 * data); *end receives the offset after STOP. For files that hold several
 * pickles in a row (the legacy torch.save format). */
CbPickle *cb_pickle_parse_at (const guint8 *data, gsize len, gsize start, const char *what, gsize *end, GError **error);
void cb_pickle_free (CbPickle *pickle);
/* The unpickled object; owned by pickle. */
const CbPickleValue *cb_pickle_get_root (const CbPickle *pickle);

gsize cb_torch_dtype_size (CbTorchDType dtype);
const char *cb_torch_dtype_name (CbTorchDType dtype);
const char *cb_pickle_kind_name (CbPickleKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbPickle, cb_pickle_free)

G_END_DECLS
