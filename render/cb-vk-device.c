/* cb-vk-device.c: instance, validation, device choice, queue, pipeline cache
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-vk.h"

#include "model/cb-error.h"

#include <string.h>

#define CB_VALIDATION_LAYER "VK_LAYER_KHRONOS_validation"

/* ------------------------------------------------------- fault injection */

typedef struct
{
  guint64 at; /* 0: never */
  gboolean repeat;
} CbVkFaultRule;

enum
{
  FAULT_ALLOC,
  FAULT_SUBMIT,
  FAULT_LOST,
  N_FAULTS
};

static GMutex fault_lock;
static gboolean fault_configured;
static CbVkFaultRule fault_rules[N_FAULTS];
static guint64 fault_n_alloc, fault_n_submit;

static gboolean
parse_faults (const char *spec, CbVkFaultRule rules[N_FAULTS], GError **error)
{
  static const char *const names[N_FAULTS] = { "alloc", "submit", "lost" };
  g_auto (GStrv) items = g_strsplit (spec != NULL ? spec : "", ",", -1);

  memset (rules, 0, sizeof (CbVkFaultRule) * N_FAULTS);
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autofree char *item = g_strstrip (g_strdup (items[i]));
      const char *colon = strchr (item, ':');
      guint64 at = 0;
      int kind = -1;

      if (*item == '\0')
        continue;
      for (int k = 0; colon != NULL && k < N_FAULTS; k++)
        if ((gsize)(colon - item) == strlen (names[k]) && strncmp (item, names[k], strlen (names[k])) == 0)
          kind = k;
      gsize len = colon != NULL ? strlen (colon + 1) : 0;
      gboolean repeat = len > 0 && colon[len] == '+';
      g_autofree char *number = colon != NULL ? g_strndup (colon + 1, repeat ? len - 1 : len) : NULL;
      if (kind < 0 || !g_ascii_string_to_unsigned (number, 10, 1, G_MAXUINT64, &at, NULL))
        {
          g_set_error (error, CB_ERROR, CB_ERROR_INVALID,
                       "CATBRUSH_VK_FAULT: “%s” is not alloc:N, submit:N or lost:N (N ≥ 1, “N+”: from the Nth on)",
                       item);
          return FALSE;
        }
      rules[kind] = (CbVkFaultRule){ at, repeat };
    }
  return TRUE;
}

gboolean
cb_vk_fault_configure (const char *spec, GError **error)
{
  CbVkFaultRule rules[N_FAULTS];

  if (!parse_faults (spec, rules, error))
    return FALSE;
  g_mutex_lock (&fault_lock);
  memcpy (fault_rules, rules, sizeof rules);
  fault_n_alloc = fault_n_submit = 0;
  fault_configured = TRUE;
  g_mutex_unlock (&fault_lock);
  return TRUE;
}

/* under fault_lock: the environment is read at the first counted call */
static void
ensure_faults (void)
{
  g_autoptr (GError) error = NULL;

  if (fault_configured)
    return;
  fault_configured = TRUE;
  if (!parse_faults (g_getenv ("CATBRUSH_VK_FAULT"), fault_rules, &error))
    g_printerr ("catbrush: %s; no faults injected\n", error->message);
}

static gboolean
fault_hits (const CbVkFaultRule *rule, guint64 n)
{
  return rule->at != 0 && (n == rule->at || (rule->repeat && n > rule->at));
}

VkResult
cb_vk_fault_on_alloc (void)
{
  VkResult res = VK_SUCCESS;

  g_mutex_lock (&fault_lock);
  ensure_faults ();
  if (fault_hits (&fault_rules[FAULT_ALLOC], ++fault_n_alloc))
    res = VK_ERROR_OUT_OF_DEVICE_MEMORY;
  g_mutex_unlock (&fault_lock);
  return res;
}

VkResult
cb_vk_fault_on_submit (void)
{
  VkResult res = VK_SUCCESS;

  g_mutex_lock (&fault_lock);
  ensure_faults ();
  fault_n_submit++;
  if (fault_hits (&fault_rules[FAULT_LOST], fault_n_submit))
    res = VK_ERROR_DEVICE_LOST;
  else if (fault_hits (&fault_rules[FAULT_SUBMIT], fault_n_submit))
    res = VK_ERROR_OUT_OF_DEVICE_MEMORY;
  g_mutex_unlock (&fault_lock);
  return res;
}

/* ---------------------------------------------------------------- instance */

/* Validation messages that are not about Catbrush's use of Vulkan; each
 * one says why it is filtered (docs/PERFORMANCE.md, Validation). */
static const char *const ignored_message_ids[] = {
  /* best practices flags VK_EXT_debug_utils as a debugging extension: it is
   * how we receive these messages, and only enabled with validation */
  "UNASSIGNED-BestPractices-vkCreateInstance-specialuse-extension-debugging",
  /* a plan makes a fixed handful of allocations whatever the graph
   * (activations, 256 MiB constant blocks, upload, readback); only the
   * tests' few-pixel graphs make them small, and the count is bounded */
  "UNASSIGNED-BestPractices-vkAllocateMemory-small-allocation",
  "UNASSIGNED-BestPractices-vkBindMemory-small-dedicated-allocation",
  /* deprecated in SPIR-V 1.6 only: the shaders are SPIR-V 1.3 (they run on
   * Vulkan 1.1 devices), where local_size_x_id makes this built-in, and
   * LocalSizeId would need VK_KHR_maintenance4 */
  "UNASSIGNED-BestPractices-SpirvDeprecated_WorkgroupSize",
};

