// The per-tap table of a 3x3 convolution over the embedded label map
// (render/cb-vk-plan.c, "gathers"): the map is table[rows(p)], so
// conv(map)(co, p) = bias(co) + sum over taps of G[tap][rows(p + tap)][co] with
// G[tap][r][co] = sum_ci W[co, ci, tap] * table[r, ci], made here once per run.
// bindings: 0 G (float, 9 x n_rows x Cout), 1 W (1 x Cout x Cin*9), 2 table (1 x n_rows x Cin)
// push: c = Cout, in_c = Cin, n_rows. Grid: x = co, y = row * 9 + tap.
//
// SPDX-License-Identifier: GPL-3.0-or-later
#version 450
#extension GL_GOOGLE_include_directive : require
#include "cb-common.glsl"

layout(std430, set = 0, binding = 0) writeonly buffer G { float g[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weight { CB_T wt[]; };
layout(std430, set = 0, binding = 2) readonly buffer Table { CB_T table[]; };

void
main ()
{
  uint co = gl_GlobalInvocationID.x, rt = gl_GlobalInvocationID.y;
  if (co >= p.c || rt >= p.n_rows * 9u)
    return;
  uint r = rt / 9u, tap = rt % 9u;
  float acc = 0.0;
  for (uint ci = 0u; ci < p.in_c; ci++)
    acc += float (wt[(co * p.in_c + ci) * 9u + tap]) * float (table[r * p.in_c + ci]);
  g[(tap * p.n_rows + r) * p.c + co] = acc;
}
