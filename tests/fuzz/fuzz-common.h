/* fuzz-common.h: what every libFuzzer target shares (docs/RELIABILITY.md)
 *
 * Each fuzz-*.c defines LLVMFuzzerTestOneInput. Built with -Dfuzzing=true
 * and clang it links libFuzzer's main; in every build it also links
 * replay.c, whose main runs the entry point over the seed corpus and the
 * regression inputs, so `meson test` replays them with any compiler.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-config.h"

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A loader that fails must say why: a GError with a message (printed when
 * CB_FUZZ_VERBOSE is set, to see what the seeds reach). */
void cb_fuzz_check_error (const GError *error);
#define CB_FUZZ_CHECK_ERROR(err) cb_fuzz_check_error (err)

/* Once per process: criticals (a g_return_if_fail hit) are bugs, so fatal. */
void cb_fuzz_init (void);

/* data in a memory file, as the path /proc/self/fd/N, for loaders that only
 * take paths; g_auto (CbFuzzFile) closes it. */
typedef struct
{
  int fd;
  char path[64];
} CbFuzzFile;

CbFuzzFile cb_fuzz_file (const uint8_t *data, size_t size);
void cb_fuzz_file_clear (CbFuzzFile *file);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CbFuzzFile, cb_fuzz_file_clear)

/* The root of data parsed as JSON by parser, or NULL when it is not JSON. */
JsonNode *cb_fuzz_parse_json (JsonParser *parser, const uint8_t *data, size_t size);

/* Reads every byte of an image the loader returned, so that the sanitizers
 * see any that it did not own or did not set. */
void cb_fuzz_read_all (const guint8 *bytes, gsize n);

G_END_DECLS
