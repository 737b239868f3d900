/* cb-warmup.h: is this Vulkan device faster than the CPU backend?
 *
 * `auto` keeps a discrete GPU without asking, and lavapipe (a CPU device)
 * loses without asking; for an integrated GPU the answer depends on the
 * machine, so it is measured: a short graph of the trunk's kind (3x3
 * convolutions, a SPADE, activations) runs on both, as a generation would
 * (upload, run, read back), and the faster one wins.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "render/cb-vk.h"

G_BEGIN_DECLS

typedef struct
{
  double vulkan_ms, cpu_ms; /* best of a few runs, after one to warm up */
  guint64 macs;             /* of the warm-up graph */
} CbWarmup;

/* The warm-up graph: deterministic (seeded) weights, one input. */
CbGraph *cb_warmup_graph_new (void);
/* Times the warm-up graph on dev and on the CPU backend; fills result. */
gboolean cb_warmup_measure (CbVkDevice *dev, CbWarmup *result, GError **error);
/* AUTO's choice for dev: a discrete GPU yes, a CPU device (lavapipe) no,
 * anything else by cb_warmup_measure() (CATBRUSH_AUTO_WARMUP=1 measures
 * every kind, to compare, and never reuses an answer). The answer is
 * measured once per device and process. *why: a sentence when the answer
 * is no (NULL for a CPU device). */
gboolean cb_warmup_auto_prefers_vulkan (CbVkDevice *dev, char **why);

G_END_DECLS
