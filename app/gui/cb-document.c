/* cb-document.c: label map, classes, undo and seeds of one window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-document.h"

#include <glib/gi18n.h>

#include <string.h>

static guint64
random_seed (void)
{
  /* seeds the person can read and type back: 0 .. 2^32 - 1 */
  return (guint64)g_random_int ();
}

static void
reset_class_seeds (CbDocument *doc)
{
  g_clear_pointer (&doc->has_class_seed, g_free);
  g_clear_pointer (&doc->class_seed, g_free);
  g_clear_pointer (&doc->class_ids, g_free);
  doc->n_class_seeds = doc->classes ? cb_class_set_get_n_classes (doc->classes) : 0;
  doc->has_class_seed = g_new0 (gboolean, MAX (doc->n_class_seeds, 1));
  doc->class_seed = g_new0 (guint64, MAX (doc->n_class_seeds, 1));
  doc->class_ids = g_new0 (guint, MAX (doc->n_class_seeds, 1));
  for (guint i = 0; i < doc->n_class_seeds; i++)
    doc->class_ids[i] = cb_class_set_get (doc->classes, i)->id;
}

CbDocument *
cb_document_new (CbClassSet *classes, guint width, guint height)
{
  CbDocument *doc = g_new0 (CbDocument, 1);

  doc->classes = classes;
  doc->map = cb_label_map_new (width, height);
  doc->undo = cb_undo_stack_new (CB_UNDO_DEFAULT_BUDGET);
  doc->seed = random_seed ();
  reset_class_seeds (doc);
  return doc;
}

void
cb_document_free (CbDocument *doc)
{
  if (doc == NULL)
    return;
  g_clear_pointer (&doc->map, cb_label_map_free);
  g_clear_pointer (&doc->classes, cb_class_set_free);
  g_clear_pointer (&doc->profile, cb_profile_free);
  g_clear_pointer (&doc->undo, cb_undo_stack_free);
  g_free (doc->has_class_seed);
  g_free (doc->class_seed);
  g_free (doc->class_ids);
  g_clear_object (&doc->label_file);
  g_clear_object (&doc->project_file);
  g_free (doc);
}

void
cb_document_set_classes (CbDocument *doc, CbClassSet *classes)
{
  gboolean known[256] = { FALSE };
  gboolean changed = FALSE;

  g_clear_pointer (&doc->classes, cb_class_set_free);
  doc->classes = classes;
  reset_class_seeds (doc);

  for (guint i = 0; i < cb_class_set_get_n_classes (classes); i++)
    known[cb_class_set_get (classes, i)->id] = TRUE;
  known[CB_VOID_ID] = TRUE;
  for (gsize i = 0; i < (gsize)doc->map->width * doc->map->height; i++)
    if (!known[doc->map->ids[i]])
      {
        doc->map->ids[i] = CB_VOID_ID;
        changed = TRUE;
      }
  if (changed)
    cb_undo_stack_clear (doc->undo);
}

void
cb_document_replace_map (CbDocument *doc, CbLabelMap *map)
{
  g_clear_pointer (&doc->map, cb_label_map_free);
  doc->map = map;
  cb_undo_stack_clear (doc->undo);
  cb_document_mark_saved (doc);
}

void
cb_document_get_seeds (const CbDocument *doc, CbSeeds *seeds)
{
  memset (seeds, 0, sizeof *seeds);
  seeds->seed = doc->seed;
  seeds->n_class_seeds = doc->n_class_seeds;
  seeds->has_class_seed = doc->has_class_seed;
  seeds->class_seed = doc->class_seed;
  seeds->class_ids = doc->class_ids;
}

void
cb_document_reroll (CbDocument *doc)
{
  doc->seed = random_seed ();
  reset_class_seeds (doc);
}

void
cb_document_set_seed (CbDocument *doc, guint64 seed)
{
  doc->seed = seed;
}

void
cb_document_reroll_class (CbDocument *doc, guint index)
{
  g_return_if_fail (index < doc->n_class_seeds);
  doc->has_class_seed[index] = TRUE;
  doc->class_seed[index] = random_seed ();
}

void
cb_document_reset_class_seed (CbDocument *doc, guint index)
{
  g_return_if_fail (index < doc->n_class_seeds);
  doc->has_class_seed[index] = FALSE;
  doc->class_seed[index] = 0;
}

gboolean
cb_document_load_labels (CbDocument *doc, GFile *file, GError **error)
{
  g_autofree char *path = g_file_get_path (file);
  CbLabelMap *map;

  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _ ("Only local files can be opened"));
      return FALSE;
    }
  map = cb_label_map_load (path, doc->classes, error);
  if (map == NULL)
    return FALSE;
  cb_document_replace_map (doc, map);
  g_set_object (&doc->label_file, file);
  return TRUE;
}

