/* cb-cpu-conv.c: the CPU backend's kernels (see cb-cpu-conv.h)
 *
 * Each hot loop is written once as an always-inline body with GCC vector
 * extensions and instantiated three times: with target("avx512f,…"),
 * target("avx2,fma") and portable. This file is built with
 * -ffp-contract=fast, so `c += a * b` is one FMA in the AVX variants. The
 * dense micro-kernel has a second, 16-wide form with 16 accumulators for
 * AVX-512 (twice the registers of AVX2, each twice as wide); the packed
 * weights' panel height (cw->mr) says which form a body runs. The public
 * functions pick the variant at run time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-cpu-conv.h"

#include <math.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define CB_CPU_HAVE_AVX2 1
#define CB_AVX2 __attribute__ ((target ("avx2,fma")))
#define CB_AVX512 __attribute__ ((target ("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
#else
#define CB_CPU_HAVE_AVX2 0
#endif

#define CB_BODY static inline __attribute__ ((always_inline))

typedef float v8 __attribute__ ((vector_size (32)));
/* unaligned, aliasing access to 8 floats */
typedef float v8u __attribute__ ((vector_size (32), aligned (4), may_alias));
typedef float v16 __attribute__ ((vector_size (64)));
typedef float v16u __attribute__ ((vector_size (64), aligned (4), may_alias));

#define MR CB_CPU_MR
#define MRW CB_CPU_MR_WIDE
#define NR CB_CPU_NR
#define VEC CB_CPU_VEC

static CbCpuIsa isa_level;

CbCpuIsa
cb_cpu_isa_supported (void)
{
#if CB_CPU_HAVE_AVX2
  __builtin_cpu_init ();
  /* libgcc checks that the OS saves the registers (XCR0) as well */
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512vl") && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512dq") && __builtin_cpu_supports ("fma"))
    return CB_CPU_ISA_AVX512;
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return CB_CPU_ISA_AVX2;
#endif
  return CB_CPU_ISA_PORTABLE;
}

static const char *const isa_names[] = { "portable", "avx2", "avx512" };

CbCpuIsa
cb_cpu_isa_level (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      CbCpuIsa best = cb_cpu_isa_supported (), want = best;
      const char *env = g_getenv ("CATBRUSH_CPU_ISA");
      if (env != NULL && *env != '\0')
        {
          if (g_str_equal (env, "generic") || g_str_equal (env, "portable"))
            want = CB_CPU_ISA_PORTABLE;
          else if (g_str_equal (env, "avx2"))
            want = CB_CPU_ISA_AVX2;
          else if (g_str_equal (env, "avx512"))
            want = CB_CPU_ISA_AVX512;
          else
            g_warning ("CATBRUSH_CPU_ISA=%s is not one of portable, avx2, avx512; using %s", env, isa_names[best]);
          if (want > best)
            {
              g_warning ("CATBRUSH_CPU_ISA=%s: this CPU lacks it; using %s", env, isa_names[best]);
              want = best;
            }
        }
      isa_level = want;
      g_once_init_leave (&once, 1);
    }
  return isa_level;
}

const char *
cb_cpu_isa (void)
{
  return isa_names[cb_cpu_isa_level ()];
}

/* in place over n floats; the loops vectorise */
CB_BODY void
activate_n (CbActivation act, float slope, float *restrict v, gsize n)
{
  switch (act)
    {
    case CB_ACT_RELU:
      for (gsize i = 0; i < n; i++)
        v[i] = v[i] > 0.0f ? v[i] : 0.0f;
      break;
    case CB_ACT_LEAKY_RELU:
      for (gsize i = 0; i < n; i++)
        v[i] = v[i] > 0.0f ? v[i] : v[i] * slope;
      break;
    case CB_ACT_TANH:
      for (gsize i = 0; i < n; i++)
        v[i] = tanhf (v[i]);
      break;
    case CB_ACT_NONE:
    default:
      break;
    }
}

/* ---- weights and geometry (prepare time) ---- */

