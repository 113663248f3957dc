/* cmd_sign.c - `kizuna sign` (sign every object of a bundle with the node
 * key) and `kizuna verify` (report each object's signature status), both
 * streaming: memory stays bounded by the largest object. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kizuna/fed_sign.h"
#include "kizuna/stix.h"

static const char sign_usage[] =
    "usage: kizuna sign [--key FILE] [-o FILE] [--no-definition] FILE|-\n"
    "\n"
    "Signs every object of a STIX bundle (or TAXII envelope, JSON array of\n"
    "objects, or single object) with an Ed25519 key and writes the result to\n"
    "stdout (or -o FILE). The signature travels in each object as the\n"
    "kizuna-signature extension; the extension-definition object and its\n"
    "identity are appended to the bundle unless present or --no-definition.\n"
    "The predefined TLP marking-definitions are left as they are.\n"
    "  --key FILE  the key file (default: DIR/keys/ed25519.key of --data DIR)\n";

static const char verify_usage[] =
    "usage: kizuna verify [-q] FILE|-\n"
    "\n"
    "Checks the kizuna-signature of every object of a bundle against the keys\n"
    "this node trusts ('kizuna trust list') and prints one line per object:\n"
    "path, id, status (verified, unsigned, bad-signature, unknown-signer) and\n"
    "the signer or the reason, then a summary. -q prints only the objects\n"
    "that are not verified or unsigned. Exit 0 when every signed object\n"
    "verified, 1 when any signature is bad or unknown, 2 on error.\n";

/* Opens FILE or stdin ("-"); prints the error and returns -1 on failure. */
static int open_input(const char *file)
{
    if (strcmp(file, "-") == 0)
        return STDIN_FILENO;
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        kz_cli_error("cannot open '%s': %s", file, e == ENOENT ? "no such file" : strerror(e));
    }
    return fd;
}

static int stream_error(const char *file, kz_jstream *s, kz_err rc)
{
    const kz_json_error *je = kz_jstream_error(s);
    if (je && je->msg[0])
        return kz_cli_error("'%s': line %zu column %zu: %s", file, je->line, je->column,
                            je->msg);
    return kz_cli_error("'%s': %s", file, rc == KZ_EIO ? "read error" : kz_strerror(rc));
}

/* ---- sign ---- */

typedef struct sign_out {
    FILE *f;
    kz_buf b;
    size_t header_written; /* header members already written */
    bool started, any;
    kz_jstream_kind kind;
} sign_out;

static kz_err flush_buf(sign_out *o)
{
    if (o->b.len && fwrite(o->b.data, 1, o->b.len, o->f) != o->b.len)
        return KZ_EIO;
    kz_buf_reset(&o->b);
    return KZ_OK;
}

/* Writes header members from o->header_written on, each followed by ',' if more_after. */
static kz_err write_header(sign_out *o, const kz_json *h, bool comma_first)
{
    kz_err rc = KZ_OK;
    for (size_t i = o->header_written; h && i < h->u.obj.n && !rc; i++) {
        const kz_json_member *m = &h->u.obj.members[i];
        if (comma_first || i > 0)
            rc = kz_buf_append_char(&o->b, ',');
        if (!rc)
            rc = kz_json_write_string(&o->b, m->key, m->key_len, 0);
        if (!rc)
            rc = kz_buf_append_char(&o->b, ':');
        if (!rc)
            rc = kz_json_write(&o->b, m->value, 0);
        o->header_written = i + 1;
    }
    return rc;
}

static kz_err start(sign_out *o, kz_jstream *s)
{
    kz_err rc = KZ_OK;
    o->started = true;
    o->kind = kz_jstream_get_kind(s);
    if (o->kind == KZ_JSTREAM_CONTAINER) {
        /* Members seen before "objects" keep their place; later ones follow it. */
        const kz_json *h = kz_jstream_header(s);
        rc = kz_buf_append_char(&o->b, '{');
        if (!rc)
            rc = write_header(o, h, false);
        if (!rc)
            rc = kz_buf_append_str(&o->b, o->header_written ? ",\"objects\":[" : "\"objects\":[");
    } else if (o->kind == KZ_JSTREAM_ARRAY) {
        rc = kz_buf_append_char(&o->b, '[');
    }
    return rc;
}

