/* test-datadir.c: the bundled-data search path (model/cb-datadir.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model/cb-datadir.h"

#include <glib.h>
#include <string.h>

static void
assert_path (GStrv got, const char *const *want)
{
  g_autofree char *joined = g_strjoinv (" | ", got);

  g_test_message ("search path: %s", joined);
  g_assert_cmpstrv (got, want);
}

/* A test or an uninstalled program: the source tree first. */
static void
test_uninstalled (void)
{
  g_auto (GStrv) dirs = cb_datadir_build_search_path ("/b/build/app/cli/catbrush-cli", NULL, "/b/build", "/b",
                                                      "../share/catbrush", "/usr/local/share/catbrush");
  const char *want[] = { "/b/resources", "/b", "/b/build/app/share/catbrush", "/usr/local/share/catbrush", NULL };

  assert_path (dirs, want);
}

/* Installed (and moved): beside the program, then the configured datadir,
 * never the source tree, even one that still exists. */
static void
test_installed (void)
{
  g_auto (GStrv) dirs = cb_datadir_build_search_path ("/opt/cb/bin/catbrush", NULL, "/b/build", "/b",
                                                      "../share/catbrush", "/usr/local/share/catbrush");
  const char *want[] = { "/opt/cb/share/catbrush", "/usr/local/share/catbrush", NULL };

  assert_path (dirs, want);
}

/* A build directory that merely shares a prefix with the program's is not it. */
static void
test_prefix_is_not_parent (void)
{
  g_auto (GStrv) dirs
    = cb_datadir_build_search_path ("/b/build-other/catbrush", NULL, "/b/build", "/b", "", "/usr/share/catbrush");
  const char *want[] = { "/usr/share/catbrush", NULL };

  assert_path (dirs, want);
}

/* $CATBRUSH_DATADIR first; duplicates once; an unknown program path. */
static void
test_environment_and_unknown (void)
{
  g_auto (GStrv) dirs = cb_datadir_build_search_path ("/usr/bin/catbrush", "/usr/share/catbrush", "/b/build", "/b",
                                                      "../share/catbrush", "/usr/share/catbrush");
  const char *want[] = { "/usr/share/catbrush", NULL };
  g_auto (GStrv) unknown
    = cb_datadir_build_search_path (NULL, "", "/b/build", "/b", "../share/catbrush", "/usr/share/catbrush");

  assert_path (dirs, want);
  assert_path (unknown, want);
}

/* This test runs from the build directory, so it finds the source tree's
 * class sets, and cb_datadir_find() returns NULL for what is nowhere. */
static void
test_find (void)
{
  g_autofree char *found = cb_datadir_find ("classes/ade20k.json");
  g_autofree char *missing = cb_datadir_find ("classes/no-such-set.json");
  g_autofree char *where = cb_datadir_describe ();

  g_assert_nonnull (found);
  g_assert_true (g_str_has_suffix (found, "/resources/classes/ade20k.json"));
  g_assert_null (missing);
  g_assert_nonnull (strstr (where, "/resources"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/datadir/uninstalled", test_uninstalled);
  g_test_add_func ("/io/datadir/installed", test_installed);
  g_test_add_func ("/io/datadir/prefix-is-not-parent", test_prefix_is_not_parent);
  g_test_add_func ("/io/datadir/environment-and-unknown", test_environment_and_unknown);
  g_test_add_func ("/io/datadir/find", test_find);
  return g_test_run ();
}
