/* cb-warmup.c: Vulkan vs the CPU backend on a short graph, for `auto`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-warmup.h"

#include "render/cb-cpu-backend.h"

/* a 64x64 grid of 64 channels: ~0.3 GMAC, a few ms on a laptop's CPU or
 * GPU, so the measurement costs well under a second where it runs */
#define WARMUP_SIZE 64
#define WARMUP_CHANNELS 64
#define WARMUP_RUNS 3

static guint
add_const (CbGraph *graph, GRand *rand, const char *name, guint c, guint h, guint w, double scale)
{
  gsize n = (gsize)c * h * w;
  float *data = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    data[i] = (float)g_rand_double_range (rand, -scale, scale);
  return cb_graph_add_const (graph, name, c, h, w, data);
}

static guint
add_conv (CbGraph *graph, GRand *rand, const char *name, guint in, guint cout, CbActivation act_in, CbActivation act)
{
  const CbValue *x = cb_graph_value (graph, in);
  guint cin = x->c, h = x->h, w = x->w;
  CbOp op;

  cb_op_init (&op, CB_OP_CONV2D, name);
  op.kernel = 3;
  op.act_in = act_in;
  op.act = act;
  op.slope = 0.2f;
  op.n_inputs = 3;
  op.inputs[0] = in;
  op.inputs[1] = add_const (graph, rand, name, 1, cout, cin * 9, 1.0 / (3.0 * cin));
  op.inputs[2] = add_const (graph, rand, name, 1, 1, cout, 0.1);
  op.output = cb_graph_add_temp (graph, name, cout, h, w);
  cb_graph_add_op (graph, &op);
  return op.output;
}

CbGraph *
cb_warmup_graph_new (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (21);
  CbGraph *graph = cb_graph_new ();
  const guint c = WARMUP_CHANNELS, s = WARMUP_SIZE;
  guint x = cb_graph_add_input (graph, "x", c, s, s);
  CbOp op;

  /* conv_0 / conv_1 of a ResNet block, a SPADE (gamma, beta from the
   * input), and conv_img */
  guint a = add_conv (graph, rand, "conv_0", x, c, CB_ACT_LEAKY_RELU, CB_ACT_NONE);
  guint gamma = add_conv (graph, rand, "mlp_gamma", x, c, CB_ACT_NONE, CB_ACT_NONE);
  guint beta = add_conv (graph, rand, "mlp_beta", x, c, CB_ACT_NONE, CB_ACT_NONE);
  cb_op_init (&op, CB_OP_SPADE_NORM, "norm");
  op.eps = 1e-5f;
  op.act = CB_ACT_LEAKY_RELU;
  op.slope = 0.2f;
  op.n_inputs = 5;
  op.inputs[0] = a;
  op.inputs[1] = gamma;
  op.inputs[2] = beta;
  op.inputs[3] = add_const (graph, rand, "mean", 1, 1, c, 0.1);
  op.inputs[4] = add_const (graph, rand, "var", 1, 1, c, 0.5);
  for (guint i = 0; i < c; i++)
    cb_graph_value (graph, op.inputs[4])->data[i] += 1.0f; /* a variance: positive */
  op.output = cb_graph_add_temp (graph, "norm", c, s, s);
  cb_graph_add_op (graph, &op);
  guint b = add_conv (graph, rand, "conv_1", op.output, c, CB_ACT_NONE, CB_ACT_NONE);
  add_conv (graph, rand, "conv_img", b, 3, CB_ACT_LEAKY_RELU, CB_ACT_TANH);
  return graph;
}

static double
now_ms (void)
{
  return (double)g_get_monotonic_time () / 1000.0;
}