static kz_err emit(sign_out *o, const kz_json *v)
{
    kz_err rc = KZ_OK;
    if (o->any && o->kind != KZ_JSTREAM_SINGLE)
        rc = kz_buf_append_str(&o->b, ",\n");
    else if (o->kind != KZ_JSTREAM_SINGLE)
        rc = kz_buf_append_char(&o->b, '\n');
    o->any = true;
    if (!rc)
        rc = kz_json_write(&o->b, v, 0);
    if (!rc)
        rc = flush_buf(o);
    return rc;
}

/* Objects that are the same on every node and must not change. */
static bool leave_unsigned(const kz_json *obj, bool *ext_seen, bool *ident_seen)
{
    const char *id = kz_json_get_string(obj, "id");
    const char *type = kz_json_get_string(obj, "type");
    if (!id || !type)
        return false;
    if (strcmp(id, KZ_FED_SIG_EXT_ID) == 0)
        return *ext_seen = true;
    if (strcmp(id, KZ_FED_SIG_IDENTITY_ID) == 0)
        return *ident_seen = true;
    return strcmp(type, "marking-definition") == 0 && kz_stix_tlp_from_id(id, NULL) != KZ_TLP_NONE;
}

typedef struct sign_opts {
    const char *key_file, *output, *input;
    bool no_definition;
} sign_opts;

static int sign_run(const sign_opts *so, const kz_fed_key *key)
{
    int fd = open_input(so->input);
    if (fd < 0)
        return KZ_EXIT_ERROR;
    const char *in_name = strcmp(so->input, "-") == 0 ? "<stdin>" : so->input;
    int ret = KZ_EXIT_ERROR;
    bool ext_seen = false, ident_seen = false;
    size_t n_signed = 0;
    sign_out o = {.f = stdout};
    kz_buf_init(&o.b, 0);
    kz_jstream *s = kz_jstream_new_fd(fd, 0);
    kz_arena *a = kz_arena_new(0);
    if (!s || !a) {
        kz_cli_error("sign: out of memory");
        goto done;
    }
    if (so->output && !(o.f = fopen(so->output, "w"))) {
        o.f = NULL;
        kz_cli_error("sign: cannot create '%s': %s", so->output, strerror(errno));
        goto done;
    }
    kz_err rc;
    kz_jstream_element el;
    while ((rc = kz_jstream_next(s, &el)) == KZ_OK) {
        if (!o.started && (rc = start(&o, s)) != KZ_OK)
            break;
        kz_arena_reset(a);
        kz_json *obj = NULL, *signed_obj = NULL;
        kz_json_error je;
        rc = kz_json_parse(a, el.data, el.len, NULL, &obj, &je);
        if (rc) {
            kz_cli_error("sign: '%s': object %zu (line %zu): %s", in_name, el.index, el.line,
                         rc == KZ_EPARSE ? je.msg : kz_strerror(rc));
            goto done;
        }
        if (leave_unsigned(obj, &ext_seen, &ident_seen)) {
            signed_obj = obj;
        } else {
            rc = kz_fed_sign_object(a, obj, key, &signed_obj);
            if (rc) {
                kz_cli_error("sign: '%s': object %zu (line %zu): %s", in_name, el.index,
                             el.line,
                             rc == KZ_EINVAL ? "not a JSON object with an object `extensions` "
                                               "and finite numbers"
                                             : kz_strerror(rc));
                goto done;
            }
            n_signed++;
        }
        rc = emit(&o, signed_obj);
        if (rc)
            break;
    }
    if (rc != KZ_EOF) {
        if (rc == KZ_EPARSE || rc == KZ_ETOOBIG || (rc == KZ_EIO && kz_jstream_error(s)))
            stream_error(in_name, s, rc);
        else
            kz_cli_error("sign: %s", rc == KZ_EIO ? "write error" : kz_strerror(rc));
        goto done;
    }
    rc = KZ_OK;
    if (!o.started && (rc = start(&o, s)) != KZ_OK)
        goto oom;
    if (o.kind != KZ_JSTREAM_SINGLE && !so->no_definition) {
        kz_arena_reset(a);
        kz_json *ext = NULL, *ident = NULL;
        rc = kz_fed_sign_ext_objects(a, &ext, &ident);
        if (!rc && !ident_seen)
            rc = emit(&o, ident);
        if (!rc && !ext_seen)
            rc = emit(&o, ext);
        if (rc)
            goto oom;
    }
    if (o.kind == KZ_JSTREAM_CONTAINER) {
        rc = kz_buf_append_str(&o.b, "\n]");
        if (!rc)
            rc = write_header(&o, kz_jstream_header(s), true);
        if (!rc)
            rc = kz_buf_append_char(&o.b, '}');
    } else if (o.kind == KZ_JSTREAM_ARRAY) {
        rc = kz_buf_append_str(&o.b, "\n]");
    }
    if (!rc)
        rc = kz_buf_append_char(&o.b, '\n');
    if (!rc)
        rc = flush_buf(&o);
    if (rc)
        goto oom;
    if (fflush(o.f) != 0) {
        kz_cli_error("sign: write error");
        goto done;
    }
    if (o.f != stdout && fclose(o.f) != 0) {
        o.f = NULL;
        kz_cli_error("sign: cannot write '%s': %s", so->output, strerror(errno));
        goto done;
    }
    if (o.f != stdout)
        o.f = NULL;
    ret = KZ_EXIT_OK;
    (void)n_signed;
    goto done;
oom:
    kz_cli_error("sign: %s", rc == KZ_EIO ? "write error" : kz_strerror(rc));
done:
    if (o.f && o.f != stdout)
        fclose(o.f);
    if (ret != KZ_EXIT_OK && so->output && o.f != stdout)
        unlink(so->output);
    kz_buf_release(&o.b);
    kz_arena_free(a);
    kz_jstream_free(s);
    if (fd != STDIN_FILENO)
        close(fd);
    return ret;
}

