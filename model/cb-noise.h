/* cb-noise.h: the counter-based noise of docs/FORMATS.md (SplitMix64 + Box-Muller)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writes z_dim normal samples for (seed, stream) into out. Stream 0 is the
 * global vector of an image; stream class_id + 1 is a class re-rolled alone. */
void cb_noise_vector (guint64 seed, guint64 stream, guint z_dim, float *out);

G_END_DECLS
