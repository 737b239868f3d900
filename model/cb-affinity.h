/* cb-affinity.h: class affinity estimation (DESIGN §4, docs/AFFINITY.md): the
 * segmentation and vision priors, and the combination of all three priors into
 * a target profile
 *
 * model/ knows no devices: the discriminator runs through a CbGraphRunner that
 * the caller provides (render/'s CbBackend in the app and the CLI), or the CPU
 * reference when there is none.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cb-affinity-text.h"
#include "cb-graph.h"
#include "cb-label-map.h"
#include "cb-model.h"
#include "cb-png.h"
#include "cb-profile.h"

G_BEGIN_DECLS

typedef enum
{
  CB_AFFINITY_SEG,    /* "seg": the discriminator's posteriors over the examples' pixels */
  CB_AFFINITY_TEXT,   /* "text": WordNet (cb-affinity-text.h) */
  CB_AFFINITY_VISION, /* "vision": cosine of class prototypes in a feature space */
  CB_AFFINITY_N_METHODS
} CbAffinityMethod;

/* The default sharpening of the combined rows, row^(1/T) (docs/AFFINITY.md):
 * measured on the few-shot examples' own label maps, the generator renders
 * target classes far better through sharpened rows (LabelMeFacade on the
 * default model: judge mIoU 0.12 at T = 1, 0.27 at 0.3); the ranks of each
 * row do not change. */
#define CB_AFFINITY_DEFAULT_TEMPERATURE 0.3f

/* The softmax temperature of the vision prior's clipped cosines (docs/AFFINITY.md). */
#define CB_VISION_PRIOR_TEMPERATURE 0.1f

const char *cb_affinity_method_to_string (CbAffinityMethod method);
gboolean cb_affinity_method_from_string (const char *name, CbAffinityMethod *method);

/* How a graph is run: prepare once, run per input. NULL runner: the CPU reference. */
typedef struct
{
  gpointer (*prepare) (gpointer user_data, const CbGraph *graph, GError **error);
  gboolean (*run) (gpointer plan, CbTensor *const *inputs, guint n_inputs, CbTensor *output, GError **error);
  void (*free_plan) (gpointer plan);
  gpointer user_data;
  const char *description; /* for the profile's record, e.g. the device; may be NULL */
} CbGraphRunner;

/* ------------------------------------------------------------- examples */

typedef struct
{
  char *stem;
  CbImage *photo;     /* at the model's native size (cb_photo_resize) */
  CbLabelMap *labels; /* at the model's native size (nearest, docs/FORMATS.md) */
  /* the same at twice the native size, from the original files: the
   * segmentation prior's second scale (NULL with CB_EXAMPLE_LOAD_NATIVE_ONLY) */
  CbImage *photo_2x;
  CbLabelMap *labels_2x;
} CbExample;

typedef struct
{
  char *dir;
  char *split;         /* NULL: the folder has no split files and all its labelled photos are used */
  GPtrArray *examples; /* CbExample *, in the split file's order */
} CbExampleSet;

typedef enum
{
  CB_EXAMPLE_LOAD_DEFAULT = 0,
  /* a split named test* is accepted (test photos are for evaluation only) */
  CB_EXAMPLE_LOAD_ALLOW_TEST = 1 << 0,
  /* no photo_2x / labels_2x: for sets that never see the segmentation
   * prior's second scale, such as the vision prior's source examples */
  CB_EXAMPLE_LOAD_NATIVE_ONLY = 1 << 1,
} CbExampleLoadFlags;

/* Loads example photos and label maps from a folder in the shared dataset
 * layout: images/STEM.{jpg,jpeg,png}, labels/STEM.png, SPLIT.txt (one stem a
 * line). split NULL: "train" when train.txt exists; a folder without any
 * SPLIT.txt uses every labels/STEM.png that has a photo; otherwise an error. A split
 * whose name starts with "test" is refused (CB_ERROR_INVALID) without
 * CB_EXAMPLE_LOAD_ALLOW_TEST. Label maps are read with classes (ids outside
 * it are an error naming the file). */
CbExampleSet *cb_example_set_load (const char *dir, const char *split, const CbClassSet *classes, guint width,
                                   guint height, CbExampleLoadFlags flags, GError **error);
void cb_example_set_free (CbExampleSet *set);

/* ------------------------------------------------- discriminator passes */

/* Per class of a class set (index order): what the discriminator sees over
 * the pixels labelled with it in a set of examples. */
typedef struct
{
  guint n_classes;  /* rows */
  guint n_source;   /* S' */
  guint n_features; /* F: the discriminator's head width */
  guint64 *pixels;  /* n_classes: labelled pixels (void and unknown ids skipped) */
  float *posterior; /* n_classes x S': mean of p(s | pixel, real, not don't-care); zero rows without pixels */
  float *features;  /* n_classes x F: mean feature (the input of layer_up_last); zero rows without pixels */
  guint n_photos;
  double seconds; /* wall time of the discriminator passes */
} CbExampleStats;

