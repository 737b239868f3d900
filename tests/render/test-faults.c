/* test-faults.c: device faults (docs/RELIABILITY.md, issue 9)
 *
 * Lavapipe never runs out of memory or loses the device, so the faults are
 * injected (cb_backend_set_fault_injection, as CATBRUSH_VK_FAULT). Every
 * path must still make the image — on the CPU backend after running out of
 * memory or losing the device twice, on a recreated device after losing it
 * once — equal to the CPU reference within 1e-4, say what happened, and
 * leave no device memory behind. Without a Vulkan device the fault tests
 * are skipped; the no-device tests run everywhere.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "render/cb-generator.h"
#include "render/cb-warmup.h"
#include "tests/render/render-test-util.h"

static CbModel *model;
static CbLabelMap *labels;
static CbTensor *reference; /* the CPU reference's output */
static char *no_vulkan;     /* why the Vulkan tests skip, or NULL */

static const CbSeeds seeds = { .seed = 7 };

static void
check_output (const CbTensor *out)
{
  g_assert_nonnull (out);
  double err = cb_tensor_rel_error (out, reference);
  g_test_message ("relative error against the reference: %g", err);
  g_assert_cmpfloat (err, <=, 1e-4);
}

static void
set_faults (const char *spec)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (cb_backend_set_fault_injection (spec, &error));
  g_assert_no_error (error);
}

/* A new Vulkan backend with no faults injected, or NULL after skipping the
 * test where there is no Vulkan device */
static CbBackend *
need_vulkan (void)
{
  g_autoptr (GError) error = NULL;
  CbBackend *backend;

  if (no_vulkan != NULL)
    {
      g_test_skip (no_vulkan);
      return NULL;
    }
  set_faults (NULL);
  backend = cb_backend_new (CB_BACKEND_VULKAN, NULL, &error);
  g_assert_no_error (error);
  return backend;
}

/* A fault injected into a Vulkan generator's first image, and what must
 * come of it */
typedef struct
{
  const char *path;
  const char *spec;          /* CATBRUSH_VK_FAULT */
  gboolean early;            /* injected before prepare, else before the first run */
  gboolean expect_degraded;  /* the image comes from the CPU backend */
  const char *expect_notice; /* in the notice shown once */
} FaultCase;

static const FaultCase fault_cases[] = {
  /* every allocation fails: prepare cannot make a plan at all */
  { "/faults/oom-prepare", "alloc:1+", TRUE, TRUE, "ran out of memory" },
  /* one allocation in the middle of prepare fails: the half-made plan is freed */
  { "/faults/oom-prepare-partial", "alloc:3", TRUE, TRUE, "VK_ERROR_OUT_OF_DEVICE_MEMORY" },
  /* the forward pass' submission fails with out of memory */
  { "/faults/oom-run", "submit:1", FALSE, TRUE, "ran out of memory" },
  /* lost once at run: recreated, same result on the new device */
  { "/faults/lost-run-once", "lost:1", FALSE, FALSE, "recreated" },
  /* lost once while prepare uploads the weights */
  { "/faults/lost-prepare-once", "lost:1", TRUE, FALSE, "recreated" },
  /* lost, recreated, lost again: the CPU backend */
  { "/faults/lost-twice", "lost:1+", FALSE, TRUE, "lost again" },
};

static void
test_fault (gconstpointer data)
{
  const FaultCase *fc = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (CbBackend) backend = need_vulkan ();

  if (backend == NULL)
    return;
  if (fc->early)
    set_faults (fc->spec);
  {
    g_autoptr (CbGenerator) gen = cb_generator_new (model, backend, &error);
    g_assert_no_error (error);
    if (!fc->early)
      set_faults (fc->spec);
    g_autoptr (CbTensor) out = cb_generator_run_tensor (gen, labels, &seeds, &error);
    g_assert_no_error (error);
    check_output (out);

    g_assert_cmpint (cb_generator_is_degraded (gen), ==, fc->expect_degraded);
    g_assert_nonnull (cb_generator_get_notice (gen));
    g_test_message ("notice: %s", cb_generator_get_notice (gen));
    g_assert_nonnull (strstr (cb_generator_get_notice (gen), fc->expect_notice));
    g_autofree char *taken = cb_generator_take_notice (gen);
    g_assert_cmpstr (taken, ==, cb_generator_get_notice (gen));
    g_assert_null (cb_generator_take_notice (gen)); /* shown once */
    g_assert_cmpint (cb_backend_get_kind (cb_generator_get_backend (gen)), ==,
                     fc->expect_degraded ? CB_BACKEND_CPU : CB_BACKEND_VULKAN);

    /* the next image, with the faults over, comes from the same place */
    set_faults (NULL);
    g_autoptr (CbTensor) again = cb_generator_run_tensor (gen, labels, &seeds, &error);
    g_assert_no_error (error);
    check_output (again);
    g_assert_null (cb_generator_take_notice (gen));
  }
  /* the generator freed its plans: no device memory left behind */
  g_assert_cmpuint (cb_backend_get_device_memory_in_use (backend), ==, 0);
}

