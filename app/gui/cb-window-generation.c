/* cb-window-generation.c: the generation controller: requests to the worker (serials, debounce),
 * its results, the profile it generates with, variations and the labels over the image
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-window-private.h"

#include <glib/gi18n.h>

#include "app/gui/cb-label-colors.h"
#include "app/gui/cb-variations.h"

static void schedule_variations (CbWindow *self);
static void update_labels_picture (CbWindow *self);

void
cb_window_generate (CbWindow *self)
{
  CbSeeds seeds;

  g_clear_handle_id (&self->debounce_id, g_source_remove);
  self->map_dirty = FALSE;
  if (self->worker == NULL || !cb_gen_worker_can_generate (self->worker))
    return;
  cb_document_get_seeds (self->doc, &seeds);
  self->requested_serial = cb_gen_worker_request (self->worker, self->doc->map, &seeds);
  gtk_spinner_start (GTK_SPINNER (self->spinner));
  gtk_widget_set_visible (self->spinner, TRUE);
  if (!self->adopting_seed)
    schedule_variations (self);
}

static gboolean
debounce_cb (gpointer data)
{
  CbWindow *self = data;

  self->debounce_id = 0;
  if (self->map_dirty)
    cb_window_generate (self);
  return G_SOURCE_REMOVE;
}

static GdkTexture *
texture_from_image (const CbImage *image)
{
  g_autoptr (GBytes) bytes = g_bytes_new (image->rgb, (gsize)image->width * image->height * 3);

  return gdk_memory_texture_new ((int)image->width, (int)image->height, GDK_MEMORY_R8G8B8, bytes,
                                 (gsize)image->width * 3);
}

void
cb_window_worker_result_cb (CbGenWorkerResult *result, gpointer user_data)
{
  CbWindow *self = user_data;

  if (result->serial >= self->requested_serial)
    {
      gtk_spinner_stop (GTK_SPINNER (self->spinner));
      gtk_widget_set_visible (self->spinner, FALSE);
    }
  if (result->serial <= self->shown_serial)
    return;
  self->shown_serial = result->serial;

  if (result->image == NULL)
    {
      cb_window_show_error (self, _ ("The image could not be generated"), result->error);
      return;
    }

  /* an error beside an image is a notice: the device failed and the
   * generator moved on (e.g. to the CPU backend) */
  if (result->error != NULL)
    cb_window_show_message (self, result->error->message);

  g_clear_pointer (&self->image, cb_image_free);
  g_clear_object (&self->texture);
  self->image = g_steal_pointer (&result->image);
  self->texture = texture_from_image (self->image);
  self->n_images++;
  gtk_picture_set_paintable (GTK_PICTURE (self->picture), GDK_PAINTABLE (self->texture));
  update_labels_picture (self);
  gtk_stack_set_visible_child (GTK_STACK (self->image_stack), self->picture);
  cb_canvas_set_image (self->canvas, self->texture);
  {
    g_autofree char *text = g_strdup_printf ("%.0f ms · seed %" G_GUINT64_FORMAT, result->ms, result->seed);

    gtk_label_set_text (GTK_LABEL (self->time_label), text);
  }
  cb_window_update_actions (self);
}

void
cb_window_worker_ready_cb (const CbGenWorkerInfo *info, gpointer user_data)
{
  CbWindow *self = user_data;

  cb_window_take_model_info (self, info);
  if (info->error != NULL)
    {
      g_autofree char *text
        = g_strdup_printf (_ ("%s. You can still paint, open and save label maps."), info->error->message);

      gtk_label_set_text (GTK_LABEL (self->model_banner_label), text);
      gtk_revealer_set_reveal_child (GTK_REVEALER (self->model_banner), TRUE);
    }

  if (info->classes != NULL)
    {
      gboolean untouched = cb_window_document_untouched (self);

      self->native_width = info->native_width;
      self->native_height = info->native_height;
      /* a project opened before the model was ready keeps its target classes (the worker applies them) */
      if (self->doc->profile == NULL)
        cb_document_set_classes (self->doc, cb_class_set_copy (info->classes));
      if (untouched && self->native_width > 0 && self->native_height > 0)
        cb_window_place_starter_scene (self, self->native_width * 2, self->native_height * 2);
      cb_palette_set_classes (self->palette, self->doc->classes);
      if (cb_class_set_get_n_classes (self->doc->classes) > 0)
        cb_canvas_set_class_id (self->canvas, (guint8)cb_class_set_get (self->doc->classes, 0)->id);
      cb_canvas_document_changed (self->canvas);
      if (untouched)
        cb_canvas_zoom_fit (self->canvas);
      cb_window_update_seed_entry (self);
      cb_window_update_actions (self);
    }

  if (info->error == NULL)
    cb_window_generate (self);

  cb_window_offer_restore (self);
}