void
cb_cpu_conv_weights_init (CbCpuConvWeights *cw, const float *weight, const float *bias, guint cout, guint cin, guint k)
{
  guint taps = k * k, mr = cb_cpu_isa_level () == CB_CPU_ISA_AVX512 ? MRW : MR;

  cw->cout = cout;
  cw->cin = cin;
  cw->k = k;
  cw->mr = mr;
  cw->n_panels = (cout + mr - 1) / mr;
  cw->packed = g_new0 (float, (gsize)cw->n_panels *cin *taps *mr);
  cw->bias = g_new0 (float, (gsize)cw->n_panels *mr);
  for (guint co = 0; co < cout; co++)
    {
      guint p = co / mr, m = co % mr;
      float *panel = cw->packed + (gsize)p * cin * taps * mr;
      for (guint ci = 0; ci < cin; ci++)
        for (guint t = 0; t < taps; t++)
          panel[((gsize)ci * taps + t) * mr + m] = weight[((gsize)co * cin + ci) * taps + t];
      cw->bias[co] = bias != NULL ? bias[co] : 0.0f;
    }
}

void
cb_cpu_conv_weights_clear (CbCpuConvWeights *cw)
{
  g_clear_pointer (&cw->packed, g_free);
  g_clear_pointer (&cw->bias, g_free);
}

void
cb_cpu_geom_init (CbCpuGeom *g, guint h, guint w, guint pad)
{
  g->h = h;
  g->w = w;
  g->pad = pad;
  g->wp = w + 2 * pad;
  g->hp = h + 2 * pad;
  g->plane = (gsize)g->hp * g->wp;
  g->q0 = pad * g->wp + pad;
  guint q_end = (h - 1 + pad) * g->wp + (w - 1 + pad) + 1;
  g->n_tiles = (q_end - g->q0 + NR - 1) / NR;
  gsize n_q = g->q0 + (gsize)g->n_tiles * NR;
  /* the last tile reads up to one padded row and column past its end */
  gsize max_read = n_q + pad * g->wp + pad;
  g->slack = (max_read > g->plane ? max_read - g->plane : 0) + VEC;
  g->dst = g_new (gint32, n_q);
  for (gsize q = 0; q < n_q; q++)
    {
      gint64 y = (gint64)(q / g->wp) - pad, x = (gint64)(q % g->wp) - pad;
      g->dst[q] = (y >= 0 && y < h && x >= 0 && x < w) ? (gint32)(y * w + x) : -1;
    }
}

void
cb_cpu_geom_clear (CbCpuGeom *g)
{
  g_clear_pointer (&g->dst, g_free);
}

gsize
cb_cpu_geom_floats (const CbCpuGeom *g, guint channels)
{
  return g->plane * channels + g->slack;
}

void
cb_cpu_pad_planes (const CbCpuGeom *g, const float *in, guint c0, guint c1, float *padded, CbActivation act,
                   float slope)
{
  guint h = g->h, w = g->w, pad = g->pad, wp = g->wp;

  for (guint c = c0; c < c1; c++)
    {
      float *dst = padded + (gsize)c * g->plane;
      const float *src = in + (gsize)c * h * w;
      if (pad > 0)
        {
          memset (dst, 0, sizeof (float) * (wp * pad + pad));
          memset (dst + (gsize)(h + pad) * wp - pad, 0, sizeof (float) * (wp * pad + pad));
        }
      for (guint y = 0; y < h; y++)
        {
          float *row = dst + (gsize)(y + pad) * wp + pad;
          memcpy (row, src + (gsize)y * w, sizeof (float) * w);
          activate_n (act, slope, row, w);
          /* right border of this row and left border of the next */
          for (guint i = 0; i < 2 * pad; i++)
            row[w + i] = 0.0f;
        }
    }
}

void
cb_cpu_pad_rows (const CbCpuGeom *g, const float *in, guint c0, guint c1, guint r0, guint r1, float *padded,
                 CbActivation act, float slope)
{
  guint h = g->h, w = g->w, pad = g->pad, wp = g->wp;

  for (guint c = c0; c < c1; c++)
    {
      const float *src = in + (gsize)c * h * w;
      for (guint r = r0; r < r1; r++)
        {
          float *row = padded + (gsize)c * g->plane + (gsize)r * wp;
          if (r < pad || r >= h + pad)
            {
              memset (row, 0, sizeof (float) * wp);
              continue;
            }
          /* the same copy and activation as cb_cpu_pad_planes(), so the bits agree */
          for (guint i = 0; i < pad; i++)
            row[i] = row[pad + w + i] = 0.0f;
          memcpy (row + pad, src + (gsize)(r - pad) * w, sizeof (float) * w);
          activate_n (act, slope, row + pad, w);
        }
    }
}

