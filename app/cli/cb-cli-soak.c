/* cb-cli-soak.c: catbrush-cli soak — many generations, memory must not grow
 *
 * Runs N generations with a label map that changes every time (random brush
 * strokes), a new seed (and now and then per-class seeds) every time, and
 * the first layer switched every few generations between the identity and a
 * random row-stochastic profile with a random number of target classes (a
 * new graph and plan each time). Every --every generations it measures the
 * host memory (resident set, /proc/self/statm), the device memory the
 * backend holds (its live allocations; VK_EXT_memory_budget's heap usage
 * where the driver has it), and counts validation messages (with
 * CATBRUSH_VK_VALIDATION=1 a message fails the generation). The checkpoints
 * all fall where the identity is in use, so that they compare like with
 * like. Fails when memory grew beyond a tolerance after the warm-up, or
 * when any generation failed. docs/RELIABILITY.md has the figures.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/cli/cb-cli.h"

#include "model/cb-error.h"
#include "model/cb-oasis.h"
#include "render/cb-generator.h"
#include "render/cb-synthetic.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static guint64
host_rss (void)
{
  g_autofree char *text = NULL;
  guint64 size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &text, NULL, NULL)
      || sscanf (text, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &size, &resident) != 2)
    return 0;
  return resident * (guint64)sysconf (_SC_PAGESIZE);
}

/* A random walk of discs of one class (or the eraser's void). */
static void
paint_stroke (CbLabelMap *map, const CbClassSet *classes, GRand *rand)
{
  guint n = cb_class_set_get_n_classes (classes);
  guint8 id = g_rand_int_range (rand, 0, 8) == 0
                ? 255
                : (guint8)cb_class_set_get (classes, g_rand_int_range (rand, 0, (gint32)n))->id;
  int r = g_rand_int_range (rand, 1, (gint32)MAX (2, map->width / 8));
  double x = g_rand_double_range (rand, 0, map->width), y = g_rand_double_range (rand, 0, map->height);
  int steps = g_rand_int_range (rand, 3, 20);

  for (int s = 0; s < steps; s++)
    {
      for (int dy = -r; dy <= r; dy++)
        for (int dx = -r; dx <= r; dx++)
          {
            int px = (int)x + dx, py = (int)y + dy;
            if (dx * dx + dy * dy <= r * r && px >= 0 && py >= 0 && px < (int)map->width && py < (int)map->height)
              map->ids[(gsize)py * map->width + px] = id;
          }
      x += g_rand_double_range (rand, -r, r);
      y += g_rand_double_range (rand, -r, r);
    }
}

/* T random target classes, each a random row-stochastic mix of the source classes. */
static CbProfile *
random_profile (const CbModel *model, GRand *rand)
{
  guint n_source = cb_class_set_get_n_classes (model->classes);
  guint n_target = (guint)g_rand_int_range (rand, 1, 9);
  g_autoptr (CbClassSet) target = cb_class_set_new ("soak");
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  CbProfile *profile;

  for (guint t = 0; t < n_target; t++)
    {
      g_autofree char *name = g_strdup_printf ("target-%u", t);
      /* distinct colours, never the void colour (black) */
      if (!cb_class_set_add (target, t, name, 0x101010u * (t + 1), NULL, NULL))
        g_error ("soak: cannot make class %u", t);
    }
  for (guint s = 0; s < n_source; s++)
    g_ptr_array_add (names, g_strdup (cb_class_set_get (model->classes, s)->name));
  g_ptr_array_add (names, NULL);
  profile = cb_profile_new (target, n_source, (const char *const *)names->pdata, model->sha256);
  for (guint i = 0; i < n_target * n_source; i++)
    profile->affinity[i] = (float)g_rand_double (rand) * (g_rand_int_range (rand, 0, 3) == 0 ? 0.0f : 1.0f);
  for (guint t = 0; t < n_target; t++)
    profile->affinity[t * n_source + (guint)g_rand_int_range (rand, 0, (gint32)n_source)] += 0.5f;
  cb_profile_normalize_rows (profile);
  return profile;
}

typedef struct
{
  guint64 rss, device, budget_usage;
} CbSoakSample;

