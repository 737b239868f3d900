// CB_OP_CONV2D, tiled: out = act(conv(act_in(in), weight) + bias), k x k (KERNEL 1 or 3), stride 1, zero padding k / 2
// bindings: 0 out (Cout x H x W), 1 in (Cin x H x W), 2 weight (Cout x Cin x k x k), 3 bias (Cout);
// with FUSE_SPADE also 4 gamma, 5 beta (Cin x H x W, float), 6 mean, 7 var (Cin, float)
//
// An implicit GEMM: out (Cout x HW) = weight (Cout x K) * patches (K x HW),
// K = Cin * k * k. A workgroup computes a tile of TM output channels x TN
// output pixels; each step it stages TK rows of the patch matrix (gathered
// straight from the input, zero outside the image) and the matching TK
// columns of weights through shared memory, then every invocation
// multiplies them into RM x RN accumulators held in registers (RM, RN
// multiples of 4: shared memory is read as vec4, a quarter of the loads,
// which also matters on lavapipe where every load is a per-lane loop). Tile sizes
// are specialization constants chosen per op by render/cb-vk-plan-conv.c (wide
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
//
// Variants (specialization constants, issue 21; none changes the order of
// the sum, so each is bit-identical to the plain shader except split-K):
// - FUSE_SPADE: the input is SPADE's normalisation of binding 1, computed
//   while the patch is staged ((x - mean) * rstd * (1 + gamma) + beta, then
//   ACT_IN, zero padding outside), so the normalised tensor is never written.
// - SPLIT_K: workgroup z sums only reduction rows [z * k_len, (z + 1) * k_len)
//   and writes its partial sums (float, no bias, no activation) to
//   out[z][co][pix]; splitk_reduce.comp adds them in order of z.
// - DOUBLE_BUF: two sets of shared tiles; the next step's global loads are
//   issued into registers before this step's multiplications, stored into
//   the other set after them: one barrier per step instead of two.
// - VEC4_W: weights loaded 4 consecutive k at a time (needs K % 4 == 0).
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "cb-common.glsl"

layout(constant_id = 8) const int TM = 64;  // output channels per workgroup
layout(constant_id = 9) const int TN = 64;  // output pixels per workgroup
layout(constant_id = 10) const int RM = 8;  // output channels per invocation (multiple of 4)
layout(constant_id = 11) const int RN = 8;  // output pixels per invocation (multiple of 4)
layout(constant_id = 12) const int TK = 16; // reduction rows per shared-memory step (multiple of 4)
layout(constant_id = 13) const bool FUSE_SPADE = false;
layout(constant_id = 14) const bool SPLIT_K = false;
layout(constant_id = 15) const bool DOUBLE_BUF = false;
layout(constant_id = 16) const bool VEC4_W = false;
// the host sets the workgroup size (constant ids 0, 1) to (TN / RN, TM / RM)

#ifdef CB_FP16
#define CB_T4 f16vec4
#else
#define CB_T4 vec4
#endif

layout(std430, set = 0, binding = 0) writeonly buffer Out { CB_TO y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { CB_T x[]; };
layout(std430, set = 0, binding = 2) readonly buffer Weight { CB_T wt[]; };
// the same weights, 4 at a time (VEC4_W)
layout(std430, set = 0, binding = 2) readonly buffer Weight4 { CB_T4 wt4[]; };
layout(std430, set = 0, binding = 3) readonly buffer Bias { CB_T bias[]; };
layout(std430, set = 0, binding = 4) readonly buffer Gamma { float gamma[]; };
layout(std430, set = 0, binding = 5) readonly buffer Beta { float beta[]; };
layout(std430, set = 0, binding = 6) readonly buffer Mean { float mean[]; };
layout(std430, set = 0, binding = 7) readonly buffer Var { float var[]; };

const int NX = TN / RN, NY = TM / RM, NT = NX * NY;
const int K2 = KERNEL * KERNEL, R = KERNEL / 2;
const int AS = TN / 4;     // vec4s per patch row
const int WS = TM / 4 + 1; // vec4s per weight row, padded
const int NBUF = DOUBLE_BUF ? 2 : 1;
const int A_SLOTS = (TK * TN + NT - 1) / NT, W_SLOTS = (TK * TM + NT - 1) / NT;
const int W4_SLOTS = (TK * TM / 4 + NT - 1) / NT;

shared vec4 As[NBUF * TK * AS]; // patch row k0 + kk, tile pixels 4q..4q+3 at As[b * TK * AS + kk * AS + q]
shared vec4 Ws[NBUF * TK * WS]; // weights of tile channels 4q..4q+3 at k0 + kk at Ws[b * TK * WS + kk * WS + q]

// what this invocation loads per step, held in registers between the
// global loads and the shared-memory stores
float ra[A_SLOTS];
float rw[W_SLOTS];
vec4 rw4[W4_SLOTS];

int lid;
uint hw, n0, m0, K;
int a_oy, a_ox;

void
fetch (uint k0, uint k_end)
{
  int h = int (p.h), w = int (p.w);
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
      if (pix < hw && k < k_end)
        {
          uint ci, i;
          bool inside = true;
          if (KERNEL == 1)
            ci = k, i = k * hw + pix;
          else
            {
              ci = k / uint (K2);
              int t = int (k % uint (K2));
              int iy = oy + t / KERNEL - R, ix = ox + t % KERNEL - R;
              inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
              i = ci * hw + uint (iy * w + ix);
            }
          if (inside)
            {
              v = float (x[i]);
              // as spade_norm.comp; padding stays zero (it pads the normalised map)
              if (FUSE_SPADE)
                v = (v - mean[ci]) * (1.0 / sqrt (var[ci] + p.eps)) * (1.0 + gamma[i]) + beta[i];
            }
        }
      ra[r] = cb_act (v, ACT_IN);
    }
  if (VEC4_W)
    for (int r = 0; r < W4_SLOTS; r++)
      {
        int s = lid + r * NT;
        if ((TK * TM / 4) % NT != 0 && s >= TK * TM / 4)
          break;
        int m = s / (TK / 4), kq = s % (TK / 4);
        uint k = k0 + uint (kq * 4), co = m0 + uint (m);
        // K % 4 == 0 and k_end is K or a multiple of TK: a quad is all in or all out
        rw4[r] = (k < k_end && co < p.c) ? vec4 (wt4[(co * K + k) / 4u]) : vec4 (0.0);
      }
  else
    for (int r = 0; r < W_SLOTS; r++)
      {
        int s = lid + r * NT;
        if ((TK * TM) % NT != 0 && s >= TK * TM)
          break;
        int m = s / TK, kk = s % TK;
        uint k = k0 + uint (kk), co = m0 + uint (m);
        rw[r] = (k < k_end && co < p.c) ? float (wt[co * K + k]) : 0.0;
      }
}

