/* cb-affinity.c: class affinity estimation: segmentation and vision priors,
 * combination, the target profile (DESIGN §4, docs/AFFINITY.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cb-affinity.h"
#include "cb-vision-encoder.h"
#include "cb-discriminator.h"
#include "cb-error.h"
#include "cb-photo.h"

#include <math.h>
#include <string.h>

static const char *const method_names[CB_AFFINITY_N_METHODS] = { "seg", "text", "vision" };

const char *
cb_affinity_method_to_string (CbAffinityMethod method)
{
  g_return_val_if_fail (method < CB_AFFINITY_N_METHODS, "unknown");
  return method_names[method];
}

gboolean
cb_affinity_method_from_string (const char *name, CbAffinityMethod *method)
{
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    if (g_ascii_strcasecmp (name, method_names[m]) == 0
        || (m == CB_AFFINITY_SEG && g_ascii_strcasecmp (name, "segmentation") == 0))
      {
        *method = (CbAffinityMethod)m;
        return TRUE;
      }
  return FALSE;
}

/* ------------------------------------------------------------- examples */

static void
cb_example_free (CbExample *ex)
{
  if (ex == NULL)
    return;
  g_free (ex->stem);
  cb_image_free (ex->photo);
  cb_label_map_free (ex->labels);
  cb_image_free (ex->photo_2x);
  cb_label_map_free (ex->labels_2x);
  g_free (ex);
}

void
cb_example_set_free (CbExampleSet *set)
{
  if (set == NULL)
    return;
  g_free (set->dir);
  g_free (set->split);
  g_ptr_array_unref (set->examples);
  g_free (set);
}

/* The photo of a stem: images/STEM.jpg, .jpeg or .png, or NULL. */
static char *
find_photo (const char *dir, const char *stem)
{
  static const char *const exts[] = { ".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG" };
  for (gsize i = 0; i < G_N_ELEMENTS (exts); i++)
    {
      g_autofree char *name = g_strconcat (stem, exts[i], NULL);
      char *path = g_build_filename (dir, "images", name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return path;
      g_free (path);
    }
  return NULL;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

/* The stems of a folder without split files: every labels/STEM.png with a photo, sorted. */
static GPtrArray *
list_labelled_stems (const char *dir, GError **error)
{
  g_autofree char *labels = g_build_filename (dir, "labels", NULL);
  g_autoptr (GDir) d = g_dir_open (labels, 0, error);
  if (d == NULL)
    return NULL;
  GPtrArray *stems = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (!g_str_has_suffix (name, ".png"))
        continue;
      g_autofree char *stem = g_strndup (name, strlen (name) - 4);
      g_autofree char *photo = find_photo (dir, stem);
      if (photo != NULL)
        g_ptr_array_add (stems, g_steal_pointer (&stem));
    }
  g_ptr_array_sort (stems, compare_strings);
  return stems;
}

static gboolean
has_split_files (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".txt") && g_ascii_strcasecmp (name, "README.txt") != 0)
      return TRUE;
  return FALSE;
}

static GPtrArray *
read_split (const char *dir, const char *split, GError **error)
{
  g_autofree char *file = g_strconcat (split, ".txt", NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_IO, "Cannot read the split “%s” (%s): %s", split, path, local->message);
      return NULL;
    }
  GPtrArray *stems = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *stem = g_strstrip (lines[i]);
      if (*stem == '\0')
        continue;
      if (strchr (stem, '/') != NULL || strchr (stem, '\\') != NULL || g_str_equal (stem, ".."))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s, line %u: “%s” is not a file stem", path, i + 1, stem);
          g_ptr_array_unref (stems);
          return NULL;
        }
      g_ptr_array_add (stems, g_strdup (stem));
    }
  if (stems->len == 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "The split file %s lists no photos", path);
      g_ptr_array_unref (stems);
      return NULL;
    }
  return stems;
}

