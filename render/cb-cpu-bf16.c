/* cb-cpu-bf16.c: the opt-in bf16 convolutions (see cb-cpu-bf16.h)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-cpu-bf16.h"

#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 10
#define CB_CPU_HAVE_BF16 1
#include <immintrin.h>
#define CB_BF16 __attribute__ ((target ("avx512f,avx512vl,avx512bw,avx512dq,avx512bf16,avx2,fma")))
#else
#define CB_CPU_HAVE_BF16 0
#endif

#define MRB CB_CPU_MR_BF16
#define NR CB_CPU_NR

gboolean
cb_cpu_bf16_supported (void)
{
#if CB_CPU_HAVE_BF16
  __builtin_cpu_init ();
  return cb_cpu_isa_level () == CB_CPU_ISA_AVX512 && __builtin_cpu_supports ("avx512bf16");
#else
  return FALSE;
#endif
}

gboolean
cb_cpu_bf16_requested (void)
{
  static gsize once = 0;
  static gboolean on;

  if (g_once_init_enter (&once))
    {
      const char *env = g_getenv ("CATBRUSH_CPU_PRECISION");
      if (g_strcmp0 (env, "bf16") == 0)
        {
          on = cb_cpu_bf16_supported ();
          if (!on)
            g_warning ("CATBRUSH_CPU_PRECISION=bf16: the kernels in use (%s) have no AVX512_BF16; using fp32",
                       cb_cpu_isa ());
        }
      else if (env != NULL && *env != '\0' && g_strcmp0 (env, "fp32") != 0)
        g_warning ("CATBRUSH_CPU_PRECISION=%s is not fp32 or bf16; using fp32", env);
      g_once_init_leave (&once, 1);
    }
  return on;
}

static inline guint16
to_bf16 (float v)
{
  guint32 u;
  memcpy (&u, &v, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u)
    return (guint16)((u >> 16) | 0x40); /* a quiet NaN stays NaN */
  u += 0x7fffu + ((u >> 16) & 1u);
  return (guint16)(u >> 16);
}

float
cb_cpu_bf16_round (float v)
{
  guint32 u = (guint32)to_bf16 (v) << 16;
  float r;
  memcpy (&r, &u, sizeof r);
  return r;
}

static inline guint32
pair (float lo, float hi)
{
  return (guint32)to_bf16 (lo) | (guint32)to_bf16 (hi) << 16;
}

void
cb_cpu_conv_bf16_init (CbCpuConvBf16 *cw, const float *weight, const float *bias, guint cout, guint cin, guint k)
{
  guint taps = k * k;

  cw->cout = cout;
  cw->cin = cin;
  cw->k = k;
  cw->n_pairs = (cin + 1) / 2;
  cw->n_panels = (cout + MRB - 1) / MRB;
  cw->packed = g_new0 (guint32, (gsize)cw->n_panels * cw->n_pairs * taps * MRB);
  cw->bias = g_new0 (float, (gsize)cw->n_panels *MRB);
  for (guint co = 0; co < cout; co++)
    {
      guint32 *panel = cw->packed + (gsize)(co / MRB) * cw->n_pairs * taps * MRB;
      const float *wc = weight + (gsize)co * cin * taps;
      for (guint pi = 0; pi < cw->n_pairs; pi++)
        for (guint t = 0; t < taps; t++)
          {
            float lo = wc[(gsize)2 * pi * taps + t];
            float hi = 2 * pi + 1 < cin ? wc[(gsize)(2 * pi + 1) * taps + t] : 0.0f;
            panel[((gsize)pi * taps + t) * MRB + co % MRB] = pair (lo, hi);
          }
      cw->bias[co] = bias != NULL ? bias[co] : 0.0f;
    }
}

void
cb_cpu_conv_bf16_clear (CbCpuConvBf16 *cw)
{
  g_clear_pointer (&cw->packed, g_free);
  g_clear_pointer (&cw->bias, g_free);
}

