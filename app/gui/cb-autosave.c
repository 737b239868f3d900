/* cb-autosave.c: autosave slots in the XDG state directory, claimed by flock
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-autosave.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "model/cb-error.h"

struct _CbAutosave
{
  int lock_fd;
  guint slot;
  char *path;
  char *lock_path;
};

static char *
slot_name (guint slot, const char *suffix)
{
  if (slot == 0)
    return g_strconcat ("autosave", suffix, NULL);
  return g_strdup_printf ("autosave-%u%s", slot, suffix);
}

CbAutosave *
cb_autosave_claim (GError **error)
{
  g_autofree char *dir = g_build_filename (g_get_user_state_dir (), "catbrush", NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, CB_ERROR, CB_ERROR_IO, _ ("Could not make the folder for autosaves %s: %s"), dir,
                   g_strerror (saved));
      return NULL;
    }
  for (guint slot = 0; slot < CB_AUTOSAVE_MAX_SLOTS; slot++)
    {
      g_autofree char *lock_name = slot_name (slot, ".lock");
      g_autofree char *name = slot_name (slot, ".catbrush");
      g_autofree char *lock_path = g_build_filename (dir, lock_name, NULL);
      int fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      CbAutosave *autosave;

      if (fd < 0)
        {
          int saved = errno;

          g_set_error (error, CB_ERROR, CB_ERROR_IO, _ ("Could not open %s: %s"), lock_path, g_strerror (saved));
          return NULL;
        }
      if (flock (fd, LOCK_EX | LOCK_NB) != 0)
        {
          close (fd); /* held by another window or process */
          continue;
        }
      autosave = g_new0 (CbAutosave, 1);
      autosave->lock_fd = fd;
      autosave->slot = slot;
      autosave->path = g_build_filename (dir, name, NULL);
      autosave->lock_path = g_steal_pointer (&lock_path);
      return autosave;
    }
  g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, _ ("More than %d windows: no autosave slot is free"),
               CB_AUTOSAVE_MAX_SLOTS);
  return NULL;
}

void
cb_autosave_release (CbAutosave *autosave)
{
  if (autosave == NULL)
    return;
  /* closing the descriptor drops the lock; the lock file stays, harmless */
  close (autosave->lock_fd);
  g_free (autosave->path);
  g_free (autosave->lock_path);
  g_free (autosave);
}

const char *
cb_autosave_get_path (const CbAutosave *autosave)
{
  return autosave->path;
}

gboolean
cb_autosave_exists (const CbAutosave *autosave)
{
  return g_file_test (autosave->path, G_FILE_TEST_IS_REGULAR);
}

void
cb_autosave_remove (CbAutosave *autosave)
{
  if (g_unlink (autosave->path) != 0 && errno != ENOENT)
    g_warning ("Could not remove the autosave %s: %s", autosave->path, g_strerror (errno));
}