void
cb_window_worker_profile_cb (CbGenWorkerProfileResult *result, gpointer user_data)
{
  CbWindow *self = user_data;

  if (result->error != NULL)
    cb_window_show_error (self, _ ("The classes could not be set"), result->error);
  /* generations queued before the profile were dropped */
  if (result->serial == self->profile_serial)
    cb_window_generate (self);
}

void
cb_window_map_changed_cb (CbCanvas *canvas, CbWindow *self)
{
  self->map_dirty = TRUE;
  cb_window_mark_changed (self);
  /* during a long stroke, generate now and then */
  if (cb_canvas_in_stroke (canvas) && self->debounce_id == 0)
    self->debounce_id = g_timeout_add (CB_WINDOW_DEBOUNCE_MS, debounce_cb, self);
}

void
cb_window_stroke_finished_cb (CbCanvas *canvas, CbWindow *self)
{
  cb_window_generate (self);
  cb_window_update_actions (self);
}

void
cb_window_show_image (CbWindow *self, CbImage *image)
{
  g_clear_pointer (&self->image, cb_image_free);
  g_clear_object (&self->texture);
  self->image = image;
  if (image != NULL)
    {
      self->texture = texture_from_image (self->image);
      gtk_picture_set_paintable (GTK_PICTURE (self->picture), GDK_PAINTABLE (self->texture));
      gtk_stack_set_visible_child (GTK_STACK (self->image_stack), self->picture);
    }
  else
    {
      gtk_picture_set_paintable (GTK_PICTURE (self->picture), NULL);
      gtk_stack_set_visible_child (GTK_STACK (self->image_stack), self->image_placeholder);
    }
  cb_canvas_set_image (self->canvas, self->texture);
  update_labels_picture (self);
}

/* The generator's first layer follows the document's profile; a generation
 * follows (cb_window_worker_profile_cb), so the window counts as generating already. */
void
cb_window_send_profile (CbWindow *self)
{
  if (self->worker == NULL)
    return;
  self->profile_serial = cb_gen_worker_set_profile (self->worker, self->doc->profile);
  if (cb_gen_worker_can_generate (self->worker))
    {
      self->requested_serial = self->profile_serial;
      gtk_spinner_start (GTK_SPINNER (self->spinner));
      gtk_widget_set_visible (self->spinner, TRUE);
    }
}

/* The label map in class colours at the image's size (the generator's
 * resize), over the image: which class made which pixels. It is the map at
 * the time the image arrived. */
static void
update_labels_picture (CbWindow *self)
{
  GVariant *state = g_action_group_get_action_state (G_ACTION_GROUP (self), "labels-over-image");
  gboolean on = state != NULL && g_variant_get_boolean (state);
  g_autofree guint8 *rgba = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GdkTexture) texture = NULL;

  g_clear_pointer (&state, g_variant_unref);
  gtk_widget_set_visible (self->labels_picture, on && self->image != NULL);
  if (!on || self->image == NULL)
    {
      gtk_picture_set_paintable (GTK_PICTURE (self->labels_picture), NULL);
      return;
    }
  rgba = cb_label_colors_rgba (self->doc->map, self->doc->classes, self->image->width, self->image->height);
  bytes = g_bytes_new_take (g_steal_pointer (&rgba), (gsize)self->image->width * self->image->height * 4);
  texture = gdk_memory_texture_new ((int)self->image->width, (int)self->image->height, GDK_MEMORY_R8G8B8A8, bytes,
                                    (gsize)self->image->width * 4);
  gtk_picture_set_paintable (GTK_PICTURE (self->labels_picture), GDK_PAINTABLE (texture));
}

