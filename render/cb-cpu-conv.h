/* cb-cpu-conv.h: the CPU backend's kernels (DESIGN §6)
 *
 * Dense convolutions are an implicit GEMM over a zero-padded copy of the
 * input, flattened per channel: output position q of a tile reads position
 * q + (ky - pad) * wp + (kx - pad) of every input plane, so a tile of
 * CB_CPU_NR consecutive flat positions is CB_CPU_NR consecutive floats per
 * tap. A register-blocked micro-kernel computes CB_CPU_MR output channels ×
 * CB_CPU_NR positions with the weights packed per panel of CB_CPU_MR output
 * channels at prepare; the epilogue adds nothing more (bias is the start
 * value), activates and stores only the positions inside the image.
 *
 * Convolutions over the label map (an EMBED of table rows, resized) are
 * gathers: per tap and table row the vector W_tap · row is precomputed, and
 * each output pixel sums the vectors of its 9 neighbours' rows.
 *
 * Every kernel has an AVX-512 variant, an AVX2+FMA one and a portable one,
 * chosen at run time from CPUID (CATBRUSH_CPU_ISA=portable|avx2|avx512 caps
 * the choice). The AVX-512 dense kernels use panels of CB_CPU_MR_WIDE output
 * channels (one 16-float register per channel), the others CB_CPU_MR.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-graph.h"

G_BEGIN_DECLS

#define CB_CPU_MR 6       /* output channels per panel: AVX2 and portable */
#define CB_CPU_MR_WIDE 16 /* AVX-512 */
#define CB_CPU_MR_MAX 16
#define CB_CPU_NR 16
#define CB_CPU_VEC 8 /* gather tables are padded to a multiple of this */
#define CB_CPU_KB 32 /* input channels per block of cb_cpu_conv_chunk() */

typedef enum
{
  CB_CPU_ISA_PORTABLE,
  CB_CPU_ISA_AVX2,   /* AVX2 + FMA */
  CB_CPU_ISA_AVX512, /* AVX-512 F/VL/BW/DQ */
} CbCpuIsa;

/* The kernels in use: the best the CPU has, capped by CATBRUSH_CPU_ISA
 * (portable, avx2 or avx512; "generic" is portable). Decided once. */
CbCpuIsa cb_cpu_isa_level (void);
/* "portable", "avx2" or "avx512" */
const char *cb_cpu_isa (void);
/* the best level this CPU supports, whatever CATBRUSH_CPU_ISA says */
CbCpuIsa cb_cpu_isa_supported (void);

/* Weights packed for the micro-kernel: panel p holds output channels
 * p*mr .. p*mr+mr-1 as [ci][tap][mr] (zeros past cout); mr is CB_CPU_MR or,
 * with the AVX-512 kernels, CB_CPU_MR_WIDE. */
typedef struct
{
  guint cout, cin, k, n_panels, mr;
  float *packed;
  float *bias; /* n_panels * MR, zeros where there is no bias */
} CbCpuConvWeights;

void cb_cpu_conv_weights_init (CbCpuConvWeights *cw, const float *weight, const float *bias, guint cout, guint cin,
                               guint k);
void cb_cpu_conv_weights_clear (CbCpuConvWeights *cw);

/* A padded plane geometry for an h x w image and padding pad. */
typedef struct
{
  guint h, w, pad, wp, hp;
  gsize plane;   /* floats per padded plane */
  gsize slack;   /* floats after the last plane that tiles may read */
  guint q0;      /* flat index of the first image pixel */
  guint n_tiles; /* tiles of NR positions from q0 covering the image */
  gint32 *dst;   /* flat q (0 .. q0 + n_tiles * NR) -> y * w + x, or -1 on padding */
} CbCpuGeom;

void cb_cpu_geom_init (CbCpuGeom *g, guint h, guint w, guint pad);
void cb_cpu_geom_clear (CbCpuGeom *g);
gsize cb_cpu_geom_floats (const CbCpuGeom *g, guint channels);

/* planes [c0, c1) of in (C x h x w) into the padded layout, act applied, borders zeroed */
void cb_cpu_pad_planes (const CbCpuGeom *g, const float *in, guint c0, guint c1, float *padded, CbActivation act,
                        float slope);

/* the same for padded rows [r0, r1) only (padding rows zeroed): what an
 * incremental run's tiles read */