CbExampleSet *
cb_example_set_load (const char *dir, const char *split, const CbClassSet *classes, guint width, guint height,
                     CbExampleLoadFlags flags, GError **error)
{
  g_return_val_if_fail (dir != NULL && classes != NULL && width > 0 && height > 0, NULL);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_IO, "The examples folder %s does not exist", dir);
      return NULL;
    }
  g_autofree char *chosen = g_strdup (split);
  if (chosen == NULL)
    {
      g_autofree char *train = g_build_filename (dir, "train.txt", NULL);
      if (g_file_test (train, G_FILE_TEST_IS_REGULAR))
        chosen = g_strdup ("train");
      else if (has_split_files (dir))
        {
          /* listing every photo could take test photos as examples */
          g_set_error (error, CB_ERROR, CB_ERROR_INVALID,
                       "The examples folder %s has split files but no train.txt: name the split to use", dir);
          return NULL;
        }
    }
  if (chosen != NULL && g_str_has_prefix (chosen, "test") && !(flags & CB_EXAMPLE_LOAD_ALLOW_TEST))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID,
                   "The split “%s” of %s is a test split: test photos are for evaluation, not examples "
                   "(allow it explicitly to use it anyway)",
                   chosen, dir);
      return NULL;
    }

  g_autoptr (GPtrArray) stems = chosen != NULL ? read_split (dir, chosen, error) : list_labelled_stems (dir, error);
  if (stems == NULL)
    return NULL;
  if (stems->len == 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID,
                   "The examples folder %s has no labelled photos (labels/STEM.png "
                   "with images/STEM.jpg)",
                   dir);
      return NULL;
    }

  g_autoptr (CbExampleSet) set = g_new0 (CbExampleSet, 1);
  set->dir = g_strdup (dir);
  set->split = g_steal_pointer (&chosen);
  set->examples = g_ptr_array_new_with_free_func ((GDestroyNotify)cb_example_free);
  for (guint i = 0; i < stems->len; i++)
    {
      const char *stem = g_ptr_array_index (stems, i);
      g_autofree char *photo_path = find_photo (dir, stem);
      g_autofree char *label_name = g_strconcat (stem, ".png", NULL);
      g_autofree char *label_path = g_build_filename (dir, "labels", label_name, NULL);
      if (photo_path == NULL)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_IO, "%s: the example “%s” has no photo images/%s.jpg (or .png)", dir,
                       stem, stem);
          return NULL;
        }
      /* big JPEGs decoded (DCT scaling) just above the 2× size, with or
       * without NATIVE_ONLY, so that the native photo is the same either way */
      g_autoptr (CbImage) photo = cb_photo_load_for_size (photo_path, 2 * width, 2 * height, error);
      if (photo == NULL)
        return NULL;
      g_autoptr (CbLabelMap) labels = cb_label_map_load (label_path, classes, error);
      if (labels == NULL)
        return NULL;
      CbExample *ex = g_new0 (CbExample, 1);
      ex->stem = g_strdup (stem);
      if (!(flags & CB_EXAMPLE_LOAD_NATIVE_ONLY))
        {
          ex->photo_2x = cb_photo_resize (photo, 2 * width, 2 * height);
          ex->labels_2x = cb_label_map_resize_nearest (labels, 2 * width, 2 * height);
        }
      ex->photo = photo->width == width && photo->height == height ? g_steal_pointer (&photo)
                                                                   : cb_photo_resize (photo, width, height);
      ex->labels = labels->width == width && labels->height == height
                     ? g_steal_pointer (&labels)
                     : cb_label_map_resize_nearest (labels, width, height);
      g_ptr_array_add (set->examples, ex);
    }
  return g_steal_pointer (&set);
}

/* ------------------------------------------------- discriminator passes */

typedef struct
{
  const CbGraph *graph;
} RefPlan;

static gpointer
ref_prepare (gpointer user_data, const CbGraph *graph, GError **error)
{
  RefPlan *plan = g_new0 (RefPlan, 1);
  plan->graph = graph;
  return plan;
}

static gboolean
ref_run (gpointer p, CbTensor *const *inputs, guint n_inputs, CbTensor *output, GError **error)
{
  RefPlan *plan = p;
  g_autoptr (CbTensor) out = cb_graph_run_reference (plan->graph, inputs, n_inputs, error);
  if (out == NULL)
    return FALSE;
  memcpy (output->data, out->data, cb_tensor_n_elements (output) * sizeof (float));
  return TRUE;
}

static const CbGraphRunner reference_runner = {
  .prepare = ref_prepare,
  .run = ref_run,
  .free_plan = g_free,
  .description = "CPU reference",
};

void
cb_example_stats_free (CbExampleStats *stats)
{
  if (stats == NULL)
    return;
  g_free (stats->pixels);
  g_free (stats->posterior);
  g_free (stats->features);
  g_free (stats);
}

static guint
n_source_classes (const CbModel *model)
{
  return model->gen.semantic_nc - (model->gen.dontcare_channel >= 0 ? 1 : 0);
}

/* Runs graph (input: the photo) once per example at scale (1 or 2) times the
 * model's size and hands each output with the label map at that size to
 * take(). what names the network in errors. Cancellable between photos. */
typedef void (*TakeOutput) (const CbTensor *out, const CbLabelMap *labels, gpointer data);

static gboolean
run_over_examples (const CbGraphRunner *runner, const CbGraph *graph, const char *what, const CbModel *model,
                   const CbExampleSet *examples, guint scale, CbTensor *out, TakeOutput take, gpointer take_data,
                   GCancellable *cancellable, void (*progress) (double fraction, gpointer user_data),
                   gpointer user_data, GError **error)
{
  guint W = scale * model->gen.width, H = scale * model->gen.height;
  gpointer plan = runner->prepare (runner->user_data, graph, error);
  if (plan == NULL)
    return FALSE;
  gboolean ok = TRUE;
  for (guint e = 0; e < examples->examples->len && ok; e++)
    {
      const CbExample *ex = g_ptr_array_index (examples->examples, e);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      const CbImage *photo = scale == 2 ? ex->photo_2x : ex->photo;
      const CbLabelMap *labels = scale == 2 ? ex->labels_2x : ex->labels;
      if (photo == NULL || labels == NULL || photo->width != W || photo->height != H || labels->width != W
          || labels->height != H)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_MISMATCH,
                       "%s: the example “%s” is not at %u× the model's size (%u×%u)", examples->dir, ex->stem, scale, W,
                       H);
          ok = FALSE;
          break;
        }
      g_autoptr (CbTensor) in = cb_photo_to_tensor (photo);
      if (!runner->run (plan, &in, 1, out, error))
        {
          g_prefix_error (error, "%s: the %s on “%s”: ", examples->dir, what, ex->stem);
          ok = FALSE;
          break;
        }
      take (out, labels, take_data);
      if (progress != NULL)
        progress ((double)(e + 1) / examples->examples->len, user_data);
    }
  runner->free_plan (plan);
  return ok;
}