/* ---- the dense micro-kernel: MR output channels x NR flat positions ---- */

/* the brace form compiles to one vbroadcastss from memory */
#define BCAST(x) ((v8){ (x), (x), (x), (x), (x), (x), (x), (x) })
#define LD(p) (*(const v8u *)(p))
#define ST(p, v) (*(v8u *)(p) = (v))

CB_BODY void
conv_micro_acc (const float *restrict in, gsize plane, guint wp, guint k, guint cin, const float *restrict w,
                const float *restrict bias, gboolean accumulate, float *restrict tile)
{
  v8 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
  if (accumulate)
    {
      /* a later block of input channels: go on from the partial sums in tile */
      c00 = LD (tile + 0 * NR), c01 = LD (tile + 0 * NR + 8);
      c10 = LD (tile + 1 * NR), c11 = LD (tile + 1 * NR + 8);
      c20 = LD (tile + 2 * NR), c21 = LD (tile + 2 * NR + 8);
      c30 = LD (tile + 3 * NR), c31 = LD (tile + 3 * NR + 8);
      c40 = LD (tile + 4 * NR), c41 = LD (tile + 4 * NR + 8);
      c50 = LD (tile + 5 * NR), c51 = LD (tile + 5 * NR + 8);
    }
  else
    {
      c00 = BCAST (bias[0]), c01 = c00;
      c10 = BCAST (bias[1]), c11 = c10;
      c20 = BCAST (bias[2]), c21 = c20;
      c30 = BCAST (bias[3]), c31 = c30;
      c40 = BCAST (bias[4]), c41 = c40;
      c50 = BCAST (bias[5]), c51 = c50;
    }

#define STEP(p)                                                                                                        \
  do                                                                                                                   \
    {                                                                                                                  \
      v8 v0 = LD (p), v1 = LD ((p) + 8), b;                                                                            \
      b = BCAST (w[0]);                                                                                                \
      c00 += b * v0;                                                                                                   \
      c01 += b * v1;                                                                                                   \
      b = BCAST (w[1]);                                                                                                \
      c10 += b * v0;                                                                                                   \
      c11 += b * v1;                                                                                                   \
      b = BCAST (w[2]);                                                                                                \
      c20 += b * v0;                                                                                                   \
      c21 += b * v1;                                                                                                   \
      b = BCAST (w[3]);                                                                                                \
      c30 += b * v0;                                                                                                   \
      c31 += b * v1;                                                                                                   \
      b = BCAST (w[4]);                                                                                                \
      c40 += b * v0;                                                                                                   \
      c41 += b * v1;                                                                                                   \
      b = BCAST (w[5]);                                                                                                \
      c50 += b * v0;                                                                                                   \
      c51 += b * v1;                                                                                                   \
      w += MR;                                                                                                         \
    }                                                                                                                  \
  while (0)

  if (k == 3)
    for (guint ci = 0; ci < cin; ci++, in += plane)
      {
        const float *r = in - wp - 1;
        STEP (r);
        STEP (r + 1);
        STEP (r + 2);
        r += wp;
        STEP (r);
        STEP (r + 1);
        STEP (r + 2);
        r += wp;
        STEP (r);
        STEP (r + 1);
        STEP (r + 2);
      }
  else
    for (guint ci = 0; ci < cin; ci++, in += plane)
      STEP (in);
#undef STEP

  ST (tile + 0 * NR, c00);
  ST (tile + 0 * NR + 8, c01);
  ST (tile + 1 * NR, c10);
  ST (tile + 1 * NR + 8, c11);
  ST (tile + 2 * NR, c20);
  ST (tile + 2 * NR + 8, c21);
  ST (tile + 3 * NR, c30);
  ST (tile + 3 * NR + 8, c31);
  ST (tile + 4 * NR, c40);
  ST (tile + 4 * NR + 8, c41);
  ST (tile + 5 * NR, c50);
  ST (tile + 5 * NR + 8, c51);
}

/* The AVX-512 form: MRW output channels x NR positions, one 16-wide
 * accumulator per channel; per input channel and tap one load, MRW
 * broadcasts and MRW FMAs. Same summation order as conv_micro_acc. */