int cmd_sign(kz_cli *cli, int argc, char **argv)
{
    sign_opts so = {0};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (kz_cli_is_help(arg)) {
            fputs(sign_usage, stdout);
            return KZ_EXIT_OK;
        } else if (strcmp(arg, "--key") == 0 || strcmp(arg, "-o") == 0 ||
                   strcmp(arg, "--output") == 0) {
            if (i + 1 >= argc)
                return kz_cli_usage("sign", "option '%s' needs a file", arg);
            if (strcmp(arg, "--key") == 0)
                so.key_file = argv[++i];
            else
                so.output = argv[++i];
        } else if (strcmp(arg, "--no-definition") == 0) {
            so.no_definition = true;
        } else if (arg[0] == '-' && arg[1]) {
            return kz_cli_usage("sign", "unknown option '%s'", arg);
        } else if (so.input) {
            return kz_cli_usage("sign", "give one file");
        } else {
            so.input = arg;
        }
    }
    if (!so.input)
        return kz_cli_usage("sign", "give the file to sign (or - for stdin)");
    kz_fed_key *key = NULL;
    kz_err rc;
    const char *kpath = so.key_file;
    char buf[4200];
    if (!kpath) {
        const char *dir = kz_cli_need_data(cli, "sign");
        if (!dir)
            return KZ_EXIT_ERROR;
        snprintf(buf, sizeof buf, "%s/keys/ed25519.key", dir);
        kpath = buf;
    }
    rc = kz_fed_key_load(kpath, &key);
    if (rc)
        return kz_cli_error("sign: cannot load the key '%s': %s", kpath,
                            rc == KZ_ENOTFOUND ? "no such file"
                            : rc == KZ_EPARSE  ? "not an Ed25519 key file"
                                               : kz_strerror(rc));
    int ret = sign_run(&so, key);
    kz_fed_key_free(key);
    return ret;
}

/* ---- verify ---- */

