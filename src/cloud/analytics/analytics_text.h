/*
 * analytics_text.h - JSON text written straight into a GString, for
 * answers of tens of thousands of numbers, where building a jansson
 * tree and printing each number with printf's "%.17g" took most of the
 * time of an answer.
 *
 * A number comes out in at most 17 significant digits that read back
 * (strtod, or any correct JSON parser) as exactly the double written,
 * as jansson's own output does, and always with a '.' or an exponent,
 * so that it parses as a real.  Pure functions; no failure (GLib aborts
 * when memory runs out).
 */
#ifndef AKARI_ANALYTICS_TEXT_H
#define AKARI_ANALYTICS_TEXT_H

#include <glib.h>

/* Appends v; NaN and infinities, which JSON has not, as null. */
void analytics_text_real(GString *out, double v);

/* Appends s as a JSON string, quoted and escaped; bytes that are not
 * UTF-8 are replaced as g_utf8_make_valid() does. */
void analytics_text_string(GString *out, const char *s);

#endif
