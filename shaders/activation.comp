// CB_OP_ACTIVATION: out = act(in)
// bindings: 0 out, 1 in (C x H x W)
#version 450
#extension GL_GOOGLE_include_directive : require
#include "cb-common.glsl"

layout(std430, set = 0, binding = 0) writeonly buffer Out { CB_T y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { CB_T x[]; };

void
main ()
{
  uint hw = p.h * p.w;
  uint pix = CB_PIXEL, c = CB_CHANNEL;
  if (pix >= hw || c >= p.c)
    return;
  uint i = c * hw + pix;
  y[i] = CB_T (cb_act (float (x[i]), ACT));
}