static VKAPI_ATTR VkBool32 VKAPI_CALL
on_debug_message (VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT types,
                  const VkDebugUtilsMessengerCallbackDataEXT *data, void *user_data)
{
  CbVkInstance *inst = user_data;
  const char *level = (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) ? "error" : "warning";

  for (gsize i = 0; data->pMessageIdName != NULL && i < G_N_ELEMENTS (ignored_message_ids); i++)
    if (strcmp (data->pMessageIdName, ignored_message_ids[i]) == 0)
      return VK_FALSE;
  g_mutex_lock (&inst->lock);
  g_ptr_array_add (inst->messages, g_strdup_printf ("Vulkan validation %s [%s]: %s", level,
                                                    data->pMessageIdName ? data->pMessageIdName : "no id",
                                                    data->pMessage ? data->pMessage : "(no message)"));
  g_mutex_unlock (&inst->lock);
  return VK_FALSE;
}

static gboolean
has_layer (CbVkFuncs *vk, const char *name)
{
  guint32 n = 0;
  gboolean found = FALSE;

  if (vk->vkEnumerateInstanceLayerProperties (&n, NULL) != VK_SUCCESS)
    return FALSE;
  g_autofree VkLayerProperties *layers = g_new0 (VkLayerProperties, MAX (n, 1));
  if (vk->vkEnumerateInstanceLayerProperties (&n, layers) != VK_SUCCESS)
    return FALSE;
  for (guint32 i = 0; i < n && !found; i++)
    found = strcmp (layers[i].layerName, name) == 0;
  return found;
}

CbVkInstance *
cb_vk_instance_new (GError **error)
{
  GModule *module = NULL;
  CbVkFuncs vk;
  const char *layers[1];
  const char *extensions[1];
  guint n_layers = 0, n_extensions = 0;
  gboolean validation = g_strcmp0 (g_getenv ("CATBRUSH_VK_VALIDATION"), "1") == 0;
  VkInstance instance = VK_NULL_HANDLE;
  VkResult res;

  if (!cb_vk_load_global (&vk, &module, error))
    return NULL;

  /* the instance's version bounds the device features one may chain
   * (VkPhysicalDeviceVulkan11Features needs 1.2): ask for what the loader
   * has, up to the newest we know */
  guint32 api_version = VK_API_VERSION_1_0;
  if (vk.vkEnumerateInstanceVersion != NULL && vk.vkEnumerateInstanceVersion (&api_version) != VK_SUCCESS)
    api_version = VK_API_VERSION_1_0;
  if (api_version < VK_API_VERSION_1_1)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_DEVICE,
                   "The Vulkan loader (%s) only has Vulkan 1.0; Catbrush needs 1.1: update it (Debian/Ubuntu: apt "
                   "install libvulkan1), or use the CPU backend (--backend cpu)",
                   g_module_name (module));
      g_module_close (module);
      return NULL;
    }
  api_version = MIN (api_version, VK_API_VERSION_1_3);

  if (validation && !has_layer (&vk, CB_VALIDATION_LAYER))
    {
      /* not fatal: running is still better than not; say how to get it */
      g_printerr ("catbrush: CATBRUSH_VK_VALIDATION=1 but %s is not installed "
                  "(apt install vulkan-validationlayers); running without validation\n",
                  CB_VALIDATION_LAYER);
      validation = FALSE;
    }
  if (validation)
    {
      layers[n_layers++] = CB_VALIDATION_LAYER;
      extensions[n_extensions++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
    }

  CbVkInstance *inst = g_new0 (CbVkInstance, 1);
  g_mutex_init (&inst->lock);
  inst->messages = g_ptr_array_new_with_free_func (g_free);
  inst->validation = validation;
  inst->api_version = api_version;

  VkDebugUtilsMessengerCreateInfoEXT messenger_info = {
    .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
    .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
    .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT
                   | VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
    .pfnUserCallback = on_debug_message,
    .pUserData = inst,
  };
  VkApplicationInfo app = {
    .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
    .pApplicationName = "Catbrush",
    .applicationVersion = VK_MAKE_API_VERSION (0, 0, 1, 0),
    .pEngineName = "catbrush-render",
    .apiVersion = api_version,
  };
  /* synchronisation validation checks the barriers the plan leaves out;
   * best practices, the API use that is legal but slow or fragile */
  VkValidationFeatureEnableEXT enables[] = {
    VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT,
    VK_VALIDATION_FEATURE_ENABLE_BEST_PRACTICES_EXT,
  };
  VkValidationFeaturesEXT features = {
    .sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT,
    .pNext = &messenger_info,
    .enabledValidationFeatureCount = G_N_ELEMENTS (enables),
    .pEnabledValidationFeatures = enables,
  };
  VkInstanceCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
    /* catches messages of vkCreateInstance / vkDestroyInstance too */
    .pNext = validation ? &features : NULL,
    .pApplicationInfo = &app,
    .enabledLayerCount = n_layers,
    .ppEnabledLayerNames = layers,
    .enabledExtensionCount = n_extensions,
    .ppEnabledExtensionNames = extensions,
  };
  res = vk.vkCreateInstance (&info, NULL, &instance);
  if (res != VK_SUCCESS)
    {
      if (res == VK_ERROR_INCOMPATIBLE_DRIVER)
        g_set_error (error, CB_ERROR, CB_ERROR_DEVICE,
                     "No Vulkan driver found (VK_ERROR_INCOMPATIBLE_DRIVER): install a Vulkan driver for your "
                     "GPU, or Mesa's CPU driver lavapipe (Debian/Ubuntu: apt install mesa-vulkan-drivers), or use "
                     "the CPU backend (--backend cpu)");
      else
        cb_vk_check (res, "Creating the Vulkan instance", error);
      g_ptr_array_unref (inst->messages);
      g_mutex_clear (&inst->lock);
      g_free (inst);
      g_module_close (module);
      return NULL;
    }
  inst->vk = vk;
  inst->instance = instance;
  inst->module = module;
  cb_vk_load_instance (&inst->vk, instance);
  if (validation && inst->vk.vkCreateDebugUtilsMessengerEXT != NULL)
    inst->vk.vkCreateDebugUtilsMessengerEXT (instance, &messenger_info, NULL, &inst->messenger);
  return inst;
}