void
cb_cpu_pad_pairs_bf16 (const CbCpuGeom *g, const float *in, guint cin, guint p0, guint p1, guint32 *padded,
                       CbActivation act, float slope)
{
  guint h = g->h, w = g->w, pad = g->pad, wp = g->wp;
  gsize hw = (gsize)h * w;

  for (guint pi = p0; pi < p1; pi++)
    {
      guint32 *dst = padded + (gsize)pi * g->plane;
      const float *lo = in + (gsize)2 * pi * hw;
      const float *hi = 2 * pi + 1 < cin ? lo + hw : NULL;
      memset (dst, 0, sizeof (guint32) * g->plane);
      for (guint y = 0; y < h; y++)
        {
          guint32 *row = dst + (gsize)(y + pad) * wp + pad;
          for (guint x = 0; x < w; x++)
            {
              gsize p = (gsize)y * w + x;
              row[x] = pair (cb_activate (act, slope, lo[p]), hi != NULL ? cb_activate (act, slope, hi[p]) : 0.0f);
            }
        }
    }
}

#if CB_CPU_HAVE_BF16
#define REP16(X) X (0) X (1) X (2) X (3) X (4) X (5) X (6) X (7) X (8) X (9) X (10) X (11) X (12) X (13) X (14) X (15)

/* MRB output channels x NR positions: per pair of input channels and tap
 * one load of 16 position pairs and MRB vdpbf16ps with a broadcast weight pair */
