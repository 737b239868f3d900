/* finetune-fake.h: a fake interpreter and a fake finetune.py (shell
 * scripts), shared by test-finetune.c (the dialog) and test-finetune-job.c
 * (the job without widgets); chosen with CATBRUSH_PYTHON and
 * CATBRUSH_FINETUNE_SCRIPT. The fake tool obeys FAKE_ARGS (where its
 * arguments go), FAKE_MODEL (copied to --export), FAKE_FAIL, FAKE_SLEEP,
 * FAKE_IGNORE_TERM; the fake interpreter's import check answers FAKE_TORCH_RC.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>

static const char fake_python[] = "#!/bin/sh\n"
                                  "# fake python3: the import check answers $FAKE_TORCH_RC, a script runs with sh\n"
                                  "if [ \"$1\" = -c ]; then exit ${FAKE_TORCH_RC:-0}; fi\n"
                                  "exec /bin/sh \"$@\"\n";

static const char fake_finetune[]
  = "# fake finetune.py: records its arguments, prints finetune.py's lines, copies $FAKE_MODEL to --export\n"
    "echo \"$@\" > \"$FAKE_ARGS\"\n"
    "iters=0; export_path=\"\"\n"
    "while [ $# -gt 0 ]; do\n"
    "  case \"$1\" in\n"
    "    --iters) iters=$2; shift;;\n"
    "    --export) export_path=$2; shift;;\n"
    "  esac\n"
    "  shift\n"
    "done\n"
    "stop=0\n"
    "if [ -n \"$FAKE_IGNORE_TERM\" ]; then trap '' TERM; else\n"
    "  trap 'echo \"signal 15: will stop after this iteration\"; stop=1' TERM; fi\n"
    "echo \"fine-tune (profile): G 10 params, D 10 params, 4 target images\"\n"
    "if [ -n \"$FAKE_FAIL\" ]; then\n"
    "  echo 'Traceback (most recent call last):' >&2\n"
    "  echo \"SystemExit: profile classes differ from the dataset's\" >&2\n"
    "  exit 1\n"
    "fi\n"
    "i=0\n"
    "while [ $i -lt $iters ]; do\n"
    "  sleep ${FAKE_SLEEP:-0.05}\n"
    "  if [ $stop = 1 ]; then echo \"stopped at iteration $i (no export)\"; exit 0; fi\n"
    "  i=$((i+1))\n"
    "  echo \"iter $i  G 1.000  D_fake 0.500  D_real 0.500  LM 0.100  2.000 it/s  0.00 h\"\n"
    "done\n"
    "cp \"$FAKE_MODEL\" \"$export_path.tmp\" && mv \"$export_path.tmp\" \"$export_path\"\n"
    "echo \"exported $export_path at iteration $i: max |file - EMA| = 0\"\n";

/* writes both into dir; *python and *script are their paths (free them) */
static inline void
cb_test_write_fake_finetune (const char *dir, char **python, char **script)
{
  *python = g_build_filename (dir, "fake-python", NULL);
  *script = g_build_filename (dir, "fake-finetune.sh", NULL);
  g_assert_true (g_file_set_contents (*python, fake_python, -1, NULL));
  g_assert_cmpint (g_chmod (*python, 0755), ==, 0);
  g_assert_true (g_file_set_contents (*script, fake_finetune, -1, NULL));
}
