/*
 * log.h - the one leveled logger.
 *
 * Lines go to stderr as "2026-12-03T10:00:00Z warn  [store] message".
 * Library modules (store, ingest, analytics, fetch, render) return errors
 * and leave printing to their caller; the program loops (api, kiosk, cli)
 * log.  Nothing logs per reading or per frame above LOG_DEBUG.
 */
#ifndef AKARI_CORE_LOG_H
#define AKARI_CORE_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Lines above this level are dropped.  Default LOG_INFO; the
 * AKARI_LOG environment variable (error|warn|info|debug) overrides. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Thread-safe: one call writes one whole line. */
void log_msg(enum log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(mod, ...) log_msg(LOG_ERROR, mod, __VA_ARGS__)
#define log_warn(mod, ...) log_msg(LOG_WARN, mod, __VA_ARGS__)
#define log_info(mod, ...) log_msg(LOG_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...) log_msg(LOG_DEBUG, mod, __VA_ARGS__)

#endif