CB_BF16 static void
micro_bf16 (const guint32 *in, gsize plane, guint wp, guint k, guint n_pairs, const guint32 *w, const float *bias,
            gboolean accumulate, float *tile)
{
#define DECL(m) __m512 c##m = accumulate ? _mm512_loadu_ps (tile + (m)*NR) : _mm512_set1_ps (bias[m]);
  REP16 (DECL)
#undef DECL
#define DP(m) c##m = _mm512_dpbf16_ps (c##m, v, (__m512bh)_mm512_set1_epi32 ((int)w[m]));
#define STEP(p)                                                                                                        \
  do                                                                                                                   \
    {                                                                                                                  \
      __m512bh v = (__m512bh)_mm512_loadu_si512 ((const void *)(p));                                                   \
      REP16 (DP)                                                                                                       \
      w += MRB;                                                                                                        \
    }                                                                                                                  \
  while (0)

  if (k == 3)
    for (guint pi = 0; pi < n_pairs; pi++, in += plane)
      {
        const guint32 *r = in - wp - 1;
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
    for (guint pi = 0; pi < n_pairs; pi++, in += plane)
      STEP (in);
#undef STEP
#undef DP
#define STORE(m) _mm512_storeu_ps (tile + (m)*NR, c##m);
  REP16 (STORE)
#undef STORE
}
#endif

void
cb_cpu_conv_bf16_tiles (const CbCpuConvBf16 *cw, const CbCpuGeom *g, const guint32 *padded, guint panel, guint t0,
                        guint t1, float *out, CbActivation act, float slope)
{
#if CB_CPU_HAVE_BF16
  guint taps = cw->k * cw->k;
  const guint32 *wpanel = cw->packed + (gsize)panel * cw->n_pairs * taps * MRB;
  guint co0 = panel * MRB, n_co = MIN (MRB, cw->cout - co0);
  float tile[MRB * NR] __attribute__ ((aligned (64)));

  g_return_if_fail (cb_cpu_bf16_supported ());
  for (guint t = t0; t < t1; t++)
    {
      gsize q = g->q0 + (gsize)t * NR;
      micro_bf16 (padded + q, g->plane, g->wp, cw->k, cw->n_pairs, wpanel, cw->bias + co0, FALSE, tile);
      cb_cpu_store_tile (g, q, tile, co0, n_co, out, act, slope);
    }
#else
  g_return_if_reached ();
#endif
}

/* As cb_cpu_conv_chunk(): tiles [t0, t1) for every panel, the input pairs in
 * blocks of CB_CPU_KB / 2 so a block's rows and weights stay in L2 */
#if CB_CPU_HAVE_BF16
CB_BF16 static void
conv_bf16_chunk_body (const CbCpuConvBf16 *cw, const CbCpuGeom *g, const guint32 *padded, guint t0, guint t1,
                      float *out, CbActivation act, float slope, float *acc)
{
  guint taps = cw->k * cw->k, nt = t1 - t0, kb_pairs = CB_CPU_KB / 2;
  for (guint kb = 0; kb < cw->n_pairs; kb += kb_pairs)
    {
      guint kn = MIN (kb_pairs, cw->n_pairs - kb);
      for (guint p = 0; p < cw->n_panels; p++)
        {
          const guint32 *wpanel = cw->packed + ((gsize)p * cw->n_pairs + kb) * taps * MRB;
          for (guint t = t0; t < t1; t++)
            {
              gsize q = g->q0 + (gsize)t * NR;
              micro_bf16 (padded + kb * g->plane + q, g->plane, g->wp, cw->k, kn, wpanel, cw->bias + p * MRB, kb > 0,
                          acc + ((gsize)p * nt + (t - t0)) * MRB * NR);
            }
        }
    }
  for (guint p = 0; p < cw->n_panels; p++)
    for (guint t = t0; t < t1; t++)
      cb_cpu_store_tile (g, g->q0 + (gsize)t * NR, acc + ((gsize)p * nt + (t - t0)) * MRB * NR, p * MRB,
                         MIN (MRB, cw->cout - p * MRB), out, act, slope);
}
#endif

void
cb_cpu_conv_bf16_chunk (const CbCpuConvBf16 *cw, const CbCpuGeom *g, const guint32 *padded, guint t0, guint t1,
                        float *out, CbActivation act, float slope, float *acc)
{
#if CB_CPU_HAVE_BF16
  g_return_if_fail (cb_cpu_bf16_supported ());
  conv_bf16_chunk_body (cw, g, padded, t0, t1, out, act, slope, acc);
#else
  g_return_if_reached ();
#endif
}

void
cb_cpu_pack_groups_bf16 (const float *packed, guint kk, guint n_groups, guint32 *out)
{
  guint n_pairs = (kk + 1) / 2;
  for (guint gi = 0; gi < n_groups; gi++)
    {
      const float *src = packed + (gsize)gi * kk * NR;
      guint32 *dst = out + (gsize)gi * n_pairs * NR;
      for (guint pi = 0; pi < n_pairs; pi++)
        for (guint j = 0; j < NR; j++)
          dst[(gsize)pi * NR + j]
            = pair (src[(gsize)2 * pi * NR + j], 2 * pi + 1 < kk ? src[(gsize)(2 * pi + 1) * NR + j] : 0.0f);
    }
}

void
cb_cpu_gemm_groups_bf16 (const CbCpuConvBf16 *cw, const guint32 *packed, guint n_groups, guint panel, const gint32 *pix,
                         float *out, gsize out_plane, CbActivation act, float slope)
{
#if CB_CPU_HAVE_BF16
  const guint32 *wpanel = cw->packed + (gsize)panel * cw->n_pairs * MRB;
  guint co0 = panel * MRB, n_co = MIN (MRB, cw->cout - co0);
  float tile[MRB * NR] __attribute__ ((aligned (64)));

  g_return_if_fail (cb_cpu_bf16_supported () && cw->k == 1);
  for (guint gi = 0; gi < n_groups; gi++)
    {
      /* the pair rows are NR words apart: a 1-tap "convolution" over K / 2 pairs */
      micro_bf16 (packed + (gsize)gi * cw->n_pairs * NR, NR, 0, 1, cw->n_pairs, wpanel, cw->bias + co0, FALSE, tile);
      for (guint m = 0; m < n_co; m++)
        {
          float *o = out + (co0 + m) * out_plane;
          const gint32 *p = pix + (gsize)gi * NR;
          for (guint j = 0; j < NR; j++)
            o[p[j]] = cb_activate (act, slope, tile[m * NR + j]);
        }
    }
#else
  g_return_if_reached ();
#endif
}