#define REP16(X) X (0) X (1) X (2) X (3) X (4) X (5) X (6) X (7) X (8) X (9) X (10) X (11) X (12) X (13) X (14) X (15)
#define BCAST16(x) ((v16){ (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x) })
#define LD16(p) (*(const v16u *)(p))
#define ST16(p, v) (*(v16u *)(p) = (v))

CB_BODY void
conv_micro16_acc (const float *restrict in, gsize plane, guint wp, guint k, guint cin, const float *restrict w,
                  const float *restrict bias, gboolean accumulate, float *restrict tile)
{
#define DECL(m) v16 c##m = accumulate ? (v16)LD16 (tile + (m)*NR) : BCAST16 (bias[m]);
  REP16 (DECL)
#undef DECL
#define FMA(m) c##m += BCAST16 (w[m]) * v;
#define STEP(p)                                                                                                        \
  do                                                                                                                   \
    {                                                                                                                  \
      v16 v = LD16 (p);                                                                                                \
      REP16 (FMA)                                                                                                      \
      w += MRW;                                                                                                        \
    }                                                                                                                  \
  while (0)

  if (k == 3)
    for (guint ci = 0; ci < cin; ci++, in += plane)
      {
        const float *r = in - wp - 1;
        STEP (r);
        STEP (r + 1);
        STEP (r + 2);
        r += wp;
        STEP (r);
        STEP (r + 1);
        STEP (r + 2);
        r += wp;
        STEP (r);
        STEP (r + 1);
        STEP (r + 2);
      }
  else
    for (guint ci = 0; ci < cin; ci++, in += plane)
      STEP (in);
#undef STEP
#undef FMA
#define STORE(m) ST16 (tile + (m)*NR, c##m);
  REP16 (STORE)
#undef STORE
}

/* the micro-kernel for panels of mr rows (MR or MRW) */
CB_BODY void
micro_any (guint mr, const float *restrict in, gsize plane, guint wp, guint k, guint cin, const float *restrict w,
           const float *restrict bias, gboolean accumulate, float *restrict tile)
{
  if (mr == MRW)
    conv_micro16_acc (in, plane, wp, k, cin, w, bias, accumulate, tile);
  else
    conv_micro_acc (in, plane, wp, k, cin, w, bias, accumulate, tile);
}

CB_BODY void
store_tile (const CbCpuGeom *g, gsize q, float *tile, guint co0, guint n_co, float *out, CbActivation act, float slope)
{
  gsize hw = (gsize)g->h * g->w;
  activate_n (act, slope, tile, (gsize)n_co * NR);
  gint32 d0 = g->dst[q], dl = g->dst[q + NR - 1];
  if (d0 >= 0 && dl == d0 + NR - 1)
    for (guint m = 0; m < n_co; m++)
      memcpy (out + (co0 + m) * hw + d0, tile + m * NR, sizeof (float) * NR);
  else
    for (guint j = 0; j < NR; j++)
      {
        gint32 d = g->dst[q + j];
        if (d < 0)
          continue;
        for (guint m = 0; m < n_co; m++)
          out[(co0 + m) * hw + d] = tile[m * NR + j];
      }
}

void
cb_cpu_store_tile (const CbCpuGeom *g, gsize q, float *tile, guint co0, guint n_co, float *out, CbActivation act,
                   float slope)
{
  store_tile (g, q, tile, co0, n_co, out, act, slope);
}

/* Tiles t0..t1 for every panel, input channels in blocks of CB_CPU_KB: each
 * block's input rows and weights stay in L2 while all panels pass over them. */
