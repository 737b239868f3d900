/* cb-cli.h: catbrush-cli subcommands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "model/cb-model.h"
#include "render/cb-backend.h"

G_BEGIN_DECLS

/* exit statuses */
enum
{
  CB_CLI_OK = 0,
  CB_CLI_ERROR = 1, /* runtime error: a file, the device */
  CB_CLI_USAGE = 2, /* bad command line */
};

/* Each subcommand gets argv with argv[0] = "catbrush-cli SUBCOMMAND". */
int cb_cli_info (int argc, char **argv);
int cb_cli_labels (int argc, char **argv);
int cb_cli_generate (int argc, char **argv);
int cb_cli_devices (int argc, char **argv);
int cb_cli_bench (int argc, char **argv);
int cb_cli_import_oasis (int argc, char **argv);
int cb_cli_affinity (int argc, char **argv);
int cb_cli_soak (int argc, char **argv);

/* Parses argv with entries; prints usage errors; returns FALSE on error (exit CB_CLI_USAGE). */
gboolean cb_cli_parse (int *argc, char ***argv, const char *parameter_string, const char *summary,
                       const GOptionEntry *entries);
/* Loads the model at path, or the bundled default model when path is NULL;
 * on failure prints why and returns NULL (exit CB_CLI_ERROR). */
CbModel *cb_cli_load_model (const char *path);

/* Prints "catbrush-cli: MESSAGE" to stderr and returns CB_CLI_ERROR. */
int cb_cli_fail (const GError *error);

/* bench --op (cb-cli-bench-op.c): a synthetic op ("conv,k=3,cin=64,cout=64,size=32x32") or
 * the op named name in net, as a graph of its own; *canonical: its synthetic spec. */
CbGraph *cb_cli_op_graph_parse (const char *spec, char **canonical, GError **error);
CbGraph *cb_cli_op_graph_from (const CbGraph *net, const char *name, char **canonical, GError **error);
/* Times graph on a backend and prints the one-row table (docs/PERFORMANCE.md). */
int cb_cli_bench_op (const CbGraph *graph, const char *label, const char *canonical, CbBackendKind kind,
                     const char *device, int runs);

/* auto, vulkan, cpu or reference */
gboolean cb_cli_parse_backend (const char *text, CbBackendKind *kind, GError **error);

G_END_DECLS
