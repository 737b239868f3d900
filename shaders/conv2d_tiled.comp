// CB_OP_CONV2D, tiled: out = act(conv(act_in(in), weight) + bias), k x k (KERNEL 1 or 3), stride 1, zero padding k / 2
// bindings: 0 out (Cout x H x W), 1 in (Cin x H x W), 2 weight (Cout x Cin x k x k), 3 bias (Cout)
//
// An implicit GEMM: out (Cout x HW) = weight (Cout x K) * patches (K x HW),
// K = Cin * k * k. A workgroup computes a tile of TM output channels x TN
// output pixels; each step it stages TK rows of the patch matrix (gathered
// straight from the input, zero outside the image) and the matching TK
// columns of weights through shared memory, then every invocation
// multiplies them into RM x RN accumulators held in registers (RM, RN
// multiples of 4: shared memory is read as vec4, a quarter of the loads,
// which also matters on lavapipe where every load is a per-lane loop). Tile sizes
// are specialization constants chosen per op by render/cb-vk-plan.c (wide
// tiles for big images, narrow pixel tiles split over output channels for
// the 4-64 pixel start grid, narrow channel tiles for conv_img). KERNEL = 1
// specialises to a plain GEMM (no tap decomposition, no bounds checks).
//
// Layout for coalescing: consecutive invocations (x) load consecutive
// pixels of an input row and consecutive k of a weight row, and read
// consecutive vec4s of shared memory; an invocation owns groups of 4
// pixels (channels) strided by the invocation grid. Weight rows in shared
// memory are padded by one vec4 so the transposing stores spread over banks.
// The sum runs over k in the reference's order (bias, then ci, ky, kx).
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "cb-common.glsl"

layout(constant_id = 8) const int TM = 64;  // output channels per workgroup
layout(constant_id = 9) const int TN = 64;  // output pixels per workgroup
layout(constant_id = 10) const int RM = 8;  // output channels per invocation (multiple of 4)
layout(constant_id = 11) const int RN = 8;  // output pixels per invocation (multiple of 4)
layout(constant_id = 12) const int TK = 16; // reduction rows per shared-memory step
// the host sets the workgroup size (constant ids 0, 1) to (TN / RN, TM / RM)

layout(std430, set = 0, binding = 0) writeonly buffer Out { CB_TO y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { CB_T x[]; };
layout(std430, set = 0, binding = 2) readonly buffer Weight { CB_T wt[]; };
layout(std430, set = 0, binding = 3) readonly buffer Bias { CB_T bias[]; };

const int NX = TN / RN, NY = TM / RM, NT = NX * NY;
const int K2 = KERNEL * KERNEL, R = KERNEL / 2;
const int AS = TN / 4;     // vec4s per patch row
const int WS = TM / 4 + 1; // vec4s per weight row, padded
const int A_SLOTS = (TK * TN + NT - 1) / NT, W_SLOTS = (TK * TM + NT - 1) / NT;

shared vec4 As[TK * AS]; // patch row k0 + kk, tile pixels 4q..4q+3 at As[kk * AS + q]
shared vec4 Ws[TK * WS]; // weights of tile channels 4q..4q+3 at k0 + kk at Ws[kk * WS + q]

void
main ()
{
  uint hw = p.h * p.w;
  uint K = p.in_c * uint (K2);
  int h = int (p.h), w = int (p.w);
  int tx = int (gl_LocalInvocationID.x), ty = int (gl_LocalInvocationID.y);
  int lid = ty * NX + tx;
  uint n0 = gl_WorkGroupID.x * uint (TN), m0 = gl_WorkGroupID.y * uint (TM);

  // when NT is a multiple of TN, every patch slot of this invocation is the same pixel
  int a_n = lid % TN;
  uint a_pix = n0 + uint (a_n);
  int a_oy = int (a_pix / p.w), a_ox = int (a_pix % p.w);

  // acc[(j * 4 + c) * RN + i * 4 + d]: channel m0 + (ty + j * NY) * 4 + c, pixel n0 + (tx + i * NX) * 4 + d
  float acc[RM * RN];
  [[unroll]] for (int j = 0; j < RM; j++)
    {
      uint co = min (m0 + uint ((ty + (j / 4) * NY) * 4 + j % 4), p.c - 1u);
      float b = HAS_BIAS ? float (bias[co]) : 0.0;
      [[unroll]] for (int i = 0; i < RN; i++)
        acc[j * RN + i] = b;
    }

  for (uint k0 = 0u; k0 < K; k0 += uint (TK))
    {
      for (int r = 0; r < A_SLOTS; r++)
        {
          int s = lid + r * NT;
          if ((TK * TN) % NT != 0 && s >= TK * TN)
            break;
          int kk = s / TN, n = s % TN;
          uint k = k0 + uint (kk), pix = n0 + uint (n);
          int oy = a_oy, ox = a_ox;
          if (NT % TN != 0)
            oy = int (pix / p.w), ox = int (pix % p.w);
          float v = 0.0;
          if (KERNEL == 1)
            {
              if (pix < hw && k < K)
                v = float (x[k * hw + pix]);
            }
          else if (pix < hw && k < K)
            {
              uint ci = k / uint (K2);
              int t = int (k % uint (K2));
              int iy = oy + t / KERNEL - R, ix = ox + t % KERNEL - R;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                v = float (x[ci * hw + uint (iy * w + ix)]);
            }
          As[kk * AS + n / 4][n % 4] = cb_act (v, ACT_IN);
        }
      for (int r = 0; r < W_SLOTS; r++)
        {
          int s = lid + r * NT;
          if ((TK * TM) % NT != 0 && s >= TK * TM)
            break;
          int m = s / TK, kk = s % TK;
          uint k = k0 + uint (kk), co = m0 + uint (m);
          Ws[kk * WS + m / 4][m % 4] = (k < K && co < p.c) ? float (wt[co * K + k]) : 0.0;
        }
      barrier ();

      for (int kk = 0; kk < TK; kk++)
        {
          vec4 a[RN / 4];
          [[unroll]] for (int i = 0; i < RN / 4; i++)
            a[i] = As[kk * AS + tx + i * NX];
          [[unroll]] for (int j = 0; j < RM / 4; j++)
            {
              vec4 wv = Ws[kk * WS + ty + j * NY];
              [[unroll]] for (int c = 0; c < 4; c++)
                [[unroll]] for (int i = 0; i < RN / 4; i++)
                  [[unroll]] for (int d = 0; d < 4; d++)
                    acc[(j * 4 + c) * RN + i * 4 + d] += wv[c] * a[i][d];
            }
        }
      barrier ();
    }

  [[unroll]] for (int j = 0; j < RM; j++)
    {
      uint co = m0 + uint ((ty + (j / 4) * NY) * 4 + j % 4);
      if (co >= p.c)
        continue;
      [[unroll]] for (int i = 0; i < RN; i++)
        {
          uint pix = n0 + uint ((tx + (i / 4) * NX) * 4 + i % 4);
          if (pix < hw)
            y[co * hw + pix] = CB_TO (cb_act (acc[j * RN + i], ACT));
        }
    }
}
