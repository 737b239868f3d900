/* cb-cpu-bf16.h: the CPU backend's opt-in bf16 convolutions (AVX512_BF16)
 *
 * CATBRUSH_CPU_PRECISION=bf16: dense convolutions keep their weights in
 * bfloat16 and read their (activated) inputs rounded to bfloat16, and
 * accumulate in float with vdpbf16ps, which multiplies pairs of bf16 values
 * and adds both products to a float lane. So input channels go in pairs:
 * the padded input is [ci / 2][position][2] bf16 (one 32-bit word per
 * position and pair, the same flat positions as the float layout of
 * cb-cpu-conv.h), and panel p of the weights is [ci / 2][tap][16][2] (one
 * 32-bit broadcast per output channel). An odd last channel pairs with zero.
 * Tiles, geometry and the epilogue are those of the float kernels.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "render/cb-cpu-conv.h"

G_BEGIN_DECLS

#define CB_CPU_MR_BF16 16

/* the CPU has AVX512_BF16 (and AVX-512 is in use) */
gboolean cb_cpu_bf16_supported (void);
/* CATBRUSH_CPU_PRECISION=bf16 and supported (a warning once where it is not) */
gboolean cb_cpu_bf16_requested (void);

/* round to the nearest bf16, ties to even (what the kernels store), as a float */
float cb_cpu_bf16_round (float v);

typedef struct
{
  guint cout, cin, k, n_panels, n_pairs;
  guint32 *packed; /* per panel: [pair][tap][MR_BF16] words of two bf16 */
  float *bias;     /* n_panels * MR_BF16 */
} CbCpuConvBf16;

void cb_cpu_conv_bf16_init (CbCpuConvBf16 *cw, const float *weight, const float *bias, guint cout, guint cin, guint k);
void cb_cpu_conv_bf16_clear (CbCpuConvBf16 *cw);

/* channel pairs [p0, p1) of in (cin x h x w) into the paired padded layout
 * (cb_cpu_geom_floats (g, n_pairs) words), act applied then rounded */
void cb_cpu_pad_pairs_bf16 (const CbCpuGeom *g, const float *in, guint cin, guint p0, guint p1, guint32 *padded,
                            CbActivation act, float slope);

/* output channels of panel `panel` for tiles [t0, t1): out (cout x h x w) = act(conv) */
void cb_cpu_conv_bf16_tiles (const CbCpuConvBf16 *cw, const CbCpuGeom *g, const guint32 *padded, guint panel, guint t0,
                             guint t1, float *out, CbActivation act, float slope);

/* tiles [t0, t1) for every panel, input pairs in blocks (cb_cpu_conv_chunk());
 * acc: n_panels * (t1 - t0) * CB_CPU_MR_BF16 * CB_CPU_NR floats */
void cb_cpu_conv_bf16_chunk (const CbCpuConvBf16 *cw, const CbCpuGeom *g, const guint32 *padded, guint t0, guint t1,
                             float *out, CbActivation act, float slope, float *acc);

/* The SPADE boundary GEMM in bf16 (cb_cpu_gemm_groups()): the K rows of
 * NR pixels that cb_cpu_pack_pixels() packs, paired along K into
 * [group][K / 2][NR] words; the weights are a cb_cpu_conv_bf16_init() of
 * the convolution seen as k = 1 over K = cin * 9 inputs. */
void cb_cpu_pack_groups_bf16 (const float *packed, guint kk, guint n_groups, guint32 *out);
void cb_cpu_gemm_groups_bf16 (const CbCpuConvBf16 *cw, const guint32 *packed, guint n_groups, guint panel,
                              const gint32 *pix, float *out, gsize out_plane, CbActivation act, float slope);

G_END_DECLS