/* label id -> class index, -1 for void and ids not in the set */
static void
class_lut (const CbClassSet *classes, int lut[256])
{
  for (guint id = 0; id < 256; id++)
    lut[id] = id == CB_VOID_ID ? -1 : cb_class_set_index_of_id (classes, id);
}

/* Per class: labelled pixels and the sum of F output channels from `first` on. */
typedef struct
{
  int lut[256];
  guint first, F;
  double *feat;
  guint64 *pixels;
} FeatureSums;

static void
take_features (const CbTensor *out, const CbLabelMap *labels, gpointer data)
{
  FeatureSums *d = data;
  gsize hw = (gsize)out->h * out->w;
  for (gsize i = 0; i < hw; i++)
    {
      int t = d->lut[labels->ids[i]];
      if (t < 0)
        continue;
      d->pixels[t]++;
      for (guint f = 0; f < d->F; f++)
        d->feat[(gsize)t * d->F + f] += out->data[(d->first + f) * hw + i];
    }
}

/* n x width means of per-class sums; zero rows for classes without pixels */
static float *
class_means (const double *sums, const guint64 *pixels, guint n, guint width)
{
  float *means = g_new0 (float, MAX ((gsize)n * width, 1));
  for (guint t = 0; t < n; t++)
    if (pixels[t] > 0)
      for (guint k = 0; k < width; k++)
        means[(gsize)t * width + k] = (float)(sums[(gsize)t * width + k] / (double)pixels[t]);
  return means;
}

/* the discriminator's outputs: the posterior over the source classes, and the
 * features after its logits */
typedef struct
{
  FeatureSums features;
  const guint *channel;
  guint n_source;
  double *post, *p;
} DiscriminatorSums;

static void
take_discriminator (const CbTensor *out, const CbLabelMap *labels, gpointer data)
{
  DiscriminatorSums *d = data;
  gsize hw = (gsize)out->h * out->w;
  for (gsize i = 0; i < hw; i++)
    {
      int t = d->features.lut[labels->ids[i]];
      if (t < 0)
        continue;
      /* softmax over the real source channels alone: p(s | real, not don't-care) */
      double max = -INFINITY, sum = 0;
      for (guint s = 0; s < d->n_source; s++)
        max = MAX (max, (double)out->data[d->channel[s] * hw + i]);
      for (guint s = 0; s < d->n_source; s++)
        sum += d->p[s] = exp ((double)out->data[d->channel[s] * hw + i] - max);
      for (guint s = 0; s < d->n_source; s++)
        d->post[(gsize)t * d->n_source + s] += d->p[s] / sum;
    }
  take_features (out, labels, &d->features);
}

CbExampleStats *
cb_example_stats_compute (const CbGraphRunner *runner, const CbModel *model, const CbClassSet *classes,
                          const CbExampleSet *examples, guint scale, GCancellable *cancellable,
                          void (*progress) (double fraction, gpointer user_data), gpointer user_data, GError **error)
{
  g_return_val_if_fail (model != NULL && classes != NULL && examples != NULL, NULL);
  g_return_val_if_fail (scale == 1 || scale == 2, NULL);
  if (runner == NULL)
    runner = &reference_runner;

  CbDiscriminatorConfig config;
  if (!cb_discriminator_get_config (model, &config, error))
    return NULL;
  guint W = scale * model->gen.width, H = scale * model->gen.height;
  guint n_source = n_source_classes (model), n_classes = cb_class_set_get_n_classes (classes);
  guint F = config.head, n_out = config.n_outputs;

  g_autoptr (CbGraph) graph = cb_discriminator_build (model, W, H, TRUE, error);
  if (graph == NULL)
    return NULL;

  g_autofree guint *channel = g_new (guint, MAX (n_source, 1));
  for (guint s = 0; s < n_source; s++)
    channel[s] = 1 + cb_model_source_channel (model, s); /* D output 0 is fake */
  g_autofree double *post = g_new0 (double, (gsize)n_classes *n_source);
  g_autofree double *feat = g_new0 (double, (gsize)n_classes *F);
  g_autofree double *p = g_new0 (double, MAX (n_source, 1));
  g_autofree guint64 *pixels = g_new0 (guint64, MAX (n_classes, 1));
  DiscriminatorSums sums = {
    .features = { .first = n_out, .F = F, .feat = feat, .pixels = pixels },
    .channel = channel,
    .n_source = n_source,
    .post = post,
    .p = p,
  };
  class_lut (classes, sums.features.lut);
  g_autoptr (CbTensor) out = cb_tensor_new (n_out + F, H, W);

  gint64 start = g_get_monotonic_time ();
  if (!run_over_examples (runner, graph, "discriminator", model, examples, scale, out, take_discriminator, &sums,
                          cancellable, progress, user_data, error))
    return NULL;

  CbExampleStats *stats = g_new0 (CbExampleStats, 1);
  stats->n_classes = n_classes;
  stats->n_source = n_source;
  stats->n_features = F;
  stats->posterior = class_means (post, pixels, n_classes, n_source);
  stats->features = class_means (feat, pixels, n_classes, F);
  stats->pixels = g_steal_pointer (&pixels);
  stats->n_photos = examples->examples->len;
  stats->seconds = (double)(g_get_monotonic_time () - start) / 1e6;
  return stats;
}

