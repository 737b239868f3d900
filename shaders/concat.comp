// CB_OP_CONCAT: out = act(channels of a, then channels of b), as torch.cat (dim 1)
// bindings: 0 out (C x H x W), 1 a (in_c x H x W), 2 b ((C - in_c) x H x W)
#version 450
#extension GL_GOOGLE_include_directive : require
#include "cb-common.glsl"

#ifndef CB_T
#define CB_T float
#endif

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
  float v = c < p.in_c ? float (a[c * hw + pix]) : float (b[(c - p.in_c) * hw + pix]);
  y[c * hw + pix] = CB_T (cb_act (v, ACT));
}