CB_BODY void
conv_chunk_body (const CbCpuConvWeights *cw, const CbCpuGeom *g, const float *padded, const guint *tiles, guint t0,
                 guint t1, float *out, CbActivation act, float slope, float *acc)
{
  guint taps = cw->k * cw->k, nt = t1 - t0, mr = cw->mr;
  for (guint kb = 0; kb < cw->cin; kb += CB_CPU_KB)
    {
      guint kn = MIN (CB_CPU_KB, cw->cin - kb);
      for (guint p = 0; p < cw->n_panels; p++)
        {
          const float *wpanel = cw->packed + ((gsize)p * cw->cin + kb) * taps * mr;
          for (guint t = t0; t < t1; t++)
            {
              gsize q = g->q0 + (gsize)(tiles != NULL ? tiles[t] : t) * NR;
              micro_any (mr, padded + kb * g->plane + q, g->plane, g->wp, cw->k, kn, wpanel, cw->bias + p * mr, kb > 0,
                         acc + ((gsize)p * nt + (t - t0)) * mr * NR);
            }
        }
    }
  for (guint p = 0; p < cw->n_panels; p++)
    for (guint t = t0; t < t1; t++)
      store_tile (g, g->q0 + (gsize)(tiles != NULL ? tiles[t] : t) * NR, acc + ((gsize)p * nt + (t - t0)) * mr * NR,
                  p * mr, MIN (mr, cw->cout - p * mr), out, act, slope);
}

CB_BODY void
conv_tiles_body (const CbCpuConvWeights *cw, const CbCpuGeom *g, const float *padded, guint panel, const guint *tiles,
                 guint t0, guint t1, float *out, CbActivation act, float slope)
{
  guint taps = cw->k * cw->k, mr = cw->mr;
  const float *wpanel = cw->packed + (gsize)panel * cw->cin * taps * mr;
  const float *bias = cw->bias + (gsize)panel * mr;
  guint co0 = panel * mr, n_co = MIN (mr, cw->cout - co0);
  gsize hw = (gsize)g->h * g->w;
  float tile[CB_CPU_MR_MAX * NR] __attribute__ ((aligned (64)));

  for (guint i = t0; i < t1; i++)
    {
      guint t = tiles != NULL ? tiles[i] : i;
      gsize q = g->q0 + (gsize)t * NR;
      micro_any (mr, padded + q, g->plane, g->wp, cw->k, cw->cin, wpanel, bias, FALSE, tile);
      activate_n (act, slope, tile, (gsize)n_co * NR);

      gint32 d0 = g->dst[q], dl = g->dst[q + NR - 1];
      if (d0 >= 0 && dl == d0 + NR - 1)
        for (guint m = 0; m < n_co; m++)
          memcpy (out + (co0 + m) * hw + d0, tile + m * NR, sizeof (float) * NR);
      else
        for (guint j = 0; j < NR; j++)
          {
            gint32 d = g->dst[q + j];
            if (d < 0)
              continue;
            for (guint m = 0; m < n_co; m++)
              out[(co0 + m) * hw + d] = tile[m * NR + j];
          }
    }
}

CB_BODY void
gemm_groups_body (const CbCpuConvWeights *cw, const float *packed, guint n_groups, guint panel, const gint32 *pix,
                  float *out, gsize out_plane, CbActivation act, float slope)
{
  guint kk = cw->cin * cw->k * cw->k, mr = cw->mr;
  const float *wpanel = cw->packed + (gsize)panel * kk * mr;
  const float *bias = cw->bias + (gsize)panel * mr;
  guint co0 = panel * mr, n_co = MIN (mr, cw->cout - co0);
  float tile[CB_CPU_MR_MAX * NR] __attribute__ ((aligned (64)));

  for (guint gi = 0; gi < n_groups; gi++)
    {
      /* the packed rows are NR apart: a 1-tap "convolution" over K channels */
      micro_any (mr, packed + (gsize)gi * kk * NR, NR, 0, 1, kk, wpanel, bias, FALSE, tile);
      activate_n (act, slope, tile, (gsize)n_co * NR);
      const gint32 *p = pix + (gsize)gi * NR;
      for (guint m = 0; m < n_co; m++)
        {
          float *o = out + (co0 + m) * out_plane;
          for (guint j = 0; j < NR; j++)
            o[p[j]] = tile[m * NR + j];
        }
    }
}

