// CB_OP_TO_RGBA8: out (1 x H x W) = RGBA8 packed little-endian into the float's bits
// byte k = round(clamp((in[k] + 1) / 2, 0, 1) * 255), alpha 255
// bindings: 0 out (written as uint so the bits, often a NaN pattern, survive), 1 in (3 x H x W)
#version 450
#extension GL_GOOGLE_include_directive : require
#include "cb-common.glsl"

layout(std430, set = 0, binding = 0) writeonly buffer Out { uint y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { CB_T x[]; };

// floor(clamp((v + 1) / 2, 0, 1) * 255 + 0.5), NaN gives 0: the reference's
// steps, precise so no fma changes a rounding
uint
cb_byte (float v)
{
  precise float u = (v + 1.0) * 0.5;
  u = u > 0.0 ? min (u, 1.0) : 0.0;
  precise float s = u * 255.0 + 0.5;
  return uint (floor (s));
}

void
main ()
{
  uint hw = p.h * p.w;
  uint pix = CB_PIXEL;
  if (pix >= hw || CB_CHANNEL != 0u)
    return;
  uint r = cb_byte (float (x[pix])), g = cb_byte (float (x[hw + pix])), b = cb_byte (float (x[2u * hw + pix]));
  y[pix] = r | (g << 8) | (b << 16) | (255u << 24);
}
