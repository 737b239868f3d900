/* cb-pickle.c: a restricted reader of torch.save pickles (see cb-pickle.h)
 *
 * A small stack machine after Python's pickle module, with only the opcodes
 * that a saved state dict uses. "Calls" (REDUCE) are allowed for three
 * globals only and are evaluated here into plain values; nothing is ever
 * imported or executed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-pickle.h"

#include "cb-error.h"

#include <string.h>

/* Limits against hostile input: deep structures, huge memo indices. */
#define MAX_STACK 100000
#define MAX_MEMO_INDEX 10000000u
#define MAX_ELEMENTS (G_GUINT64_CONSTANT (1) << 40)

enum
{
  GLOBAL_ORDERED_DICT,
  GLOBAL_REBUILD_TENSOR_V2,
  GLOBAL_REBUILD_PARAMETER,
  GLOBAL_STORAGE, /* + dtype */
};

typedef struct
{
  const char *module;
  const char *name;
  int id;
  CbTorchDType dtype;
} AllowedGlobal;

static const AllowedGlobal allowed_globals[] = {
  { "collections", "OrderedDict", GLOBAL_ORDERED_DICT, 0 },
  { "torch._utils", "_rebuild_tensor_v2", GLOBAL_REBUILD_TENSOR_V2, 0 },
  { "torch._utils", "_rebuild_parameter", GLOBAL_REBUILD_PARAMETER, 0 },
  { "torch", "FloatStorage", GLOBAL_STORAGE, CB_TORCH_F32 },
  { "torch", "HalfStorage", GLOBAL_STORAGE, CB_TORCH_F16 },
  { "torch", "BFloat16Storage", GLOBAL_STORAGE, CB_TORCH_BF16 },
  { "torch", "DoubleStorage", GLOBAL_STORAGE, CB_TORCH_F64 },
  { "torch", "LongStorage", GLOBAL_STORAGE, CB_TORCH_I64 },
  { "torch", "IntStorage", GLOBAL_STORAGE, CB_TORCH_I32 },
  { "torch", "ShortStorage", GLOBAL_STORAGE, CB_TORCH_I16 },
  { "torch", "CharStorage", GLOBAL_STORAGE, CB_TORCH_I8 },
  { "torch", "ByteStorage", GLOBAL_STORAGE, CB_TORCH_U8 },
  { "torch", "BoolStorage", GLOBAL_STORAGE, CB_TORCH_BOOL },
};

struct _CbPickle
{
  GPtrArray *values; /* every value made, owned */
  CbPickleValue *root;
};

typedef struct
{
  CbPickle *pickle;
  const guint8 *data;
  gsize len;
  gsize pos;
  gsize op_pos; /* offset of the current opcode, for messages */
  guint8 op;
  const char *what;
  GPtrArray *stack; /* CbPickleValue * */
  GArray *marks;    /* guint stack positions */
  GHashTable *memo; /* index -> CbPickleValue * */
} Machine;

gsize
cb_torch_dtype_size (CbTorchDType dtype)
{
  switch (dtype)
    {
    case CB_TORCH_F64:
    case CB_TORCH_I64:
      return 8;
    case CB_TORCH_F32:
    case CB_TORCH_I32:
      return 4;
    case CB_TORCH_F16:
    case CB_TORCH_BF16:
    case CB_TORCH_I16:
      return 2;
    case CB_TORCH_I8:
    case CB_TORCH_U8:
    case CB_TORCH_BOOL:
      return 1;
    }
  return 1;
}

const char *
cb_torch_dtype_name (CbTorchDType dtype)
{
  for (gsize i = 0; i < G_N_ELEMENTS (allowed_globals); i++)
    if (allowed_globals[i].id == GLOBAL_STORAGE && allowed_globals[i].dtype == dtype)
      return allowed_globals[i].name;
  return "?";
}

