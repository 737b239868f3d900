/* cb-fileutil.c: atomic writes and hashing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-fileutil.h"
#include "cb-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean
write_all (int fd, const guint8 *data, gsize len, int *err)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, MIN (len, (gsize)G_MAXSSIZE));
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          *err = errno;
          return FALSE;
        }
      data += n;
      len -= (gsize)n;
    }
  return TRUE;
}

/* The new file gets the old file's mode when it replaces one, else 0666 minus
 * the umask, like an ordinary open(O_CREAT). */
static mode_t
target_mode (const char *path)
{
  GStatBuf st;
  mode_t mask;

  if (g_stat (path, &st) == 0)
    return st.st_mode & 07777;
  /* umask() can only be read by setting it; the window is harmless here */
  mask = umask (022);
  umask (mask);
  return 0666 & ~mask;
}

gboolean
cb_file_set_contents_atomic (const char *path, const void *data, gsize len, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp = g_strdup_printf ("%s%c.%s.XXXXXX", dir, G_DIR_SEPARATOR, base);
  int fd, err = 0;
  const char *what;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s: could not write: it is a directory", path);
      return FALSE;
    }

  /* Same directory, so that rename() is atomic (same file system). */
  fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      err = errno;
      g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s: could not create a temporary file in “%s”: %s", path, dir,
                   g_strerror (err));
      return FALSE;
    }

  what = "write";
  if (!write_all (fd, data, len, &err))
    goto fail;
  what = "set the mode of";
  if (fchmod (fd, target_mode (path)) != 0)
    {
      err = errno;
      goto fail;
    }
  /* Data on disk before the rename makes it visible, or a crash could leave
   * an empty file in place of the old one. */
  what = "sync";
  if (fsync (fd) != 0)
    {
      err = errno;
      goto fail;
    }
  what = "close";
  if (close (fd) != 0)
    {
      err = errno;
      fd = -1;
      goto fail;
    }
  fd = -1;
  what = "rename the temporary file onto";
  if (g_rename (tmp, path) != 0)
    {
      err = errno;
      goto fail;
    }

  /* Best effort: make the rename itself durable. */
  {
    int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0)
      {
        fsync (dfd);
        close (dfd);
      }
  }
  return TRUE;

fail:
  if (fd >= 0)
    close (fd);
  g_unlink (tmp);
  g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s: could not %s the file: %s", path, what, g_strerror (err));
  return FALSE;
}

char *
cb_file_sha256 (const char *path, GError **error)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (1 << 16);
  FILE *f;

  g_return_val_if_fail (path != NULL, NULL);

  f = g_fopen (path, "rbe");
  if (f == NULL)
    {
      int err = errno;
      g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s: could not open: %s", path, g_strerror (err));
      return NULL;
    }
  for (;;)
    {
      size_t n = fread (buf, 1, 1 << 16, f);
      if (n > 0)
        g_checksum_update (sum, buf, (gssize)n);
      if (n < (1 << 16))
        {
          if (ferror (f))
            {
              int err = errno;
              fclose (f);
              g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s: could not read: %s", path, g_strerror (err));
              return NULL;
            }
          break;
        }
    }
  fclose (f);
  return g_strdup (g_checksum_get_string (sum));
}

JsonParser *
cb_json_parser_load_file (const char *path, const char *what, gsize max_bytes, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *text = NULL;
  gsize len;
  GStatBuf sb;

  /* refuse a huge file before reading it */
  if (g_stat (path, &sb) == 0 && S_ISREG (sb.st_mode) && (guint64)sb.st_size > max_bytes)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT,
                   "%s: %" G_GUINT64_FORMAT " bytes is too large for a %s (at most %" G_GSIZE_FORMAT ")", path,
                   (guint64)sb.st_size, what, max_bytes);
      return NULL;
    }
  if (!g_file_get_contents (path, &text, &len, &local))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s", local->message);
      return NULL;
    }
  /* the file may have grown since the stat */
  if (len > max_bytes)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_LIMIT, "%s: %" G_GSIZE_FORMAT " bytes is too large for a %s", path, len,
                   what);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, text, (gssize)len, &local))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: not valid JSON: %s", path, local->message);
      return NULL;
    }
  return g_steal_pointer (&parser);
}
