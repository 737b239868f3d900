/* test-vk-device.c: the Vulkan instance and device (issue 21)
 *
 * The instance is made at the version the chained features need, the
 * validation layer (best practices and synchronisation on) turns a misuse
 * into a failure, and the device is created without messages. One device
 * per physical device and process, shared by every backend and thread, on
 * a compute-only queue family when there is one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-warmup.h"
#include "tests/render/render-test-util.h"

static CbVkDevice *
need_device (void)
{
  g_autofree char *why = NULL;
  CbVkDevice *dev = vk_device_or_reason (&why);

  if (dev == NULL)
    g_test_skip (why);
  return dev;
}

/* min (loader, 1.3): VkPhysicalDeviceVulkan11Features needs a 1.2 instance */
static void
test_instance_version (void)
{
  g_autoptr (GError) error = NULL;
  CbVkInstance *inst = cb_vk_instance_new (&error);
  guint32 loader = VK_API_VERSION_1_0;

  if (inst == NULL)
    {
      g_test_skip_printf ("No Vulkan: %s", error->message);
      return;
    }
  g_assert_nonnull (inst->vk.vkEnumerateInstanceVersion);
  g_assert_cmpint (inst->vk.vkEnumerateInstanceVersion (&loader), ==, VK_SUCCESS);
  g_assert_cmphex (inst->api_version, ==, MIN (loader, VK_API_VERSION_1_3));
  g_assert_cmphex (inst->api_version, >=, VK_API_VERSION_1_1);
  g_assert_true (cb_vk_instance_check_messages (inst, "the test", &error));
  g_assert_no_error (error);
  cb_vk_instance_free (inst);
}

/* The device (with 16-bit storage where the driver has it) is made without
 * a message, and what it reports matches what the driver says. */
static void
test_device_features (void)
{
  g_autoptr (GError) error = NULL;
  CbVkDevice *dev = need_device ();

  if (dev == NULL)
    return;
  VkPhysicalDevice16BitStorageFeatures s16 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES };
  VkPhysicalDeviceFeatures2 feats = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &s16 };
  dev->vk->vkGetPhysicalDeviceFeatures2 (dev->phys, &feats);
  g_assert_cmpint (dev->fp16_storage, ==, s16.storageBuffer16BitAccess);
  g_test_message ("%s: Vulkan %u.%u instance, device %u.%u, 16-bit storage %d, shaderFloat16 %d", dev->description,
                  VK_API_VERSION_MAJOR (dev->inst->api_version), VK_API_VERSION_MINOR (dev->inst->api_version),
                  VK_API_VERSION_MAJOR (dev->props.apiVersion), VK_API_VERSION_MINOR (dev->props.apiVersion),
                  dev->fp16_storage, dev->fp16_arith);
  g_assert_true (cb_vk_instance_check_messages (dev->inst, "the test", &error));
  g_assert_no_error (error);
  cb_vk_device_free (dev);
}

/* A misuse is reported: the layer is on, and its messages fail the call
 * that checks them (how every test fails on a validation message). */
static void
test_validation_catches (void)
{
  g_autoptr (GError) error = NULL;
  CbVkDevice *dev = need_device ();
  VkBuffer buffer = VK_NULL_HANDLE;

  if (dev == NULL)
    return;
  if (!dev->inst->validation)
    {
      g_test_skip ("the validation layer is not on (CATBRUSH_VK_VALIDATION=1 and vulkan-validationlayers)");
      cb_vk_device_free (dev);
      return;
    }
  /* size 0 is invalid (VUID-VkBufferCreateInfo-size-00912) */
  VkBufferCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
    .size = 0,
    .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
  };
  dev->inst->messages_expected = TRUE;
  if (dev->vk->vkCreateBuffer (dev->device, &info, NULL, &buffer) == VK_SUCCESS && buffer != VK_NULL_HANDLE)
    dev->vk->vkDestroyBuffer (dev->device, buffer, NULL);
  g_assert_false (cb_vk_instance_check_messages (dev->inst, "an invalid call", &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_DEVICE);
  g_assert_nonnull (strstr (error->message, "VUID-VkBufferCreateInfo-size"));
  /* the messages were taken: the next check passes */
  g_clear_error (&error);
  dev->inst->messages_expected = FALSE;
  g_assert_true (cb_vk_instance_check_messages (dev->inst, "the test", &error));
  cb_vk_device_free (dev);
}