void
cb_vk_instance_free (CbVkInstance *inst)
{
  if (inst == NULL)
    return;
  if (inst->messenger != VK_NULL_HANDLE)
    inst->vk.vkDestroyDebugUtilsMessengerEXT (inst->instance, inst->messenger, NULL);
  inst->vk.vkDestroyInstance (inst->instance, NULL);
  /* messages at destruction have no call left to fail: a critical (fatal
   * in the tests, G_DEBUG=fatal-criticals) */
  for (guint i = 0; i < inst->messages->len; i++)
    g_critical ("%s (at device or instance destruction)", (char *)inst->messages->pdata[i]);
  g_ptr_array_unref (inst->messages);
  g_mutex_clear (&inst->lock);
  if (inst->module != NULL)
    g_module_close (inst->module);
  g_free (inst);
}

gboolean
cb_vk_instance_check_messages (CbVkInstance *inst, const char *during, GError **error)
{
  g_autoptr (GString) text = NULL;

  g_mutex_lock (&inst->lock);
  if (inst->messages->len > 0)
    {
      text = g_string_new (NULL);
      g_string_append_printf (text, "%u Vulkan validation message(s) during %s:", inst->messages->len, during);
      for (guint i = 0; i < inst->messages->len; i++)
        {
          /* a critical too: fatal in the tests, so that no caller can take
           * the error for a missing device and skip */
          if (inst->messages_expected)
            g_printerr ("%s\n", (char *)inst->messages->pdata[i]);
          else
            g_critical ("%s (during %s)", (char *)inst->messages->pdata[i], during);
          g_string_append_printf (text, "\n%s", (char *)inst->messages->pdata[i]);
        }
      g_ptr_array_set_size (inst->messages, 0);
    }
  g_mutex_unlock (&inst->lock);
  if (text != NULL)
    {
      g_set_error_literal (error, CB_ERROR, CB_ERROR_DEVICE, text->str);
      return FALSE;
    }
  return TRUE;
}

/* ----------------------------------------------------------------- devices */

const char *
cb_device_type_to_string (CbDeviceType type)
{
  switch (type)
    {
    case CB_DEVICE_DISCRETE_GPU:
      return "discrete GPU";
    case CB_DEVICE_INTEGRATED_GPU:
      return "integrated GPU";
    case CB_DEVICE_VIRTUAL_GPU:
      return "virtual GPU";
    case CB_DEVICE_CPU:
      return "CPU device";
    case CB_DEVICE_OTHER:
    default:
      return "other device";
    }
}

static CbDeviceType
device_type (VkPhysicalDeviceType type)
{
  switch (type)
    {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return CB_DEVICE_DISCRETE_GPU;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return CB_DEVICE_INTEGRATED_GPU;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return CB_DEVICE_VIRTUAL_GPU;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return CB_DEVICE_CPU;
    default:
      return CB_DEVICE_OTHER;
    }
}

int
cb_vk_choose_queue_family (const VkQueueFamilyProperties *fams, guint n)
{
  int best = -1, best_score = -1;

  /* a compute-only family first: on GPUs it is the asynchronous compute
   * engine, which the desktop's graphics work does not queue on; then one
   * that can write timestamps (profiling) */
  for (guint i = 0; i < n; i++)
    {
      if (!(fams[i].queueFlags & VK_QUEUE_COMPUTE_BIT) || fams[i].queueCount == 0)
        continue;
      int score = ((fams[i].queueFlags & VK_QUEUE_GRAPHICS_BIT) ? 0 : 2) + (fams[i].timestampValidBits > 0 ? 1 : 0);
      if (score > best_score)
        best = (int)i, best_score = score;
    }
  return best;
}

