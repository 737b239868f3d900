// CB_OP_EMBED: out[c, y, x] = table[rows[y, x], c]
// bindings: 0 out (C x H x W), 1 rows (1 x H x W, row indices as floats; float32 in the f16 build too), 2 table (R x C)
#version 450
#extension GL_GOOGLE_include_directive : require
#include "cb-common.glsl"

layout(std430, set = 0, binding = 0) writeonly buffer Out { CB_T y[]; };
layout(std430, set = 0, binding = 1) readonly buffer Rows { float rows[]; };
layout(std430, set = 0, binding = 2) readonly buffer Table { CB_T table[]; };

void
main ()
{
  uint hw = p.h * p.w;
  uint pix = CB_PIXEL, c = CB_CHANNEL;
  if (pix >= hw || c >= p.c)
    return;
  float r = rows[pix];
  // anything outside [0, R) (negative, NaN, too large) reads the last row, void's, as the reference
  uint row = (r >= 0.0 && r < float (p.n_rows)) ? uint (r) : p.n_rows - 1u;
  y[c * hw + pix] = table[row * p.c + c];
}
