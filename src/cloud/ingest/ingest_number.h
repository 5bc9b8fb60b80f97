/*
 * ingest_number.h - decimal numbers read quickly and exactly, for the
 * parsers of ingest bodies (JSON, line protocol), where reading a value
 * with the C library's strtod costs more than all the checks after it.
 *
 * Each function is a drop-in for its C library counterpart: the same
 * result, the same *end, the same errno, for every input.  The common
 * short forms (a meter's "12.345", a timestamp's "1705244400") are read
 * directly; anything long or unusual goes to the library.
 *
 * Pure functions of their text; safe from any thread.
 */
#ifndef AKARI_INGEST_NUMBER_H
#define AKARI_INGEST_NUMBER_H

/*
 * As g_ascii_strtod(s, end): s (borrowed, NUL-terminated) read as a
 * double in the C locale's syntax, *end set past the number (end may
 * not be NULL).  Read directly when s is [+-]digits[.digits][e[+-]digits]
 * (or [+-].digits...) whose digits, read as one integer, are at most
 * 2^53 (and at most 19 of them significant), with a decimal exponent
 * within +-22, not followed by a letter, digit, '.' or '_': the double
 * nearest the decimal, as one correctly rounded IEEE division or
 * product of two exact doubles.  Anything else is handed to
 * g_ascii_strtod().
 */
double ingest_strtod(const char *s, char **end);

/*
 * As strtoll(s, end, 10), *end set past the number (end may not be
 * NULL).  Read directly for [+-] and 1 to 19 digits whose value is in
 * range; anything else (whitespace first, more digits, out of range) is
 * handed to strtoll().
 */
long long ingest_strtoll(const char *s, char **end);

#endif
