/* cb-variations.c: thumbnails of the painting with other seeds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app/gui/cb-variations.h"

#define THUMB_WIDTH 112
#define THUMB_HEIGHT 84

typedef struct
{
  GtkWidget *button;
  GtkWidget *picture;
  guint64 seed;
  CbImage *image;
} Thumb;

struct _CbVariations
{
  GtkWidget parent_instance;

  GtkWidget *box;
  Thumb thumbs[CB_VARIATIONS_N];
  guint n;
  guint64 batch;
};

G_DEFINE_FINAL_TYPE (CbVariations, cb_variations, GTK_TYPE_WIDGET)

enum
{
  SEED_CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
thumb_clicked_cb (GtkButton *button, CbVariations *self)
{
  for (guint k = 0; k < self->n; k++)
    if (self->thumbs[k].button == GTK_WIDGET (button) && self->thumbs[k].image != NULL)
      {
        cb_variations_set_current_seed (self, self->thumbs[k].seed);
        g_signal_emit (self, signals[SEED_CHOSEN], 0, self->thumbs[k].seed);
        return;
      }
}

void
cb_variations_start (CbVariations *self, guint64 batch, const guint64 *seeds, guint n)
{
  g_return_if_fail (CB_IS_VARIATIONS (self));

  self->batch = batch;
  self->n = batch != 0 ? MIN (n, CB_VARIATIONS_N) : 0;
  for (guint k = 0; k < CB_VARIATIONS_N; k++)
    {
      Thumb *thumb = &self->thumbs[k];

      g_clear_pointer (&thumb->image, cb_image_free);
      gtk_picture_set_paintable (GTK_PICTURE (thumb->picture), NULL);
      thumb->seed = k < self->n ? seeds[k] : 0;
      gtk_widget_set_visible (thumb->button, k < self->n);
      gtk_widget_set_sensitive (thumb->button, FALSE);
      gtk_widget_remove_css_class (thumb->button, "current");
      if (k < self->n)
        {
          g_autofree char *tooltip = g_strdup_printf ("Seed %" G_GUINT64_FORMAT ": click to use it", thumb->seed);

          gtk_widget_set_tooltip_text (thumb->button, tooltip);
        }
    }
}

gboolean
cb_variations_take_result (CbVariations *self, CbGenWorkerResult *result)
{
  Thumb *thumb;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GdkTexture) texture = NULL;

  g_return_val_if_fail (CB_IS_VARIATIONS (self), FALSE);

  if (self->batch == 0 || result->serial != self->batch || result->variation == 0 || result->variation > self->n
      || result->image == NULL)
    return FALSE;
  thumb = &self->thumbs[result->variation - 1];
  if (thumb->seed != result->seed)
    return FALSE;
  g_clear_pointer (&thumb->image, cb_image_free);
  thumb->image = g_steal_pointer (&result->image);
  bytes = g_bytes_new (thumb->image->rgb, (gsize)thumb->image->width * thumb->image->height * 3);
  texture = gdk_memory_texture_new ((int)thumb->image->width, (int)thumb->image->height, GDK_MEMORY_R8G8B8, bytes,
                                    (gsize)thumb->image->width * 3);
  gtk_picture_set_paintable (GTK_PICTURE (thumb->picture), GDK_PAINTABLE (texture));
  gtk_widget_set_sensitive (thumb->button, TRUE);
  return TRUE;
}

void
cb_variations_set_current_seed (CbVariations *self, guint64 seed)
{
  g_return_if_fail (CB_IS_VARIATIONS (self));

  for (guint k = 0; k < self->n; k++)
    {
      if (self->thumbs[k].seed == seed)
        gtk_widget_add_css_class (self->thumbs[k].button, "current");
      else
        gtk_widget_remove_css_class (self->thumbs[k].button, "current");
    }
}

guint
cb_variations_get_n (CbVariations *self)
{
  return self->n;
}

guint
cb_variations_get_n_done (CbVariations *self)
{
  guint done = 0;

  for (guint k = 0; k < self->n; k++)
    done += self->thumbs[k].image != NULL;
  return done;
}

guint64
cb_variations_get_seed (CbVariations *self, guint index)
{
  g_return_val_if_fail (index < self->n, 0);
  return self->thumbs[index].seed;
}

const CbImage *
cb_variations_get_image (CbVariations *self, guint index)
{
  g_return_val_if_fail (index < self->n, NULL);
  return self->thumbs[index].image;
}

GtkWidget *
cb_variations_get_button (CbVariations *self, guint index)
{
  g_return_val_if_fail (index < self->n, NULL);
  return self->thumbs[index].button;
}

static void
cb_variations_dispose (GObject *object)
{
  CbVariations *self = CB_VARIATIONS (object);

  for (guint k = 0; k < CB_VARIATIONS_N; k++)
    g_clear_pointer (&self->thumbs[k].image, cb_image_free);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  G_OBJECT_CLASS (cb_variations_parent_class)->dispose (object);
}

static void
cb_variations_class_init (CbVariationsClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = cb_variations_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "cbvariations");
  /* a thumbnail was clicked: its image seed (guint64) */
  signals[SEED_CHOSEN] = g_signal_new ("seed-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, G_TYPE_UINT64);
}

static void
cb_variations_init (CbVariations *self)
{
  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (self->box, GTK_ALIGN_CENTER);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  for (guint k = 0; k < CB_VARIATIONS_N; k++)
    {
      Thumb *thumb = &self->thumbs[k];

      thumb->picture = gtk_picture_new ();
      gtk_picture_set_can_shrink (GTK_PICTURE (thumb->picture), TRUE);
      gtk_picture_set_content_fit (GTK_PICTURE (thumb->picture), GTK_CONTENT_FIT_CONTAIN);
      gtk_widget_set_size_request (thumb->picture, THUMB_WIDTH, THUMB_HEIGHT);
      thumb->button = gtk_button_new ();
      gtk_button_set_child (GTK_BUTTON (thumb->button), thumb->picture);
      gtk_widget_add_css_class (thumb->button, "flat");
      gtk_widget_add_css_class (thumb->button, "variation");
      gtk_widget_set_visible (thumb->button, FALSE);
      g_signal_connect (thumb->button, "clicked", G_CALLBACK (thumb_clicked_cb), self);
      gtk_box_append (GTK_BOX (self->box), thumb->button);
    }
}

GtkWidget *
cb_variations_new (void)
{
  return g_object_new (CB_TYPE_VARIATIONS, NULL);
}
