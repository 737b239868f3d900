/* test-vulkan.h: the Vulkan backend for the tests that compare with it
 * (header-only).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/cb-error.h"
#include "render/cb-backend.h"

#include <glib.h>

/* A Vulkan backend, or NULL with the reason in *why: only a missing device
 * is a reason to skip, any other failure fails the test. */
G_GNUC_UNUSED static CbBackend *
cb_test_vulkan_or_reason (char **why)
{
  g_autoptr (GError) error = NULL;
  CbBackend *backend = cb_backend_new (CB_BACKEND_VULKAN, NULL, &error);

  if (backend == NULL)
    {
      g_assert_error (error, CB_ERROR, CB_ERROR_DEVICE);
      *why = g_strdup_printf ("No Vulkan device: %s", error->message);
    }
  return backend;
}
