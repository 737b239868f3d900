/* cb-application.c: the Catbrush GtkApplication
 *
 * `catbrush [--model FILE] [LABELS.png]`: one window per activation; a label
 * map given on the command line is opened in it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-application.h"

#include <glib/gi18n.h>

#include <glib-unix.h>
#include <signal.h>

#include "cb-config.h"
#include "app/gui/cb-gen-worker.h"
#include "app/gui/cb-shortcuts.h"
#include "app/gui/cb-window.h"

struct _CbApplication
{
  GtkApplication parent_instance;

  char *model_path;
};

G_DEFINE_FINAL_TYPE (CbApplication, cb_application, GTK_TYPE_APPLICATION)

static CbWindow *
new_window (CbApplication *self)
{
  CbWindow *window = cb_window_new (GTK_APPLICATION (self), self->model_path);

  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
cb_application_activate (GApplication *app)
{
  new_window (CB_APPLICATION (app));
}

static void
cb_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  for (int i = 0; i < n_files; i++)
    cb_window_open_file (new_window (CB_APPLICATION (app)), files[i], NULL);
}

static int
cb_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  CbApplication *self = CB_APPLICATION (app);
  const char *model = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("catbrush %s\n", CB_VERSION);
      return 0;
    }
  if (g_variant_dict_lookup (options, "model", "^&ay", &model))
    {
      g_free (self->model_path);
      self->model_path = g_canonicalize_filename (model, NULL);
    }
  return -1;
}

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *app = user_data;
  GList *windows = gtk_application_get_windows (app);

  /* close (not destroy) so that each window saves its state */
  while (windows != NULL)
    {
      GList *next = windows->next;

      gtk_window_close (windows->data);
      windows = next;
    }
}

static void
new_window_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  new_window (CB_APPLICATION (user_data));
}

/* SIGTERM (session end, kill), SIGINT, SIGHUP: autosave every painting, then
 * quit without closing the windows, so that the autosaves stay and the next
 * start offers them. */
static gboolean
terminate_cb (gpointer user_data)
{
  GtkApplication *app = user_data;

  for (GList *l = gtk_application_get_windows (app); l != NULL; l = l->next)
    /* a save being written counts as unsaved: the process ends before it does */
    if (CB_IS_WINDOW (l->data) && (cb_window_get_document (l->data)->modified || cb_window_is_saving (l->data)))
      {
        g_autoptr (GError) error = NULL;

        if (!cb_window_autosave (l->data, &error))
          g_warning ("Could not autosave: %s", error->message);
      }
  g_application_quit (G_APPLICATION (app));
  return G_SOURCE_CONTINUE;
}

static const GActionEntry app_entries[] = {
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  { "new-window", new_window_activated, NULL, NULL, NULL, { 0 } },
};

static void
cb_application_startup (GApplication *app)
{
  G_APPLICATION_CLASS (cb_application_parent_class)->startup (app);

  cb_gui_ensure_resources ();
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_entries, G_N_ELEMENTS (app_entries), app);
  /* the keys come from the one table (cb-shortcuts.c) */
  cb_shortcuts_set_app_accels (GTK_APPLICATION (app));
  gtk_window_set_default_icon_name (CB_APP_ID);
  g_unix_signal_add (SIGTERM, terminate_cb, app);
  g_unix_signal_add (SIGINT, terminate_cb, app);
  g_unix_signal_add (SIGHUP, terminate_cb, app);
}

static void
cb_application_finalize (GObject *object)
{
  g_free (CB_APPLICATION (object)->model_path);
  G_OBJECT_CLASS (cb_application_parent_class)->finalize (object);
}

/* closed windows did not wait for their generator threads: wait here, once
 * the main loop has ended (a cancelled pass ends after its current op) */
static void
cb_application_shutdown (GApplication *app)
{
  cb_gen_worker_join_all ();
  G_APPLICATION_CLASS (cb_application_parent_class)->shutdown (app);
}

static void
cb_application_class_init (CbApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = cb_application_finalize;
  app_class->startup = cb_application_startup;
  app_class->activate = cb_application_activate;
  app_class->shutdown = cb_application_shutdown;
  app_class->open = cb_application_open;
  app_class->handle_local_options = cb_application_handle_local_options;
}

static void
cb_application_init (CbApplication *self)
{
  static const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, NULL,
      N_ ("The model file (default: $CATBRUSH_MODEL or the bundled model)"), "FILE" },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_ ("Print the version and exit"), NULL },
    { NULL },
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), "[LABELS.png…]");
}

CbApplication *
cb_application_new (void)
{
  return g_object_new (CB_TYPE_APPLICATION, "application-id", CB_APP_ID, "flags",
                       G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE, "resource-base-path",
                       "/org/catbrush/Catbrush", NULL);
}