static int
find_compute_family (CbVkFuncs *vk, VkPhysicalDevice phys, gboolean *timestamps)
{
  guint32 n = 0;
  int best;

  vk->vkGetPhysicalDeviceQueueFamilyProperties (phys, &n, NULL);
  g_autofree VkQueueFamilyProperties *fams = g_new0 (VkQueueFamilyProperties, MAX (n, 1));
  vk->vkGetPhysicalDeviceQueueFamilyProperties (phys, &n, fams);
  best = cb_vk_choose_queue_family (fams, n);
  if (timestamps != NULL)
    *timestamps = best >= 0 && fams[best].timestampValidBits > 0;
  return best;
}

static void
describe_device (CbVkFuncs *vk, guint32 instance_version, VkPhysicalDevice phys, guint index, CbDeviceInfo *info)
{
  VkPhysicalDeviceProperties props;
  VkPhysicalDeviceMemoryProperties mem;

  memset (info, 0, sizeof *info);
  vk->vkGetPhysicalDeviceProperties (phys, &props);
  vk->vkGetPhysicalDeviceMemoryProperties (phys, &mem);
  info->index = index;
  info->name = g_strdup (props.deviceName);
  info->type = device_type (props.deviceType);
  info->vendor_id = props.vendorID;
  info->device_id = props.deviceID;
  info->api_version
    = g_strdup_printf ("%u.%u.%u", VK_API_VERSION_MAJOR (props.apiVersion), VK_API_VERSION_MINOR (props.apiVersion),
                       VK_API_VERSION_PATCH (props.apiVersion));
  info->n_heaps = MIN (mem.memoryHeapCount, CB_DEVICE_MAX_HEAPS);
  for (guint i = 0; i < info->n_heaps; i++)
    {
      info->heap_size[i] = mem.memoryHeaps[i].size;
      info->heap_device_local[i] = (mem.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) != 0;
    }
  info->has_compute = find_compute_family (vk, phys, NULL) >= 0;
  info->usable = info->has_compute && props.apiVersion >= VK_API_VERSION_1_1;

  /* driver name and fp16 support: core in 1.2, and in 1.1 for 16-bit storage;
   * what one may chain is bounded by the instance's version too */
  guint32 version = MIN (instance_version, props.apiVersion);
  VkPhysicalDeviceDriverProperties driver = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES };
  VkPhysicalDeviceProperties2 props2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2 };
  VkPhysicalDeviceShaderFloat16Int8Features f16 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES,
  };
  VkPhysicalDevice16BitStorageFeatures s16 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES };
  VkPhysicalDeviceFeatures2 feats = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2 };
  gboolean v12 = version >= VK_API_VERSION_1_2;

  if (version >= VK_API_VERSION_1_1)
    {
      props2.pNext = v12 ? &driver : NULL;
      vk->vkGetPhysicalDeviceProperties2 (phys, &props2);
      feats.pNext = &s16;
      s16.pNext = v12 ? &f16 : NULL;
      vk->vkGetPhysicalDeviceFeatures2 (phys, &feats);
    }
  if (v12)
    info->driver = g_strdup_printf ("%s, %s", driver.driverName, driver.driverInfo);
  else
    info->driver = g_strdup_printf ("driver version 0x%08x", props.driverVersion);
  info->shader_float16 = f16.shaderFloat16;
  info->storage_16bit = s16.storageBuffer16BitAccess;
}

static void
clear_device_info (gpointer data)
{
  CbDeviceInfo *info = data;

  g_free (info->name);
  g_free (info->driver);
  g_free (info->api_version);
}

static int
device_score (const CbDeviceInfo *info)
{
  /* discrete > integrated > virtual > CPU; 0 = unusable */
  if (!info->usable)
    return 0;
  switch (info->type)
    {
    case CB_DEVICE_DISCRETE_GPU:
      return 5;
    case CB_DEVICE_INTEGRATED_GPU:
      return 4;
    case CB_DEVICE_VIRTUAL_GPU:
      return 3;
    case CB_DEVICE_CPU:
      return 2;
    default:
      return 1;
    }
}

static gboolean
parse_index (const char *text, guint *index)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &v, NULL))
    return FALSE;
  *index = (guint)v;
  return TRUE;
}