const char *
cb_pickle_kind_name (CbPickleKind kind)
{
  static const char *const names[]
    = { "None", "bool", "int", "float", "str", "bytes", "tuple", "list", "dict", "global", "storage", "tensor" };
  return (guint)kind < G_N_ELEMENTS (names) ? names[kind] : "?";
}

static void
value_free (gpointer p)
{
  CbPickleValue *v = p;
  g_free (v->str);
  g_free (v->location);
  if (v->items)
    g_ptr_array_unref (v->items);
  g_free (v);
}

void
cb_pickle_free (CbPickle *pickle)
{
  if (!pickle)
    return;
  g_ptr_array_unref (pickle->values);
  g_free (pickle);
}

const CbPickleValue *
cb_pickle_get_root (const CbPickle *pickle)
{
  return pickle->root;
}

static CbPickleValue *
new_value (Machine *m, CbPickleKind kind)
{
  CbPickleValue *v = g_new0 (CbPickleValue, 1);
  v->kind = kind;
  if (kind == CB_PICKLE_TUPLE || kind == CB_PICKLE_LIST || kind == CB_PICKLE_DICT)
    v->items = g_ptr_array_new ();
  g_ptr_array_add (m->pickle->values, v);
  return v;
}

/* Names of opcodes we refuse, for readable messages. */
static const char *
opcode_name (guint8 op)
{
  switch (op)
    {
    case 'c':
      return "GLOBAL";
    case 'R':
      return "REDUCE";
    case 'b':
      return "BUILD";
    case 'i':
      return "INST";
    case 'o':
      return "OBJ";
    case 0x81:
      return "NEWOBJ";
    case 0x92:
      return "NEWOBJ_EX";
    case 0x93:
      return "STACK_GLOBAL";
    case 'P':
      return "PERSID";
    case 'Q':
      return "BINPERSID";
    case 'I':
      return "INT";
    case 'L':
      return "LONG";
    case 'F':
      return "FLOAT";
    case 'S':
      return "STRING";
    case 'T':
      return "BINSTRING";
    case 'U':
      return "SHORT_BINSTRING";
    case 'V':
      return "UNICODE";
    case 0x8b:
      return "LONG4";
    case 0x82:
      return "EXT1";
    case 0x83:
      return "EXT2";
    case 0x84:
      return "EXT4";
    case 'g':
      return "GET";
    case 'p':
      return "PUT";
    case '0':
      return "POP";
    case '1':
      return "POP_MARK";
    case '2':
      return "DUP";
    case 0x8d:
      return "BINUNICODE8";
    case 0x8e:
      return "BINBYTES8";
    case 0x8f:
      return "EMPTY_SET";
    case 0x90:
      return "ADDITEMS";
    case 0x91:
      return "FROZENSET";
    case 0x96:
      return "BYTEARRAY8";
    case 0x97:
      return "NEXT_BUFFER";
    case 0x98:
      return "READONLY_BUFFER";
    default:
      return NULL;
    }
}

G_GNUC_PRINTF (3, 4)
static gboolean
fail (Machine *m, GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;
  const char *name = opcode_name (m->op);
  g_autofree char *op_text = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  if (name)
    op_text = g_strdup (name);
  else if (m->op >= 0x20 && m->op < 0x7f)
    op_text = g_strdup_printf ("0x%02x '%c'", m->op, m->op);
  else
    op_text = g_strdup_printf ("0x%02x", m->op);
  g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: pickle opcode %s at byte %" G_GSIZE_FORMAT ": %s", m->what,
               op_text, m->op_pos, msg);
  return FALSE;
}

static gboolean
need (Machine *m, gsize n, GError **error)
{
  if (m->len - m->pos < n)
    return fail (m, error, "truncated (needs %" G_GSIZE_FORMAT " more bytes)", n);
  return TRUE;
}

static guint64
read_le (const guint8 *p, guint n)
{
  guint64 v = 0;
  for (guint i = 0; i < n; i++)
    v |= (guint64)p[i] << (8 * i);
  return v;
}

