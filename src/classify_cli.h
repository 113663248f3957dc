/* classify_cli.h - what `kizuna classify`, `kizuna model` and `kizuna
 * extract` share about the ATT&CK technique classifier on the command line:
 * finding and loading the model, the probability thresholds (flag, then
 * kizuna.conf, then the built-in default) and parsing a probability. */
#ifndef KIZUNA_SRC_CLASSIFY_CLI_H
#define KIZUNA_SRC_CLASSIFY_CLI_H

#include <stdbool.h>

#include "cli.h"
#include "kizuna/classify.h"

/* Built-in thresholds when neither a flag nor kizuna.conf gives one.
 * classify: 0, every sentence gets its best class (the caller filters);
 * extract: a technique needs a sentence the model is at least this sure of
 * (docs/classify.md: at 0.5 the held-out precision is high and a report
 * without technique sentences rarely gets one). */
#define KZ_CCLI_CLASSIFY_THRESHOLD 0.0
#define KZ_CCLI_EXTRACT_THRESHOLD 0.5

/* Parses a probability in [0, 1] given to option opt of command cmd.
 * 0 with *out set, or KZ_EXIT_ERROR after a usage error was printed. */
int kz_ccli_parse_prob(const char *cmd, const char *opt, const char *v, double *out);

/* The threshold of key (e.g. "classify.threshold") in the node's
 * kizuna.conf when the command has a data directory whose kizuna.conf
 * exists, else def. 0 with *out set, or KZ_EXIT_ERROR after an error line
 * (unreadable configuration, value not a probability). */
int kz_ccli_conf_threshold(kz_cli *cli, const char *cmd, const char *key, double def,
                           double *out);

/* Resolves the model path (path if not NULL, else kz_classifier_default_path)
 * into buf (cap bytes). false when no model file exists (buf then holds the
 * first place looked at). */
bool kz_ccli_model_path(const char *path, char *buf, size_t cap);

/* Loads the model at path (NULL: the default). 0 with *out set (the
 * caller's, kz_classifier_free), or KZ_EXIT_ERROR after one error line
 * "kizuna: CMD: model 'PATH': why". */
int kz_ccli_load_model(const char *cmd, const char *path, kz_classifier **out);

#endif
