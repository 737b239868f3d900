/* test-noise.c: the noise test vector of docs/FORMATS.md
 *
 * The expected numbers come from an independent Python implementation of
 * the spec (and agree with training/noise.py, TEST_VECTOR).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-noise.h"

#include <math.h>

/* libm's cos/sin/log may differ in the last bit of a double across
 * platforms; that never moves a float by more than one ulp or so */
static void
assert_vector (const float *got, const float *expected, guint n)
{
  for (guint i = 0; i < n; i++)
    if (!(fabsf (got[i] - expected[i]) <= 1e-6f * fmaxf (1.0f, fabsf (expected[i]))))
      g_error ("z[%u] = %.9g, expected %.9g", i, got[i], expected[i]);
}

static void
test_vector (void)
{
  /* seed 42, stream 0: the documented test vector (first four values) */
  const float expected[] = { 0.41471976f, 0.652681231f, -0.891886234f, 1.32683361f, 1.72959304f, -1.88341677f };
  float z[64];
  cb_noise_vector (42, 0, 64, z);
  assert_vector (z, expected, G_N_ELEMENTS (expected));

  /* an odd length is a prefix of the longer vector */
  float z5[5];
  cb_noise_vector (42, 0, 5, z5);
  assert_vector (z5, expected, 5);
}

static void
test_streams (void)
{
  const struct
  {
    guint64 seed, stream;
    guint n;
    float expected[4];
  } cases[] = {
    { 0, 0, 4, { -0.452757746f, 0.207766041f, 2.65060592f, -0.490422815f } },
    { 7, 3, 4, { -0.333563507f, -0.427754819f, -1.15081239f, -0.355482846f } },
    { G_MAXUINT64, G_MAXUINT64, 4, { -1.57564187f, -0.217463076f, 0.525072873f, 1.46338904f } },
    { 123456789, 12, 3, { 3.10904169f, -0.350690663f, -0.125099838f } },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      float z[4];
      cb_noise_vector (cases[i].seed, cases[i].stream, cases[i].n, z);
      assert_vector (z, cases[i].expected, cases[i].n);
    }
}

static void
test_statistics (void)
{
  /* a sanity check of the distribution: mean ~ 0, variance ~ 1 */
  enum
  {
    N = 1 << 16
  };
  g_autofree float *z = g_new (float, N);
  cb_noise_vector (1, 0, N, z);
  double sum = 0, sum2 = 0;
  for (guint i = 0; i < N; i++)
    {
      g_assert_true (isfinite (z[i]));
      sum += z[i];
      sum2 += (double)z[i] * z[i];
    }
  double mean = sum / N, var = sum2 / N - mean * mean;
  g_assert_cmpfloat (fabs (mean), <, 0.02);
  g_assert_cmpfloat (fabs (var - 1.0), <, 0.03);

  /* same key, same vector; another stream, another vector */
  float a[8], b[8], c[8];
  cb_noise_vector (5, 1, 8, a);
  cb_noise_vector (5, 1, 8, b);
  cb_noise_vector (5, 2, 8, c);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  g_assert_cmpfloat (a[0], !=, c[0]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/noise/vector", test_vector);
  g_test_add_func ("/noise/streams", test_streams);
  g_test_add_func ("/noise/statistics", test_statistics);
  return g_test_run ();
}