static gboolean
push (Machine *m, CbPickleValue *v, GError **error)
{
  if (m->stack->len >= MAX_STACK)
    return fail (m, error, "stack deeper than %d", MAX_STACK);
  g_ptr_array_add (m->stack, v);
  return TRUE;
}

/* The value on top of the stack, above the last MARK; NULL on underflow. */
static CbPickleValue *
top (Machine *m, GError **error)
{
  guint floor = m->marks->len ? g_array_index (m->marks, guint, m->marks->len - 1) : 0;
  if (m->stack->len <= floor)
    {
      fail (m, error, "stack underflow");
      return NULL;
    }
  return g_ptr_array_index (m->stack, m->stack->len - 1);
}

static CbPickleValue *
pop (Machine *m, GError **error)
{
  if (top (m, error) == NULL)
    return NULL;
  return g_ptr_array_steal_index (m->stack, m->stack->len - 1);
}

/* Pops everything above the last MARK into a new array (not owning). */
static GPtrArray *
pop_mark (Machine *m, GError **error)
{
  guint at;
  GPtrArray *items;

  if (m->marks->len == 0)
    {
      fail (m, error, "no MARK on the stack");
      return NULL;
    }
  at = g_array_index (m->marks, guint, m->marks->len - 1);
  g_array_set_size (m->marks, m->marks->len - 1);
  items = g_ptr_array_new ();
  for (guint i = at; i < m->stack->len; i++)
    g_ptr_array_add (items, g_ptr_array_index (m->stack, i));
  g_ptr_array_set_size (m->stack, at);
  return items;
}

static gboolean
memo_put (Machine *m, guint64 index, GError **error)
{
  CbPickleValue *v = top (m, error);
  if (!v)
    return FALSE;
  if (index > MAX_MEMO_INDEX)
    return fail (m, error, "memo index %" G_GUINT64_FORMAT " is too large", index);
  g_hash_table_insert (m->memo, GUINT_TO_POINTER ((guint)index), v);
  return TRUE;
}

static gboolean
memo_get (Machine *m, guint64 index, GError **error)
{
  CbPickleValue *v;
  if (index > MAX_MEMO_INDEX || !(v = g_hash_table_lookup (m->memo, GUINT_TO_POINTER ((guint)index))))
    return fail (m, error, "memo entry %" G_GUINT64_FORMAT " was never stored", index);
  return push (m, v, error);
}

static gboolean
push_int (Machine *m, gint64 i, GError **error)
{
  CbPickleValue *v = new_value (m, CB_PICKLE_INT);
  v->i = i;
  return push (m, v, error);
}

static gboolean
push_string (Machine *m, CbPickleKind kind, gsize n, GError **error)
{
  CbPickleValue *v;
  if (!need (m, n, error))
    return FALSE;
  if (kind == CB_PICKLE_STRING && !g_utf8_validate_len ((const char *)m->data + m->pos, n, NULL))
    return fail (m, error, "string is not valid UTF-8");
  v = new_value (m, kind);
  v->str = g_malloc (n + 1);
  memcpy (v->str, m->data + m->pos, n);
  v->str[n] = '\0';
  v->len = n;
  m->pos += n;
  return push (m, v, error);
}