/* Runs the discriminator (with features) once per example, at the model's
 * size (scale 1: photo, labels) or at twice that (scale 2: photo_2x,
 * labels_2x). The
 * per-pixel posterior is the softmax over the real source channels only: the
 * fake channel and the don't-care channel are dropped and the rest
 * renormalised (p(s | real, not don't-care)). Cancellable between photos. */
CbExampleStats *cb_example_stats_compute (const CbGraphRunner *runner, const CbModel *model, const CbClassSet *classes,
                                          const CbExampleSet *examples, guint scale, GCancellable *cancellable,
                                          void (*progress) (double fraction, gpointer user_data), gpointer user_data,
                                          GError **error);
void cb_example_stats_free (CbExampleStats *stats);

/* Per class of a class set (index order), the mean feature of the model's
 * vision encoder (cb-vision-encoder.h) over the pixels labelled with it:
 * n_classes x *n_features, zero rows for classes without pixels. Cancellable
 * between photos. */
float *cb_example_features_compute (const CbGraphRunner *runner, const CbModel *model, const CbClassSet *classes,
                                    const CbExampleSet *examples, GCancellable *cancellable,
                                    void (*progress) (double fraction, gpointer user_data), gpointer user_data,
                                    guint *n_features, GError **error);

/* The rows of D.layer_up_last.weight for the real source classes (S' x F):
 * the directions the discriminator scores each class along. */
float *cb_affinity_head_prototypes (const CbModel *model, guint *n_features, GError **error);

/* T x S' clipped cosines: max(0, cos(target[t], source[s])); 0 where either is a zero vector. */
float *cb_affinity_cosine (const float *target, guint n_target, const float *source, guint n_source, guint n_features);

/* ---------------------------------------------------------- combination */

/* Rows to the power 1 / temperature, renormalised: the same as
 * softmax(log(row) / temperature). temperature 1 changes nothing, < 1
 * sharpens, > 1 flattens; zeros stay zero. A zero row becomes uniform. */
void cb_affinity_sharpen (float *matrix, guint rows, guint cols, float temperature);
/* Keeps the k largest entries of each row (ties: the lower index), zeroes the
 * others and renormalises. k = 0 or k >= cols: only renormalises. */
void cb_affinity_top_k (float *matrix, guint rows, guint cols, guint k);
/* out[t] = sum_i weights[i] * priors[i][t] / sum_i weights[i], over the priors i
 * with evidence for row t (evidence[i] NULL: every row; a weight of 0 leaves
 * a prior out). Priors must be row-normalised. A row with no evidence from
 * any prior is uniform. */
void cb_affinity_combine (const float *const *priors, const gboolean *const *evidence, const float *weights,
                          guint n_priors, guint rows, guint cols, float *out);

/* ------------------------------------------------------------- estimate */

typedef struct
{
  gboolean use[CB_AFFINITY_N_METHODS];
  float weights[CB_AFFINITY_N_METHODS]; /* default 1 each */
  float temperature;                    /* of the combination; default CB_AFFINITY_DEFAULT_TEMPERATURE */
  guint top_k;                          /* default 0 (all) */
  /* text */
  const CbWordNet *wordnet; /* needed for the text prior */
  CbTextPriorOptions text;
  float text_temperature; /* softmax of the raw text scores; default CB_TEXT_PRIOR_TEMPERATURE */
  /* seg and vision */
  const CbExampleSet *examples;        /* the target examples; needed by seg and vision */
  const CbExampleSet *source_examples; /* optional: source prototypes from source photos */
  float vision_temperature;            /* default CB_VISION_PRIOR_TEMPERATURE */
  /* the segmentation prior's scales: 1, the native size; 2 (default), the
   * mean of the row-normalised posteriors at the native size and at twice it
   * (docs/AFFINITY.md: less of the source layout, more of the appearance) */
  guint seg_scales;
  const CbGraphRunner *runner; /* NULL: the CPU reference */
  GCancellable *cancellable;
  void (*progress) (double fraction, gpointer user_data);
  gpointer progress_data;
} CbAffinityOptions;

void cb_affinity_options_init (CbAffinityOptions *options);

/* Says why a prior cannot run with this model and these options (FALSE + error), e.g. no
 * discriminator, no examples, no WordNet. */
gboolean cb_affinity_can_run (const CbModel *model, CbAffinityMethod method, const CbAffinityOptions *options,
                              GError **error);

/* Estimates the T x S' matrix with the chosen priors and makes a profile for
 * the model: target classes, source names, the model's SHA-256 and in
 * `estimation` every parameter plus each prior's normalised matrix. */
CbProfile *cb_affinity_estimate (const CbModel *model, const CbClassSet *target, const CbAffinityOptions *options,
                                 GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbExampleSet, cb_example_set_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbExampleStats, cb_example_stats_free)

G_END_DECLS