void cb_cpu_pad_rows (const CbCpuGeom *g, const float *in, guint c0, guint c1, guint r0, guint r1, float *padded,
                      CbActivation act, float slope);

/* Output channels of panel `panel` for tiles tiles[t0..t1) (tile indices; NULL = t0..t1 themselves):
 * out (cout x h x w) = act(conv). */
void cb_cpu_conv_tiles (const CbCpuConvWeights *cw, const CbCpuGeom *g, const float *padded, guint panel,
                        const guint *tiles, guint t0, guint t1, float *out, CbActivation act, float slope);

/* The epilogue: activate tile (n_co rows of NR) in place and store the
 * positions inside the image as output channels co0.. of out (C x h x w). */
void cb_cpu_store_tile (const CbCpuGeom *g, gsize q, float *tile, guint co0, guint n_co, float *out, CbActivation act,
                        float slope);

/* A 3 x 3 convolution at a list of pixels (an im2col GEMM): pack the
 * inputs of NR pixels per group as [ci][tap][NR] (K = cin * 9 rows), then
 * multiply with the packed weights. pix: image pixel indices y * w + x,
 * n_groups * NR of them (repeat the last to fill a group). */
void cb_cpu_pack_pixels (const CbCpuGeom *g, const float *padded, guint cin, const gint32 *pix, guint n_groups,
                         float *packed);
/* out[co * out_plane + pix[j]] = act(conv) for panel `panel` and the packed groups */
void cb_cpu_gemm_groups (const CbCpuConvWeights *cw, const float *packed, guint n_groups, guint panel,
                         const gint32 *pix, float *out, gsize out_plane, CbActivation act, float slope);

/* Tiles [t0, t1) (tile indices; NULL = t0..t1 themselves) for every output
 * channel, the input channels in blocks (for large images, where a tile's
 * input rows of every channel would not stay in the cache).
 * acc: n_panels * (t1 - t0) * mr * NR floats. */
void cb_cpu_conv_chunk (const CbCpuConvWeights *cw, const CbCpuGeom *g, const float *padded, const guint *tiles,
                        guint t0, guint t1, float *out, CbActivation act, float slope, float *acc);

/* A convolution over EMBED(rows, table) as per-row, per-tap tables. */
typedef struct
{
  guint cout, cout_pad, cin, k, n_rows; /* n_rows = table rows R; row R of the tables is zero (padding) */
  float *wt;                            /* [tap][ci][cout_pad] */
  float *bias;                          /* cout_pad */
  float *tables;                        /* [tap][R + 1][cout_pad] */
  CbActivation act_in;
  float slope;
} CbCpuGather;

void cb_cpu_gather_init (CbCpuGather *gt, const float *weight, const float *bias, guint cout, guint cin, guint k,
                         guint n_rows, CbActivation act_in, float slope);
void cb_cpu_gather_clear (CbCpuGather *gt);
/* tables[.][r] from the table row (cin floats) */
void cb_cpu_gather_set_row (CbCpuGather *gt, guint r, const float *table_row);
/* Rows [y0, y1) of the output: rowmap is (h + 2) x (w + 2) row indices with
 * a border of n_rows. out[co * out_plane + (y + out_pad) * out_wp + x + out_pad].
 * scratch: CB_CPU_VEC * cout_pad floats. */
void cb_cpu_gather_rows (const CbCpuGather *gt, const gint32 *rowmap, guint h, guint w, guint y0, guint y1, float *out,
                         gsize out_plane, guint out_wp, guint out_pad, CbActivation act, float slope, float *scratch);
/* the output at a pixel whose whole neighbourhood has row r, before act: cout_pad floats */
void cb_cpu_gather_constant (const CbCpuGather *gt, guint r, float *out);

/* One row of a fused SPADE: o = act(norm(x) * (1 + γ) + β), γ/β from the
 * row tables gr/br (entry rows[i] * gb_pad) where interior[i], else gd/bd */
void cb_cpu_spade_row (const float *x, float *o, const float *gd, const float *bd, const float *gr, const float *br,
                       const gint32 *rows, const guint8 *interior, guint w, guint gb_pad, float mean, float invstd,
                       CbActivation act, float slope);

/* y[co] = bias[co] + sum_ci wt[ci][co] * x[ci]: wt is cin x cout_pad (cout_pad % VEC == 0) */
void cb_cpu_matvec (const float *wt, const float *bias, const float *x, guint cin, guint cout_pad, float *y);

G_END_DECLS
