/* test-cancel.c: closing a window never waits for its generation
 *
 * The window's generator runs on the CPU backend (CATBRUSH_BACKEND=cpu) with
 * a pause before every op (CATBRUSH_TEST_OP_DELAY_MS), so that a pass of the
 * tiny fixture model takes about a second and the test can close the window
 * in the middle of one. The pass counters of the backend show that a pass
 * was running when the window closed and that it was stopped, not finished.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gtk/gtk.h>
#include <string.h>

#include <glib/gstdio.h>

#include "app/gui/cb-gen-worker.h"
#include "app/gui/cb-window.h"
#include "render/cb-backend.h"
#include "tests/test-ui.h"

#define VK_CLOSE_BOUND_MS 500

#ifndef CB_ASAN
#define OP_DELAY_MS 40
#define CLOSE_BOUND_MS 100
#else
/* AddressSanitizer with the slow unwinder (tools/sanitize.sh) makes GTK's
 * own teardown of a window take most of a second: a wider bound, and ops
 * slow enough that waiting for the rest of the pass (about 20 ops) would
 * still be far over it */
#define OP_DELAY_MS 300
#define CLOSE_BOUND_MS 2000
#endif

static char *tmp_dir;
static char *model_path;

/* a pass is running: begun and neither finished nor cancelled */
static gboolean
pass_running (gpointer data)
{
  guint begun, finished, cancelled;
  cb_backend_get_pass_counts (&begun, &finished, &cancelled);
  return begun > finished + cancelled;
}

static gboolean
pass_cancelled (gpointer data)
{
  guint begun, finished, cancelled;
  cb_backend_get_pass_counts (&begun, &finished, &cancelled);
  return cancelled > GPOINTER_TO_UINT (data);
}

static void
test_close_mid_generation (void)
{
  guint begun, finished, cancelled;
  gint64 start, closed_us, stopped_us;
  CbWindow *window;

  if (!cb_test_have_model (model_path))
    return;
  window = cb_window_new (NULL, model_path);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cb_test_wait_for (cb_test_window_mapped, window, 10));
  g_assert_true (cb_test_wait_for (cb_test_model_ready, window, 60));
  g_assert_null (cb_window_get_banner_text (window));

  /* a generation, as after a stroke: wait for its pass, and let a few ops of it run */
  cb_test_spin (50);
  cb_window_generate (window);
  if (!cb_test_wait_for (pass_running, NULL, 30))
    {
      cb_backend_get_pass_counts (&begun, &finished, &cancelled);
      g_error ("no pass running: %u begun, %u finished, %u cancelled", begun, finished, cancelled);
    }
  cb_test_spin (4 * OP_DELAY_MS);
  g_assert_true (pass_running (NULL));
  g_assert_true (cb_window_is_generating (window));
  cb_backend_get_pass_counts (&begun, &finished, &cancelled);

  start = g_get_monotonic_time ();
  gtk_window_destroy (GTK_WINDOW (window));
  closed_us = g_get_monotonic_time () - start;
  g_test_message ("closing took %.1f ms", closed_us / 1000.0);
  g_assert_cmpint (closed_us, <, CLOSE_BOUND_MS * 1000);

  /* the pass stops at its next op, without finishing */
  g_assert_true (cb_test_wait_for (pass_cancelled, GUINT_TO_POINTER (cancelled), 10));
  stopped_us = g_get_monotonic_time () - start;
  g_test_message ("the pass stopped %.1f ms after the close", stopped_us / 1000.0);
  {
    guint b, f, c;
    cb_backend_get_pass_counts (&b, &f, &c);
    g_assert_cmpuint (f, ==, finished);
    g_assert_cmpuint (c, ==, cancelled + 1);
  }
  cb_gen_worker_join_all ();
}

static gboolean
pass_ended (gpointer data)
{
  guint begun, finished, cancelled;
  cb_backend_get_pass_counts (&begun, &finished, &cancelled);
  return finished + cancelled > GPOINTER_TO_UINT (data);
}

/* On Vulkan (lavapipe here, where a pass of the tiny model takes 0.1–0.2 s)
 * the pass is one submission that cannot be interrupted: the close still
 * returns at once, and the pass ends on its own, with no pass after it. */
