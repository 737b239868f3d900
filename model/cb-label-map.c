/* cb-label-map.c: a painted semantic label map; one byte per pixel = class id, 255 = void
 *
 * Accepted PNGs (decided here; to be copied into docs/FORMATS.md):
 *   - indexed, 1..8 bits: index = class id; with a class set, every used id
 *     must be a class (or void) and its palette colour must be the class
 *     colour (a map painted with another class set is refused);
 *   - grey 8-bit (or fewer bits): value = class id;
 *   - RGB 8-bit: exact colour match against the class colours, void_color = void;
 *   - RGBA / grey+alpha 8-bit: as RGB / grey when every pixel is opaque,
 *     otherwise CB_ERROR_UNSUPPORTED (what a transparent pixel means is unclear);
 *   - 16-bit: CB_ERROR_UNSUPPORTED.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-label-map.h"
#include "cb-error.h"
#include "cb-fileutil.h"
#include "cb-png-private.h"

#include <math.h>
#include <string.h>

/* How many unknown colours or ids an error message lists before "and N more". */
#define MAX_LISTED 12

CbLabelMap *
cb_label_map_new (guint width, guint height)
{
  CbLabelMap *map;

  g_return_val_if_fail (width > 0 && height > 0, NULL);
  g_return_val_if_fail (width <= CB_LABEL_MAP_MAX_SIDE && height <= CB_LABEL_MAP_MAX_SIDE, NULL);

  map = g_new0 (CbLabelMap, 1);
  map->width = width;
  map->height = height;
  map->ids = g_malloc ((gsize)width * height);
  memset (map->ids, CB_VOID_ID, (gsize)width * height);
  return map;
}

CbLabelMap *
cb_label_map_copy (const CbLabelMap *map)
{
  CbLabelMap *copy = g_new0 (CbLabelMap, 1);
  copy->width = map->width;
  copy->height = map->height;
  copy->ids = g_memdup2 (map->ids, (gsize)map->width * map->height);
  return copy;
}

void
cb_label_map_free (CbLabelMap *map)
{
  if (map == NULL)
    return;
  g_free (map->ids);
  g_free (map);
}

/* Distinct offending values (ids or colours) with the first pixel of each. */
typedef struct
{
  GHashTable *seen; /* value -> TRUE */
  GString *list;
  guint n;
} Offenders;

static void
offenders_init (Offenders *o)
{
  o->seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  o->list = g_string_new (NULL);
  o->n = 0;
}

static void
offenders_clear (Offenders *o)
{
  g_hash_table_unref (o->seen);
  g_string_free (o->list, TRUE);
}

static void
offenders_add (Offenders *o, guint32 value, const char *text, guint x, guint y)
{
  if (!g_hash_table_add (o->seen, GUINT_TO_POINTER (value)))
    return;
  if (o->n < MAX_LISTED)
    g_string_append_printf (o->list, "%s%s at (%u, %u)", o->n ? ", " : "", text, x, y);
  o->n++;
}

static void
offenders_finish (Offenders *o)
{
  if (o->n > MAX_LISTED)
    g_string_append_printf (o->list, " and %u more", o->n - MAX_LISTED);
}

/* Checks that every id is void or a class of classes, and for indexed PNGs
 * that the palette agrees with the class colours. */
