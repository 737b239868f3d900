/* replay.c: runs a fuzz target's entry point over files and folders (seed
 * corpora, regression inputs) without libFuzzer, so that `meson test` checks
 * every kept input with the normal compiler. A crash or an assertion in the
 * target fails the test; a missing folder is skipped (regressions/ may be
 * empty).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static guint
replay_file (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  guint8 *copy;

  if (!g_file_get_contents (path, &data, &len, &error))
    {
      fprintf (stderr, "replay: %s\n", error->message);
      exit (1);
    }
  /* an exact-size heap copy, as libFuzzer passes it, so that reads past the end show under ASan */
  copy = g_malloc (len ? len : 1);
  memcpy (copy, data, len);
  printf ("replay: %s (%" G_GSIZE_FORMAT " bytes)\n", path, len);
  fflush (stdout);
  LLVMFuzzerTestOneInput (copy, len);
  g_free (copy);
  return 1;
}

static guint
replay_dir (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = g_dir_open (path, 0, &error);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  guint n = 0;

  if (dir == NULL)
    {
      fprintf (stderr, "replay: %s\n", error->message);
      exit (1);
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *p = g_ptr_array_index (names, i);
      n += g_file_test (p, G_FILE_TEST_IS_DIR) ? replay_dir (p) : replay_file (p);
    }
  return n;
}

int
main (int argc, char **argv)
{
  guint n = 0;

  cb_fuzz_init ();
  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        n += replay_dir (argv[i]);
      else if (g_file_test (argv[i], G_FILE_TEST_EXISTS))
        n += replay_file (argv[i]);
      else
        printf ("replay: %s does not exist, skipped\n", argv[i]);
    }
  printf ("replay: %u inputs, no crash\n", n);
  return 0;
}