int cmd_verify(kz_cli *cli, int argc, char **argv)
{
    const char *input = NULL;
    bool quiet = cli->quiet;
    for (int i = 1; i < argc; i++) {
        if (kz_cli_is_help(argv[i])) {
            fputs(verify_usage, stdout);
            return KZ_EXIT_OK;
        } else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            quiet = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return kz_cli_usage("verify", "unknown option '%s'", argv[i]);
        } else if (input) {
            return kz_cli_usage("verify", "give one file");
        } else {
            input = argv[i];
        }
    }
    if (!input)
        return kz_cli_usage("verify", "give the file to verify (or - for stdin)");
    const char *dir = kz_cli_need_data(cli, "verify");
    if (!dir)
        return KZ_EXIT_ERROR;
    kz_fed_trust *trust = NULL;
    kz_err rc = kz_fed_trust_load(dir, &trust);
    if (rc == KZ_ENOTFOUND)
        return kz_cli_error("verify: no node in '%s'", dir);
    if (rc)
        return kz_cli_error("verify: cannot load the trusted keys: %s", kz_strerror(rc));
    const char *in_name = strcmp(input, "-") == 0 ? "<stdin>" : input;
    int fd = open_input(input);
    if (fd < 0) {
        kz_fed_trust_free(trust);
        return KZ_EXIT_ERROR;
    }
    int ret = KZ_EXIT_ERROR;
    size_t count[4] = {0};
    kz_jstream *s = kz_jstream_new_fd(fd, 0);
    kz_arena *a = kz_arena_new(0);
    if (!s || !a) {
        kz_cli_error("verify: out of memory");
        goto done;
    }
    kz_jstream_element el;
    while ((rc = kz_jstream_next(s, &el)) == KZ_OK) {
        kz_arena_reset(a);
        kz_json *obj = NULL;
        kz_json_error je;
        rc = kz_json_parse(a, el.data, el.len, NULL, &obj, &je);
        if (rc) {
            kz_cli_error("verify: '%s': object %zu (line %zu): %s", in_name, el.index, el.line,
                         rc == KZ_EPARSE ? je.msg : kz_strerror(rc));
            goto done;
        }
        kz_fed_verify_result r;
        rc = kz_fed_verify_object(obj, trust, &r);
        if (rc) {
            kz_cli_error("verify: %s", kz_strerror(rc));
            goto done;
        }
        count[r.status]++;
        bool problem = r.status == KZ_FED_SIG_BAD_SIGNATURE || r.status == KZ_FED_SIG_UNKNOWN_SIGNER;
        if (!quiet || problem) {
            const char *id = kz_json_get_string(obj, "id");
            char path[64];
            if (kz_jstream_get_kind(s) == KZ_JSTREAM_SINGLE)
                snprintf(path, sizeof path, "$");
            else if (kz_jstream_get_kind(s) == KZ_JSTREAM_ARRAY)
                snprintf(path, sizeof path, "$[%zu]", el.index);
            else
                snprintf(path, sizeof path, "$.objects[%zu]", el.index);
            bool show_key = r.key_id[0] && r.status != KZ_FED_SIG_VERIFIED;
            printf("%s\t%s\t%s\t%s%s%s%s\n", path, id ? id : "-",
                   kz_fed_sig_status_name(r.status),
                   r.status == KZ_FED_SIG_VERIFIED ? r.signer : r.reason,
                   show_key ? " (key " : "", show_key ? r.key_id : "", show_key ? ")" : "");
        }
    }
    if (rc != KZ_EOF) {
        stream_error(in_name, s, rc);
        goto done;
    }
    printf("%zu objects: %zu verified, %zu unsigned, %zu bad signature, %zu unknown signer\n",
           count[0] + count[1] + count[2] + count[3], count[KZ_FED_SIG_VERIFIED],
           count[KZ_FED_SIG_UNSIGNED], count[KZ_FED_SIG_BAD_SIGNATURE],
           count[KZ_FED_SIG_UNKNOWN_SIGNER]);
    ret = count[KZ_FED_SIG_BAD_SIGNATURE] || count[KZ_FED_SIG_UNKNOWN_SIGNER] ? KZ_EXIT_NEGATIVE
                                                                               : KZ_EXIT_OK;
done:
    kz_arena_free(a);
    kz_jstream_free(s);
    if (fd != STDIN_FILENO)
        close(fd);
    kz_fed_trust_free(trust);
    return ret;
}