/* The device to use for request (NULL: CATBRUSH_DEVICE, else the best), or -1 with error. */
static int
choose_device (GArray *infos, const char *request, GError **error)
{
  const char *source = "device";
  int best = -1;
  guint index;

  if (request == NULL || *request == '\0')
    {
      request = g_getenv ("CATBRUSH_DEVICE");
      source = "CATBRUSH_DEVICE";
    }
  if (infos->len == 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_DEVICE,
                   "No Vulkan device found: install a Vulkan driver for your GPU, or Mesa's CPU driver lavapipe "
                   "(Debian/Ubuntu: apt install mesa-vulkan-drivers), or use the CPU backend (--backend cpu)");
      return -1;
    }
  if (request != NULL && *request != '\0')
    {
      if (parse_index (request, &index))
        {
          if (index >= infos->len)
            {
              g_set_error (error, CB_ERROR, CB_ERROR_DEVICE,
                           "%s “%s”: there are only %u Vulkan devices (see catbrush-cli devices)", source, request,
                           infos->len);
              return -1;
            }
          best = (int)index;
        }
      else
        {
          g_autofree char *needle = g_utf8_casefold (request, -1);
          for (guint i = 0; i < infos->len && best < 0; i++)
            {
              g_autofree char *name = g_utf8_casefold (g_array_index (infos, CbDeviceInfo, i).name, -1);
              if (strstr (name, needle) != NULL)
                best = (int)i;
            }
          if (best < 0)
            {
              g_set_error (error, CB_ERROR, CB_ERROR_DEVICE,
                           "%s “%s”: no Vulkan device has that in its name (see catbrush-cli devices)", source,
                           request);
              return -1;
            }
        }
      if (!g_array_index (infos, CbDeviceInfo, best).usable)
        {
          g_set_error (error, CB_ERROR, CB_ERROR_DEVICE,
                       "Vulkan device %d (%s) cannot run Catbrush: it needs Vulkan 1.1 and a compute queue", best,
                       g_array_index (infos, CbDeviceInfo, best).name);
          return -1;
        }
      return best;
    }
  for (guint i = 0; i < infos->len; i++)
    if (device_score (&g_array_index (infos, CbDeviceInfo, i)) > 0
        && (best < 0
            || device_score (&g_array_index (infos, CbDeviceInfo, i))
                 > device_score (&g_array_index (infos, CbDeviceInfo, best))))
      best = (int)i;
  if (best < 0)
    g_set_error (error, CB_ERROR, CB_ERROR_DEVICE,
                 "No usable Vulkan device (Catbrush needs Vulkan 1.1 with compute): update the driver, or install "
                 "Mesa's CPU driver (apt install mesa-vulkan-drivers)");
  return best;
}

static GArray *
enumerate (CbVkInstance *inst, VkPhysicalDevice **physs, GError **error)
{
  guint32 n = 0;
  VkResult res = inst->vk.vkEnumeratePhysicalDevices (inst->instance, &n, NULL);

  if (!cb_vk_check (res, "Listing the Vulkan devices", error))
    return NULL;
  g_autofree VkPhysicalDevice *list = g_new0 (VkPhysicalDevice, MAX (n, 1));
  res = inst->vk.vkEnumeratePhysicalDevices (inst->instance, &n, list);
  if (res != VK_INCOMPLETE && !cb_vk_check (res, "Listing the Vulkan devices", error))
    return NULL;
  GArray *infos = g_array_sized_new (FALSE, TRUE, sizeof (CbDeviceInfo), n);
  g_array_set_clear_func (infos, clear_device_info);
  g_array_set_size (infos, n);
  for (guint32 i = 0; i < n; i++)
    describe_device (&inst->vk, inst->api_version, list[i], i, &g_array_index (infos, CbDeviceInfo, i));
  if (physs != NULL)
    *physs = g_steal_pointer (&list);
  return infos;
}

GArray *
cb_vk_instance_list_devices (CbVkInstance *inst, const char *request, int *chosen, GError **error)
{
  GArray *infos = enumerate (inst, NULL, error);

  if (infos != NULL && chosen != NULL)
    *chosen = choose_device (infos, request, NULL);
  return infos;
}

GArray *
cb_devices_list (const char *request, int *chosen, GError **error)
{
  CbVkInstance *inst = cb_vk_instance_new (error);
  GArray *infos;

  if (chosen != NULL)
    *chosen = -1;
  if (inst == NULL)
    return NULL;
  infos = cb_vk_instance_list_devices (inst, request, chosen, error);
  cb_vk_instance_free (inst);
  return infos;
}

/* ---------------------------------------------------------- pipeline cache */

static void
load_pipeline_cache (CbVkDevice *dev)
{
  const VkPhysicalDeviceProperties *p = &dev->props;
  g_autoptr (GString) uuid = g_string_new (NULL);
  g_autofree char *data = NULL;
  gsize size = 0;

  for (guint i = 0; i < VK_UUID_SIZE; i++)
    g_string_append_printf (uuid, "%02x", p->pipelineCacheUUID[i]);
  /* keyed by what makes a cache invalid: vendor, device, driver version, cache UUID */
  g_autofree char *name
    = g_strdup_printf ("pipelines-%04x-%04x-%08x-%s.bin", p->vendorID, p->deviceID, p->driverVersion, uuid->str);
  dev->pipeline_cache_path = g_build_filename (g_get_user_cache_dir (), "catbrush", name, NULL);

  /* only hand the driver a blob whose header matches (some drivers trust it) */
  if (g_file_get_contents (dev->pipeline_cache_path, &data, &size, NULL))
    {
      guint32 header[4];
      if (size >= 16 + VK_UUID_SIZE)
        memcpy (header, data, sizeof header);
      if (size < 16 + VK_UUID_SIZE || header[0] < 16 + VK_UUID_SIZE || header[1] != VK_PIPELINE_CACHE_HEADER_VERSION_ONE
          || header[2] != p->vendorID || header[3] != p->deviceID
          || memcmp (data + 16, p->pipelineCacheUUID, VK_UUID_SIZE) != 0)
        {
          g_debug ("Ignoring the pipeline cache %s: it is for another device or driver", dev->pipeline_cache_path);
          g_clear_pointer (&data, g_free);
          size = 0;
        }
    }
  VkPipelineCacheCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
    .initialDataSize = size,
    .pInitialData = data,
  };
  if (dev->vk->vkCreatePipelineCache (dev->device, &info, NULL, &dev->pipeline_cache) != VK_SUCCESS)
    {
      info.initialDataSize = 0;
      info.pInitialData = NULL;
      size = 0;
      if (dev->vk->vkCreatePipelineCache (dev->device, &info, NULL, &dev->pipeline_cache) != VK_SUCCESS)
        dev->pipeline_cache = VK_NULL_HANDLE;
    }
  dev->pipeline_cache_loaded_size = size;
  dev->pipeline_cache_read = size;
  if (dev->pipeline_cache != VK_NULL_HANDLE)
    {
      size_t initial = 0;
      if (dev->vk->vkGetPipelineCacheData (dev->device, dev->pipeline_cache, &initial, NULL) == VK_SUCCESS)
        dev->pipeline_cache_initial = initial;
    }
}

