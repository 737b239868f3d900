// CB_OP_AVG_POOL2: out = act(2x2 average, stride 2), as torch's avg_pool2d (x, 2)
// out is floor(in_h / 2) x floor(in_w / 2); the sum runs in the reference's order
// (y, x), (y, x+1), (y+1, x), (y+1, x+1), then / 4 (exact: a power of two)
// bindings: 0 out (C x H x W), 1 in (C x in_h x in_w)
#version 450
#extension GL_GOOGLE_include_directive : require
#include "cb-common.glsl"

#ifndef CB_T
#define CB_T float
#endif

layout(std430, set = 0, binding = 0) writeonly buffer Out { CB_T y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { CB_T x[]; };

void
main ()
{
  uint pix = CB_PIXEL, c = CB_CHANNEL;
  if (pix >= p.h * p.w || c >= p.c)
    return;
  uint oy = pix / p.w, ox = pix % p.w;
  uint i = (c * p.in_h + 2u * oy) * p.in_w + 2u * ox;
  // precise: no fused or reordered additions, the same sums as the C reference
  precise float s = float (x[i]) + float (x[i + 1u]);
  s = s + float (x[i + p.in_w]);
  s = s + float (x[i + p.in_w + 1u]);
  y[c * p.h * p.w + pix] = CB_T (cb_act (s * 0.25, ACT));
}