void
cb_cpu_pack_pixels (const CbCpuGeom *g, const float *padded, guint cin, const gint32 *pix, guint n_groups,
                    float *packed)
{
  guint w = g->w, wp = g->wp;
  gsize kk = (gsize)cin * 9;

  for (guint gi = 0; gi < n_groups; gi++)
    {
      const gint32 *p = pix + (gsize)gi * NR;
      float *dst = packed + gi * kk * NR;
      /* top-left tap of each pixel in the padded plane: (y + 1 - 1) * wp + (x + 1 - 1) */
      gsize base[NR];
      gboolean run = TRUE;
      for (guint j = 0; j < NR; j++)
        {
          base[j] = (gsize)(p[j] / w) * wp + p[j] % w;
          run = run && base[j] == base[0] + j;
        }
      for (guint ci = 0; ci < cin; ci++)
        {
          const float *src = padded + ci * g->plane;
          for (guint t = 0; t < 9; t++, dst += NR)
            {
              gsize off = (t / 3) * wp + t % 3;
              if (run)
                memcpy (dst, src + base[0] + off, sizeof (float) * NR);
              else
                for (guint j = 0; j < NR; j++)
                  dst[j] = src[base[j] + off];
            }
        }
    }
}

/* ---- gathers over per-row tables ---- */

CB_BODY void
add_rows_body (float *restrict acc, const float *restrict row, guint n)
{
  for (guint c = 0; c < n; c += VEC)
    ST (acc + c, LD (acc + c) + LD (row + c));
}

CB_BODY void
axpy_body (float *restrict y, float a, const float *restrict x, guint n)
{
  v8 va = BCAST (a);
  for (guint c = 0; c < n; c += VEC)
    ST (y + c, LD (y + c) + va * LD (x + c));
}

CB_BODY void
gather_constant_body (const CbCpuGather *gt, guint r, float *out)
{
  guint taps = gt->k * gt->k, cp = gt->cout_pad;
  memcpy (out, gt->bias, sizeof (float) * cp);
  for (guint t = 0; t < taps; t++)
    add_rows_body (out, gt->tables + ((gsize)t * (gt->n_rows + 1) + r) * cp, cp);
}

CB_BODY void
gather_rows_body (const CbCpuGather *gt, const gint32 *rowmap, guint h, guint w, guint y0, guint y1, float *out,
                  gsize out_plane, guint out_wp, guint out_pad, CbActivation act, float slope, float *scratch)
{
  guint k = gt->k, pad = k / 2, cp = gt->cout_pad, rw = w + 2;
  gsize tstride = (gsize)(gt->n_rows + 1) * cp;

  for (guint y = y0; y < y1; y++)
    for (guint x0 = 0; x0 < w; x0 += VEC)
      {
        guint nb = MIN (VEC, w - x0);
        for (guint j = 0; j < nb; j++)
          {
            float *acc = scratch + (gsize)j * cp;
            memcpy (acc, gt->bias, sizeof (float) * cp);
            for (guint ky = 0; ky < k; ky++)
              {
                /* the row map has a border of one: padded row y + ky - pad + 1 */
                const gint32 *rr = rowmap + (gsize)(y + ky - pad + 1) * rw + (x0 + j - pad + 1);
                for (guint kx = 0; kx < k; kx++)
                  add_rows_body (acc, gt->tables + (ky * k + kx) * tstride + (gsize)rr[kx] * cp, cp);
              }
          }
        /* transpose into the planar output */
        float *o = out + (gsize)(y + out_pad) * out_wp + x0 + out_pad;
        for (guint co = 0; co < gt->cout; co++, o += out_plane)
          for (guint j = 0; j < nb; j++)
            o[j] = cb_activate (act, slope, scratch[(gsize)j * cp + co]);
      }
}

CB_BODY void
gather_set_row_body (CbCpuGather *gt, guint r, const float *row)
{
  guint taps = gt->k * gt->k, cp = gt->cout_pad;
  for (guint t = 0; t < taps; t++)
    {
      float *dst = gt->tables + ((gsize)t * (gt->n_rows + 1) + r) * cp;
      memset (dst, 0, sizeof (float) * cp);
      for (guint ci = 0; ci < gt->cin; ci++)
        {
          float a = cb_activate (gt->act_in, gt->slope, row[ci]);
          /* one-hot rows: most terms are zero */
          if (a != 0.0f)
            axpy_body (dst, a, gt->wt + ((gsize)t * gt->cin + ci) * cp, cp);
        }
    }
}

CB_BODY void
matvec_body (const float *wt, const float *bias, const float *x, guint cin, guint cout_pad, float *y)
{
  memcpy (y, bias, sizeof (float) * cout_pad);
  for (guint ci = 0; ci < cin; ci++)
    if (x[ci] != 0.0f)
      axpy_body (y, x[ci], wt + (gsize)ci * cout_pad, cout_pad);
}