static gboolean
check_ids (const CbLabelMap *map, const CbClassSet *classes, const CbPngRaw *raw, const char *where, GError **error)
{
  gboolean known[256] = { FALSE };
  guint64 counts[256];
  Offenders bad;
  gboolean ok = TRUE;

  known[CB_VOID_ID] = TRUE;
  for (guint i = 0; i < cb_class_set_get_n_classes (classes); i++)
    known[cb_class_set_get (classes, i)->id] = TRUE;

  offenders_init (&bad);
  for (guint y = 0; y < map->height; y++)
    for (guint x = 0; x < map->width; x++)
      {
        guint8 id = map->ids[(gsize)y * map->width + x];
        if (!known[id])
          {
            g_autofree char *text = g_strdup_printf ("%u", id);
            offenders_add (&bad, id, text, x, y);
          }
      }
  if (bad.n > 0)
    {
      offenders_finish (&bad);
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "%s: %u class id%s not in the class set “%s”: %s", where, bad.n,
                   bad.n == 1 ? " is" : "s are", classes->name, bad.list->str);
      ok = FALSE;
    }
  offenders_clear (&bad);
  if (!ok || raw == NULL || raw->kind != CB_PNG_INDEXED)
    return ok;

  cb_label_map_count (map, counts);
  offenders_init (&bad);
  for (guint id = 0; id < CB_VOID_ID; id++)
    {
      const CbClass *c;
      if (counts[id] == 0 || id >= raw->n_palette)
        continue;
      c = cb_class_set_lookup_id (classes, id);
      if (raw->palette[id] != c->color)
        {
          g_autofree char *pc = cb_color_to_string (raw->palette[id]);
          g_autofree char *cc = cb_color_to_string (c->color);
          g_autofree char *text
            = g_strdup_printf ("id %u “%s” is %s in the palette, %s in the class set", id, c->name, pc, cc);
          if (bad.n < MAX_LISTED)
            g_string_append_printf (bad.list, "%s%s", bad.n ? "; " : "", text);
          bad.n++;
        }
    }
  if (bad.n > 0)
    {
      offenders_finish (&bad);
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH,
                   "%s: the palette does not match the class set “%s” (painted with another class set?): %s", where,
                   classes->name, bad.list->str);
      ok = FALSE;
    }
  offenders_clear (&bad);
  return ok;
}

/* First pixel whose alpha is not 255, or FALSE. */
static gboolean
find_transparent (const CbPngRaw *raw, guint *px, guint *py, guint *alpha)
{
  gsize n = (gsize)raw->width * raw->height;
  for (gsize i = 0; i < n; i++)
    {
      guint8 a = raw->pixels[i * raw->channels + raw->channels - 1];
      if (a != 255)
        {
          *px = (guint)(i % raw->width);
          *py = (guint)(i / raw->width);
          *alpha = a;
          return TRUE;
        }
    }
  return FALSE;
}

static CbLabelMap *
from_rgb (const CbPngRaw *raw, const CbClassSet *classes, const char *where, GError **error)
{
  g_autoptr (GHashTable) lut = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr (CbLabelMap) map = NULL;
  Offenders bad;
  guint32 last_color = 0;
  guint8 last_id = 0;
  gboolean have_last = FALSE;

  /* value = id + 1 so that id 0 is not NULL */
  for (guint i = 0; i < cb_class_set_get_n_classes (classes); i++)
    {
      const CbClass *c = cb_class_set_get (classes, i);
      g_hash_table_insert (lut, GUINT_TO_POINTER (c->color), GUINT_TO_POINTER (c->id + 1));
    }
  g_hash_table_insert (lut, GUINT_TO_POINTER (classes->void_color), GUINT_TO_POINTER (CB_VOID_ID + 1));

  map = cb_label_map_new (raw->width, raw->height);
  offenders_init (&bad);
  for (guint y = 0; y < raw->height; y++)
    for (guint x = 0; x < raw->width; x++)
      {
        gsize i = (gsize)y * raw->width + x;
        const guint8 *p = raw->pixels + i * raw->channels;
        guint32 color = ((guint32)p[0] << 16) | ((guint32)p[1] << 8) | p[2];
        guint v;

        /* label maps are mostly runs of one colour */
        if (have_last && color == last_color)
          {
            map->ids[i] = last_id;
            continue;
          }
        v = GPOINTER_TO_UINT (g_hash_table_lookup (lut, GUINT_TO_POINTER (color)));
        if (v == 0)
          {
            g_autofree char *text = cb_color_to_string (color);
            offenders_add (&bad, color, text, x, y);
            have_last = FALSE;
            continue;
          }
        map->ids[i] = last_id = (guint8)(v - 1);
        last_color = color;
        have_last = TRUE;
      }
  if (bad.n > 0)
    {
      offenders_finish (&bad);
      g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH, "%s: %u colour%s not in the class set “%s”: %s", where, bad.n,
                   bad.n == 1 ? " is" : "s are", classes->name, bad.list->str);
      offenders_clear (&bad);
      return NULL;
    }
  offenders_clear (&bad);
  return g_steal_pointer (&map);
}

