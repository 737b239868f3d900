/* cb-alert.h: a question or error with a few buttons, as GtkMessageDialog
 * (GTK 4.8) or GtkAlertDialog (GTK ≥ 4.10, where the former is deprecated);
 * the choice is made at compile time here so callers need no #if.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _CbAlert CbAlert;

typedef enum
{
  CB_ALERT_BUTTON_PLAIN,
  CB_ALERT_BUTTON_SUGGESTED,
  CB_ALERT_BUTTON_DESTRUCTIVE,
} CbAlertButtonStyle;

/* Called once with the response of the button pressed (GTK_RESPONSE_* values
 * as given to cb_alert_add_button()), or GTK_RESPONSE_DELETE_EVENT when the
 * alert was closed otherwise. source carries the data set with
 * cb_alert_set_data_full() for the duration of the call. */
typedef void (*CbAlertFunc) (GObject *source, int response, gpointer user_data);

CbAlert *cb_alert_new (const char *heading, const char *body);
/* A button; on GTK ≥ 4.10 the style is not shown (GtkAlertDialog has none). */
void cb_alert_add_button (CbAlert *self, const char *label, int response, CbAlertButtonStyle style);
/* The response Enter chooses. */
void cb_alert_set_default_response (CbAlert *self, int response);
/* Text behind a “Details” expander (GTK 4.8), or after the body (GTK ≥ 4.10). */
void cb_alert_set_details (CbAlert *self, const char *details);
/* Data the callback finds on its source; the tests also find an open
 * GTK 4.8 alert by such a key. */
void cb_alert_set_data_full (CbAlert *self, const char *key, gpointer data, GDestroyNotify destroy);
/* Shows the alert modal over parent and frees self; func runs once it is answered. */
void cb_alert_present (CbAlert *self, GtkWindow *parent, CbAlertFunc func, gpointer user_data);
/* An error with a Close button only; nothing to answer. */
void cb_alert_show_error (GtkWindow *parent, const char *heading, const char *message);

G_END_DECLS