/* compute first, compute-only before graphics, then timestamps */
static void
test_queue_family (void)
{
  VkQueueFamilyProperties fams[4] = {
    { .queueFlags = VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT | VK_QUEUE_TRANSFER_BIT,
      .queueCount = 1,
      .timestampValidBits = 64 },
    { .queueFlags = VK_QUEUE_TRANSFER_BIT, .queueCount = 2, .timestampValidBits = 64 },
    { .queueFlags = VK_QUEUE_COMPUTE_BIT | VK_QUEUE_TRANSFER_BIT, .queueCount = 8, .timestampValidBits = 0 },
    { .queueFlags = VK_QUEUE_COMPUTE_BIT, .queueCount = 2, .timestampValidBits = 36 },
  };

  g_assert_cmpint (cb_vk_choose_queue_family (fams, 4), ==, 3);
  g_assert_cmpint (cb_vk_choose_queue_family (fams, 3), ==, 2); /* compute-only beats timestamps */
  g_assert_cmpint (cb_vk_choose_queue_family (fams, 2), ==, 0); /* none: the graphics family */
  g_assert_cmpint (cb_vk_choose_queue_family (&fams[1], 1), ==, -1);
  fams[2].queueCount = 0; /* a family without queues does not count */
  g_assert_cmpint (cb_vk_choose_queue_family (fams, 3), ==, 0);

  /* and the device uses what the rule gives for its driver */
  CbVkDevice *dev = need_device ();
  if (dev == NULL)
    return;
  guint32 n = 0;
  dev->vk->vkGetPhysicalDeviceQueueFamilyProperties (dev->phys, &n, NULL);
  g_autofree VkQueueFamilyProperties *real = g_new0 (VkQueueFamilyProperties, MAX (n, 1));
  dev->vk->vkGetPhysicalDeviceQueueFamilyProperties (dev->phys, &n, real);
  g_assert_cmpint ((int)dev->queue_family, ==, cb_vk_choose_queue_family (real, n));
  g_test_message ("queue family %u of %u (flags 0x%x)", dev->queue_family, n, real[dev->queue_family].queueFlags);
  cb_vk_device_free (dev);
}

/* One VkDevice per physical device: by default, by index and by name */
static void
test_shared (void)
{
  g_autoptr (GError) error = NULL;
  CbVkDevice *a = need_device ();
  int chosen = -1;

  if (a == NULL)
    return;
  GArray *infos = cb_vk_instance_list_devices (a->inst, NULL, &chosen, &error);
  g_assert_no_error (error);
  g_autofree char *index = g_strdup_printf ("%d", chosen);
  CbVkDevice *b = cb_vk_device_new (NULL, &error);
  CbVkDevice *c = cb_vk_device_new (index, &error);
  CbVkDevice *d = cb_vk_device_new (g_array_index (infos, CbDeviceInfo, chosen).name, &error);
  g_assert_no_error (error);
  g_assert_true (b == a && c == a && d == a);
  g_assert_cmpint (a->ref_count, ==, 4);
  cb_vk_device_free (d);
  cb_vk_device_free (c);
  cb_vk_device_free (b);
  g_assert_cmpint (a->ref_count, ==, 1);

  /* a lost device is never handed out again: a new one replaces it */
  g_atomic_int_set (&a->lost, TRUE);
  b = cb_vk_device_new (NULL, &error);
  g_assert_no_error (error);
  g_assert_true (b != a);
  g_assert_false (g_atomic_int_get (&b->lost));
  cb_vk_device_free (a);
  cb_vk_device_free (b);
  g_array_unref (infos);
}

