/* cb-cli-generate.c: catbrush-cli generate
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/cli/cb-cli.h"

#include "model/cb-error.h"
#include "model/cb-npy.h"
#include "render/cb-generator.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

gboolean
cb_cli_parse_backend (const char *text, CbBackendKind *kind, GError **error)
{
  if (text == NULL || g_str_equal (text, "auto"))
    *kind = CB_BACKEND_AUTO;
  else if (g_str_equal (text, "vulkan"))
    *kind = CB_BACKEND_VULKAN;
  else if (g_str_equal (text, "cpu"))
    *kind = CB_BACKEND_CPU;
  else if (g_str_equal (text, "reference"))
    *kind = CB_BACKEND_REFERENCE;
  else
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "Unknown backend “%s”: use auto, vulkan, cpu or reference", text);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_u64 (const char *text, guint64 *value)
{
  char *end = NULL;

  if (text == NULL || *text == '\0' || *text == '-')
    return FALSE;
  errno = 0;
  *value = g_ascii_strtoull (text, &end, 10);
  return errno == 0 && end != NULL && *end == '\0';
}

static gboolean
parse_size (const char *text, guint *width, guint *height)
{
  g_auto (GStrv) parts = NULL;
  guint64 w, h;

  if (text == NULL)
    return FALSE;
  parts = g_strsplit (text, "x", 2);
  if (g_strv_length (parts) != 2 || !parse_u64 (parts[0], &w) || !parse_u64 (parts[1], &h) || w == 0 || h == 0
      || w > CB_LABEL_MAP_MAX_SIDE || h > CB_LABEL_MAP_MAX_SIDE)
    return FALSE;
  *width = (guint)w;
  *height = (guint)h;
  return TRUE;
}

/* Bilinear resampling (pixel centres aligned), for export at another size. */
static CbImage *
resize_bilinear (const CbImage *src, guint width, guint height)
{
  CbImage *dst = cb_image_new (width, height);

  for (guint y = 0; y < height; y++)
    {
      float sy = ((float)y + 0.5f) * (float)src->height / (float)height - 0.5f;
      int y0 = (int)floorf (sy);
      float fy = sy - (float)y0;
      int y1 = CLAMP (y0 + 1, 0, (int)src->height - 1);
      y0 = CLAMP (y0, 0, (int)src->height - 1);

      for (guint x = 0; x < width; x++)
        {
          float sx = ((float)x + 0.5f) * (float)src->width / (float)width - 0.5f;
          int x0 = (int)floorf (sx);
          float fx = sx - (float)x0;
          int x1 = CLAMP (x0 + 1, 0, (int)src->width - 1);
          x0 = CLAMP (x0, 0, (int)src->width - 1);

          for (guint k = 0; k < 3; k++)
            {
              float a = src->rgb[((gsize)y0 * src->width + x0) * 3 + k];
              float b = src->rgb[((gsize)y0 * src->width + x1) * 3 + k];
              float c = src->rgb[((gsize)y1 * src->width + x0) * 3 + k];
              float d = src->rgb[((gsize)y1 * src->width + x1) * 3 + k];
              float v = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
              dst->rgb[((gsize)y * width + x) * 3 + k] = (guint8)lrintf (CLAMP (v, 0.0f, 255.0f));
            }
        }
    }
  return dst;
}

