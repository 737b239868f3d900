// The second pass of a split-K convolution (conv2d_tiled.comp with SPLIT_K):
// out = act(bias + part[0] + part[1] + ... + part[S - 1]), in that order
// (deterministic: the same sum on every run and device).
// bindings: 0 out (Cout x H x W), 1 part (float, S x Cout x H x W), 2 bias (Cout)
// push: c, h, w = the output; n_rows = S. Grid: x = pixel, y = channel.
//
// SPDX-License-Identifier: GPL-3.0-or-later
#version 450
#extension GL_GOOGLE_include_directive : require
#include "cb-common.glsl"

layout(std430, set = 0, binding = 0) writeonly buffer Out { CB_TO y[]; };
layout(std430, set = 0, binding = 1) readonly buffer Part { float part[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { CB_T bias[]; };

void
main ()
{
  uint hw = p.h * p.w;
  uint pix = CB_PIXEL, co = CB_CHANNEL;
  if (pix >= hw || co >= p.c)
    return;
  float acc = HAS_BIAS ? float (bias[co]) : 0.0;
  for (uint s = 0u; s < p.n_rows; s++)
    acc += part[(s * p.c + co) * hw + pix];
  y[co * hw + pix] = CB_TO (cb_act (acc, ACT));
}