static CbLabelMap *
load_data (const guint8 *data, gsize size, const char *where, const CbClassSet *classes, GError **error)
{
  CbPngRaw raw;
  g_autofree guint8 *pixels = NULL;
  g_autoptr (CbLabelMap) map = NULL;
  guint x, y, alpha;

  if (!cb_png_read_raw (data, size, where, FALSE, CB_LABEL_MAP_MAX_SIDE, &raw, error))
    return NULL;
  pixels = raw.pixels;

  if ((raw.kind == CB_PNG_RGBA || raw.kind == CB_PNG_GREY_ALPHA) && find_transparent (&raw, &x, &y, &alpha))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED,
                   "%s: the label map has transparent pixels (alpha %u at (%u, %u)); save it without transparency",
                   where, alpha, x, y);
      return NULL;
    }

  switch (raw.kind)
    {
    case CB_PNG_INDEXED:
    case CB_PNG_GREY:
    case CB_PNG_GREY_ALPHA:
      map = g_new0 (CbLabelMap, 1);
      map->width = raw.width;
      map->height = raw.height;
      if (raw.channels == 1)
        map->ids = g_steal_pointer (&pixels);
      else
        {
          gsize n = (gsize)raw.width * raw.height;
          map->ids = g_malloc (n);
          for (gsize i = 0; i < n; i++)
            map->ids[i] = raw.pixels[2 * i];
        }
      if (classes != NULL && !check_ids (map, classes, &raw, where, error))
        return NULL;
      return g_steal_pointer (&map);
    case CB_PNG_RGB:
    case CB_PNG_RGBA:
      if (classes == NULL)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_INVALID,
                       "%s: an RGB label map needs a class set to map its colours to classes", where);
          return NULL;
        }
      return from_rgb (&raw, classes, where, error);
    default:
      g_assert_not_reached ();
    }
}

CbLabelMap *
cb_label_map_load_from_bytes (GBytes *png, const char *display_name, const CbClassSet *classes, GError **error)
{
  gsize size;
  const guint8 *data;

  g_return_val_if_fail (png != NULL, NULL);
  data = g_bytes_get_data (png, &size);
  return load_data (data, size, display_name ? display_name : "(memory)", classes, error);
}

CbLabelMap *
cb_label_map_load (const char *path, const CbClassSet *classes, GError **error)
{
  g_autoptr (GMappedFile) mapped = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  mapped = cb_png_map_file (path, error);
  if (mapped == NULL)
    return NULL;
  return load_data ((const guint8 *)g_mapped_file_get_contents (mapped), g_mapped_file_get_length (mapped), path,
                    classes, error);
}

/* Every id must have a colour before the map is written. */
static gboolean
check_ids_for_save (const CbLabelMap *map, const CbClassSet *classes, const char *where, GError **error)
{
  if (classes == NULL)
    return TRUE;
  return check_ids (map, classes, NULL, where, error);
}

GBytes *
cb_label_map_to_png_bytes (const CbLabelMap *map, const CbClassSet *classes, GError **error)
{
  guint32 palette[256];

  g_return_val_if_fail (map != NULL, NULL);

  if (!check_ids_for_save (map, classes, "label map", error))
    return NULL;
  /* 256 entries so that every index is valid; unused entries are grey
   * levels without a class set, black with one */
  for (guint i = 0; i < 256; i++)
    palette[i] = classes ? 0 : (i << 16) | (i << 8) | i;
  if (classes != NULL)
    {
      for (guint i = 0; i < cb_class_set_get_n_classes (classes); i++)
        {
          const CbClass *c = cb_class_set_get (classes, i);
          palette[c->id] = c->color;
        }
      palette[CB_VOID_ID] = classes->void_color;
    }
  return cb_png_write_raw (map->width, map->height, CB_PNG_INDEXED, map->ids, palette, 256, "label map", error);
}