static gboolean
op_global (Machine *m, GError **error)
{
  /* "module\nname\n" */
  const char *start = (const char *)m->data + m->pos;
  gsize avail = m->len - m->pos;
  const char *nl1 = memchr (start, '\n', avail);
  const char *nl2;
  g_autofree char *module = NULL, *name = NULL;
  CbPickleValue *v;

  if (!nl1 || !(nl2 = memchr (nl1 + 1, '\n', avail - (gsize)(nl1 + 1 - start))))
    return fail (m, error, "truncated global name");
  module = g_strndup (start, (gsize)(nl1 - start));
  name = g_strndup (nl1 + 1, (gsize)(nl2 - nl1 - 1));
  m->pos += (gsize)(nl2 + 1 - start);
  if (!g_utf8_validate (module, -1, NULL) || !g_utf8_validate (name, -1, NULL))
    return fail (m, error, "global name is not valid UTF-8");

  for (gsize i = 0; i < G_N_ELEMENTS (allowed_globals); i++)
    {
      /* CUDA storage types name the same data (the location says where it lived) */
      gboolean cuda_storage = allowed_globals[i].id == GLOBAL_STORAGE && strcmp (module, "torch.cuda") == 0;
      if ((cuda_storage || strcmp (module, allowed_globals[i].module) == 0)
          && strcmp (name, allowed_globals[i].name) == 0)
        {
          v = new_value (m, CB_PICKLE_GLOBAL);
          v->global = allowed_globals[i].id;
          v->dtype = allowed_globals[i].dtype;
          v->str = g_strdup_printf ("%s %s", module, name);
          return push (m, v, error);
        }
    }
  return fail (m, error, "global “%s %s” is not allowed (only a state dict's OrderedDict, tensors and storages are)",
               module, name);
}

static gboolean
op_binpersid (Machine *m, GError **error)
{
  CbPickleValue *pid = pop (m, error);
  CbPickleValue *v, *tag, *type, *key, *loc, *numel;

  if (!pid)
    return FALSE;
  /* zip format: 5 items; legacy format: a 6th, the view metadata (None but for torch < 0.4 views) */
  if (pid->kind != CB_PICKLE_TUPLE || (pid->items->len != 5 && pid->items->len != 6))
    return fail (m, error, "persistent id is not a tuple ('storage', type, key, location, numel)");
  if (pid->items->len == 6 && ((CbPickleValue *)g_ptr_array_index (pid->items, 5))->kind != CB_PICKLE_NONE)
    return fail (m, error, "storage views (files of PyTorch before 0.4) are not supported");
  tag = g_ptr_array_index (pid->items, 0);
  type = g_ptr_array_index (pid->items, 1);
  key = g_ptr_array_index (pid->items, 2);
  loc = g_ptr_array_index (pid->items, 3);
  numel = g_ptr_array_index (pid->items, 4);
  if (tag->kind != CB_PICKLE_STRING || strcmp (tag->str, "storage") != 0)
    return fail (m, error, "persistent id is not a storage");
  if (type->kind != CB_PICKLE_GLOBAL || type->global != GLOBAL_STORAGE)
    return fail (m, error, "persistent id's storage type is not a torch storage type");
  if (key->kind != CB_PICKLE_STRING || key->len == 0 || strchr (key->str, '/') || strstr (key->str, ".."))
    return fail (m, error, "persistent id's storage key is not a plain name");
  if (loc->kind != CB_PICKLE_STRING || numel->kind != CB_PICKLE_INT || numel->i < 0 || (guint64)numel->i > MAX_ELEMENTS)
    return fail (m, error, "persistent id's location or size is invalid");
  v = new_value (m, CB_PICKLE_STORAGE);
  v->dtype = type->dtype;
  v->str = g_strdup (key->str);
  v->len = key->len;
  v->location = g_strdup (loc->str);
  v->numel = (guint64)numel->i;
  return push (m, v, error);
}

static gboolean
int_tuple (const CbPickleValue *t, guint64 *out, guint *n)
{
  if (t->kind != CB_PICKLE_TUPLE || t->items->len > CB_PICKLE_MAX_DIMS)
    return FALSE;
  for (guint i = 0; i < t->items->len; i++)
    {
      const CbPickleValue *e = g_ptr_array_index (t->items, i);
      if (e->kind != CB_PICKLE_INT || e->i < 0 || (guint64)e->i > MAX_ELEMENTS)
        return FALSE;
      out[i] = (guint64)e->i;
    }
  *n = t->items->len;
  return TRUE;
}

