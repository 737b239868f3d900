/* cb-vk-buffer.c: buffers, their memory, and staging uploads
 *
 * A plan makes only a few big buffers (constants, activations, staging) and
 * places tensors in them at offsets: a suballocator by construction.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-vk.h"

#include "model/cb-error.h"

#include <string.h>

#define CB_STAGING_CHUNK (16u << 20)

static int
find_memory_type (const VkPhysicalDeviceMemoryProperties *mem, guint32 type_bits, VkMemoryPropertyFlags want)
{
  for (guint32 i = 0; i < mem->memoryTypeCount; i++)
    if ((type_bits & (1u << i)) && (mem->memoryTypes[i].propertyFlags & want) == want)
      return (int)i;
  return -1;
}

CbVkBuffer *
cb_vk_buffer_new (CbVkDevice *dev, VkDeviceSize size, CbVkMemoryUse use, GError **error)
{
  CbVkFuncs *vk = dev->vk;
  VkMemoryRequirements req;
  int type = -1;
  const VkMemoryPropertyFlags hv = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT;
  const VkMemoryPropertyFlags hc = VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  const VkMemoryPropertyFlags cached = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
  VkBufferCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
    .size = MAX (size, 16),
    .usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
    .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
  };

  if (use == CB_VK_MEMORY_DEVICE)
    info.usage |= VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;

  CbVkBuffer *buf = g_new0 (CbVkBuffer, 1);
  buf->size = info.size;
  VkResult created = vk->vkCreateBuffer (dev->device, &info, NULL, &buf->buffer);
  cb_vk_device_note_result (dev, created);
  if (!cb_vk_check (created, "Creating a buffer", error))
    {
      g_free (buf);
      return NULL;
    }
  vk->vkGetBufferMemoryRequirements (dev->device, buf->buffer, &req);
  switch (use)
    {
    case CB_VK_MEMORY_DEVICE:
      type = find_memory_type (&dev->mem_props, req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
      if (type < 0)
        type = find_memory_type (&dev->mem_props, req.memoryTypeBits, 0);
      break;
    case CB_VK_MEMORY_UPLOAD:
      type = find_memory_type (&dev->mem_props, req.memoryTypeBits, hv | hc);
      if (type < 0)
        type = find_memory_type (&dev->mem_props, req.memoryTypeBits, hv);
      break;
    case CB_VK_MEMORY_READBACK:
      type = find_memory_type (&dev->mem_props, req.memoryTypeBits, hv | hc | cached);
      if (type < 0)
        type = find_memory_type (&dev->mem_props, req.memoryTypeBits, hv | cached);
      if (type < 0)
        type = find_memory_type (&dev->mem_props, req.memoryTypeBits, hv);
      break;
    }
  if (type < 0)
    {
      g_set_error (error, CB_ERROR, CB_ERROR_DEVICE, "The device has no suitable memory type for a buffer");
      cb_vk_buffer_free (dev, buf);
      return NULL;
    }
  VkMemoryAllocateInfo alloc = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
    .allocationSize = req.size,
    .memoryTypeIndex = (guint32)type,
  };
  g_autofree char *what = g_strdup_printf ("Allocating %.1f MiB of device memory", req.size / 1048576.0);
  VkResult res = cb_vk_fault_on_alloc ();
  if (res == VK_SUCCESS)
    res = vk->vkAllocateMemory (dev->device, &alloc, NULL, &buf->memory);
  cb_vk_device_note_result (dev, res);
  if (!cb_vk_check (res, what, error))
    {
      buf->memory = VK_NULL_HANDLE;
      cb_vk_buffer_free (dev, buf);
      return NULL;
    }
  /* counted for the soak test: what is allocated now must not grow */
  buf->allocation = req.size;
  dev->allocated += req.size;
  dev->n_allocations++;
  if (!cb_vk_check (vk->vkBindBufferMemory (dev->device, buf->buffer, buf->memory, 0), "Binding memory", error))
    {
      cb_vk_buffer_free (dev, buf);
      return NULL;
    }
  if (use != CB_VK_MEMORY_DEVICE)
    {
      buf->coherent = (dev->mem_props.memoryTypes[type].propertyFlags & hc) != 0;
      if (!cb_vk_check (vk->vkMapMemory (dev->device, buf->memory, 0, VK_WHOLE_SIZE, 0, &buf->map), "Mapping memory",
                        error))
        {
          cb_vk_buffer_free (dev, buf);
          return NULL;
        }
    }
  return buf;
}

void
cb_vk_buffer_free (CbVkDevice *dev, CbVkBuffer *buf)
{
  if (buf == NULL)
    return;
  if (buf->map != NULL)
    dev->vk->vkUnmapMemory (dev->device, buf->memory);
  if (buf->buffer != VK_NULL_HANDLE)
    dev->vk->vkDestroyBuffer (dev->device, buf->buffer, NULL);
  if (buf->memory != VK_NULL_HANDLE)
    {
      dev->vk->vkFreeMemory (dev->device, buf->memory, NULL);
      dev->allocated -= buf->allocation;
      dev->n_allocations--;
    }
  g_free (buf);
}

void
cb_vk_buffer_invalidate (CbVkDevice *dev, CbVkBuffer *buf)
{
  VkMappedMemoryRange range = {
    .sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE,
    .memory = buf->memory,
    .offset = 0,
    .size = VK_WHOLE_SIZE,
  };

  if (!buf->coherent)
    dev->vk->vkInvalidateMappedMemoryRanges (dev->device, 1, &range);
}

void
cb_vk_buffer_flush (CbVkDevice *dev, CbVkBuffer *buf)
{
  VkMappedMemoryRange range = {
    .sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE,
    .memory = buf->memory,
    .offset = 0,
    .size = VK_WHOLE_SIZE,
  };

  if (!buf->coherent)
    dev->vk->vkFlushMappedMemoryRanges (dev->device, 1, &range);
}

gboolean
cb_vk_buffer_upload (CbVkDevice *dev, CbVkBuffer *dst, VkDeviceSize offset, const void *data, VkDeviceSize size,
                     GError **error)
{
  CbVkBuffer *staging;
  VkDeviceSize done = 0;
  gboolean ok = TRUE;

  if (size == 0)
    return TRUE;
  staging = cb_vk_buffer_new (dev, MIN (size, CB_STAGING_CHUNK), CB_VK_MEMORY_UPLOAD, error);
  if (staging == NULL)
    return FALSE;
  while (ok && done < size)
    {
      VkDeviceSize n = MIN (size - done, staging->size);
      VkBufferCopy region = { .srcOffset = 0, .dstOffset = offset + done, .size = n };
      VkCommandBuffer cmd;

      memcpy (staging->map, (const char *)data + done, n);
      cb_vk_buffer_flush (dev, staging);
      cmd = cb_vk_device_begin_once (dev, error);
      if (cmd == VK_NULL_HANDLE)
        {
          ok = FALSE;
          break;
        }
      dev->vk->vkCmdCopyBuffer (cmd, staging->buffer, dst->buffer, 1, &region);
      ok = cb_vk_device_submit_wait (dev, cmd, error);
      done += n;
    }
  cb_vk_buffer_free (dev, staging);
  return ok;
}