void
store (int b)
{
  for (int r = 0; r < A_SLOTS; r++)
    {
      int s = lid + r * NT;
      if ((TK * TN) % NT != 0 && s >= TK * TN)
        break;
      int kk = s / TN, n = s % TN;
      As[b * TK * AS + kk * AS + n / 4][n % 4] = ra[r];
    }
  if (VEC4_W)
    for (int r = 0; r < W4_SLOTS; r++)
      {
        int s = lid + r * NT;
        if ((TK * TM / 4) % NT != 0 && s >= TK * TM / 4)
          break;
        int m = s / (TK / 4), kq = s % (TK / 4);
        [[unroll]] for (int j = 0; j < 4; j++)
          Ws[b * TK * WS + (kq * 4 + j) * WS + m / 4][m % 4] = rw4[r][j];
      }
  else
    for (int r = 0; r < W_SLOTS; r++)
      {
        int s = lid + r * NT;
        if ((TK * TM) % NT != 0 && s >= TK * TM)
          break;
        int m = s / TK, kk = s % TK;
        Ws[b * TK * WS + kk * WS + m / 4][m % 4] = rw[r];
      }
}

void
main ()
{
  hw = p.h * p.w;
  K = p.in_c * uint (K2);
  int tx = int (gl_LocalInvocationID.x), ty = int (gl_LocalInvocationID.y);
  lid = ty * NX + tx;
  n0 = gl_WorkGroupID.x * uint (TN);
  m0 = gl_WorkGroupID.y * uint (TM);
  uint k_begin = 0u, k_end = K;
  if (SPLIT_K)
    k_begin = gl_WorkGroupID.z * p.k_len, k_end = min (K, k_begin + p.k_len);

  // when NT is a multiple of TN, every patch slot of this invocation is the same pixel
  int a_n = lid % TN;
  uint a_pix = n0 + uint (a_n);
  a_oy = int (a_pix / p.w);
  a_ox = int (a_pix % p.w);

  // acc[(j * 4 + c) * RN + i * 4 + d]: channel m0 + (ty + j * NY) * 4 + c, pixel n0 + (tx + i * NX) * 4 + d
  float acc[RM * RN];
  [[unroll]] for (int j = 0; j < RM; j++)
    {
      uint co = min (m0 + uint ((ty + (j / 4) * NY) * 4 + j % 4), p.c - 1u);
      float b = HAS_BIAS && !SPLIT_K ? float (bias[co]) : 0.0;
      [[unroll]] for (int i = 0; i < RN; i++)
        acc[j * RN + i] = b;
    }

  int cur = 0;
  if (DOUBLE_BUF && k_begin < k_end)
    {
      fetch (k_begin, k_end);
      store (0);
      barrier ();
    }
  for (uint k0 = k_begin; k0 < k_end; k0 += uint (TK))
    {
      bool next = k0 + uint (TK) < k_end;
      if (DOUBLE_BUF)
        {
          // issue the next step's loads now; they land while this one multiplies
          if (next)
            fetch (k0 + uint (TK), k_end);
        }
      else
        {
          fetch (k0, k_end);
          store (0);
          barrier ();
        }

      int ab = cur * TK * AS, wb = cur * TK * WS;
      for (int kk = 0; kk < TK; kk++)
        {
          vec4 a[RN / 4];
          [[unroll]] for (int i = 0; i < RN / 4; i++)
            a[i] = As[ab + kk * AS + tx + i * NX];
          [[unroll]] for (int j = 0; j < RM / 4; j++)
            {
              vec4 wv = Ws[wb + kk * WS + ty + j * NY];
              [[unroll]] for (int c = 0; c < 4; c++)
                [[unroll]] for (int i = 0; i < RN / 4; i++)
                  [[unroll]] for (int d = 0; d < 4; d++)
                    acc[(j * 4 + c) * RN + i * 4 + d] += wv[c] * a[i][d];
            }
        }
      if (DOUBLE_BUF)
        {
          // the other set was last read before the previous barrier
          if (next)
            store (1 - cur);
          cur = 1 - cur;
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
          if (pix >= hw)
            continue;
          if (SPLIT_K)
            y[(gl_WorkGroupID.z * p.c + co) * hw + pix] = CB_TO (acc[j * RN + i]);
          else
            y[co * hw + pix] = CB_TO (cb_act (acc[j * RN + i], ACT));
        }
    }
}