/* x (C x H x W) -> lrelu(conv3x3) -> conv3x3 + bias */
static CbGraph *
small_graph (GRand *rand, guint c, guint h, guint w)
{
  CbGraph *graph = cb_graph_new ();
  guint x = cb_graph_add_input (graph, "x", c, h, w);
  guint v = graph_add_conv (graph, rand, "conv_0", x, c, 3, 0.2, 0.2, CB_ACT_NONE, CB_ACT_LEAKY_RELU);

  graph_add_conv (graph, rand, "conv_1", v, c, 3, 0.2, 0.2, CB_ACT_NONE, CB_ACT_NONE);
  return graph;
}

typedef struct
{
  guint seed;
  double error;
  gboolean ok;
} ThreadCase;

/* What a window's worker does: its own backend, plans and runs */
static gpointer
generate_thread (gpointer data)
{
  ThreadCase *tc = data;
  g_autoptr (GRand) rand = g_rand_new_with_seed (tc->seed);
  g_autoptr (GError) error = NULL;
  g_autoptr (CbBackend) backend = cb_backend_new (CB_BACKEND_VULKAN, NULL, &error);

  tc->ok = backend != NULL;
  for (guint round = 0; tc->ok && round < 3; round++)
    {
      g_autoptr (CbGraph) graph = small_graph (rand, 8, 9 + round, 7);
      g_autoptr (CbTensor) x = random_tensor (rand, 8, 9 + round, 7, -1, 1);
      CbTensor *inputs[1] = { x };
      g_autoptr (CbTensor) ref = run_reference (graph, inputs, 1);
      g_autoptr (CbTensor) out = cb_tensor_new (8, 9 + round, 7);
      g_autoptr (CbPlan) plan = cb_backend_prepare (backend, graph, &error);
      for (guint r = 0; plan != NULL && tc->ok && r < 2; r++)
        tc->ok = cb_plan_run (plan, inputs, 1, out, &error);
      tc->ok = tc->ok && plan != NULL;
      if (tc->ok)
        tc->error = MAX (tc->error, cb_tensor_rel_error (out, ref));
    }
  if (error != NULL)
    g_printerr ("thread %u: %s\n", tc->seed, error->message);
  return NULL;
}

/* Backends on several threads share the device (and its queue) safely:
 * right results, and no validation message (each would be a critical) */
