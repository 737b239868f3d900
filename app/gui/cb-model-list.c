/* cb-model-list.c: the models the picker offers, and the OASIS import in a thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-model-list.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "model/cb-model.h"
#include "model/cb-safetensors.h"

#define MODEL_SUFFIX ".safetensors"

void
cb_model_entry_free (CbModelEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->path);
  g_free (entry->name);
  g_free (entry);
}

char *
cb_model_list_user_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "catbrush", "models", NULL);
}

/* model_card.name of the file's catbrush.config, or NULL; only the header is
 * read (the weights stay mapped, untouched) */
static char *
card_name (const char *path)
{
  g_autoptr (CbSafetensors) st = cb_safetensors_open (path, NULL);
  const char *text = st != NULL ? cb_safetensors_get_metadata (st, "catbrush.config") : NULL;
  if (text == NULL)
    return NULL;
  g_autoptr (JsonNode) root = json_from_string (text, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  JsonNode *card = json_object_get_member (json_node_get_object (root), "model_card");
  if (card == NULL || !JSON_NODE_HOLDS_OBJECT (card))
    return NULL;
  JsonNode *name = json_object_get_member (json_node_get_object (card), "name");
  if (name == NULL || json_node_get_value_type (name) != G_TYPE_STRING || *json_node_get_string (name) == '\0')
    return NULL;
  return g_strdup (json_node_get_string (name));
}

static CbModelEntry *
entry_new (const char *path, gboolean bundled)
{
  CbModelEntry *entry = g_new0 (CbModelEntry, 1);
  g_autofree char *base = g_path_get_basename (path);

  if (g_str_has_suffix (base, MODEL_SUFFIX) && strlen (base) > strlen (MODEL_SUFFIX))
    base[strlen (base) - strlen (MODEL_SUFFIX)] = '\0';
  /* the card's name says what a model is; the file name tells two apart */
  g_autofree char *card = card_name (path);
  if (card != NULL && g_strcmp0 (card, base) != 0)
    {
      g_autofree char *both = g_strdup_printf ("%s — %s", card, base);
      g_free (base);
      base = g_steal_pointer (&both);
    }
  entry->path = g_strdup (path);
  entry->name = bundled ? g_strdup_printf (_ ("%s (bundled)"), base) : g_steal_pointer (&base);
  entry->bundled = bundled;
  return entry;
}

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  const CbModelEntry *x = *(CbModelEntry *const *)a, *y = *(CbModelEntry *const *)b;
  g_autofree char *kx = g_utf8_collate_key_for_filename (x->name, -1);
  g_autofree char *ky = g_utf8_collate_key_for_filename (y->name, -1);

  return strcmp (kx, ky);
}

/* Same file: same device and inode when both exist, else the same canonical path. */
static gboolean
same_file (const char *a, const char *b)
{
  GStatBuf sa, sb;
  g_autofree char *ca = NULL, *cb = NULL;

  if (g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0)
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  ca = g_canonicalize_filename (a, NULL);
  cb = g_canonicalize_filename (b, NULL);
  return g_str_equal (ca, cb);
}

int
cb_model_list_find (GPtrArray *models, const char *path)
{
  if (path == NULL)
    return -1;
  for (guint i = 0; i < models->len; i++)
    if (same_file (((CbModelEntry *)g_ptr_array_index (models, i))->path, path))
      return (int)i;
  return -1;
}

