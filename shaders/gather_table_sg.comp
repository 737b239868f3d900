// gather_table.comp with subgroup arithmetic (used where the device reports
// basic and arithmetic subgroup operations in compute shaders): the same
// G[tap][r][co] = sum_ci W[co, ci, tap] * table[r, ci], but a workgroup of
// one subgroup's size computes BLOCK consecutive co of one (row, tap), its
// invocations splitting the ci (consecutive ci on consecutive invocations:
// the table row is read coalesced, the weights at a stride of 9 instead of
// Cin * 9), then subgroupAdd. Should the driver make the workgroup more
// than one subgroup, a shared-memory sum takes over.
// bindings: 0 G (float, 9 x n_rows x Cout), 1 W (1 x Cout x Cin*9), 2 table (1 x n_rows x Cin)
// push: c = Cout, in_c = Cin, n_rows. Grid: x = co / BLOCK, y = row * 9 + tap;
// workgroup size (constant id 0) = the subgroup size.
//
// SPDX-License-Identifier: GPL-3.0-or-later
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#include "cb-common.glsl"

layout(std430, set = 0, binding = 0) writeonly buffer G { float g[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weight { CB_T wt[]; };
layout(std430, set = 0, binding = 2) readonly buffer Table { CB_T table[]; };

shared float red[gl_WorkGroupSize.x];

void
main ()
{
  uint lane = gl_LocalInvocationID.x, n = gl_WorkGroupSize.x;
  uint rt = gl_WorkGroupID.y, r = rt / 9u, tap = rt % 9u;
  for (int b = 0; b < BLOCK; b++)
    {
      uint co = gl_WorkGroupID.x * uint (BLOCK) + uint (b);
      if (co >= p.c)
        break;
      float acc = 0.0;
      for (uint ci = lane; ci < p.in_c; ci += n)
        acc += float (wt[(co * p.in_c + ci) * 9u + tap]) * float (table[r * p.in_c + ci]);
      float sum;
      if (gl_NumSubgroups == 1u)
        sum = subgroupAdd (acc);
      else
        {
          red[lane] = acc;
          barrier ();
          sum = 0.0;
          for (uint i = 0u; i < n; i++)
            sum += red[i];
          barrier ();
        }
      if (lane == 0u)
        g[(tap * p.n_rows + r) * p.c + co] = sum;
    }
}
