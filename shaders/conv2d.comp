// CB_OP_CONV2D: out = act(conv(act_in(in), weight) + bias), k x k (KERNEL), stride 1, zero padding k / 2
// bindings: 0 out (Cout x H x W), 1 in (Cin x H x W), 2 weight (Cout x Cin x k x k), 3 bias (Cout)
//
// Simple on purpose: one invocation per output pixel and BLOCK output
// channels; invocations of a workgroup share their output channels, so the
// weight loads are uniform (broadcast) and the input loads are coalesced.
// A tiled (shared memory / cooperative matrix) variant can replace it per op.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "cb-common.glsl"

layout(std430, set = 0, binding = 0) writeonly buffer Out { CB_TO y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { CB_T x[]; };
layout(std430, set = 0, binding = 2) readonly buffer Weight { CB_T wt[]; };
layout(std430, set = 0, binding = 3) readonly buffer Bias { CB_T bias[]; };

void
main ()
{
  uint hw = p.h * p.w;
  uint pix = CB_PIXEL;
  uint co0 = CB_CHANNEL * uint (BLOCK);
  if (pix >= hw || co0 >= p.c)
    return;
  int oy = int (pix / p.w), ox = int (pix % p.w);
  int h = int (p.h), w = int (p.w);
  const int R = KERNEL / 2;
  const uint K2 = uint (KERNEL * KERNEL);
  uint wstride = p.in_c * K2;

  // rows past Cout read the last channel's weights and are not stored
  uint wrow[BLOCK];
  float acc[BLOCK];
  for (int j = 0; j < BLOCK; j++)
    {
      uint co = min (co0 + uint (j), p.c - 1u);
      wrow[j] = co * wstride;
      // the reference's order: bias first, then (ci, ky, kx)
      acc[j] = HAS_BIAS ? float (bias[co]) : 0.0;
    }

  for (uint ci = 0u; ci < p.in_c; ci++)
    {
      uint xbase = ci * hw;
      uint wbase = ci * K2;
      for (int ky = 0; ky < KERNEL; ky++)
        {
          int iy = oy + ky - R;
          if (iy < 0 || iy >= h)
            continue;
          for (int kx = 0; kx < KERNEL; kx++)
            {
              int ix = ox + kx - R;
              if (ix < 0 || ix >= w)
                continue;
              float v = cb_act (float (x[xbase + uint (iy * w + ix)]), ACT_IN);
              uint wi = wbase + uint (ky * KERNEL + kx);
              for (int j = 0; j < BLOCK; j++)
                acc[j] += v * float (wt[wrow[j] + wi]);
            }
        }
    }

  for (int j = 0; j < BLOCK; j++)
    {
      uint co = co0 + uint (j);
      if (co < p.c)
        {
          y[co * hw + pix] = CB_TO (cb_act (acc[j], ACT));
        }
    }
}
