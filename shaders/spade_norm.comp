// CB_OP_SPADE_NORM: out = act((x - mean) / sqrt(var + eps) * (1 + gamma) + beta)
// bindings: 0 out, 1 x, 2 gamma, 3 beta (all C x H x W), 4 mean, 5 var (C)
#version 450
#extension GL_GOOGLE_include_directive : require
#include "cb-common.glsl"

layout(std430, set = 0, binding = 0) writeonly buffer Out { CB_T y[]; };
layout(std430, set = 0, binding = 1) readonly buffer X { CB_T x[]; };
layout(std430, set = 0, binding = 2) readonly buffer Gamma { CB_T gamma[]; };
layout(std430, set = 0, binding = 3) readonly buffer Beta { CB_T beta[]; };
layout(std430, set = 0, binding = 4) readonly buffer Mean { CB_T mean[]; };
layout(std430, set = 0, binding = 5) readonly buffer Var { CB_T var[]; };

void
main ()
{
  uint hw = p.h * p.w;
  uint pix = CB_PIXEL, c = CB_CHANNEL;
  if (pix >= hw || c >= p.c)
    return;
  uint i = c * hw + pix;
  // as PyTorch's eval batch norm and the reference: (x - mean) * (1 / sqrt(var + eps))
  float n = (float (x[i]) - float (mean[c])) * (1.0 / sqrt (float (var[c]) + p.eps));
  y[i] = CB_T (cb_act (n * (1.0 + float (gamma[i])) + float (beta[i]), ACT));
}
