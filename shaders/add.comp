// CB_OP_ADD: out = act(a + b)
// bindings: 0 out, 1 a, 2 b (all C x H x W)
#version 450
#extension GL_GOOGLE_include_directive : require
#include "cb-common.glsl"

layout(std430, set = 0, binding = 0) writeonly buffer Out { CB_T y[]; };
layout(std430, set = 0, binding = 1) readonly buffer A { CB_T a[]; };
layout(std430, set = 0, binding = 2) readonly buffer B { CB_T b[]; };

void
main ()
{
  uint hw = p.h * p.w;
  uint pix = CB_PIXEL, c = CB_CHANNEL;
  if (pix >= hw || c >= p.c)
    return;
  uint i = c * hw + pix;
  y[i] = CB_T (cb_act (float (a[i]) + float (b[i]), ACT));
}
