/* cb-example-folder.c: hand-painted examples as a dataset folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-example-folder.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "model/cb-error.h"
#include "model/cb-fileutil.h"

static gboolean
same_classes (const CbClassSet *a, const CbClassSet *b)
{
  guint n = cb_class_set_get_n_classes (a);

  if (n != cb_class_set_get_n_classes (b) || a->void_color != b->void_color)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      const CbClass *x = cb_class_set_get (a, i), *y = cb_class_set_get (b, i);

      if (x->id != y->id || x->color != y->color || g_ascii_strcasecmp (x->name, y->name) != 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
make_dir (const char *path, GError **error)
{
  if (g_mkdir_with_parents (path, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, CB_ERROR, CB_ERROR_IO, _ ("Could not create “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static char *
stem_of (const char *photo_path)
{
  g_autofree char *base = g_path_get_basename (photo_path);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  for (char *p = base; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      *p = '_';
  return g_steal_pointer (&base);
}

static gboolean
stem_taken (const char *dir, const char *stem)
{
  static const char *const suffixes[] = { ".jpg", ".jpeg", ".png" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (stem, suffixes[i], NULL);
      g_autofree char *image = g_build_filename (dir, "images", name, NULL);

      if (g_file_test (image, G_FILE_TEST_EXISTS))
        return TRUE;
    }
  {
    g_autofree char *name = g_strconcat (stem, ".png", NULL);
    g_autofree char *label = g_build_filename (dir, "labels", name, NULL);

    return g_file_test (label, G_FILE_TEST_EXISTS);
  }
}

char *
cb_example_folder_add (const char *dir, const CbClassSet *classes, const char *photo_path, const CbLabelMap *labels,
                       GError **error)
{
  g_autofree char *images = g_build_filename (dir, "images", NULL);
  g_autofree char *labels_dir = g_build_filename (dir, "labels", NULL);
  g_autofree char *classes_path = g_build_filename (dir, "classes.json", NULL);
  g_autofree char *train = g_build_filename (dir, "train.txt", NULL);
  g_autofree char *bytes = NULL;
  g_autofree char *base = NULL, *stem = NULL, *image_path = NULL, *label_path = NULL, *name = NULL;
  g_autofree char *listed = NULL;
  g_autoptr (GString) text = NULL;
  const char *suffix;
  gsize length = 0;

  if (!g_file_get_contents (photo_path, &bytes, &length, error))
    return NULL;
  if (length >= 3 && (guchar)bytes[0] == 0xff && (guchar)bytes[1] == 0xd8 && (guchar)bytes[2] == 0xff)
    suffix = ".jpg";
  else if (length >= 8 && memcmp (bytes, "\x89PNG\r\n\x1a\n", 8) == 0)
    suffix = ".png";
  else
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, _ ("%s: neither a JPEG nor a PNG photo"), photo_path);
      return NULL;
    }
  if (!make_dir (images, error) || !make_dir (labels_dir, error))
    return NULL;
  if (g_file_test (classes_path, G_FILE_TEST_EXISTS))
    {
      g_autoptr (CbClassSet) existing = cb_class_set_load (classes_path, error);

      if (existing == NULL)
        return NULL;
      if (!same_classes (existing, classes))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH,
                       _ ("%s holds examples of other classes (“%s”): choose another folder"), dir,
                       existing->name ? existing->name : "untitled");
          return NULL;
        }
    }
  else if (!cb_class_set_save (classes, classes_path, error))
    return NULL;

  base = stem_of (photo_path);
  stem = g_strdup (base);
  for (guint n = 2; stem_taken (dir, stem); n++)
    {
      g_free (stem);
      stem = g_strdup_printf ("%s-%u", base, n);
    }
  name = g_strconcat (stem, suffix, NULL);
  image_path = g_build_filename (images, name, NULL);
  g_free (name);
  name = g_strconcat (stem, ".png", NULL);
  label_path = g_build_filename (labels_dir, name, NULL);
  if (!cb_file_set_contents_atomic (image_path, bytes, length, error))
    return NULL;
  if (!cb_label_map_save (labels, classes, label_path, error))
    {
      g_unlink (image_path);
      return NULL;
    }
  /* the split file last: a listed stem always has its photo and labels */
  if (!g_file_get_contents (train, &listed, NULL, NULL))
    listed = g_strdup ("");
  text = g_string_new (listed);
  if (text->len > 0 && text->str[text->len - 1] != '\n')
    g_string_append_c (text, '\n');
  g_string_append_printf (text, "%s\n", stem);
  if (!cb_file_set_contents_atomic (train, text->str, text->len, error))
    return NULL;
  return g_steal_pointer (&stem);
}

guint
cb_example_folder_count (const char *dir)
{
  g_autofree char *train = g_build_filename (dir, "train.txt", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint n = 0;

  if (!g_file_get_contents (train, &text, NULL, NULL))
    return 0;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    n += *g_strstrip (lines[i]) != '\0';
  return n;
}