/* _rebuild_tensor_v2 (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]) */
static CbPickleValue *
rebuild_tensor (Machine *m, const CbPickleValue *args, GError **error)
{
  const CbPickleValue *storage, *offset;
  CbPickleValue *t;
  guint n_size = 0, n_stride = 0;
  guint64 size[CB_PICKLE_MAX_DIMS], stride[CB_PICKLE_MAX_DIMS];
  guint64 last = 0, count = 1;

  if (args->items->len != 6 && args->items->len != 7)
    {
      fail (m, error, "_rebuild_tensor_v2 takes 6 or 7 arguments, got %u", args->items->len);
      return NULL;
    }
  storage = g_ptr_array_index (args->items, 0);
  offset = g_ptr_array_index (args->items, 1);
  if (storage->kind != CB_PICKLE_STORAGE)
    {
      fail (m, error, "_rebuild_tensor_v2: first argument is a %s, not a storage", cb_pickle_kind_name (storage->kind));
      return NULL;
    }
  if (offset->kind != CB_PICKLE_INT || offset->i < 0 || (guint64)offset->i > MAX_ELEMENTS)
    {
      fail (m, error, "_rebuild_tensor_v2: bad storage offset");
      return NULL;
    }
  if (!int_tuple (g_ptr_array_index (args->items, 2), size, &n_size)
      || !int_tuple (g_ptr_array_index (args->items, 3), stride, &n_stride) || n_size != n_stride)
    {
      fail (m, error, "_rebuild_tensor_v2: size and stride are not matching tuples of at most %d sizes",
            CB_PICKLE_MAX_DIMS);
      return NULL;
    }
  /* every element must lie inside the storage */
  for (guint i = 0; i < n_size; i++)
    {
      if (!g_uint64_checked_mul (&count, count, size[i]) || count > MAX_ELEMENTS)
        {
          fail (m, error, "_rebuild_tensor_v2: tensor too large");
          return NULL;
        }
    }
  if (count > 0)
    {
      last = (guint64)offset->i;
      for (guint i = 0; i < n_size; i++)
        {
          /* stride <= 2^40 and size <= 2^40: the product cannot overflow 64 bits only if checked */
          if (stride[i] != 0 && size[i] - 1 > (G_MAXUINT64 - last) / stride[i])
            {
              fail (m, error, "_rebuild_tensor_v2: strides overflow");
              return NULL;
            }
          last += (size[i] - 1) * stride[i];
        }
      if (last >= storage->numel)
        {
          fail (m, error,
                "_rebuild_tensor_v2: tensor reaches element %" G_GUINT64_FORMAT " of a storage of %" G_GUINT64_FORMAT,
                last, storage->numel);
          return NULL;
        }
    }
  t = new_value (m, CB_PICKLE_TENSOR);
  t->storage = storage;
  t->offset = (guint64)offset->i;
  t->n_dims = n_size;
  t->dtype = storage->dtype;
  memcpy (t->shape, size, sizeof (guint64) * n_size);
  memcpy (t->stride, stride, sizeof (guint64) * n_size);
  return t;
}

static gboolean
op_reduce (Machine *m, GError **error)
{
  CbPickleValue *args = pop (m, error);
  CbPickleValue *func = args ? pop (m, error) : NULL;
  CbPickleValue *result = NULL;

  if (!func)
    return FALSE;
  if (func->kind != CB_PICKLE_GLOBAL)
    return fail (m, error, "REDUCE of a %s (only allowed globals can be called)", cb_pickle_kind_name (func->kind));
  if (args->kind != CB_PICKLE_TUPLE)
    return fail (m, error, "REDUCE arguments are not a tuple");
  switch (func->global)
    {
    case GLOBAL_ORDERED_DICT:
      if (args->items->len != 0)
        return fail (m, error, "OrderedDict called with arguments");
      result = new_value (m, CB_PICKLE_DICT);
      break;
    case GLOBAL_REBUILD_TENSOR_V2:
      result = rebuild_tensor (m, args, error);
      if (!result)
        return FALSE;
      break;
    case GLOBAL_REBUILD_PARAMETER:
      /* _rebuild_parameter (data, requires_grad, backward_hooks): the data */
      if (args->items->len != 3 || ((CbPickleValue *)g_ptr_array_index (args->items, 0))->kind != CB_PICKLE_TENSOR)
        return fail (m, error, "_rebuild_parameter takes (tensor, requires_grad, hooks)");
      result = g_ptr_array_index (args->items, 0);
      break;
    default:
      return fail (m, error, "“%s” cannot be called", func->str);
    }
  return push (m, result, error);
}

