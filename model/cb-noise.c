/* cb-noise.c: the counter-based noise of docs/FORMATS.md (SplitMix64 + Box-Muller)
 *
 * training/noise.py implements the same; tests/model/test-noise.c holds the
 * shared test vector.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-noise.h"

#include <math.h>

static guint64
splitmix64_next (guint64 *state)
{
  /* unsigned arithmetic wraps mod 2^64 as the spec says */
  *state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  guint64 z = *state;
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* 53 random bits centred in their interval: never 0, so log() is finite */
static double
unit_open (guint64 bits)
{
  return ((double)(bits >> 11) + 0.5) / 9007199254740992.0; /* 2^53 */
}

void
cb_noise_vector (guint64 seed, guint64 stream, guint z_dim, float *out)
{
  g_return_if_fail (z_dim == 0 || out != NULL);

  guint64 state = seed ^ (stream * G_GUINT64_CONSTANT (0xD1B54A32D192ED03));
  for (guint k = 0; k < z_dim; k += 2)
    {
      double u1 = unit_open (splitmix64_next (&state));
      double u2 = unit_open (splitmix64_next (&state));
      double r = sqrt (-2.0 * log (u1));
      out[k] = (float)(r * cos (2.0 * G_PI * u2));
      if (k + 1 < z_dim)
        out[k + 1] = (float)(r * sin (2.0 * G_PI * u2));
    }
}
