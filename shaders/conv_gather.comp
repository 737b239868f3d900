// A 3x3 convolution (zero padding) over the embedded label map, optionally
// resized (nearest) to the output's size, as table gathers: 9 loads per
// output instead of 9 x Cin multiply-adds (G from gather_table.comp). The
// label rows are read at full size and mapped as resize_nearest.comp does.
// bindings: 0 out (Cout x H x W), 1 rows (1 x in_h x in_w, float), 2 G, 3 bias (Cout)
// push: c = Cout, h, w = output; in_h, in_w = rows; scale_y, scale_x; n_rows.
//
// SPDX-License-Identifier: GPL-3.0-or-later
#version 450
#extension GL_GOOGLE_include_directive : require
#include "cb-common.glsl"

layout(std430, set = 0, binding = 0) writeonly buffer Out { CB_T y[]; };
layout(std430, set = 0, binding = 1) readonly buffer Rows { float rows[]; };
layout(std430, set = 0, binding = 2) readonly buffer G { float g[]; };
layout(std430, set = 0, binding = 3) readonly buffer Bias { CB_T bias[]; };

void
main ()
{
  uint hw = p.h * p.w;
  uint pix = CB_PIXEL, co = CB_CHANNEL;
  if (pix >= hw || co >= p.c)
    return;
  int oy = int (pix / p.w), ox = int (pix % p.w);
  float acc = HAS_BIAS ? float (bias[co]) : 0.0;
  for (int ky = 0; ky < 3; ky++)
    {
      int yy = oy + ky - 1;
      if (yy < 0 || yy >= int (p.h))
        continue;
      // precise: one correctly rounded multiply, exactly as the C reference
      precise float fy = float (yy) * p.scale_y;
      uint sy = min (uint (floor (fy)), p.in_h - 1u);
      for (int kx = 0; kx < 3; kx++)
        {
          int xx = ox + kx - 1;
          if (xx < 0 || xx >= int (p.w))
            continue;
          precise float fx = float (xx) * p.scale_x;
          uint sx = min (uint (floor (fx)), p.in_w - 1u);
          float r = rows[sy * p.in_w + sx];
          // as embed.comp: anything outside [0, R) is the last row, void's
          uint row = (r >= 0.0 && r < float (p.n_rows)) ? uint (r) : p.n_rows - 1u;
          acc += g[(uint (ky * 3 + kx) * p.n_rows + row) * p.c + co];
        }
    }
  y[co * hw + pix] = CB_T (cb_act (acc, ACT));
}