void
cb_vk_device_save_pipeline_cache (CbVkDevice *dev)
{
  size_t size = 0;
  g_autoptr (GError) error = NULL;

  if (dev->pipeline_cache == VK_NULL_HANDLE
      || dev->vk->vkGetPipelineCacheData (dev->device, dev->pipeline_cache, &size, NULL) != VK_SUCCESS || size == 0
      || size == dev->pipeline_cache_loaded_size)
    return;
  g_autofree char *data = g_malloc (size);
  if (dev->vk->vkGetPipelineCacheData (dev->device, dev->pipeline_cache, &size, data) != VK_SUCCESS)
    return;
  g_autofree char *dir = g_path_get_dirname (dev->pipeline_cache_path);
  /* g_file_set_contents writes a temporary file and renames it: atomic */
  if (g_mkdir_with_parents (dir, 0700) != 0
      || !g_file_set_contents_full (dev->pipeline_cache_path, data, (gssize)size, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                    &error))
    g_debug ("Could not save the pipeline cache %s: %s", dev->pipeline_cache_path,
             error ? error->message : g_strerror (errno));
  else
    dev->pipeline_cache_loaded_size = size;
}

/* ------------------------------------------------------------------ device */

static void device_destroy (CbVkDevice *dev);

static CbVkDevice *
device_create (const char *request, GError **error)
{
  g_autofree VkPhysicalDevice *physs = NULL;
  CbVkInstance *inst = cb_vk_instance_new (error);
  CbVkDevice *dev;
  GArray *infos;
  int chosen;

  if (inst == NULL)
    return NULL;
  infos = enumerate (inst, &physs, error);
  if (infos == NULL)
    {
      cb_vk_instance_free (inst);
      return NULL;
    }
  chosen = choose_device (infos, request, error);
  if (chosen < 0)
    {
      g_array_unref (infos);
      cb_vk_instance_free (inst);
      return NULL;
    }
  const CbDeviceInfo *info = &g_array_index (infos, CbDeviceInfo, chosen);

  dev = g_new0 (CbVkDevice, 1);
  dev->ref_count = 1;
  g_rec_mutex_init (&dev->lock);
  dev->request = g_strdup (request);
  dev->inst = inst;
  dev->vk = &inst->vk;
  dev->phys = physs[chosen];
  dev->vk->vkGetPhysicalDeviceProperties (dev->phys, &dev->props);
  dev->vk->vkGetPhysicalDeviceMemoryProperties (dev->phys, &dev->mem_props);
  dev->queue_family = (guint)find_compute_family (dev->vk, dev->phys, &dev->timestamps);
  dev->timestamps = dev->timestamps && dev->props.limits.timestampPeriod > 0;
  dev->fp16_storage = info->storage_16bit;
  dev->fp16_arith = info->shader_float16;
  cb_vk_device_query_caps (dev);
  dev->description = g_strdup_printf ("Vulkan · %s — %s%s", info->name, cb_device_type_to_string (info->type),
                                      cb_vk_plan_default_fp16 (dev) ? " · fp16 storage" : "");
  {
    guint32 n = 0;
    dev->vk->vkGetPhysicalDeviceQueueFamilyProperties (dev->phys, &n, NULL);
    g_autofree VkQueueFamilyProperties *fams = g_new0 (VkQueueFamilyProperties, MAX (n, 1));
    dev->vk->vkGetPhysicalDeviceQueueFamilyProperties (dev->phys, &n, fams);
    guint bits = fams[dev->queue_family].timestampValidBits;
    dev->timestamp_mask = bits >= 64 ? G_MAXUINT64 : ((G_GUINT64_CONSTANT (1) << bits) - 1);
  }
  g_array_unref (infos);

  /* 16-bit storage where supported, for the NAME_f16 shaders: through the
   * 1.2 core struct on 1.2 devices, the 1.1 one before. shaderFloat16 is
   * never enabled: the shaders load fp16 into float (storage only), and on
   * a 1.1 device it would need VK_KHR_shader_float16_int8 enabled too. */
  float priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
    .queueFamilyIndex = dev->queue_family,
    .queueCount = 1,
    .pQueuePriorities = &priority,
  };
  guint32 version = MIN (inst->api_version, dev->props.apiVersion);
  VkPhysicalDeviceVulkan11Features v11 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES,
    .storageBuffer16BitAccess = VK_TRUE,
  };
  VkPhysicalDevice16BitStorageFeatures s16 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
    .storageBuffer16BitAccess = VK_TRUE,
  };
  void *features = NULL;
  if (dev->fp16_storage)
    features = version >= VK_API_VERSION_1_2 ? (void *)&v11 : (void *)&s16;
  /* VK_EXT_memory_budget, where the driver has it, lets the soak test read the heap usage;
   * VK_EXT_pipeline_creation_feedback says whether a pipeline came from the cache */
  const char *extensions[2];
  guint n_extensions = 0;
  dev->memory_budget = cb_vk_has_device_extension (dev->vk, dev->phys, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  /* core from Vulkan 1.3: enabling the extension there is deprecated (best practices) */
  gboolean feedback_core = version >= VK_API_VERSION_1_3;
  dev->creation_feedback
    = feedback_core
      || cb_vk_has_device_extension (dev->vk, dev->phys, VK_EXT_PIPELINE_CREATION_FEEDBACK_EXTENSION_NAME);
  if (dev->memory_budget)
    extensions[n_extensions++] = VK_EXT_MEMORY_BUDGET_EXTENSION_NAME;
  if (dev->creation_feedback && !feedback_core)
    extensions[n_extensions++] = VK_EXT_PIPELINE_CREATION_FEEDBACK_EXTENSION_NAME;
  VkDeviceCreateInfo device_info = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
    .pNext = features,
    .queueCreateInfoCount = 1,
    .pQueueCreateInfos = &queue_info,
    .enabledExtensionCount = n_extensions,
    .ppEnabledExtensionNames = extensions,
  };
  if (!cb_vk_check (dev->vk->vkCreateDevice (dev->phys, &device_info, NULL, &dev->device), "Creating the device",
                    error))
    {
      dev->device = VK_NULL_HANDLE;
      device_destroy (dev);
      return NULL;
    }
  cb_vk_load_device (dev->vk, dev->device);
  dev->vk->vkGetDeviceQueue (dev->device, dev->queue_family, 0, &dev->queue);

  VkCommandPoolCreateInfo pool_info = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
    /* one-time buffers, freed after use: no per-buffer reset (best practices) */
    .flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT,
    .queueFamilyIndex = dev->queue_family,
  };
  VkFenceCreateInfo fence_info = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
  if (!cb_vk_check (dev->vk->vkCreateCommandPool (dev->device, &pool_info, NULL, &dev->cmd_pool),
                    "Creating a command pool", error)
      || !cb_vk_check (dev->vk->vkCreateFence (dev->device, &fence_info, NULL, &dev->fence), "Creating a fence", error))
    {
      device_destroy (dev);
      return NULL;
    }
  load_pipeline_cache (dev);
  dev->pipelines = cb_vk_pipelines_new (dev, error);
  if (dev->pipelines == NULL || !cb_vk_instance_check_messages (inst, "device creation", error))
    {
      device_destroy (dev);
      return NULL;
    }
  return dev;
}

