/* cb-error.h: the one error domain of Catbrush
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CB_ERROR (cb_error_quark ())

typedef enum {
  CB_ERROR_IO,          /* a file could not be read or written */
  CB_ERROR_FORMAT,      /* a file is malformed (bad header, JSON, PNG, ...) */
  CB_ERROR_UNSUPPORTED, /* well-formed but not something we handle (dtype, bit depth) */
  CB_ERROR_MISMATCH,    /* parts disagree (class set vs model, profile vs model, shapes) */
  CB_ERROR_LIMIT,       /* a size that would exhaust memory, refused before allocating */
  CB_ERROR_DEVICE,      /* the compute device failed */
  CB_ERROR_INVALID,     /* an invalid argument or value given by the user */
} CbError;

GQuark cb_error_quark (void);

G_END_DECLS
