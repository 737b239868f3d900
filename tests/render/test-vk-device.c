/* test-vk-device.c: the Vulkan instance and device (issue 21)
 *
 * The instance is made at the version the chained features need, the
 * validation layer (best practices and synchronisation on) turns a misuse
 * into a failure, and the device is created without messages.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-error.h"
#include "render/cb-vk.h"

#include <glib/gstdio.h>
#include <string.h>

static CbVkDevice *
need_device (void)
{
  g_autoptr (GError) error = NULL;
  CbVkDevice *dev = cb_vk_device_new (NULL, &error);

  if (dev == NULL)
    {
      /* only a missing device is a reason to skip */
      g_assert_error (error, CB_ERROR, CB_ERROR_DEVICE);
      g_test_skip_printf ("No Vulkan device: %s", error->message);
    }
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

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *cache_dir = g_dir_make_tmp ("catbrush-test-XXXXXX", &error);
  int status;

  g_assert_no_error (error);
  g_setenv ("XDG_CACHE_HOME", cache_dir, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/render/vk/device/instance-version", test_instance_version);
  g_test_add_func ("/render/vk/device/features", test_device_features);
  g_test_add_func ("/render/vk/device/validation-catches", test_validation_catches);
  status = g_test_run ();

  /* the pipeline cache the devices wrote */
  g_autofree char *sub = g_build_filename (cache_dir, "catbrush", NULL);
  g_autoptr (GDir) d = g_dir_open (sub, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (sub, name, NULL);
      g_remove (path);
    }
  g_rmdir (sub);
  g_rmdir (cache_dir);
  return status;
}