static void
test_close_mid_generation_vulkan (void)
{
  guint begun, finished, cancelled;
  gint64 start, closed_us;
  CbWindow *window;

  if (!cb_test_have_model (model_path))
    return;
#ifdef CB_ASAN
  /* the slow unwinder the app tests need under ASan deadlocks in libgcc
   * when LLVM's JIT (lavapipe) registers EH frames (docs/RELIABILITY.md) */
  g_test_skip ("lavapipe under AddressSanitizer's slow unwinder can deadlock");
  return;
#endif
  /* set while no worker runs (the last test: it is not set back) */
  g_setenv ("CATBRUSH_BACKEND", "vulkan", TRUE);
  window = cb_window_new (NULL, model_path);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cb_test_wait_for (cb_test_window_mapped, window, 10));
  g_assert_true (cb_test_wait_for (cb_test_model_ready, window, 120));
  if (cb_window_get_banner_text (window) != NULL)
    {
      g_test_skip_printf ("no Vulkan device: %s", cb_window_get_banner_text (window));
      gtk_window_destroy (GTK_WINDOW (window));
      cb_gen_worker_join_all ();
      return;
    }
  cb_test_spin (50);
  cb_window_generate (window);
  g_assert_true (cb_test_wait_for (pass_running, NULL, 60));
  cb_backend_get_pass_counts (&begun, &finished, &cancelled);

  start = g_get_monotonic_time ();
  gtk_window_destroy (GTK_WINDOW (window));
  closed_us = g_get_monotonic_time () - start;
  g_test_message ("closing mid-pass on Vulkan took %.1f ms", closed_us / 1000.0);
  /* lavapipe's threads keep both cores of a small machine busy while GTK
   * tears the window down: a wider bound than on the CPU backend, and the
   * proof that nothing waited is that the pass ended after the close returned */
  g_assert_cmpint (closed_us, <, VK_CLOSE_BOUND_MS * 1000);
  g_assert_false (pass_ended (GUINT_TO_POINTER (finished + cancelled)));

  g_assert_true (cb_test_wait_for (pass_ended, GUINT_TO_POINTER (finished + cancelled), 60));
  g_test_message ("the pass ended %.1f ms after the close", (g_get_monotonic_time () - start) / 1000.0);
  cb_gen_worker_join_all ();
  {
    guint b, f, c;
    cb_backend_get_pass_counts (&b, &f, &c);
    g_assert_cmpuint (b, ==, begun);
    g_assert_cmpuint (f + c, ==, finished + cancelled + 1);
  }
}

/* Closed while the model is still loading: no wait either, and the thread ends. */
static void
test_close_while_loading (void)
{
  gint64 start, closed_us;
  CbWindow *window;

  if (!cb_test_have_model (model_path))
    return;
  window = cb_window_new (NULL, model_path);
  gtk_window_present (GTK_WINDOW (window));
  start = g_get_monotonic_time ();
  gtk_window_destroy (GTK_WINDOW (window));
  closed_us = g_get_monotonic_time () - start;
  g_assert_cmpint (closed_us, <, CLOSE_BOUND_MS * 1000);
  cb_gen_worker_join_all ();
  cb_test_spin (20);
}

/* CATBRUSH_BACKEND with a wrong value: the window says what to set */
static void
test_backend_override_error (void)
{
  CbWindow *window;

  if (!cb_test_have_model (model_path))
    return;
  /* set while no worker runs */
  g_setenv ("CATBRUSH_BACKEND", "gpu", TRUE);
  window = cb_window_new (NULL, model_path);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cb_test_wait_for (cb_test_model_ready, window, 60));
  g_assert_false (cb_window_can_generate (window));
  g_assert_nonnull (cb_window_get_banner_text (window));
  g_assert_nonnull (strstr (cb_window_get_banner_text (window), "CATBRUSH_BACKEND"));
  g_assert_nonnull (strstr (cb_window_get_banner_text (window), "“gpu”"));
  gtk_window_destroy (GTK_WINDOW (window));
  cb_gen_worker_join_all ();
  g_setenv ("CATBRUSH_BACKEND", "cpu", TRUE);
}

static void
add_tests (void)
{
  model_path = cb_test_model_path (); /* $CATBRUSH_MODEL is unset: the tiny fixture */
  g_test_add_func ("/app/cancel/close-mid-generation", test_close_mid_generation);
  g_test_add_func ("/app/cancel/close-while-loading", test_close_while_loading);
  g_test_add_func ("/app/cancel/backend-override-error", test_backend_override_error);
  g_test_add_func ("/app/cancel/close-mid-generation-vulkan", test_close_mid_generation_vulkan);
}

int
main (int argc, char **argv)
{
  int status;

  g_setenv ("CATBRUSH_BACKEND", "cpu", TRUE);
  g_setenv ("CATBRUSH_TEST_OP_DELAY_MS", G_STRINGIFY (OP_DELAY_MS), TRUE);
  g_unsetenv ("CATBRUSH_MODEL");
  status = cb_test_app_main (argc, argv, &tmp_dir, "/app/cancel/skip", add_tests);
  g_free (model_path);
  return status;
}