int
cb_cli_generate (int argc, char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *labels_path = NULL;
  g_autofree char *profile_path = NULL;
  g_autofree char *seed_text = NULL;
  g_autofree char *size_text = NULL;
  g_autofree char *backend_text = NULL;
  g_autofree char *device = NULL;
  g_autofree char *output = NULL;
  g_autofree char *noise_path = NULL;
  g_auto (GStrv) class_seeds = NULL;
  const GOptionEntry entries[]
    = { { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Model file (default: the bundled model)", "M" },
        { "labels", 'l', 0, G_OPTION_ARG_FILENAME, &labels_path, "Label map PNG (indexed, grey or RGB)", "L.png" },
        { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile_path, "Target profile (paint with its classes)",
          "P.json" },
        { "seed", 's', 0, G_OPTION_ARG_STRING, &seed_text, "Image seed (default 0)", "N" },
        { "class-seed", 0, 0, G_OPTION_ARG_STRING_ARRAY, &class_seeds, "Re-roll one class alone", "NAME=N" },
        { "size", 0, 0, G_OPTION_ARG_STRING, &size_text, "Output size (resampled; default native)", "WxH" },
        { "backend", 'b', 0, G_OPTION_ARG_STRING, &backend_text, "auto, vulkan, cpu or reference", "B" },
        { "device", 'd', 0, G_OPTION_ARG_STRING, &device, "Vulkan device index or name", "D" },
        { "noise-file", 0, 0, G_OPTION_ARG_FILENAME, &noise_path,
          "Use exactly this noise: a float32 .npy of z_dim, or z_dim x H x W (native size)", "Z.npy" },
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Output PNG", "OUT.png" },
        { NULL } };
  g_autoptr (GError) error = NULL;
  g_autoptr (CbModel) model = NULL;
  g_autoptr (CbProfile) profile = NULL;
  g_autoptr (CbBackend) backend = NULL;
  g_autoptr (CbGenerator) gen = NULL;
  g_autoptr (CbLabelMap) map = NULL;
  g_autoptr (CbImage) image = NULL;
  g_autoptr (CbNpy) noise = NULL;
  g_autofree gboolean *has_class_seed = NULL;
  g_autofree guint64 *class_seed = NULL;
  g_autofree guint *class_ids = NULL;
  const CbClassSet *classes;
  CbBackendKind kind;
  CbSeeds seeds = { 0 };
  guint out_w = 0, out_h = 0;

  if (!cb_cli_parse (&argc, &argv, "", "Generate an image from a label map.", entries))
    return CB_CLI_USAGE;
  if (labels_path == NULL || output == NULL)
    {
      g_printerr ("%s: --labels and --output are required\n", argv[0]);
      return CB_CLI_USAGE;
    }
  if (seed_text != NULL && !parse_u64 (seed_text, &seeds.seed))
    {
      g_printerr ("%s: --seed takes a non-negative integer, not “%s”\n", argv[0], seed_text);
      return CB_CLI_USAGE;
    }
  if (size_text != NULL && !parse_size (size_text, &out_w, &out_h))
    {
      g_printerr ("%s: --size takes WIDTHxHEIGHT, not “%s”\n", argv[0], size_text);
      return CB_CLI_USAGE;
    }
  if (!cb_cli_parse_backend (backend_text, &kind, &error))
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      return CB_CLI_USAGE;
    }

  model = cb_cli_load_model (model_path);
  if (model == NULL)
    return CB_CLI_ERROR;
  if (profile_path != NULL && (profile = cb_profile_load (profile_path, &error)) == NULL)
    return cb_cli_fail (error);

  backend = cb_backend_new (kind, device, &error);
  if (backend == NULL)
    return cb_cli_fail (error);
  gen = cb_generator_new (model, backend, &error);
  if (gen == NULL || !cb_generator_set_profile (gen, profile, &error))
    return cb_cli_fail (error);
  classes = cb_generator_get_classes (gen);

  /* --class-seed NAME=N: the class is re-rolled alone (docs/FORMATS.md, Noise) */
  seeds.n_class_seeds = cb_class_set_get_n_classes (classes);
  has_class_seed = g_new0 (gboolean, seeds.n_class_seeds);
  class_seed = g_new0 (guint64, seeds.n_class_seeds);
  class_ids = g_new0 (guint, seeds.n_class_seeds);
  for (guint i = 0; i < seeds.n_class_seeds; i++)
    class_ids[i] = cb_class_set_get (classes, i)->id;
  for (guint i = 0; class_seeds != NULL && class_seeds[i] != NULL; i++)
    {
      const char *eq = strrchr (class_seeds[i], '=');
      g_autofree char *name = eq ? g_strndup (class_seeds[i], eq - class_seeds[i]) : NULL;
      const CbClass *klass = name ? cb_class_set_lookup_name (classes, name) : NULL;
      guint64 value;

      if (eq == NULL || !parse_u64 (eq + 1, &value))
        {
          g_printerr ("%s: --class-seed takes NAME=N, not “%s”\n", argv[0], class_seeds[i]);
          return CB_CLI_USAGE;
        }
      if (klass == NULL)
        {
          g_printerr ("%s: --class-seed: no class “%s” in “%s”\n", argv[0], name, classes->name);
          return CB_CLI_USAGE;
        }
      has_class_seed[cb_class_set_index_of_id (classes, klass->id)] = TRUE;
      class_seed[cb_class_set_index_of_id (classes, klass->id)] = value;
    }
  seeds.has_class_seed = has_class_seed;
  seeds.class_seed = class_seed;
  seeds.class_ids = class_ids;

  if (noise_path != NULL)
    {
      const CbGeneratorConfig *cfg = &model->gen;

      noise = cb_npy_load (noise_path, &error);
      if (noise == NULL)
        return cb_cli_fail (error);
      if (noise->n_dims == 1 && noise->shape[0] == cfg->z_dim)
        seeds.global_z = noise->data; /* every class and void take this vector */
      else if (noise->n_dims == 3 && noise->shape[0] == cfg->z_dim && noise->shape[1] == cfg->height
               && noise->shape[2] == cfg->width)
        cb_generator_set_noise_map (gen, noise->data);
      else
        {
          g_printerr ("%s: %s: the noise must have shape (%u,) or (%u, %u, %u) for this model\n", argv[0], noise_path,
                      cfg->z_dim, cfg->z_dim, cfg->height, cfg->width);
          return CB_CLI_ERROR;
        }
      if (noise->n_dims == 1 && class_seeds != NULL)
        g_printerr ("%s: note: --class-seed re-rolls those classes; the others use the noise file\n", argv[0]);
    }

  map = cb_label_map_load (labels_path, classes, &error);
  if (map == NULL)
    return cb_cli_fail (error);

  image = cb_generator_run (gen, map, &seeds, &error);
  if (image == NULL)
    return cb_cli_fail (error);
  if (out_w != 0 && (out_w != image->width || out_h != image->height))
    {
      CbImage *resized = resize_bilinear (image, out_w, out_h);
      cb_image_free (image);
      image = resized;
    }
  if (!cb_image_save_png (image, output, &error))
    return cb_cli_fail (error);
  return CB_CLI_OK;
}