/* One VkDevice per physical device and process (windows, the model worker
 * and the import dialog each make a backend): not owned, under shared_lock. */
static GMutex shared_lock;
static GPtrArray *shared_devices;

/* A live, not lost, device that request resolves to, with a new reference. */
static CbVkDevice *
find_shared (const char *request)
{
  for (guint i = 0; shared_devices != NULL && i < shared_devices->len; i++)
    {
      CbVkDevice *dev = shared_devices->pdata[i];
      g_autofree VkPhysicalDevice *physs = NULL;

      if (g_atomic_int_get (&dev->lost))
        continue;
      g_autoptr (GArray) infos = enumerate (dev->inst, &physs, NULL);
      int chosen = infos != NULL ? choose_device (infos, request, NULL) : -1;
      if (chosen >= 0 && physs[chosen] == dev->phys)
        {
          dev->ref_count++;
          return dev;
        }
    }
  return NULL;
}

CbVkDevice *
cb_vk_device_new (const char *request, GError **error)
{
  CbVkDevice *dev;

  g_mutex_lock (&shared_lock);
  dev = find_shared (request);
  if (dev == NULL && (dev = device_create (request, error)) != NULL)
    {
      if (shared_devices == NULL)
        shared_devices = g_ptr_array_new ();
      g_ptr_array_add (shared_devices, dev);
    }
  g_mutex_unlock (&shared_lock);
  return dev;
}

void
cb_vk_device_free (CbVkDevice *dev)
{
  gboolean last;

  if (dev == NULL)
    return;
  g_mutex_lock (&shared_lock);
  last = --dev->ref_count == 0;
  if (last)
    g_ptr_array_remove (shared_devices, dev);
  g_mutex_unlock (&shared_lock);
  if (last)
    device_destroy (dev);
}

void
cb_vk_device_lock (CbVkDevice *dev)
{
  g_rec_mutex_lock (&dev->lock);
}

void
cb_vk_device_unlock (CbVkDevice *dev)
{
  g_rec_mutex_unlock (&dev->lock);
}