GPtrArray *
cb_model_list_scan (const char *extra_path)
{
  GPtrArray *models = g_ptr_array_new_with_free_func ((GDestroyNotify)cb_model_entry_free);
  g_autoptr (GPtrArray) user = g_ptr_array_new_with_free_func ((GDestroyNotify)cb_model_entry_free);
  g_autofree char *bundled = cb_model_find_default ();
  g_autofree char *dir_path = cb_model_list_user_dir ();
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  if (bundled != NULL && g_file_test (bundled, G_FILE_TEST_IS_REGULAR))
    g_ptr_array_add (models, entry_new (bundled, TRUE));
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;

      if (!g_str_has_suffix (name, MODEL_SUFFIX) || name[0] == '.')
        continue;
      path = g_build_filename (dir_path, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR) && cb_model_list_find (models, path) < 0)
        g_ptr_array_add (user, entry_new (path, FALSE));
    }
  g_ptr_array_sort (user, compare_entries);
  for (guint i = 0; i < user->len; i++)
    g_ptr_array_add (models, g_steal_pointer (&user->pdata[i]));
  if (extra_path != NULL && cb_model_list_find (models, extra_path) < 0)
    g_ptr_array_add (models, entry_new (extra_path, FALSE));
  return models;
}

GMenuModel *
cb_model_list_to_menu (GPtrArray *models)
{
  GMenu *menu = g_menu_new ();
  g_autoptr (GMenu) list = g_menu_new ();
  g_autoptr (GMenu) actions = g_menu_new ();

  for (guint i = 0; i < models->len; i++)
    {
      const CbModelEntry *entry = g_ptr_array_index (models, i);
      g_autoptr (GMenuItem) item = g_menu_item_new (entry->name, NULL);

      /* a name with underscores is not a mnemonic */
      g_menu_item_set_attribute (item, "use-markup", "b", FALSE);
      g_menu_item_set_action_and_target_value (item, "win.model", g_variant_new_string (entry->path));
      g_menu_append_item (list, item);
    }
  g_menu_append (actions, _ ("_Import OASIS Checkpoint…"), "win.import-model");
  g_menu_append (actions, _ ("_Open Model File…"), "win.open-model");
  g_menu_append_section (menu, "Models", G_MENU_MODEL (list));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (actions));
  return G_MENU_MODEL (menu);
}

char *
cb_model_list_new_path (const char *dir, const char *stem)
{
  g_autofree char *clean = g_strdup (stem != NULL && *stem != '\0' ? stem : "model");

  for (char *p = clean; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      *p = '-';
  if (clean[0] == '.')
    clean[0] = '-';
  for (guint n = 1;; n++)
    {
      g_autofree char *name
        = n == 1 ? g_strconcat (clean, MODEL_SUFFIX, NULL) : g_strdup_printf ("%s-%u%s", clean, n, MODEL_SUFFIX);
      char *path = g_build_filename (dir, name, NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return path;
      g_free (path);
    }
}

/* ------------------------------------------------------------------ import */

typedef struct
{
  char *generator, *discriminator, *dataset, *classes, *command, *output;
  CbOasisImportOptions options; /* its strings point at the copies above */
} ImportJob;

static void
import_job_free (ImportJob *job)
{
  g_free (job->generator);
  g_free (job->discriminator);
  g_free (job->dataset);
  g_free (job->classes);
  g_free (job->command);
  g_free (job->output);
  g_free (job);
}

static void
import_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ImportJob *job = task_data;
  g_autofree char *dir = g_path_get_dirname (job->output);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved), _ ("Could not create “%s”: %s"), dir,
                               g_strerror (saved));
      return;
    }
  if (!cb_oasis_import (&job->options, job->output, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_unlink (job->output);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_strdup (job->output), g_free);
}

void
cb_model_import_oasis_async (const CbOasisImportOptions *options, const char *output_path, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ImportJob *job = g_new0 (ImportJob, 1);

  job->options = *options;
  job->generator = g_strdup (options->generator_path);
  job->discriminator = g_strdup (options->discriminator_path);
  job->dataset = g_strdup (options->dataset);
  job->classes = g_strdup (options->classes_path);
  job->command = g_strdup (options->command);
  job->output = g_strdup (output_path);
  job->options.generator_path = job->generator;
  job->options.discriminator_path = job->discriminator;
  job->options.dataset = job->dataset;
  job->options.classes_path = job->classes;
  job->options.command = job->command;
  g_task_set_task_data (task, job, (GDestroyNotify)import_job_free);
  g_task_run_in_thread (task, import_thread);
}

char *
cb_model_import_oasis_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
