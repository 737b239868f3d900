// cb-common.glsl: what every Catbrush compute shader shares
//
// One pipeline layout for all shaders: set 0 holds eight storage buffers
// (binding 0 = output, 1..7 = the op's inputs, in cb-graph.h order unless
// the shader says otherwise) and one push-constant block. Everything that changes the generated code
// (workgroup size, kernel size, activations) is a specialization constant,
// so the driver can unroll and drop branches. Keep in sync with
// render/cb-vk-pipeline.c (CbVkSpec, CbVkPush).
//
// Storage type: shaders are built twice, as NAME.spv (float) and, with
// -DCB_FP16, as NAME_f16.spv: activations and weights stored as float16
// (VK_KHR_16bit_storage), loaded into float and accumulated in float. CB_T
// is the stored type; convert with float(v) and CB_T(v). The convolutions
// are also built as NAME_f16o32.spv (-DCB_OUT_F32): float16 inputs, a float
// output, for the values the fp16 plan keeps in fp32 (SPADE's gamma/beta).
// CB_TO is the output's stored type.
//
// SPDX-License-Identifier: GPL-3.0-or-later

#ifdef CB_FP16
#extension GL_EXT_shader_16bit_storage : require
#define CB_T float16_t
#else
#define CB_T float
#endif

#ifdef CB_OUT_F32
#define CB_TO float
#else
#define CB_TO CB_T
#endif

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(constant_id = 2) const int ACT = 0;      // CbActivation on the output
layout(constant_id = 3) const int ACT_IN = 0;   // CbActivation on a conv's input
layout(constant_id = 4) const float SLOPE = 0.2; // leaky ReLU slope
layout(constant_id = 5) const int KERNEL = 3;   // conv kernel size (1 or 3)
layout(constant_id = 6) const int BLOCK = 4;    // output channels per invocation
layout(constant_id = 7) const bool HAS_BIAS = true;
// constant ids 8..16: conv2d_tiled's tile sizes and variants (declared there)

layout(push_constant) uniform CbPush
{
  uint c, h, w;          // output shape
  uint in_c, in_h, in_w; // shape of the first input
  uint n_rows;           // embed: rows of the table
  float scale_y, scale_x; // resize: (float) in / (float) out, computed on the host
  float eps;             // spade norm
  uint k_len;            // conv2d_tiled split-K: reduction rows per split (a multiple of TK)
}
p;

#define CB_ACT_NONE 0
#define CB_ACT_RELU 1
#define CB_ACT_LEAKY_RELU 2
#define CB_ACT_TANH 3

// tanh from exp(-2|v|): never inf/inf for large |v| (GLSL's tanh may be
// computed as sinh/cosh), well inside the tests' 1e-4.
float
cb_act (float v, int kind)
{
  if (kind == CB_ACT_RELU)
    return max (v, 0.0);
  if (kind == CB_ACT_LEAKY_RELU)
    return v > 0.0 ? v : v * SLOPE;
  if (kind == CB_ACT_TANH)
    {
      float t = exp (-2.0 * abs (v));
      float r = (1.0 - t) / (1.0 + t);
      return v < 0.0 ? -r : r;
    }
  return v;
}

// The 2-D grid of element-wise shaders: x = pixel, y = channel.
#define CB_PIXEL gl_GlobalInvocationID.x
#define CB_CHANNEL gl_GlobalInvocationID.y