/* ---- the SPADE norm pass ---- */

CB_BODY void
spade_row_body (const float *restrict x, float *restrict o, const float *restrict gd, const float *restrict bd,
                const float *restrict gr, const float *restrict br, const gint32 *restrict rows,
                const guint8 *restrict interior, guint w, guint gb_pad, float mean, float invstd, CbActivation act,
                float slope)
{
  for (guint i = 0; i < w; i++)
    {
      /* both loads unconditional (row tables and dense γ/β are always
       * readable), so the loop vectorises with gathers and blends */
      guint r = (guint)rows[i] * gb_pad;
      float g_row = gr[r], b_row = br[r], g_px = gd[i], b_px = bd[i];
      gboolean in = interior[i] != 0;
      float g = in ? g_row : g_px;
      float b = in ? b_row : b_px;
      o[i] = (x[i] - mean) * invstd * (1.0f + g) + b;
    }
  activate_n (act, slope, o, w);
}

/* ---- the variants of each and the dispatch ---- */

#if CB_CPU_HAVE_AVX2
#define CB_VARIANTS(name, params, args)                                                                                \
  CB_AVX512 static void name##_avx512 params                                                                           \
  {                                                                                                                    \
    name##_body args;                                                                                                  \
  }                                                                                                                    \
  CB_AVX2 static void name##_avx2 params                                                                               \
  {                                                                                                                    \
    name##_body args;                                                                                                  \
  }                                                                                                                    \
  static void name##_generic params                                                                                    \
  {                                                                                                                    \
    name##_body args;                                                                                                  \
  }
