/* report_int.h - the text the ATT&CK classifier reads in a report
 * (report_text.c), for kz_extract_report_classify (stix_report.c): HTML
 * made readable at the same length, headings and lines of bare indicators
 * told apart from sentences, and the evidence string. */
#ifndef KIZUNA_EXTRACT_REPORT_INT_H
#define KIZUNA_EXTRACT_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "kizuna/arena.h"
#include "kizuna/classify.h"
#include "kizuna/error.h"

/* s[0..n) into out (at most cap bytes), NULs dropped and every run of
 * blanks and newlines made one space; returns the length written. */
size_t kz_xrep_collapse(const char *s, size_t n, char *out, size_t cap);
/* HTML to readable text in place, same length (offsets kept): tags
 * blanked, a blank line where a block element stood, headings blanked.
 * KZ_ENOMEM. */
kz_err kz_xrep_html_text(char *s, size_t len);
/* Whether sentence s of t[0..len) is a Markdown heading ("# Title", or a
 * line underlined with === / ---). */
bool kz_xrep_md_heading(const char *t, size_t len, const kz_sentence *s);
/* Whether the collapsed sentence s[0..n) has enough English words to be
 * about behaviour (not a line of bare indicators). */
bool kz_xrep_enough_words(const char *s, size_t n);
/* s[0..n) as valid UTF-8 (invalid bytes U+FFFD) cut at
 * KZ_EXTRACT_EVIDENCE_MAX bytes, NUL-terminated in arena a; NULL when out
 * of memory. */
const char *kz_xrep_evidence(kz_arena *a, const char *s, size_t n);

#endif
