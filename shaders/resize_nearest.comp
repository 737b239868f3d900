// CB_OP_RESIZE_NEAREST: PyTorch nearest (docs/FORMATS.md)
// src = min(floor(dst * scale), in - 1), scale = (float) in / (float) out from the host
// bindings: 0 out (C x H x W), 1 in (C x in_h x in_w)
#version 450
#extension GL_GOOGLE_include_directive : require
#include "cb-common.glsl"

layout(std430, set = 0, binding = 0) writeonly buffer Out { CB_T y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { CB_T x[]; };

void
main ()
{
  uint pix = CB_PIXEL, c = CB_CHANNEL;
  if (pix >= p.h * p.w || c >= p.c)
    return;
  uint oy = pix / p.w, ox = pix % p.w;
  // precise: one correctly rounded multiply, exactly as the C reference
  precise float fy = float (oy) * p.scale_y;
  precise float fx = float (ox) * p.scale_x;
  uint sy = min (uint (floor (fy)), p.in_h - 1u);
  uint sx = min (uint (floor (fx)), p.in_w - 1u);
  y[c * p.h * p.w + pix] = CB_T (cb_act (float (x[(c * p.in_h + sy) * p.in_w + sx]), ACT));
}