static gboolean
op_build (Machine *m, GError **error)
{
  CbPickleValue *state = pop (m, error);
  CbPickleValue *obj = state ? top (m, error) : NULL;

  if (!obj)
    return FALSE;
  /* An OrderedDict's instance attributes (a state dict's _metadata): kept out. */
  if (obj->kind != CB_PICKLE_DICT || (state->kind != CB_PICKLE_DICT && state->kind != CB_PICKLE_NONE))
    return fail (m, error, "BUILD of a %s with a %s state is not allowed", cb_pickle_kind_name (obj->kind),
                 cb_pickle_kind_name (state->kind));
  return TRUE;
}

static gboolean
add_items (Machine *m, CbPickleValue *dict, GPtrArray *items, GError **error)
{
  if (dict->kind != CB_PICKLE_DICT)
    return fail (m, error, "SETITEM(S) on a %s", cb_pickle_kind_name (dict->kind));
  if (items->len % 2 != 0)
    return fail (m, error, "odd number of items for a dict");
  for (guint i = 0; i < items->len; i += 2)
    {
      CbPickleValue *k = g_ptr_array_index (items, i);
      if (k->kind == CB_PICKLE_LIST || k->kind == CB_PICKLE_DICT)
        return fail (m, error, "unhashable dict key (%s)", cb_pickle_kind_name (k->kind));
      g_ptr_array_add (dict->items, k);
      g_ptr_array_add (dict->items, g_ptr_array_index (items, i + 1));
    }
  return TRUE;
}