int
cb_cli_soak (int argc, char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *synthetic = NULL;
  g_autofree char *backend_text = NULL;
  g_autofree char *device = NULL;
  int iterations = 1000, every = 100, warmup = -1, host_tol_kib = 4096, device_tol_kib = 0;
  gint64 seed = 1;
  gboolean no_profiles = FALSE, skip_unavailable = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Model file (default: the bundled model)", "M" },
    { "synthetic", 0, 0, G_OPTION_ARG_STRING, &synthetic, "A random-weight model instead: camvid128 or ade20k",
      "NAME" },
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &backend_text, "auto, vulkan, cpu or reference (default cpu)", "B" },
    { "device", 'd', 0, G_OPTION_ARG_STRING, &device, "Vulkan device index or name", "D" },
    { "iterations", 'n', 0, G_OPTION_ARG_INT, &iterations, "Generations (default 1000)", "N" },
    { "every", 0, 0, G_OPTION_ARG_INT, &every, "Measure every K generations (a multiple of 10; default 100)", "K" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup,
      "Generations before the baseline (a multiple of K; default 2K, at most N/2)", "W" },
    { "host-tolerance", 0, 0, G_OPTION_ARG_INT, &host_tol_kib, "Allowed host RSS growth, KiB (default 4096)", "KIB" },
    { "device-tolerance", 0, 0, G_OPTION_ARG_INT, &device_tol_kib, "Allowed device memory growth, KiB (default 0)",
      "KIB" },
    { "no-profiles", 0, 0, G_OPTION_ARG_NONE, &no_profiles, "Keep the identity (one plan for the whole run)", NULL },
    { "skip-if-unavailable", 0, 0, G_OPTION_ARG_NONE, &skip_unavailable,
      "Exit 77 (a skip for meson test) when the backend cannot be opened", NULL },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed of the random strokes, seeds and profiles (default 1)", "S" },
    { NULL },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (CbModel) model = NULL;
  g_autoptr (CbBackend) backend = NULL;
  g_autoptr (CbGenerator) gen = NULL;
  g_autoptr (CbLabelMap) map = NULL;
  g_autoptr (GRand) rand = NULL;
  g_autoptr (GArray) samples = g_array_new (FALSE, TRUE, sizeof (CbSoakSample));
  CbBackendKind kind = CB_BACKEND_CPU;
  gboolean validation = g_strcmp0 (g_getenv ("CATBRUSH_VK_VALIDATION"), "1") == 0;
  guint failures = 0, validation_messages = 0, baseline = 0;
  gint64 t0, last;
  gboolean ok = TRUE;

  if (!cb_cli_parse (&argc, &argv, NULL, "Run many generations and check that memory does not grow", entries))
    return CB_CLI_USAGE;
  if (backend_text != NULL && !cb_cli_parse_backend (backend_text, &kind, &error))
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      return CB_CLI_USAGE;
    }
  if (warmup < 0)
    warmup = MIN (2 * every, iterations / 2 / MAX (every, 1) * every);
  if (iterations < 1 || every < 10 || every % 10 != 0 || warmup % every != 0 || warmup >= iterations)
    {
      g_printerr ("%s: need N ≥ 1, K a multiple of 10, W a multiple of K below N\n", argv[0]);
      return CB_CLI_USAGE;
    }

  if (synthetic != NULL)
    {
      CbGeneratorConfig cfg;
      if (model_path != NULL || !cb_synthetic_config (synthetic, &cfg))
        {
          g_printerr ("%s: --synthetic takes “camvid128” or “ade20k” and no --model\n", argv[0]);
          return CB_CLI_USAGE;
        }
      model = cb_synthetic_model_new (&cfg, 1, &error);
    }
  else
    {
      model = cb_cli_load_model (model_path);
      if (model == NULL)
        return CB_CLI_ERROR;
    }
  if (model == NULL)
    return cb_cli_fail (error);
  backend = cb_backend_new (kind, device, &error);
  if (backend == NULL && skip_unavailable)
    {
      g_print ("SKIP: %s\n", error->message);
      return 77;
    }
  if (backend == NULL)
    return cb_cli_fail (error);
  gen = cb_generator_new (model, backend, &error);
  if (gen == NULL)
    return cb_cli_fail (error);

  g_print ("Model:      %s (%u×%u)\n", synthetic != NULL ? synthetic : model_path, model->gen.width, model->gen.height);
  g_print ("Backend:    %s\n", cb_backend_get_description (backend));
  g_print ("Validation: %s\n", validation ? "on (a message fails its generation)" : "off");
  g_print ("Runs:       %d generations, measured every %d, baseline after %d; seed %" G_GINT64_FORMAT "\n\n",
           iterations, every, warmup, seed);
  g_print ("%6s %8s %8s %9s %9s %9s %9s %9s %6s\n", "iter", "time s", "ms/gen", "RSS MiB", "ΔRSS KiB", "dev MiB",
           "Δdev KiB", "heap MiB", "valid.");

  rand = g_rand_new_with_seed ((guint32)seed);
  map = cb_label_map_new (model->gen.width * 2, model->gen.height * 2);
  t0 = last = g_get_monotonic_time ();
  guint block = (guint)every / 10; /* profile blocks: identity at every checkpoint */
  for (int i = 1; i <= iterations; i++)
    {
      guint n_classes;
      gboolean want_profile = ((guint)(i - 1) / block) % 2 == 0 && i > 1;
      gboolean block_start = (guint)(i - 1) % block == 0;

      if (block_start && !no_profiles)
        {
          g_autoptr (CbProfile) profile = want_profile ? random_profile (model, rand) : NULL;
          if (!cb_generator_set_profile (gen, profile, &error))
            {
              g_printerr ("%s: generation %d: the profile: %s\n", argv[0], i, error->message);
              failures++;
              validation_messages += strstr (error->message, "validation") != NULL;
              g_clear_error (&error);
            }
        }
      const CbClassSet *classes = cb_generator_get_classes (gen);
      n_classes = cb_class_set_get_n_classes (classes);
      for (int s = g_rand_int_range (rand, 1, 4); s > 0; s--)
        paint_stroke (map, classes, rand);

      g_autofree gboolean *has = g_new0 (gboolean, n_classes);
      g_autofree guint64 *class_seed = g_new0 (guint64, n_classes);
      CbSeeds seeds = { .seed = ((guint64)g_rand_int (rand) << 32) | g_rand_int (rand) };
      if (g_rand_int_range (rand, 0, 4) == 0)
        {
          for (guint c = 0; c < n_classes; c++)
            if ((has[c] = g_rand_boolean (rand)))
              class_seed[c] = g_rand_int (rand);
          seeds.n_class_seeds = n_classes;
          seeds.has_class_seed = has;
          seeds.class_seed = class_seed;
        }
      g_autoptr (CbTensor) out = cb_generator_run_tensor (gen, map, &seeds, &error);
      if (out == NULL)
        {
          g_printerr ("%s: generation %d failed: %s\n", argv[0], i, error->message);
          failures++;
          validation_messages += strstr (error->message, "validation") != NULL;
          g_clear_error (&error);
        }
      g_autofree char *notice = cb_generator_take_notice (gen);
      if (notice != NULL)
        g_print ("notice at %d: %s\n", i, notice);

      if (i % every == 0 || i == iterations)
        {
          CbBackend *active = cb_generator_get_backend (gen);
          CbSoakSample sample = { host_rss (), cb_backend_get_device_memory_in_use (active), 0 };
          guint64 budget = 0;
          gboolean have_budget = cb_backend_get_memory_budget (active, &sample.budget_usage, &budget);
          gint64 now = g_get_monotonic_time ();
          int done = i % every == 0 ? every : i % every;

          g_array_append_val (samples, sample);
          if (i == warmup || (warmup == 0 && samples->len == 1))
            baseline = samples->len - 1;
          const CbSoakSample *base = &g_array_index (samples, CbSoakSample, baseline);
          gboolean after = i > warmup;
          g_autofree char *heap
            = have_budget ? g_strdup_printf ("%.1f", sample.budget_usage / 1048576.0) : g_strdup ("–");
          g_autofree char *d_rss = after ? g_strdup_printf ("%+.0f", ((double)sample.rss - (double)base->rss) / 1024.0)
                                         : g_strdup (i == warmup ? "base" : "warm-up");
          g_autofree char *d_dev
            = after ? g_strdup_printf ("%+.0f", ((double)sample.device - (double)base->device) / 1024.0)
                    : g_strdup (i == warmup ? "base" : "warm-up");
          g_print ("%6d %8.1f %8.1f %9.1f %9s %9.2f %9s %9s %6u\n", i, (now - t0) / 1e6, (now - last) / 1e3 / done,
                   sample.rss / 1048576.0, d_rss, sample.device / 1048576.0, d_dev, heap, validation_messages);
          last = now;
          if (after
              && (sample.rss > base->rss + (guint64)host_tol_kib * 1024
                  || sample.device > base->device + (guint64)device_tol_kib * 1024))
            ok = FALSE;
        }
    }

  g_print ("\n");
  if (failures > 0)
    g_print ("FAIL: %u of %d generations failed (%u with validation messages)\n", failures, iterations,
             validation_messages);
  if (!ok)
    g_print ("FAIL: memory grew after the warm-up beyond the tolerance (host %d KiB, device %d KiB)\n", host_tol_kib,
             device_tol_kib);
  if (failures > 0 || !ok)
    return CB_CLI_ERROR;
  g_print ("PASS: %d generations in %.1f s, no failures, no validation messages, memory flat after the warm-up\n",
           iterations, (g_get_monotonic_time () - t0) / 1e6);
  return CB_CLI_OK;
}