float *
cb_example_features_compute (const CbGraphRunner *runner, const CbModel *model, const CbClassSet *classes,
                             const CbExampleSet *examples, GCancellable *cancellable,
                             void (*progress) (double fraction, gpointer user_data), gpointer user_data,
                             guint *n_features, GError **error)
{
  g_return_val_if_fail (model != NULL && classes != NULL && examples != NULL && n_features != NULL, NULL);
  if (runner == NULL)
    runner = &reference_runner;

  CbVisionEncoderConfig config;
  if (!cb_vision_encoder_get_config (model, &config, error))
    return NULL;
  guint W = model->gen.width, H = model->gen.height, F = config.n_features;
  guint n_classes = cb_class_set_get_n_classes (classes);
  g_autoptr (CbGraph) graph = cb_vision_encoder_build (model, W, H, error);
  if (graph == NULL)
    return NULL;

  g_autofree double *feat = g_new0 (double, MAX ((gsize)n_classes * F, 1));
  g_autofree guint64 *pixels = g_new0 (guint64, MAX (n_classes, 1));
  FeatureSums sums = { .first = 0, .F = F, .feat = feat, .pixels = pixels };
  class_lut (classes, sums.lut);
  g_autoptr (CbTensor) out = cb_tensor_new (F, H, W);
  if (!run_over_examples (runner, graph, "vision encoder", model, examples, 1, out, take_features, &sums, cancellable,
                          progress, user_data, error))
    return NULL;
  *n_features = F;
  return class_means (feat, pixels, n_classes, F);
}

float *
cb_affinity_head_prototypes (const CbModel *model, guint *n_features, GError **error)
{
  CbDiscriminatorConfig config;
  if (!cb_discriminator_get_config (model, &config, error))
    return NULL;
  const guint64 shape[4] = { config.n_outputs, config.head, 1, 1 };
  g_autofree char *name = g_strdup_printf ("%slayer_up_last.weight", cb_discriminator_prefix (model));
  g_autofree float *w = cb_model_get_weight (model, name, 4, shape, error);
  if (w == NULL)
    return NULL;
  guint n_source = n_source_classes (model), F = config.head;
  float *protos = g_new (float, MAX ((gsize)n_source * F, 1));
  for (guint s = 0; s < n_source; s++)
    memcpy (protos + (gsize)s * F, w + (gsize)(1 + cb_model_source_channel (model, s)) * F, F * sizeof (float));
  *n_features = F;
  return protos;
}

float *
cb_affinity_cosine (const float *target, guint n_target, const float *source, guint n_source, guint n_features)
{
  float *m = g_new0 (float, MAX ((gsize)n_target * n_source, 1));
  for (guint t = 0; t < n_target; t++)
    for (guint s = 0; s < n_source; s++)
      {
        const float *a = target + (gsize)t * n_features, *b = source + (gsize)s * n_features;
        double ab = 0, aa = 0, bb = 0;
        for (guint f = 0; f < n_features; f++)
          {
            ab += (double)a[f] * b[f];
            aa += (double)a[f] * a[f];
            bb += (double)b[f] * b[f];
          }
        double c = aa > 0 && bb > 0 ? ab / sqrt (aa * bb) : 0.0;
        m[(gsize)t * n_source + s] = (float)MAX (c, 0.0);
      }
  return m;
}

/* ---------------------------------------------------------- combination */

static void
normalize_sum (float *row, guint cols)
{
  double sum = 0;
  for (guint j = 0; j < cols; j++)
    sum += row[j];
  for (guint j = 0; j < cols; j++)
    row[j] = sum > 0 ? (float)(row[j] / sum) : 1.0f / (float)cols;
}

void
cb_affinity_sharpen (float *matrix, guint rows, guint cols, float temperature)
{
  g_return_if_fail (matrix != NULL && temperature > 0.0f);
  for (guint i = 0; i < rows; i++)
    {
      float *row = matrix + (gsize)i * cols;
      /* the largest entry as the unit: no overflow or underflow of the power for small T */
      double max = 0;
      for (guint j = 0; j < cols; j++)
        max = MAX (max, (double)row[j]);
      if (max > 0 && temperature != 1.0f)
        for (guint j = 0; j < cols; j++)
          row[j] = row[j] > 0 ? (float)pow (row[j] / max, 1.0 / temperature) : 0.0f;
      normalize_sum (row, cols);
    }
}

void
cb_affinity_top_k (float *matrix, guint rows, guint cols, guint k)
{
  g_return_if_fail (matrix != NULL);
  g_autofree gboolean *keep = g_new (gboolean, MAX (cols, 1));
  for (guint i = 0; i < rows; i++)
    {
      float *row = matrix + (gsize)i * cols;
      if (k > 0 && k < cols)
        {
          /* entry j is kept when fewer than k entries beat it (larger, or equal with a lower index) */
          for (guint j = 0; j < cols; j++)
            {
              guint better = 0;
              for (guint l = 0; l < cols; l++)
                better += row[l] > row[j] || (row[l] == row[j] && l < j);
              keep[j] = better < k;
            }
          for (guint j = 0; j < cols; j++)
            if (!keep[j])
              row[j] = 0.0f;
        }
      normalize_sum (row, cols);
    }
}