static void
test_no_fault (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbBackend) backend = need_vulkan ();

  if (backend == NULL)
    return;
  {
    g_autoptr (CbGenerator) gen = cb_generator_new (model, backend, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (cb_backend_get_device_memory_in_use (backend), >, 0);
    g_autoptr (CbTensor) out = cb_generator_run_tensor (gen, labels, &seeds, &error);
    g_assert_no_error (error);
    check_output (out);
    g_assert_false (cb_generator_is_degraded (gen));
    g_assert_null (cb_generator_get_notice (gen));
    g_assert_true (cb_generator_get_backend (gen) == backend);
  }
  g_assert_cmpuint (cb_backend_get_device_memory_in_use (backend), ==, 0);
}

static void
test_bad_spec (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (cb_backend_set_fault_injection ("alloc:0", &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (cb_backend_set_fault_injection ("explode:3", &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (cb_backend_set_fault_injection (" alloc:2+, lost:5 ", &error));
  g_assert_no_error (error);
  set_faults (NULL);
}

/* Where Vulkan cannot be used: AUTO gives the CPU backend (returned) with a
 * note, and asking for Vulkan is a device error (*vulkan_error) */
static CbBackend *
assert_cpu_fallback (GError **vulkan_error)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbBackend) backend = cb_backend_new (CB_BACKEND_AUTO, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (cb_backend_get_kind (backend), ==, CB_BACKEND_CPU);
  g_assert_nonnull (cb_backend_get_note (backend));
  g_autoptr (CbBackend) vulkan = cb_backend_new (CB_BACKEND_VULKAN, NULL, vulkan_error);
  g_assert_null (vulkan);
  g_assert_error (*vulkan_error, CB_ERROR, CB_ERROR_DEVICE);
  return g_steal_pointer (&backend);
}

/* No Vulkan driver at all (in a child, so that the loader sees the variable
 * from the start): AUTO gives the CPU backend with a note; asking for
 * Vulkan is an error that says how to install lavapipe. */
static void
test_no_driver (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr (GError) error = NULL;

      g_setenv ("VK_ICD_FILENAMES", "/nonexistent/catbrush-no-icd.json", TRUE);
      g_setenv ("VK_DRIVER_FILES", "/nonexistent/catbrush-no-icd.json", TRUE);
      g_autoptr (GError) vulkan_error = NULL;
      g_autoptr (CbBackend) backend = assert_cpu_fallback (&vulkan_error);
      g_printerr ("note: %s\n", cb_backend_get_note (backend));

      g_autoptr (CbGenerator) gen = cb_generator_new (model, backend, &error);
      g_assert_no_error (error);
      g_autoptr (CbTensor) out = cb_generator_run_tensor (gen, labels, &seeds, &error);
      g_assert_no_error (error);
      check_output (out);

      g_printerr ("error: %s\n", vulkan_error->message);
      g_assert_nonnull (strstr (vulkan_error->message, "mesa-vulkan-drivers"));
      g_assert_nonnull (strstr (vulkan_error->message, "lavapipe"));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*note: Vulkan could not be used*");
}

/* CATBRUSH_DEVICE names no device: AUTO still works, on the CPU, with a note */
static void
test_no_such_device (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *saved = g_strdup (g_getenv ("CATBRUSH_DEVICE"));

  g_setenv ("CATBRUSH_DEVICE", "no-such-device-anywhere", TRUE);
  g_autoptr (CbBackend) backend = assert_cpu_fallback (&error);
  g_test_message ("note: %s", cb_backend_get_note (backend));
  if (saved != NULL)
    g_setenv ("CATBRUSH_DEVICE", saved, TRUE);
  else
    g_unsetenv ("CATBRUSH_DEVICE");
}

/* The warm-up graph's pass on backend, on random input: TRUE when it ran */
static gboolean
run_warmup_pass (CbBackend *backend, GError **error)
{
  g_autoptr (CbGraph) graph = cb_warmup_graph_new ();
  const CbValue *in = cb_graph_value (graph, 0), *outv = cb_graph_value (graph, graph->output);
  g_autoptr (CbTensor) x = cb_tensor_new (in->c, in->h, in->w);
  g_autoptr (CbTensor) out = cb_tensor_new (outv->c, outv->h, outv->w);
  CbTensor *inputs[1] = { x };

  for (gsize i = 0; i < cb_tensor_n_elements (x); i++)
    x->data[i] = (float)(i % 7) / 7.0f - 0.5f;
  g_autoptr (CbPlan) plan = cb_backend_prepare (backend, graph, error);
  if (plan == NULL)
    return FALSE;
  return cb_plan_run (plan, inputs, 1, out, error);
}

static gpointer
failing_pass_thread (gpointer backend)
{
  g_autoptr (GError) error = NULL;

  set_faults ("submit:1");
  g_assert_false (run_warmup_pass (backend, &error));
  g_assert_error (error, CB_ERROR, CB_ERROR_DEVICE);
  set_faults (NULL);
  return NULL;
}

/* The device is shared by threads (windows, the import dialog): a fault
 * belongs to the thread whose pass met it, so another thread's generator
 * does not take it for its own and fall back to the CPU. */
static void
test_fault_per_thread (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CbBackend) backend = need_vulkan ();

  if (backend == NULL)
    return;
  g_thread_join (g_thread_new ("failing-pass", failing_pass_thread, backend));
  g_assert_cmpint (cb_backend_take_fault (backend), ==, CB_BACKEND_FAULT_NONE);
  /* the same fault on this thread is this thread's */
  set_faults ("submit:1");
  g_assert_false (run_warmup_pass (backend, &error));
  g_clear_error (&error);
  set_faults (NULL);
  g_assert_cmpint (cb_backend_take_fault (backend), ==, CB_BACKEND_FAULT_OUT_OF_MEMORY);
  g_assert_cmpint (cb_backend_take_fault (backend), ==, CB_BACKEND_FAULT_NONE);
}

/* A pass cancelled before it starts, or (the reference) between two ops, stops
 * with G_IO_ERROR_CANCELLED; a generator does not take that for a device
 * fault. */
static gboolean
cancel_at_op (gpointer data, guint op, GError **error)
{
  if (op == 2)
    g_cancellable_cancel (data);
  return !g_cancellable_set_error_if_cancelled (data, error);
}

static void
test_cancelled_pass (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (CbGraph) graph = cb_warmup_graph_new ();
  const CbValue *in = cb_graph_value (graph, 0);
  g_autoptr (CbTensor) x = cb_tensor_new (in->c, in->h, in->w);
  CbTensor *inputs[1] = { x };

  /* the reference stops between ops */
  g_autoptr (CbTensor) none = cb_graph_run_reference_full (graph, inputs, 1, cancel_at_op, cancellable, &error);
  g_assert_null (none);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  for (guint k = 0; k < 2; k++)
    {
      CbBackendKind kind = k == 0 ? CB_BACKEND_REFERENCE : CB_BACKEND_VULKAN;
      if (kind == CB_BACKEND_VULKAN && no_vulkan != NULL)
        {
          g_test_message ("Vulkan part skipped: %s", no_vulkan);
          continue;
        }
      g_autoptr (CbBackend) backend = cb_backend_new (kind, NULL, &error);
      g_assert_no_error (error);
      g_autoptr (GCancellable) cancelled = g_cancellable_new ();
      g_cancellable_cancel (cancelled);
      cb_backend_set_cancellable (backend, cancelled);
      g_assert_false (run_warmup_pass (backend, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&error);

      /* and a generator passes it on as it is, on the backend it had */
      g_autoptr (CbGenerator) gen = cb_generator_new (model, backend, &error);
      g_assert_no_error (error);
      g_autoptr (CbTensor) out = cb_generator_run_tensor (gen, labels, &seeds, &error);
      g_assert_null (out);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&error);
      g_assert_false (cb_generator_is_degraded (gen));
      g_assert_null (cb_generator_get_notice (gen));
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *model_path = cb_test_fixture ("tiny-model.safetensors");
  g_autofree char *labels_path = cb_test_fixture ("tiny-labels.png");
  int status;

  g_test_init (&argc, &argv, NULL);
  model = cb_model_load (model_path, &error);
  g_assert_no_error (error);
  labels = cb_label_map_load (labels_path, model->classes, &error);
  g_assert_no_error (error);
  {
    g_autoptr (CbBackend) ref = cb_backend_new (CB_BACKEND_REFERENCE, NULL, &error);
    g_autoptr (CbGenerator) gen = cb_generator_new (model, ref, &error);
    g_assert_no_error (error);
    reference = cb_generator_run_tensor (gen, labels, &seeds, &error);
    g_assert_no_error (error);
  }
  /* whether the Vulkan tests can run: a backend made and let go */
  if (!g_test_subprocess ())
    cb_backend_free (cb_test_vulkan_or_reason (&no_vulkan));

  g_test_add_func ("/faults/none", test_no_fault);
  g_test_add_func ("/faults/per-thread", test_fault_per_thread);
  g_test_add_func ("/faults/cancelled-pass", test_cancelled_pass);
  for (gsize i = 0; i < G_N_ELEMENTS (fault_cases); i++)
    g_test_add_data_func (fault_cases[i].path, &fault_cases[i], test_fault);
  g_test_add_func ("/faults/bad-spec", test_bad_spec);
  g_test_add_func ("/faults/no-driver", test_no_driver);
  g_test_add_func ("/faults/no-such-device", test_no_such_device);
  status = g_test_run ();

  g_clear_pointer (&reference, cb_tensor_free);
  g_clear_pointer (&labels, cb_label_map_free);
  g_clear_pointer (&model, cb_model_free);
  g_free (no_vulkan);
  return status;
}
