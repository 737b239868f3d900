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

int
cb_fuzz_memfd (const uint8_t *data, size_t size, char path[64])
{
  int fd = memfd_create ("catbrush-fuzz", MFD_CLOEXEC);
  size_t done = 0;

  g_assert (fd >= 0);
  while (done < size)
    {
      ssize_t n = write (fd, data + done, size - done);
      g_assert (n > 0);
      done += (size_t)n;
    }
  g_snprintf (path, 64, "/proc/self/fd/%d", fd);
  return fd;
}

void
cb_fuzz_memfd_close (int fd)
{
  close (fd);
}