void
cb_affinity_combine (const float *const *priors, const gboolean *const *evidence, const float *weights, guint n_priors,
                     guint rows, guint cols, float *out)
{
  g_return_if_fail (out != NULL && (n_priors == 0 || (priors != NULL && weights != NULL)));
  for (guint t = 0; t < rows; t++)
    {
      double wsum = 0;
      float *row = out + (gsize)t * cols;
      memset (row, 0, cols * sizeof (float));
      for (guint i = 0; i < n_priors; i++)
        {
          if (priors[i] == NULL || !(weights[i] > 0) || (evidence != NULL && evidence[i] != NULL && !evidence[i][t]))
            continue;
          wsum += weights[i];
          for (guint s = 0; s < cols; s++)
            row[s] += weights[i] * priors[i][(gsize)t * cols + s];
        }
      for (guint s = 0; s < cols; s++)
        row[s] = wsum > 0 ? (float)(row[s] / wsum) : 1.0f / (float)cols;
    }
}

/* ------------------------------------------------------------- estimate */

void
cb_affinity_options_init (CbAffinityOptions *options)
{
  g_return_if_fail (options != NULL);
  memset (options, 0, sizeof *options);
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    options->weights[m] = 1.0f;
  options->temperature = CB_AFFINITY_DEFAULT_TEMPERATURE;
  cb_text_prior_options_init (&options->text);
  options->text_temperature = CB_TEXT_PRIOR_TEMPERATURE;
  options->vision_temperature = CB_VISION_PRIOR_TEMPERATURE;
  options->seg_scales = 2;
}

gboolean
cb_affinity_can_run (const CbModel *model, CbAffinityMethod method, const CbAffinityOptions *options, GError **error)
{
  g_return_val_if_fail (model != NULL && options != NULL && method < CB_AFFINITY_N_METHODS, FALSE);
  if (method == CB_AFFINITY_TEXT)
    {
      if (options->wordnet == NULL)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED,
                       "The text prior needs WordNet, which is not available (apt install wordnet-base)");
          return FALSE;
        }
      return TRUE;
    }
  CbDiscriminatorConfig config;
  CbVisionEncoderConfig vconfig;
  if (method == CB_AFFINITY_VISION && model->has_vision_encoder)
    {
      if (!cb_vision_encoder_get_config (model, &vconfig, error))
        {
          g_prefix_error (error, "The vision prior cannot run: ");
          return FALSE;
        }
    }
  else if (!cb_discriminator_get_config (model, &config, error))
    {
      g_prefix_error (error, "The %s prior cannot run: ", method == CB_AFFINITY_SEG ? "segmentation" : "vision");
      return FALSE;
    }
  if (options->examples == NULL || options->examples->examples->len == 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID,
                   "The %s prior needs example photos of the target classes with their label maps",
                   method == CB_AFFINITY_SEG ? "segmentation" : "vision");
      return FALSE;
    }
  return TRUE;
}

static gboolean *
row_evidence (const float *m, guint rows, guint cols)
{
  gboolean *ev = g_new0 (gboolean, MAX (rows, 1));
  for (guint t = 0; t < rows; t++)
    for (guint s = 0; s < cols; s++)
      ev[t] |= m[(gsize)t * cols + s] > 0;
  return ev;
}

static void
add_matrix (JsonBuilder *b, const float *m, guint rows, guint cols)
{
  json_builder_begin_array (b);
  for (guint t = 0; t < rows; t++)
    {
      json_builder_begin_array (b);
      for (guint s = 0; s < cols; s++)
        /* six decimals: the record stays readable, the values are what was used to within 5e-7 */
        json_builder_add_double_value (b, round ((double)m[(gsize)t * cols + s] * 1e6) / 1e6);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
}

static void
add_examples (JsonBuilder *b, const char *prefix, const CbExampleSet *set)
{
  g_autofree char *files = g_strconcat (prefix, "examples", NULL);
  g_autofree char *split = g_strconcat (prefix, "example_split", NULL);
  g_autofree char *dir = g_strconcat (prefix, "example_dir", NULL);
  json_builder_set_member_name (b, files);
  json_builder_begin_array (b);
  for (guint i = 0; set != NULL && i < set->examples->len; i++)
    json_builder_add_string_value (b, ((const CbExample *)g_ptr_array_index (set->examples, i))->stem);
  json_builder_end_array (b);
  if (set != NULL)
    {
      json_builder_set_member_name (b, split);
      if (set->split != NULL)
        json_builder_add_string_value (b, set->split);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, dir);
      json_builder_add_string_value (b, set->dir);
    }
}

static double
round6 (float v)
{
  return round ((double)v * 1e6) / 1e6;
}

static void
add_text_options (JsonBuilder *b, const CbAffinityOptions *o, GPtrArray *not_found)
{
  const CbTextPriorOptions *t = &o->text;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "wordnet");
  json_builder_add_string_value (b, o->wordnet != NULL ? cb_wordnet_get_dir (o->wordnet) : "");
  json_builder_set_member_name (b, "temperature");
  json_builder_add_double_value (b, round6 (o->text_temperature));