static void
device_destroy (CbVkDevice *dev)
{
  if (dev->device != VK_NULL_HANDLE)
    {
      dev->vk->vkDeviceWaitIdle (dev->device);
      if (dev->pipelines != NULL)
        cb_vk_pipelines_free (dev, dev->pipelines);
      if (dev->pipeline_cache != VK_NULL_HANDLE)
        {
          cb_vk_device_save_pipeline_cache (dev);
          dev->vk->vkDestroyPipelineCache (dev->device, dev->pipeline_cache, NULL);
        }
      if (dev->fence != VK_NULL_HANDLE)
        dev->vk->vkDestroyFence (dev->device, dev->fence, NULL);
      if (dev->cmd_pool != VK_NULL_HANDLE)
        dev->vk->vkDestroyCommandPool (dev->device, dev->cmd_pool, NULL);
      dev->vk->vkDestroyDevice (dev->device, NULL);
    }
  cb_vk_instance_free (dev->inst);
  g_free (dev->pipeline_cache_path);
  g_free (dev->description);
  g_free (dev->request);
  g_rec_mutex_clear (&dev->lock);
  g_free (dev);
}

VkCommandBuffer
cb_vk_device_begin_once (CbVkDevice *dev, GError **error)
{
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  VkCommandBufferAllocateInfo alloc = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
    .commandPool = dev->cmd_pool,
    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
    .commandBufferCount = 1,
  };
  VkCommandBufferBeginInfo begin = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
    .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
  };

  if (!cb_vk_check (dev->vk->vkAllocateCommandBuffers (dev->device, &alloc, &cmd), "Allocating a command buffer",
                    error))
    return VK_NULL_HANDLE;
  if (!cb_vk_check (dev->vk->vkBeginCommandBuffer (cmd, &begin), "Recording a command buffer", error))
    {
      dev->vk->vkFreeCommandBuffers (dev->device, dev->cmd_pool, 1, &cmd);
      return VK_NULL_HANDLE;
    }
  return cmd;
}

static GPrivate thread_fault; /* VkResult as a pointer: this thread's last device fault */

void
cb_vk_device_note_result (CbVkDevice *dev, VkResult result)
{
  if (result == VK_ERROR_DEVICE_LOST)
    g_atomic_int_set (&dev->lost, TRUE);
  if (result == VK_ERROR_DEVICE_LOST || result == VK_ERROR_OUT_OF_DEVICE_MEMORY
      || result == VK_ERROR_OUT_OF_HOST_MEMORY)
    g_private_set (&thread_fault, GINT_TO_POINTER ((int)result));
}

VkResult
cb_vk_device_take_fault (void)
{
  VkResult fault = (VkResult)GPOINTER_TO_INT (g_private_get (&thread_fault));

  g_private_set (&thread_fault, NULL);
  return fault;
}

gboolean
cb_vk_device_submit (CbVkDevice *dev, VkCommandBuffer cmd, const char *what, GError **error)
{
  CbVkFuncs *vk = dev->vk;
  VkSubmitInfo submit = {
    .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
    .commandBufferCount = 1,
    .pCommandBuffers = &cmd,
  };
  VkResult res;

  /* a lost device stays lost (as drivers report it): nothing more runs on it */
  if (g_atomic_int_get (&dev->lost))
    res = VK_ERROR_DEVICE_LOST;
  else if ((res = vk->vkResetFences (dev->device, 1, &dev->fence)) == VK_SUCCESS
           && (res = cb_vk_fault_on_submit ()) == VK_SUCCESS
           && (res = vk->vkQueueSubmit (dev->queue, 1, &submit, dev->fence)) == VK_SUCCESS)
    res = vk->vkWaitForFences (dev->device, 1, &dev->fence, VK_TRUE, G_MAXUINT64);
  cb_vk_device_note_result (dev, res);
  return cb_vk_check (res, what, error);
}

gboolean
cb_vk_device_submit_wait (CbVkDevice *dev, VkCommandBuffer cmd, GError **error)
{
  gboolean ok = cb_vk_check (dev->vk->vkEndCommandBuffer (cmd), "Recording a command buffer", error)
                && cb_vk_device_submit (dev, cmd, "Submitting work", error);

  dev->vk->vkFreeCommandBuffers (dev->device, dev->cmd_pool, 1, &cmd);
  return ok;
}

gboolean
cb_vk_device_get_memory_budget (CbVkDevice *dev, guint64 *usage, guint64 *budget)
{
  VkPhysicalDeviceMemoryBudgetPropertiesEXT b = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT,
  };
  VkPhysicalDeviceMemoryProperties2 props = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2,
    .pNext = &b,
  };

  *usage = *budget = 0;
  if (!dev->memory_budget || dev->vk->vkGetPhysicalDeviceMemoryProperties2 == NULL)
    return FALSE;
  dev->vk->vkGetPhysicalDeviceMemoryProperties2 (dev->phys, &props);
  for (guint i = 0; i < props.memoryProperties.memoryHeapCount; i++)
    if (props.memoryProperties.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      {
        *usage += b.heapUsage[i];
        *budget += b.heapBudget[i];
      }
  return TRUE;
}