gboolean
cb_document_save_labels (CbDocument *doc, GFile *file, GError **error)
{
  g_autofree char *path = g_file_get_path (file);

  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _ ("Only local files can be written"));
      return FALSE;
    }
  if (!cb_label_map_save (doc->map, doc->classes, path, error))
    return FALSE;
  g_set_object (&doc->label_file, file);
  cb_document_mark_saved (doc);
  return TRUE;
}

CbProject *
cb_document_to_project (const CbDocument *doc, const char *model_path, const char *model_sha256, const CbImage *image)
{
  CbProject *project = cb_project_new ();

  project->model_path = g_strdup (model_path);
  project->model_sha256 = g_strdup (model_sha256);
  project->seed = doc->seed;
  for (guint i = 0; i < doc->n_class_seeds; i++)
    if (doc->has_class_seed[i])
      {
        CbClassSeed cs = { doc->class_ids[i], doc->class_seed[i] };

        g_array_append_val (project->class_seeds, cs);
      }
  project->classes = cb_class_set_copy (doc->classes);
  project->profile = doc->profile ? cb_project_copy_profile (doc->profile) : NULL;
  project->labels = cb_label_map_copy (doc->map);
  if (image != NULL)
    {
      project->image = cb_image_new (image->width, image->height);
      memcpy (project->image->rgb, image->rgb, (gsize)image->width * image->height * 3);
    }
  return project;
}

void
cb_document_take_project (CbDocument *doc, CbProject *project)
{
  g_clear_pointer (&doc->classes, cb_class_set_free);
  g_clear_pointer (&doc->profile, cb_profile_free);
  doc->classes = g_steal_pointer (&project->classes);
  doc->profile = g_steal_pointer (&project->profile);
  reset_class_seeds (doc);
  doc->seed = project->seed;
  for (guint k = 0; k < project->class_seeds->len; k++)
    {
      const CbClassSeed *cs = &g_array_index (project->class_seeds, CbClassSeed, k);
      int index = cb_class_set_index_of_id (doc->classes, cs->id);

      if (index < 0)
        continue;
      doc->has_class_seed[index] = TRUE;
      doc->class_seed[index] = cs->seed;
    }
  cb_document_replace_map (doc, g_steal_pointer (&project->labels));
}

void
cb_document_set_profile (CbDocument *doc, CbProfile *profile, CbClassSet *classes, const guint8 *table)
{
  g_clear_pointer (&doc->profile, cb_profile_free);
  doc->profile = profile;
  if (profile != NULL)
    {
      g_clear_pointer (&classes, cb_class_set_free);
      classes = cb_class_set_copy (profile->target);
    }
  g_clear_pointer (&doc->classes, cb_class_set_free);
  doc->classes = classes;
  reset_class_seeds (doc);
  if (table != NULL)
    cb_label_map_apply_remap (doc->map, table);
  else
    memset (doc->map->ids, CB_VOID_ID, (gsize)doc->map->width * doc->map->height);
  cb_undo_stack_clear (doc->undo);
}

gboolean
cb_document_is_blank (const CbDocument *doc)
{
  for (gsize i = 0; i < (gsize)doc->map->width * doc->map->height; i++)
    if (doc->map->ids[i] != CB_VOID_ID)
      return FALSE;
  return TRUE;
}

CbClassSet *
cb_document_default_classes (void)
{
  static const struct
  {
    const char *name;
    guint32 color;
  } camvid[] = {
    { "sky", 0x808080 },      { "building", 0x800000 },   { "pole", 0xc0c080 },        { "road", 0x804080 },
    { "pavement", 0x3c28de }, { "tree", 0x808000 },       { "sign symbol", 0xc08080 }, { "fence", 0x404080 },
    { "car", 0x400080 },      { "pedestrian", 0x404000 }, { "bicyclist", 0x0080c0 },
  };
  CbClassSet *set = cb_class_set_new ("CamVid (SegNet 11-class)");

  for (guint i = 0; i < G_N_ELEMENTS (camvid); i++)
    cb_class_set_add (set, i, camvid[i].name, camvid[i].color, NULL, NULL);
  return set;
}

void
cb_document_mark_saved (CbDocument *doc)
{
  doc->modified = FALSE;
  doc->changed_beyond_map = FALSE;
  cb_undo_stack_mark_clean (doc->undo);
}

void
cb_document_mark_unsaved (CbDocument *doc)
{
  doc->modified = TRUE;
  doc->changed_beyond_map = TRUE;
}

void
cb_document_update_modified (CbDocument *doc)
{
  doc->modified = doc->changed_beyond_map || !cb_undo_stack_is_clean (doc->undo);
}
