// CB_OP_SPADE_NORM: out = act((x - mean) / sqrt(var + eps) * (1 + gamma) + beta)
// bindings: 0 out, 1 x, 2 gamma, 3 beta (all C x H x W), 4 mean, 5 var (C)
// gamma, beta and the statistics are float in the fp16 build too: running
// variances and (1 + gamma) span a range float16 rounds badly (the plan
// keeps them fp32, docs/PERFORMANCE.md)
#version 450
#extension GL_GOOGLE_include_directive : require
#include "cb-common.glsl"

layout(std430, set = 0, binding = 0) writeonly buffer Out { CB_T y[]; };
layout(std430, set = 0, binding = 1) readonly buffer X { CB_T x[]; };
layout(std430, set = 0, binding = 2) readonly buffer Gamma { float gamma[]; };
layout(std430, set = 0, binding = 3) readonly buffer Beta { float beta[]; };
layout(std430, set = 0, binding = 4) readonly buffer Mean { float mean[]; };
layout(std430, set = 0, binding = 5) readonly buffer Var { float var[]; };

void
main ()
{
  uint hw = p.h * p.w;
  uint pix = CB_PIXEL, c = CB_CHANNEL;
  if (pix >= hw || c >= p.c)
    return;
  uint i = c * hw + pix;
  // as PyTorch's eval batch norm and the reference: (x - mean) * (1 / sqrt(var + eps))
  float n = (float (x[i]) - mean[c]) * (1.0 / sqrt (var[c] + p.eps));
  y[i] = CB_T (cb_act (n * (1.0 + gamma[i]) + beta[i], ACT));
}