void
cb_window_labels_over_image_changed (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  CbWindow *self = user_data;

  g_simple_action_set_state (action, value);
  gtk_widget_set_visible (self->labels_opacity_box, g_variant_get_boolean (value));
  update_labels_picture (self);
}

void
cb_window_labels_opacity_changed_cb (GtkRange *range, CbWindow *self)
{
  gtk_widget_set_opacity (self->labels_picture, gtk_range_get_value (range));
}

/* after the image: a stroke's burst of generations asks for one batch */
#define VARIATIONS_DELAY_MS 400

static gboolean
variations_on (CbWindow *self)
{
  GVariant *state = g_action_group_get_action_state (G_ACTION_GROUP (self), "variations");
  gboolean on = state != NULL && g_variant_get_boolean (state);

  g_clear_pointer (&state, g_variant_unref);
  return on;
}

static gboolean
variations_cb (gpointer data)
{
  CbWindow *self = data;
  guint64 seeds[CB_VARIATIONS_N];
  CbSeeds current;
  guint64 batch;

  self->variations_id = 0;
  if (!variations_on (self) || self->worker == NULL || !cb_gen_worker_can_generate (self->worker))
    return G_SOURCE_REMOVE;
  for (guint k = 0; k < CB_VARIATIONS_N; k++)
    seeds[k] = ((guint64)g_random_int () << 32) | g_random_int ();
  cb_document_get_seeds (self->doc, &current);
  batch = cb_gen_worker_request_variations (self->worker, self->doc->map, &current, seeds, CB_VARIATIONS_N);
  cb_variations_start (CB_VARIATIONS (self->variations), batch, seeds, CB_VARIATIONS_N);
  return G_SOURCE_REMOVE;
}

static void
schedule_variations (CbWindow *self)
{
  if (!variations_on (self))
    return;
  g_clear_handle_id (&self->variations_id, g_source_remove);
  self->variations_id = g_timeout_add (VARIATIONS_DELAY_MS, variations_cb, self);
}

void
cb_window_worker_variation_cb (CbGenWorkerResult *result, gpointer user_data)
{
  CbWindow *self = user_data;

  /* a thumbnail meets device faults like the image does: the notice that
   * images now come from the CPU (given once, to whichever pass met it), or
   * why it failed */
  if (result->error != NULL && !g_error_matches (result->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (result->image != NULL)
        cb_window_show_message (self, result->error->message);
      else
        cb_window_show_error (self, _ ("A variation could not be generated"), result->error);
    }
  cb_variations_take_result (CB_VARIATIONS (self->variations), result);
}

/* A thumbnail clicked: its seed becomes the image seed (class seeds as they
 * are), so the image is the thumbnail's, made again at full size. */
void
cb_window_variation_chosen_cb (CbVariations *variations, guint64 seed, CbWindow *self)
{
  if (seed == self->doc->seed)
    return;
  cb_document_set_seed (self->doc, seed);
  cb_window_mark_changed_beyond_map (self);
  cb_window_update_seed_entry (self);
  self->adopting_seed = TRUE;
  cb_window_generate (self);
  self->adopting_seed = FALSE;
}

void
cb_window_variations_changed (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  CbWindow *self = user_data;
  gboolean on = g_variant_get_boolean (value);

  g_simple_action_set_state (action, value);
  gtk_widget_set_visible (self->variations, on);
  if (on)
    {
      g_clear_handle_id (&self->variations_id, g_source_remove);
      variations_cb (self);
    }
  else
    {
      g_clear_handle_id (&self->variations_id, g_source_remove);
      cb_variations_start (CB_VARIATIONS (self->variations), 0, NULL, 0);
    }
}