static gboolean
step (Machine *m, gboolean *stop, GError **error)
{
  CbPickleValue *v, *a, *b, *c;
  g_autoptr (GPtrArray) items = NULL;
  guint64 n;

  m->op_pos = m->pos;
  m->op = m->data[m->pos++];
  switch (m->op)
    {
    case 0x80: /* PROTO */
      if (!need (m, 1, error))
        return FALSE;
      if (m->data[m->pos] > 5)
        return fail (m, error, "unknown protocol %u", m->data[m->pos]);
      m->pos++;
      return TRUE;
    case 0x95: /* FRAME: a length hint only */
      if (!need (m, 8, error))
        return FALSE;
      m->pos += 8;
      return TRUE;
    case '.': /* STOP */
      v = pop (m, error);
      if (!v)
        return FALSE;
      m->pickle->root = v;
      *stop = TRUE;
      return TRUE;
    case '(': /* MARK */
      g_array_append_val (m->marks, m->stack->len);
      return TRUE;
    case '}': /* EMPTY_DICT */
      return push (m, new_value (m, CB_PICKLE_DICT), error);
    case ']': /* EMPTY_LIST */
      return push (m, new_value (m, CB_PICKLE_LIST), error);
    case ')': /* EMPTY_TUPLE */
      return push (m, new_value (m, CB_PICKLE_TUPLE), error);
    case 'N': /* NONE */
      return push (m, new_value (m, CB_PICKLE_NONE), error);
    case 0x88: /* NEWTRUE */
    case 0x89: /* NEWFALSE */
      v = new_value (m, CB_PICKLE_BOOL);
      v->i = m->op == 0x88;
      return push (m, v, error);
    case 'K': /* BININT1 */
      if (!need (m, 1, error))
        return FALSE;
      return push_int (m, m->data[m->pos++], error);
    case 'M': /* BININT2 */
      if (!need (m, 2, error))
        return FALSE;
      n = read_le (m->data + m->pos, 2);
      m->pos += 2;
      return push_int (m, (gint64)n, error);
    case 'J': /* BININT */
      if (!need (m, 4, error))
        return FALSE;
      n = read_le (m->data + m->pos, 4);
      m->pos += 4;
      return push_int (m, (gint32)(guint32)n, error);
    case 0x8a: /* LONG1: little-endian two's complement of n bytes */
      if (!need (m, 1, error))
        return FALSE;
      n = m->data[m->pos++];
      if (n > 8)
        return fail (m, error, "integer of %" G_GUINT64_FORMAT " bytes is too large", n);
      if (!need (m, n, error))
        return FALSE;
      {
        guint64 raw = read_le (m->data + m->pos, (guint)n);
        if (n > 0 && n < 8 && (raw >> (8 * n - 1)) & 1)
          raw |= G_MAXUINT64 << (8 * n); /* sign-extend */
        m->pos += n;
        return push_int (m, (gint64)raw, error);
      }
    case 'G': /* BINFLOAT: big-endian double */
      if (!need (m, 8, error))
        return FALSE;
      {
        guint64 bits = 0;
        double d;
        for (int i = 0; i < 8; i++)
          bits = (bits << 8) | m->data[m->pos + i];
        memcpy (&d, &bits, sizeof d);
        m->pos += 8;
        v = new_value (m, CB_PICKLE_FLOAT);
        v->f = d;
        return push (m, v, error);
      }
    case 'X': /* BINUNICODE */
      if (!need (m, 4, error))
        return FALSE;
      n = read_le (m->data + m->pos, 4);
      m->pos += 4;
      return push_string (m, CB_PICKLE_STRING, n, error);
    case 0x8c: /* SHORT_BINUNICODE */
      if (!need (m, 1, error))
        return FALSE;
      n = m->data[m->pos++];
      return push_string (m, CB_PICKLE_STRING, n, error);
    case 'B': /* BINBYTES */
      if (!need (m, 4, error))
        return FALSE;
      n = read_le (m->data + m->pos, 4);
      m->pos += 4;
      return push_string (m, CB_PICKLE_BYTES, n, error);
    case 'C': /* SHORT_BINBYTES */
      if (!need (m, 1, error))
        return FALSE;
      n = m->data[m->pos++];
      return push_string (m, CB_PICKLE_BYTES, n, error);
    case 'q': /* BINPUT */
      if (!need (m, 1, error))
        return FALSE;
      return memo_put (m, m->data[m->pos++], error);
    case 'r': /* LONG_BINPUT */
      if (!need (m, 4, error))
        return FALSE;
      n = read_le (m->data + m->pos, 4);
      m->pos += 4;
      return memo_put (m, n, error);
    case 0x94: /* MEMOIZE */
      return memo_put (m, g_hash_table_size (m->memo), error);
    case 'h': /* BINGET */
      if (!need (m, 1, error))
        return FALSE;
      return memo_get (m, m->data[m->pos++], error);
    case 'j': /* LONG_BINGET */
      if (!need (m, 4, error))
        return FALSE;
      n = read_le (m->data + m->pos, 4);
      m->pos += 4;
      return memo_get (m, n, error);
    case 'c': /* GLOBAL */
      return op_global (m, error);
    case 'Q': /* BINPERSID */
      return op_binpersid (m, error);
    case 't': /* TUPLE */
    case 'l': /* LIST */
      items = pop_mark (m, error);
      if (!items)
        return FALSE;
      v = new_value (m, m->op == 't' ? CB_PICKLE_TUPLE : CB_PICKLE_LIST);
      g_ptr_array_extend (v->items, items, NULL, NULL);
      return push (m, v, error);
    case 0x85: /* TUPLE1 */
    case 0x86: /* TUPLE2 */
    case 0x87: /* TUPLE3 */
      {
        guint k = (guint)(m->op - 0x84);
        CbPickleValue *e[3];
        for (guint i = 0; i < k; i++)
          if (!(e[k - 1 - i] = pop (m, error)))
            return FALSE;
        v = new_value (m, CB_PICKLE_TUPLE);
        for (guint i = 0; i < k; i++)
          g_ptr_array_add (v->items, e[i]);
        return push (m, v, error);
      }
    case 'd': /* DICT */
      items = pop_mark (m, error);
      if (!items)
        return FALSE;
      v = new_value (m, CB_PICKLE_DICT);
      if (!add_items (m, v, items, error))
        return FALSE;
      return push (m, v, error);
    case 's': /* SETITEM */
      b = pop (m, error);
      a = b ? pop (m, error) : NULL;
      c = a ? top (m, error) : NULL;
      if (!c)
        return FALSE;
      items = g_ptr_array_new ();
      g_ptr_array_add (items, a);
      g_ptr_array_add (items, b);
      return add_items (m, c, items, error);
    case 'u': /* SETITEMS */
      items = pop_mark (m, error);
      if (!items)
        return FALSE;
      c = top (m, error);
      if (!c)
        return FALSE;
      return add_items (m, c, items, error);
    case 'a': /* APPEND */
      a = pop (m, error);
      c = a ? top (m, error) : NULL;
      if (!c)
        return FALSE;
      if (c->kind != CB_PICKLE_LIST)
        return fail (m, error, "APPEND to a %s", cb_pickle_kind_name (c->kind));
      g_ptr_array_add (c->items, a);
      return TRUE;
    case 'e': /* APPENDS */
      items = pop_mark (m, error);
      if (!items)
        return FALSE;
      c = top (m, error);
      if (!c)
        return FALSE;
      if (c->kind != CB_PICKLE_LIST)
        return fail (m, error, "APPENDS to a %s", cb_pickle_kind_name (c->kind));
      g_ptr_array_extend (c->items, items, NULL, NULL);
      return TRUE;
    case 'R': /* REDUCE */
      return op_reduce (m, error);
    case 'b': /* BUILD */
      return op_build (m, error);
    default:
      return fail (m, error, "not allowed (this reader only accepts what torch.save writes for a state dict)");
    }
}