#define CB_CALL(name, args)                                                                                            \
  do                                                                                                                   \
    {                                                                                                                  \
      switch (cb_cpu_isa_level ())                                                                                     \
        {                                                                                                              \
        case CB_CPU_ISA_AVX512:                                                                                        \
          name##_avx512 args;                                                                                          \
          break;                                                                                                       \
        case CB_CPU_ISA_AVX2:                                                                                          \
          name##_avx2 args;                                                                                            \
          break;                                                                                                       \
        case CB_CPU_ISA_PORTABLE:                                                                                      \
        default:                                                                                                       \
          name##_generic args;                                                                                         \
          break;                                                                                                       \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)
#else
#define CB_VARIANTS(name, params, args)                                                                                \
  static void name##_generic params                                                                                    \
  {                                                                                                                    \
    name##_body args;                                                                                                  \
  }
#define CB_CALL(name, args) name##_generic args
#endif

CB_VARIANTS (conv_tiles,
             (const CbCpuConvWeights *cw, const CbCpuGeom *g, const float *padded, guint panel, const guint *tiles,
              guint t0, guint t1, float *out, CbActivation act, float slope),
             (cw, g, padded, panel, tiles, t0, t1, out, act, slope))
CB_VARIANTS (conv_chunk,
             (const CbCpuConvWeights *cw, const CbCpuGeom *g, const float *padded, const guint *tiles, guint t0,
              guint t1, float *out, CbActivation act, float slope, float *acc),
             (cw, g, padded, tiles, t0, t1, out, act, slope, acc))
CB_VARIANTS (gemm_groups,
             (const CbCpuConvWeights *cw, const float *packed, guint n_groups, guint panel, const gint32 *pix,
              float *out, gsize out_plane, CbActivation act, float slope),
             (cw, packed, n_groups, panel, pix, out, out_plane, act, slope))
CB_VARIANTS (gather_rows,
             (const CbCpuGather *gt, const gint32 *rowmap, guint h, guint w, guint y0, guint y1, float *out,
              gsize out_plane, guint out_wp, guint out_pad, CbActivation act, float slope, float *scratch),
             (gt, rowmap, h, w, y0, y1, out, out_plane, out_wp, out_pad, act, slope, scratch))
CB_VARIANTS (spade_row,
             (const float *x, float *o, const float *gd, const float *bd, const float *gr, const float *br,
              const gint32 *rows, const guint8 *interior, guint w, guint gb_pad, float mean, float invstd,
              CbActivation act, float slope),
             (x, o, gd, bd, gr, br, rows, interior, w, gb_pad, mean, invstd, act, slope))
CB_VARIANTS (gather_set_row, (CbCpuGather * gt, guint r, const float *row), (gt, r, row))
CB_VARIANTS (gather_constant, (const CbCpuGather *gt, guint r, float *out), (gt, r, out))
CB_VARIANTS (matvec, (const float *wt, const float *bias, const float *x, guint cin, guint cout_pad, float *y),
             (wt, bias, x, cin, cout_pad, y))

void
cb_cpu_conv_tiles (const CbCpuConvWeights *cw, const CbCpuGeom *g, const float *padded, guint panel, const guint *tiles,
                   guint t0, guint t1, float *out, CbActivation act, float slope)
{
  CB_CALL (conv_tiles, (cw, g, padded, panel, tiles, t0, t1, out, act, slope));
}

void
cb_cpu_conv_chunk (const CbCpuConvWeights *cw, const CbCpuGeom *g, const float *padded, const guint *tiles, guint t0,
                   guint t1, float *out, CbActivation act, float slope, float *acc)
{
  CB_CALL (conv_chunk, (cw, g, padded, tiles, t0, t1, out, act, slope, acc));
}

void
cb_cpu_gemm_groups (const CbCpuConvWeights *cw, const float *packed, guint n_groups, guint panel, const gint32 *pix,
                    float *out, gsize out_plane, CbActivation act, float slope)
{
  CB_CALL (gemm_groups, (cw, packed, n_groups, panel, pix, out, out_plane, act, slope));
}

void
cb_cpu_spade_row (const float *x, float *o, const float *gd, const float *bd, const float *gr, const float *br,
                  const gint32 *rows, const guint8 *interior, guint w, guint gb_pad, float mean, float invstd,
                  CbActivation act, float slope)
{
  CB_CALL (spade_row, (x, o, gd, bd, gr, br, rows, interior, w, gb_pad, mean, invstd, act, slope));
}

void
cb_cpu_gather_rows (const CbCpuGather *gt, const gint32 *rowmap, guint h, guint w, guint y0, guint y1, float *out,
                    gsize out_plane, guint out_wp, guint out_pad, CbActivation act, float slope, float *scratch)
{
  CB_CALL (gather_rows, (gt, rowmap, h, w, y0, y1, out, out_plane, out_wp, out_pad, act, slope, scratch));
}

void
cb_cpu_gather_set_row (CbCpuGather *gt, guint r, const float *table_row)
{
  CB_CALL (gather_set_row, (gt, r, table_row));
}

void
cb_cpu_gather_constant (const CbCpuGather *gt, guint r, float *out)
{
  CB_CALL (gather_constant, (gt, r, out));
}

void
cb_cpu_matvec (const float *wt, const float *bias, const float *x, guint cin, guint cout_pad, float *y)
{
  CB_CALL (matvec, (wt, bias, x, cin, cout_pad, y));
}

void
cb_cpu_gather_init (CbCpuGather *gt, const float *weight, const float *bias, guint cout, guint cin, guint k,
                    guint n_rows, CbActivation act_in, float slope)
{
  guint taps = k * k;

  gt->cout = cout;
  gt->cout_pad = (cout + VEC - 1) / VEC * VEC;
  gt->cin = cin;
  gt->k = k;
  gt->n_rows = n_rows;
  gt->act_in = act_in;
  gt->slope = slope;
  gt->wt = g_new0 (float, (gsize)taps *cin * gt->cout_pad);
  gt->bias = g_new0 (float, gt->cout_pad);
  /* the last row stays zero: what padding outside the image reads */
  gt->tables = g_new0 (float, (gsize)taps *(n_rows + 1) * gt->cout_pad);
  for (guint co = 0; co < cout; co++)
    {
      for (guint ci = 0; ci < cin; ci++)
        for (guint t = 0; t < taps; t++)
          gt->wt[((gsize)t * cin + ci) * gt->cout_pad + co] = weight[((gsize)co * cin + ci) * taps + t];
      gt->bias[co] = bias != NULL ? bias[co] : 0.0f;
    }
}

void
cb_cpu_gather_clear (CbCpuGather *gt)
{
  g_clear_pointer (&gt->wt, g_free);
  g_clear_pointer (&gt->bias, g_free);
  g_clear_pointer (&gt->tables, g_free);
}