gboolean
cb_warmup_measure (CbVkDevice *dev, CbWarmup *result, GError **error)
{
  g_autoptr (CbGraph) graph = cb_warmup_graph_new ();
  const CbValue *in = cb_graph_value (graph, 0), *out = cb_graph_value (graph, graph->output);
  g_autoptr (CbTensor) x = cb_tensor_new (in->c, in->h, in->w);
  g_autoptr (CbTensor) y = cb_tensor_new (out->c, out->h, out->w);
  g_autoptr (GRand) rand = g_rand_new_with_seed (22);
  CbTensor *inputs[1] = { x };
  gboolean ok = TRUE;

  for (gsize i = 0; i < cb_tensor_n_elements (x); i++)
    x->data[i] = (float)g_rand_double_range (rand, -1.0, 1.0);
  result->macs = 0;
  for (guint i = 0; i < graph->ops->len; i++)
    result->macs += cb_op_count_macs (graph, cb_graph_op (graph, i));

  CbVkPlan *vk = cb_vk_plan_new (dev, graph, error);
  if (vk == NULL)
    return FALSE;
  result->vulkan_ms = G_MAXDOUBLE;
  /* the first run pays for first-use costs (page faults, clocks ramping up) */
  for (guint r = 0; ok && r <= WARMUP_RUNS; r++)
    {
      double t = now_ms ();
      ok = cb_vk_plan_run (vk, inputs, 1, y, error);
      if (r > 0)
        result->vulkan_ms = MIN (result->vulkan_ms, now_ms () - t);
    }
  cb_vk_plan_free (vk);
  if (!ok)
    return FALSE;

  g_autoptr (CbCpuPlan) cpu = cb_cpu_plan_new (graph, NULL, error);
  if (cpu == NULL)
    return FALSE;
  result->cpu_ms = G_MAXDOUBLE;
  for (guint r = 0; ok && r <= WARMUP_RUNS; r++)
    {
      double t = now_ms ();
      ok = cb_cpu_plan_run (cpu, inputs, 1, y, error);
      if (r > 0)
        result->cpu_ms = MIN (result->cpu_ms, now_ms () - t);
    }
  return ok;
}

/* The last measured answer per process: every window makes a backend, and
 * one warm-up is enough (keyed by the device's identity). */
static GMutex decision_lock;
static struct
{
  gboolean valid, vulkan;
  guint32 vendor, device, driver;
  char *why;
} decision;

gboolean
cb_warmup_auto_prefers_vulkan (CbVkDevice *dev, char **why)
{
  g_autoptr (GError) error = NULL;
  CbWarmup w;
  gboolean always = g_strcmp0 (g_getenv ("CATBRUSH_AUTO_WARMUP"), "1") == 0;
  const VkPhysicalDeviceProperties *p = &dev->props;
  gboolean vulkan;

  *why = NULL;
  if (!always && p->deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU)
    return TRUE;
  /* lavapipe is ~50x slower than the CPU backend on the same cores */
  if (!always && p->deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU)
    return FALSE;

  g_mutex_lock (&decision_lock);
  if (!always && decision.valid && decision.vendor == p->vendorID && decision.device == p->deviceID
      && decision.driver == p->driverVersion)
    {
      vulkan = decision.vulkan;
      *why = g_strdup (decision.why);
      g_mutex_unlock (&decision_lock);
      return vulkan;
    }
  if (!cb_warmup_measure (dev, &w, &error))
    {
      vulkan = FALSE;
      *why = g_strdup_printf ("%s failed the warm-up (%s); images are made on the CPU backend", dev->description,
                              error->message);
    }
  else
    {
      g_debug ("warm-up (%.2f GMAC): %s %.2f ms, CPU backend %.2f ms", (double)w.macs * 1e-9, dev->description,
               w.vulkan_ms, w.cpu_ms);
      vulkan = w.vulkan_ms < w.cpu_ms;
      if (!vulkan)
        *why = g_strdup_printf ("the CPU backend was faster in the warm-up (%.1f ms against %.1f ms on %s); images "
                                "are made on the CPU backend",
                                w.cpu_ms, w.vulkan_ms, dev->description);
    }
  g_free (decision.why);
  decision.valid = TRUE;
  decision.vulkan = vulkan;
  decision.vendor = p->vendorID, decision.device = p->deviceID, decision.driver = p->driverVersion;
  decision.why = g_strdup (*why);
  g_mutex_unlock (&decision_lock);
  return vulkan;
}