static gboolean
save_bytes (GBytes *png, const char *path, GError **error)
{
  return cb_file_set_contents_atomic (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), error);
}

gboolean
cb_label_map_save (const CbLabelMap *map, const CbClassSet *classes, const char *path, GError **error)
{
  g_autoptr (GBytes) png = NULL;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (map != NULL && path != NULL, FALSE);
  png = cb_label_map_to_png_bytes (map, classes, &local);
  if (png == NULL)
    {
      g_set_error (error, CB_ERROR, local->code, "%s: %s", path, local->message);
      return FALSE;
    }
  return save_bytes (png, path, error);
}

GBytes *
cb_label_map_to_rgb_png_bytes (const CbLabelMap *map, const CbClassSet *classes, GError **error)
{
  g_autofree guint8 *rgb = NULL;
  guint32 colors[256] = { 0 };
  gsize n;

  g_return_val_if_fail (map != NULL && classes != NULL, NULL);

  if (!check_ids_for_save (map, classes, "label map", error))
    return NULL;
  for (guint i = 0; i < cb_class_set_get_n_classes (classes); i++)
    {
      const CbClass *c = cb_class_set_get (classes, i);
      colors[c->id] = c->color;
    }
  colors[CB_VOID_ID] = classes->void_color;

  n = (gsize)map->width * map->height;
  rgb = g_malloc (n * 3);
  for (gsize i = 0; i < n; i++)
    {
      guint32 c = colors[map->ids[i]];
      rgb[3 * i] = (guint8)(c >> 16);
      rgb[3 * i + 1] = (guint8)(c >> 8);
      rgb[3 * i + 2] = (guint8)c;
    }
  return cb_png_write_raw (map->width, map->height, CB_PNG_RGB, rgb, NULL, 0, "label map", error);
}

gboolean
cb_label_map_save_rgb (const CbLabelMap *map, const CbClassSet *classes, const char *path, GError **error)
{
  g_autoptr (GBytes) png = NULL;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (map != NULL && classes != NULL && path != NULL, FALSE);
  png = cb_label_map_to_rgb_png_bytes (map, classes, &local);
  if (png == NULL)
    {
      g_set_error (error, local->domain, local->code, "%s: %s", path, local->message);
      return FALSE;
    }
  return save_bytes (png, path, error);
}

guint
cb_nearest_source_index (guint dst, guint in_size, guint out_size)
{
  /* PyTorch: scale = (float) in / out; src = min (floor (dst * scale), in - 1),
   * all in single precision (FLT_EVAL_METHOD 0 on x86-64 and aarch64). */
  float scale = (float)in_size / (float)out_size;
  float v = (float)dst * scale;
  guint src = (guint)floorf (v);
  return MIN (src, in_size - 1);
}

CbLabelMap *
cb_label_map_resize_nearest (const CbLabelMap *map, guint width, guint height)
{
  CbLabelMap *out = cb_label_map_new (width, height);
  g_autofree guint *xs = g_new (guint, width);

  for (guint x = 0; x < width; x++)
    xs[x] = cb_nearest_source_index (x, map->width, width);
  for (guint y = 0; y < height; y++)
    {
      const guint8 *src = map->ids + (gsize)cb_nearest_source_index (y, map->height, height) * map->width;
      guint8 *dst = out->ids + (gsize)y * width;
      for (guint x = 0; x < width; x++)
        dst[x] = src[xs[x]];
    }
  return out;
}

void
cb_label_map_count (const CbLabelMap *map, guint64 counts[256])
{
  gsize n = (gsize)map->width * map->height;
  memset (counts, 0, 256 * sizeof (guint64));
  for (gsize i = 0; i < n; i++)
    counts[map->ids[i]]++;
}