static void
test_threads (void)
{
  CbVkDevice *dev = need_device ();
  ThreadCase cases[3] = { { 1, 0, FALSE }, { 2, 0, FALSE }, { 3, 0, FALSE } };
  GThread *threads[G_N_ELEMENTS (cases)];

  if (dev == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    threads[i] = g_thread_new ("generate", generate_thread, &cases[i]);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_thread_join (threads[i]);
  /* they all used this device: it is still the only one */
  g_assert_cmpint (dev->ref_count, ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_true (cases[i].ok);
      g_assert_cmpfloat (cases[i].error, <=, 1e-4);
    }
  cb_vk_device_free (dev);
}

/* The warm-up graph on Vulkan equals the reference (what is timed is
 * right), and both sides are timed */
static void
test_warmup_measure (void)
{
  g_autoptr (GError) error = NULL;
  CbVkDevice *dev = need_device ();
  CbWarmup w = { 0 };

  if (dev == NULL)
    return;
  g_autoptr (CbGraph) graph = cb_warmup_graph_new ();
  g_autoptr (GRand) rand = g_rand_new_with_seed (4);
  const CbValue *in = cb_graph_value (graph, 0), *outv = cb_graph_value (graph, graph->output);
  g_autoptr (CbTensor) x = random_tensor (rand, in->c, in->h, in->w, -1, 1);
  CbTensor *inputs[1] = { x };
  g_autoptr (CbTensor) ref = run_reference (graph, inputs, 1);
  g_autoptr (CbTensor) out = cb_tensor_new (outv->c, outv->h, outv->w);
  CbVkPlan *plan = cb_vk_plan_new (dev, graph, &error);
  g_assert_no_error (error);
  g_assert_true (cb_vk_plan_run (plan, inputs, 1, out, &error));
  cb_vk_plan_free (plan);
  g_assert_cmpfloat (cb_tensor_rel_error (out, ref), <=, 1e-4);

  g_assert_true (cb_warmup_measure (dev, &w, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (w.vulkan_ms, >, 0);
  g_assert_cmpfloat (w.cpu_ms, >, 0);
  g_assert_cmpuint (w.macs, >, 100000000);
  g_test_message ("warm-up %.2f GMAC: %s %.1f ms, CPU backend %.1f ms", (double)w.macs * 1e-9, dev->description,
                  w.vulkan_ms, w.cpu_ms);
  cb_vk_device_free (dev);
}

/* AUTO through cb_backend_new, as the app asks: a CPU device loses without
 * a warm-up; with the warm-up forced (as for an integrated GPU), the
 * faster side wins and a CPU result says why. */
static void
test_auto_warmup (void)
{
  g_autoptr (GError) error = NULL;
  CbVkDevice *dev = need_device ();

  if (dev == NULL)
    return;
  gboolean cpu_device = dev->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
  gboolean discrete = dev->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU;
  {
    g_autoptr (CbBackend) backend = cb_backend_new (CB_BACKEND_AUTO, NULL, &error);
    g_assert_no_error (error);
    if (cpu_device)
      {
        g_assert_cmpint (cb_backend_get_kind (backend), ==, CB_BACKEND_CPU);
        g_assert_null (cb_backend_get_note (backend));
      }
    else if (discrete)
      g_assert_cmpint (cb_backend_get_kind (backend), ==, CB_BACKEND_VULKAN);
  }
  g_setenv ("CATBRUSH_AUTO_WARMUP", "1", TRUE);
  g_autoptr (CbBackend) backend = cb_backend_new (CB_BACKEND_AUTO, NULL, &error);
  g_unsetenv ("CATBRUSH_AUTO_WARMUP");
  g_assert_no_error (error);
  if (cb_backend_get_kind (backend) == CB_BACKEND_CPU)
    {
      g_assert_nonnull (cb_backend_get_note (backend));
      g_assert_nonnull (strstr (cb_backend_get_note (backend), "warm-up"));
      g_test_message ("%s", cb_backend_get_note (backend));
    }
  else
    g_assert_cmpint (cb_backend_get_kind (backend), ==, CB_BACKEND_VULKAN);
#ifndef CB_ASAN
  /* lavapipe is ~50x slower than the CPU backend on the same cores; not
   * under AddressSanitizer, which slows the CPU backend (instrumented) and
   * not lavapipe (a system library): there the race is not the app's */
  if (cpu_device)
    g_assert_cmpint (cb_backend_get_kind (backend), ==, CB_BACKEND_CPU);
#endif
  cb_vk_device_free (dev);
}

int
main (int argc, char **argv)
{
  g_autofree char *cache_dir = cb_test_private_cache_dir_new ();
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/render/vk/device/instance-version", test_instance_version);
  g_test_add_func ("/render/vk/device/features", test_device_features);
  g_test_add_func ("/render/vk/device/validation-catches", test_validation_catches);
  g_test_add_func ("/render/vk/device/queue-family", test_queue_family);
  g_test_add_func ("/render/vk/device/shared", test_shared);
  g_test_add_func ("/render/vk/device/threads", test_threads);
  g_test_add_func ("/render/vk/device/warmup", test_warmup_measure);
  g_test_add_func ("/render/vk/device/auto", test_auto_warmup);
  status = g_test_run ();

  /* the pipeline cache the devices wrote */
  cb_test_remove_tree (cache_dir);
  return status;
}
