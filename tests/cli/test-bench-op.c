/* test-bench-op.c: catbrush-cli bench --op prints its one-row table
 *
 * Runs the built program ($CATBRUSH_CLI) on tiny synthetic ops and on ops
 * named in the tiny fixture model, on each backend, and checks the table's
 * shape: the header, one row with the op, its canonical spec, the backend
 * and six non-negative numbers in order (q1 ≤ median ≤ q3). Timings
 * themselves are not checked (docs/PERFORMANCE.md: timings are benchmarks).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "tests/test-util.h"

#include <stdlib.h>
#include <string.h>

static const char *const header[] = { "op", "shape", "backend", "median_ms", "q1_ms", "q3_ms", "GMAC/s", "GB/s", NULL };

/* Runs bench with args; returns the table row's fields (asserting the header). */
static GStrv
bench_row (const char *const *args)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto (GStrv) lines = NULL;
  guint i;

  if (cb_test_run_cli (args, &out, &err) != 0)
    g_error ("catbrush-cli failed: %s", err);
  lines = g_strsplit (out, "\n", -1);
  for (i = 0; lines[i] != NULL && !g_str_has_prefix (lines[i], "op "); i++)
    ;
  g_assert_nonnull (lines[i]);
  g_auto (GStrv) head = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
  guint n = 0;
  for (guint j = 0; head[j] != NULL; j++)
    if (*head[j] != '\0')
      g_assert_cmpstr (head[j], ==, header[n++]);
  g_assert_cmpuint (n, ==, g_strv_length ((GStrv)header));
  g_assert_nonnull (lines[i + 1]);
  /* the row: nine fields (the shape has no spaces) */
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) cells = g_strsplit_set (lines[i + 1], " ", -1);
  for (guint j = 0; cells[j] != NULL; j++)
    if (*cells[j] != '\0')
      g_strv_builder_add (b, cells[j]);
  GStrv row = g_strv_builder_end (b);
  g_assert_cmpuint (g_strv_length (row), ==, 8);
  double v[5];
  for (guint j = 0; j < 5; j++)
    {
      char *end;
      v[j] = g_ascii_strtod (row[3 + j], &end);
      g_assert_true (*end == '\0');
      g_assert_cmpfloat (v[j], >=, 0);
    }
  g_assert_cmpfloat (v[1], <=, v[0]);
  g_assert_cmpfloat (v[0], <=, v[2]);
  return row;
}

static void
check_row (GStrv row, const char *op, const char *shape, const char *backend)
{
  g_assert_cmpstr (row[0], ==, op);
  g_assert_cmpstr (row[1], ==, shape);
  g_assert_cmpstr (row[2], ==, backend);
}

static void
test_synthetic (gconstpointer data)
{
  const char *backend = data;
  struct
  {
    const char *spec, *op, *canonical;
  } cases[] = {
    { "conv,cin=4,cout=8,size=16x8", "conv", "conv,k=3,cin=4,cout=8,size=16x8" },
    { "conv,k=1,cin=8,cout=4,size=8x8", "conv", "conv,k=1,cin=8,cout=4,size=8x8" },
    { "spade,c=8,size=8x4", "spade", "spade,c=8,size=8x4" },
    { "gather,rows=5,cin=5,cout=8,size=16x16", "gather", "gather,rows=5,cin=5,cout=8,size=16x16" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *args[] = { "bench", "--op", cases[i].spec, "--backend", backend, "-n", "3", NULL };
      g_auto (GStrv) row = bench_row (args);
      check_row (row, cases[i].op, cases[i].canonical, backend);
    }
}

/* Named ops of the tiny fixture model: a plain conv, and fc, which reads the
 * embedded label map and so runs with its embed op, as a gather. */
static void
test_named (void)
{
  g_autofree char *model = cb_test_fixture ("tiny-model.safetensors");
  const char *names[] = { "conv_img", "fc" };
  const char *kinds[] = { "conv,k=3,", "gather," };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *args[] = { "bench", "--model", model, "--op", names[i], "--backend", "cpu", "-n", "1", NULL };
      g_auto (GStrv) row = bench_row (args);
      g_assert_cmpstr (row[0], ==, names[i]);
      g_assert_true (g_str_has_prefix (row[1], kinds[i]));
      g_assert_cmpstr (row[2], ==, "cpu");
    }
}

static void
test_bad_spec (void)
{
  g_autofree char *model = cb_test_fixture ("tiny-model.safetensors");
  struct
  {
    const char *spec, *message;
  } cases[] = {
    { "conv,cin=4,cout=8", "size=WxH is missing" },
    { "conv,k=5,cin=4,cout=8,size=8x8", "k is 1 or 3" },
    { "conv,cin=0,cout=8,size=8x8", "cin must be an integer" },
    { "pool,c=4,size=8x8", "unknown kind" },
    { "spade,c=4,cin=2,size=8x8", "spade takes c and size" },
    { "conv,cin=4,cout=8,size=8by8", "size is WxH" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *args[] = { "bench", "--op", cases[i].spec, "--backend", "cpu", NULL };
      g_autofree char *err = NULL;
      g_assert_cmpint (cb_test_run_cli (args, NULL, &err), ==, 2);
      g_assert_nonnull (strstr (err, cases[i].message));
      /* says how to write one */
      g_assert_nonnull (strstr (err, "conv,k=K,cin=C"));
    }
  const char *args[] = { "bench", "--model", model, "--op", "no.such.op", "--backend", "cpu", NULL };
  g_autofree char *err = NULL;
  g_assert_cmpint (cb_test_run_cli (args, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "no op of that name"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/cli/bench-op/synthetic/cpu", "cpu", test_synthetic);
  g_test_add_data_func ("/cli/bench-op/synthetic/reference", "reference", test_synthetic);
  g_test_add_data_func ("/cli/bench-op/synthetic/vulkan", "vulkan", test_synthetic);
  g_test_add_func ("/cli/bench-op/named", test_named);
  g_test_add_func ("/cli/bench-op/bad-spec", test_bad_spec);
  return g_test_run ();
}