CbPickle *
cb_pickle_parse_at (const guint8 *data, gsize len, gsize start, const char *what, gsize *end, GError **error)
{
  g_autoptr (CbPickle) pickle = g_new0 (CbPickle, 1);
  Machine m = { 0 };
  gboolean stop = FALSE;
  gboolean ok = TRUE;

  pickle->values = g_ptr_array_new_with_free_func (value_free);
  m.pickle = pickle;
  m.data = data;
  m.len = len;
  m.pos = start;
  m.what = what ? what : "pickle";
  m.stack = g_ptr_array_new ();
  m.marks = g_array_new (FALSE, FALSE, sizeof (guint));
  m.memo = g_hash_table_new (NULL, NULL);

  while (ok && !stop)
    {
      if (m.pos >= m.len)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: pickle ends at byte %" G_GSIZE_FORMAT " without STOP",
                       m.what, m.len);
          ok = FALSE;
          break;
        }
      ok = step (&m, &stop, error);
    }

  g_ptr_array_unref (m.stack);
  g_array_unref (m.marks);
  g_hash_table_unref (m.memo);
  if (!ok)
    return NULL;
  if (end)
    *end = m.pos;
  return g_steal_pointer (&pickle);
}

CbPickle *
cb_pickle_parse (const guint8 *data, gsize len, const char *what, GError **error)
{
  return cb_pickle_parse_at (data, len, 0, what, NULL, error);
}
