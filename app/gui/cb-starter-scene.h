/* cb-starter-scene.h: the painting a new window starts with — a simple
 * street (sky, buildings, road, a tree, a car) — so that the first image is
 * a photo to paint over, not noise made from a blank map
 *
 * Plain C over model/: classes are found by name (case-insensitive), so any
 * class set with at least "sky" and "road" gets a scene; the others are
 * painted when the set has them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-class-set.h"
#include "model/cb-label-map.h"

G_BEGIN_DECLS

/* A width x height street in classes' ids; NULL when classes have no "sky"
 * or no "road" (then the window starts blank). */
CbLabelMap *cb_starter_scene_new (const CbClassSet *classes, guint width, guint height);

G_END_DECLS
