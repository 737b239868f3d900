/* cb-class-set.h: a set of semantic classes (DESIGN §3, the datasets' classes.json)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CB_VOID_ID 255
#define CB_MAX_CLASSES 255 /* ids 0..254; 255 is void */

typedef struct {
  guint id;            /* 0..254, also the index in the label map */
  char *name;
  guint32 color;       /* 0xRRGGBB */
  GStrv synonyms;      /* may be NULL */
} CbClass;

typedef struct {
  char *name;
  guint32 void_color;  /* 0xRRGGBB, default black, differs from every class colour */
  GPtrArray *classes;  /* of CbClass*, sorted by id; ids need not be contiguous */
  char *source;        /* may be NULL */
  char *licence;       /* may be NULL */
} CbClassSet;

CbClassSet *cb_class_set_new (const char *name);
CbClassSet *cb_class_set_load (const char *path, GError **error);
CbClassSet *cb_class_set_from_json (JsonNode *node, const char *where, GError **error);
CbClassSet *cb_class_set_copy (const CbClassSet *set);
JsonNode *cb_class_set_to_json (const CbClassSet *set);
gboolean cb_class_set_save (const CbClassSet *set, const char *path, GError **error);
void cb_class_set_free (CbClassSet *set);

/* adds a class (takes a copy of name/synonyms); fails on duplicate id/colour/name */
gboolean cb_class_set_add (CbClassSet *set, guint id, const char *name, guint32 color, const char *const *synonyms,
                           GError **error);
guint cb_class_set_get_n_classes (const CbClassSet *set);
const CbClass *cb_class_set_get (const CbClassSet *set, guint index);
const CbClass *cb_class_set_lookup_id (const CbClassSet *set, guint id);
const CbClass *cb_class_set_lookup_name (const CbClassSet *set, const char *name); /* case-insensitive */
/* index of the class with that id in get() order, or -1 */
int cb_class_set_index_of_id (const CbClassSet *set, guint id);

gboolean cb_color_parse (const char *text, guint32 *color); /* "#rrggbb" */
char *cb_color_to_string (guint32 color);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbClassSet, cb_class_set_free)

G_END_DECLS
