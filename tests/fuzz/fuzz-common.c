/* fuzz-common.c: helpers shared by the fuzz targets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"

#include <sys/mman.h>
#include <unistd.h>

void
cb_fuzz_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
      g_once_init_leave (&done, 1);
    }
}

void
cb_fuzz_check_error (const GError *error)
{
  static int verbose = -1;

  g_assert (error != NULL && error->message != NULL && error->message[0] != '\0');
  if (verbose < 0)
    verbose = g_getenv ("CB_FUZZ_VERBOSE") != NULL;
  if (verbose)
    g_printerr ("  error: %s\n", error->message);
}

CbFuzzFile
cb_fuzz_file (const uint8_t *data, size_t size)
{
  CbFuzzFile file = { .fd = memfd_create ("catbrush-fuzz", MFD_CLOEXEC) };
  size_t done = 0;

  g_assert (file.fd >= 0);
  while (done < size)
    {
      ssize_t n = write (file.fd, data + done, size - done);
      g_assert (n > 0);
      done += (size_t)n;
    }
  g_snprintf (file.path, sizeof file.path, "/proc/self/fd/%d", file.fd);
  return file;
}

void
cb_fuzz_file_clear (CbFuzzFile *file)
{
  if (file->fd >= 0)
    close (file->fd);
  file->fd = -1;
}

JsonNode *
cb_fuzz_parse_json (JsonParser *parser, const uint8_t *data, size_t size)
{
  if (!json_parser_load_from_data (parser, (const char *)data, (gssize)size, NULL))
    return NULL;
  return json_parser_get_root (parser);
}

void
cb_fuzz_read_all (const guint8 *bytes, gsize n)
{
  volatile guint sum = 0;

  for (gsize i = 0; i < n; i++)
    sum += bytes[i];
  (void)sum;
}