#define CB_NUM(field)                                                                                                  \
  json_builder_set_member_name (b, #field);                                                                            \
  json_builder_add_double_value (b, round6 (t->field))
  CB_NUM (sense_prior);
  CB_NUM (sense_decay);
  CB_NUM (synonym_weight);
  CB_NUM (modifier_weight);
  CB_NUM (holonym_step);
  CB_NUM (hypernym_step);
#undef CB_NUM
  json_builder_set_member_name (b, "max_path");
  json_builder_add_int_value (b, t->max_path);
  json_builder_set_member_name (b, "min_lcs_depth");
  json_builder_add_int_value (b, t->min_lcs_depth);
  json_builder_set_member_name (b, "catch_all");
  json_builder_add_boolean_value (b, t->catch_all);
  json_builder_set_member_name (b, "word_vectors");
  if (t->word_vectors != NULL)
    json_builder_add_string_value (b, t->word_vectors);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "word_vector_weight");
  json_builder_add_double_value (b, round6 (t->word_vector_weight));
  json_builder_set_member_name (b, "not_found");
  json_builder_begin_array (b);
  for (guint i = 0; not_found != NULL && i < not_found->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (not_found, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
}

/* Source prototypes for the vision prior, and what they are ("model",
 * "examples" or "discriminator_head"); S' x F. */
static float *
source_prototypes (const CbModel *model, const CbAffinityOptions *o, guint F, const char **kind,
                   CbExampleStats **source_stats, char **note, GError **error)
{
  guint n_source = n_source_classes (model);
  const CbSafetensorsEntry *e = cb_safetensors_lookup (model->weights, "P.source_prototypes");
  if (model->has_source_prototypes && e != NULL)
    {
      if (e->n_dims == 2 && e->shape[0] == n_source && e->shape[1] == F)
        {
          *kind = "model";
          return cb_safetensors_entry_to_f32 (e);
        }
      /* prototypes of another feature space (a V.* encoder): not comparable with D's features */
      *note = g_strdup_printf ("P.source_prototypes is not %u×%u (the discriminator's feature width): not used",
                               n_source, F);
    }
  if (o->source_examples != NULL)
    {
      *source_stats = cb_example_stats_compute (o->runner, model, model->classes, o->source_examples, 1, o->cancellable,
                                                NULL, NULL, error);
      if (*source_stats == NULL)
        return NULL;
      *kind = "examples";
      return g_memdup2 ((*source_stats)->features, sizeof (float) * MAX ((gsize)n_source * F, 1));
    }
  guint head_f;
  float *protos = cb_affinity_head_prototypes (model, &head_f, error);
  *kind = "discriminator_head";
  return protos;
}

/* A pass's share of the estimate's progress bar. */
typedef struct
{
  void (*progress) (double fraction, gpointer user_data);
  gpointer user_data;
  double start, share;
} ProgressPart;

static void
part_progress (double fraction, gpointer data)
{
  const ProgressPart *part = data;
  part->progress (part->start + part->share * fraction, part->user_data);
}

CbProfile *
cb_affinity_estimate (const CbModel *model, const CbClassSet *target, const CbAffinityOptions *o, GError **error)
{
  g_return_val_if_fail (model != NULL && target != NULL && o != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  guint T = cb_class_set_get_n_classes (target), S = n_source_classes (model);
  gboolean any = FALSE;
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    {
      if (!o->use[m])
        continue;
      any = TRUE;
      if (!(o->weights[m] >= 0) || !isfinite (o->weights[m]))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "The weight of the %s prior must be a number ≥ 0, not %g",
                       method_names[m], (double)o->weights[m]);
          return NULL;
        }
      if (!cb_affinity_can_run (model, m, o, error))
        return NULL;
    }
  if (!any)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "No affinity prior chosen");
      return NULL;
    }
  if (o->use[CB_AFFINITY_SEG] && o->seg_scales != 1 && o->seg_scales != 2)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID,
                   "The segmentation prior runs at 1 scale (the native size) or 2 (native and 2×), not %u",
                   o->seg_scales);
      return NULL;
    }
  if (!(o->temperature > 0) || !isfinite (o->temperature))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_INVALID, "The temperature must be a number > 0, not %g",
                   (double)o->temperature);
      return NULL;
    }
  if (S != cb_class_set_get_n_classes (model->classes))
    {
      g_set_error (error, CB_ERROR, CB_ERROR_FORMAT, "%s: %u source classes but %u real label channels", model->path,
                   cb_class_set_get_n_classes (model->classes), S);
      return NULL;
    }

  /* owned by `owned` */
  float *prior[CB_AFFINITY_N_METHODS] = { NULL };
  gboolean *evidence[CB_AFFINITY_N_METHODS] = { NULL };
  g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) not_found = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (CbExampleStats) stats = NULL;
  g_autoptr (CbExampleStats) stats_2x = NULL;
  g_autoptr (CbExampleStats) source_stats = NULL;
  g_autofree char *proto_note = NULL;
  const char *proto_kind = NULL;

  if (o->use[CB_AFFINITY_TEXT])
    {
      prior[CB_AFFINITY_TEXT] = cb_affinity_text (o->wordnet, target, model->classes, &o->text, not_found, error);
      if (prior[CB_AFFINITY_TEXT] == NULL)
        return NULL;
      g_ptr_array_add (owned, prior[CB_AFFINITY_TEXT]);
      /* a zero raw row: no name of the class is known; it says nothing */
      evidence[CB_AFFINITY_TEXT] = row_evidence (prior[CB_AFFINITY_TEXT], T, S);
      g_ptr_array_add (owned, evidence[CB_AFFINITY_TEXT]);
      cb_affinity_normalize_rows (prior[CB_AFFINITY_TEXT], T, S, o->text_temperature);
    }
  /* the vision prior's features: the self-supervised encoder where the model
   * has one, else the discriminator's */
  gboolean use_encoder = o->use[CB_AFFINITY_VISION] && model->has_vision_encoder;
  gboolean use_d = o->use[CB_AFFINITY_SEG] || (o->use[CB_AFFINITY_VISION] && !use_encoder);
  gboolean use_d_2x = o->use[CB_AFFINITY_SEG] && o->seg_scales == 2;
  /* one progress bar over every pass, shared by cost: D at 2× is four D
   * passes, the encoder about a ninth of one */
  double cost_d = use_d ? 1.0 : 0.0, cost_d_2x = use_d_2x ? 4.0 : 0.0, cost_v = use_encoder ? 1.0 / 9 : 0.0;
  double cost = MAX (cost_d + cost_d_2x + cost_v, 1e-9);
  ProgressPart d_part = { o->progress, o->progress_data, 0.0, cost_d / cost };
  ProgressPart d_2x_part = { o->progress, o->progress_data, cost_d / cost, cost_d_2x / cost };
  ProgressPart v_part = { o->progress, o->progress_data, (cost_d + cost_d_2x) / cost, cost_v / cost };
  if (use_d)
    {
      stats = cb_example_stats_compute (o->runner, model, target, o->examples, 1, o->cancellable,
                                        o->progress != NULL ? part_progress : NULL, &d_part, error);
      if (stats == NULL)
        return NULL;
    }
  if (use_d_2x)
    {
      stats_2x = cb_example_stats_compute (o->runner, model, target, o->examples, 2, o->cancellable,
                                           o->progress != NULL ? part_progress : NULL, &d_2x_part, error);
      if (stats_2x == NULL)
        return NULL;
    }
  if (o->use[CB_AFFINITY_SEG])
    {
      float *seg = g_memdup2 (stats->posterior, sizeof (float) * MAX ((gsize)T * S, 1));
      g_autofree gboolean *seen = row_evidence (seg, T, S);
      cb_affinity_normalize_rows (seg, T, S, 0.0f);
      if (stats_2x != NULL)
        {
          /* per row, the mean of the scales where the class has pixels (a
           * thin region can vanish at the native size) */
          g_autofree float *at_2x = g_memdup2 (stats_2x->posterior, sizeof (float) * MAX ((gsize)T * S, 1));
          g_autofree gboolean *seen_2x = row_evidence (at_2x, T, S);
          cb_affinity_normalize_rows (at_2x, T, S, 0.0f);
          for (guint t = 0; t < T; t++)
            {
              float w = seen[t] && seen_2x[t] ? 0.5f : seen_2x[t] ? 1.0f : 0.0f;
              for (guint k = 0; k < S; k++)
                seg[(gsize)t * S + k] = (1.0f - w) * seg[(gsize)t * S + k] + w * at_2x[(gsize)t * S + k];
              seen[t] |= seen_2x[t];
            }
        }
      prior[CB_AFFINITY_SEG] = seg;
      g_ptr_array_add (owned, seg);
      evidence[CB_AFFINITY_SEG] = g_steal_pointer (&seen);
      g_ptr_array_add (owned, evidence[CB_AFFINITY_SEG]);
    }
  if (use_encoder)
    {
      guint F = 0, source_F = 0;
      g_autofree float *target_features
        = cb_example_features_compute (o->runner, model, target, o->examples, o->cancellable,
                                       o->progress != NULL ? part_progress : NULL, &v_part, &F, error);
      if (target_features == NULL)
        return NULL;
      g_autofree float *protos = NULL;
      if (model->has_source_prototypes)
        {
          protos = cb_vision_encoder_source_prototypes (model, S, F, error);
          proto_kind = "model";
        }
      else if (o->source_examples != NULL)
        {
          protos = cb_example_features_compute (o->runner, model, model->classes, o->source_examples, o->cancellable,
                                                NULL, NULL, &source_F, error);
          proto_kind = "examples";
        }
      else
        g_set_error (error, CB_ERROR, CB_ERROR_UNSUPPORTED,
                     "%s: the vision encoder has no source prototypes (P.source_prototypes) and no source examples "
                     "were given",
                     model->path);
      if (protos == NULL)
        return NULL;
      prior[CB_AFFINITY_VISION] = cb_affinity_cosine (target_features, T, protos, S, F);
      g_ptr_array_add (owned, prior[CB_AFFINITY_VISION]);
      evidence[CB_AFFINITY_VISION] = row_evidence (prior[CB_AFFINITY_VISION], T, S);
      g_ptr_array_add (owned, evidence[CB_AFFINITY_VISION]);
      cb_affinity_normalize_rows (prior[CB_AFFINITY_VISION], T, S, o->vision_temperature);
    }
  else if (o->use[CB_AFFINITY_VISION])
    {
      g_autofree float *protos
        = source_prototypes (model, o, stats->n_features, &proto_kind, &source_stats, &proto_note, error);
      if (protos == NULL)
        return NULL;
      prior[CB_AFFINITY_VISION] = cb_affinity_cosine (stats->features, T, protos, S, stats->n_features);
      g_ptr_array_add (owned, prior[CB_AFFINITY_VISION]);
      evidence[CB_AFFINITY_VISION] = row_evidence (prior[CB_AFFINITY_VISION], T, S);
      g_ptr_array_add (owned, evidence[CB_AFFINITY_VISION]);
      cb_affinity_normalize_rows (prior[CB_AFFINITY_VISION], T, S, o->vision_temperature);
    }

  g_autoptr (CbProfile) profile = NULL;
  {
    g_autoptr (GPtrArray) names = g_ptr_array_new ();
    for (guint s = 0; s < S; s++)
      g_ptr_array_add (names, cb_class_set_get (model->classes, s)->name);
    g_ptr_array_add (names, NULL);
    profile = cb_profile_new (target, S, (const char *const *)names->pdata, model->sha256);
  }
  cb_affinity_combine ((const float *const *)prior, (const gboolean *const *)evidence, o->weights,
                       CB_AFFINITY_N_METHODS, T, S, profile->affinity);
  cb_affinity_sharpen (profile->affinity, T, S, o->temperature);
  cb_affinity_top_k (profile->affinity, T, S, o->top_k);

  /* the record: everything needed to make the same matrix again */
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "methods");
  json_builder_begin_array (b);
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    if (o->use[m])
      json_builder_add_string_value (b, method_names[m]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "weights");
  json_builder_begin_array (b);
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    if (o->use[m])
      json_builder_add_double_value (b, round6 (o->weights[m]));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "temperature");
  json_builder_add_double_value (b, round6 (o->temperature));
  json_builder_set_member_name (b, "temperature_rule");
  json_builder_add_string_value (b, "row^(1/T), renormalised");
  json_builder_set_member_name (b, "top_k");
  json_builder_add_int_value (b, o->top_k);
  add_examples (b, "", (o->use[CB_AFFINITY_SEG] || o->use[CB_AFFINITY_VISION]) ? o->examples : NULL);
  if (stats != NULL)
    {
      json_builder_set_member_name (b, "example_size");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, model->gen.width);
      json_builder_add_int_value (b, model->gen.height);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "photo_filter");
      json_builder_add_string_value (b, "lanczos3 (PIL Image.LANCZOS); labels nearest");
      json_builder_set_member_name (b, "example_pixels");
      json_builder_begin_array (b);
      for (guint t = 0; t < T; t++)
        json_builder_add_int_value (b, (gint64)stats->pixels[t]);
      json_builder_end_array (b);
    }
  if (o->use[CB_AFFINITY_TEXT])
    {
      json_builder_set_member_name (b, "text");
      add_text_options (b, o, not_found);
    }
  if (o->use[CB_AFFINITY_SEG])
    {
      json_builder_set_member_name (b, "seg");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "posterior");
      json_builder_add_string_value (b, "softmax over the real source channels (fake and don't-care dropped)");
      json_builder_set_member_name (b, "normalisation");
      json_builder_add_string_value (b, "row sum");
      json_builder_set_member_name (b, "scales");
      json_builder_begin_array (b);
      for (guint k = 1; k <= o->seg_scales; k++)
        json_builder_add_int_value (b, k);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "scale_combination");
      json_builder_add_string_value (b, "mean of the row-normalised matrices at each scale");
      json_builder_end_object (b);
    }
  if (o->use[CB_AFFINITY_VISION])
    {
      json_builder_set_member_name (b, "vision_features");
      json_builder_add_string_value (b, use_encoder ? "encoder" : "discriminator");
      json_builder_set_member_name (b, "vision");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "features");
      json_builder_add_string_value (b, use_encoder ? "self-supervised encoder (V.*, training/train_encoder.py)"
                                                    : "discriminator (the input of D.layer_up_last)");
      json_builder_set_member_name (b, "source_prototypes");
      json_builder_add_string_value (b, proto_kind);
      if (source_stats != NULL)
        add_examples (b, "source_", o->source_examples);
      if (proto_note != NULL)
        {
          json_builder_set_member_name (b, "note");
          json_builder_add_string_value (b, proto_note);
        }
      json_builder_set_member_name (b, "temperature");
      json_builder_add_double_value (b, round6 (o->vision_temperature));
      json_builder_end_object (b);
    }
  if (stats != NULL)
    {
      json_builder_set_member_name (b, "discriminator");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "runner");
      json_builder_add_string_value (b, o->runner != NULL && o->runner->description != NULL ? o->runner->description
                                                                                            : "CPU reference");
      json_builder_set_member_name (b, "photos");
      json_builder_add_int_value (b, stats->n_photos);
      json_builder_set_member_name (b, "seconds");
      json_builder_add_double_value (b, round ((stats->seconds + (stats_2x != NULL ? stats_2x->seconds : 0.0)) * 1000)
                                          / 1000);
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "priors");
  json_builder_begin_object (b);
  for (guint m = 0; m < CB_AFFINITY_N_METHODS; m++)
    if (prior[m] != NULL)
      {
        json_builder_set_member_name (b, method_names[m]);
        add_matrix (b, prior[m], T, S);
      }
  json_builder_end_object (b);
  json_builder_end_object (b);
  profile->estimation = json_builder_get_root (b);
  return g_steal_pointer (&profile);
}
