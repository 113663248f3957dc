/* gen_report.c - writes a deterministic mixed English/Japanese threat
 * report of about N megabytes to stdout, with indicators planted in every
 * form the scanner handles (plain, defanged, full-width, IDN, in Markdown
 * tables), for bench/extract.sh.
 *
 * usage: gen_report [MB] [SEED]     (defaults 50 and 1) */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint32_t rnd(void)
{
    /* xorshift64*: fast, deterministic for a given seed */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static const char *const en[] = {
    "The actor sent spear-phishing e-mails with a malicious attachment to employees of the "
    "targeted organisation, and the loader then contacted its command and control server.",
    "Analysts observed lateral movement over SMB and the use of legitimate remote "
    "administration tools, which made the intrusion difficult to detect for several weeks.",
    "Version 7.2.4.1 of the product is affected; the vendor released a fix in 8.0.1 and "
    "recommends that administrators update as soon as possible (see the advisory).",
    "The payload was packed with a custom packer and resolved its imports at run time, "
    "e.g. through hashing of API names, i.e. the import table was nearly empty.",
    "Persistence was achieved with a scheduled task named \"UpdateCheck\" that started "
    "rundll32.exe with the backdoor DLL every time a user logged on.",
    "Files such as invoice.zip, install.sh, report.pdf and update.exe were delivered, and "
    "stage2.py downloaded further modules from the staging server.",
};

static const char *const ja[] = {
    "攻撃者は標的型メールを送付し、添付ファイルを開いた利用者の端末でマルウェアが実行されました。",
    "当該マルウェアは感染後に外部の指令サーバーと通信し、追加のモジュールをダウンロードします。",
    "JPCERT/CCでは、国内の複数の組織において同様の手口による被害を確認しています。",
    "バージョン 10.2.3.4 および 1.5.2.0版 の製品が影響を受けるため、速やかな更新を推奨します。",
    "見積書.docx という名前のファイルが添付されており、マクロを有効にすると感染します。",
    "ログを確認し、以下の通信先へのアクセスがないか調査することを推奨します。",
};

static const char *const tlds[] = {"com", "net", "org", "jp", "co.jp", "info", "io", "ru"};
static const char *const words[] = {"update", "cdn", "mail", "secure", "login", "static",
                                    "api",    "news", "cloud", "portal", "dns", "files"};

static void domain(char *o, size_t cap)
{
    snprintf(o, cap, "%s%u.%s%u.%s", words[rnd() % 12], rnd() % 100, words[rnd() % 12],
             rnd() % 1000, tlds[rnd() % 8]);
}

static void hexstr(char *o, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++)
        o[i] = hx[rnd() % 16];
    o[n] = 0;
}

/* Full-width form of ASCII text (U+FF01..U+FF5E). */
static void fullwidth(const char *in, char *o, size_t cap)
{
    size_t k = 0;
    for (; *in && k + 4 < cap; in++) {
        unsigned c = (unsigned char)*in;
        if (c > 0x20 && c < 0x7f) {
            unsigned cp = 0xff01 + (c - 0x21);
            o[k++] = (char)(0xe0 | (cp >> 12));
            o[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            o[k++] = (char)(0x80 | (cp & 0x3f));
        } else {
            o[k++] = (char)c;
        }
    }
    o[k] = 0;
}

/* Replaces every '.' of in with the defang d. */
static void defang(const char *in, const char *d, char *o, size_t cap)
{
    size_t k = 0, dl = strlen(d);
    for (; *in && k + dl + 1 < cap; in++) {
        if (*in == '.') {
            memcpy(o + k, d, dl);
            k += dl;
        } else {
            o[k++] = *in;
        }
    }
    o[k] = 0;
}

static size_t ioc(char *o, size_t cap)
{
    char d[128], t[256], h[130];
    unsigned a = rnd() % 223 + 1, b = rnd() % 256, c = rnd() % 256, e = rnd() % 254 + 1;
    domain(d, sizeof d);
    switch (rnd() % 16) {
    case 0:
        return (size_t)snprintf(o, cap, "the C2 server at %u.%u.%u.%u:443", a, b, c, e);
    case 1:
        return (size_t)snprintf(o, cap, "%u[.]%u[.]%u[.]%u", a, b, c, e);
    case 2:
        return (size_t)snprintf(o, cap, "hxxps://%s/gate.php?id=%u", d, rnd() % 10000);
    case 3:
        defang(d, "[.]", t, sizeof t);
        return (size_t)snprintf(o, cap, "domain %s", t);
    case 4:
        fullwidth(d, t, sizeof t);
        return (size_t)snprintf(o, cap, "通信先は%sです", t);
    case 5:
        hexstr(h, 64);
        return (size_t)snprintf(o, cap, "SHA-256: %s", h);
    case 6:
        hexstr(h, 32);
        return (size_t)snprintf(o, cap, "MD5 %s", h);
    case 7:
        hexstr(h, 40);
        return (size_t)snprintf(o, cap, "ハッシュ値%sを確認", h);
    case 8:
        return (size_t)snprintf(o, cap, "CVE-20%02u-%u", rnd() % 25, 1000 + rnd() % 40000);
    case 9:
        return (size_t)snprintf(o, cap, "T1%03u.%03u", rnd() % 1000, rnd() % 10);
    case 10:
        return (size_t)snprintf(o, cap, "admin[at]%s", d);
    case 11:
        return (size_t)snprintf(o, cap, "2001:db8:%x::%x", rnd() % 0xffff, rnd() % 0xffff);
    case 12:
        return (size_t)snprintf(o, cap, "| %u.%u.%u.%u | %s | C2 |", a, b, c, e, d);
    case 13:
        fullwidth("192.0.2.", t, sizeof t);
        return (size_t)snprintf(o, cap, "ＩＰアドレス%s%u", t, e);
    case 14:
        return (size_t)snprintf(o, cap, "http://%s/dl/%u.bin", d, rnd() % 1000);
    default:
        return (size_t)snprintf(o, cap, "user%u@%s", rnd() % 100, d);
    }
}

int main(int argc, char **argv)
{
    unsigned long mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 50;
    rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) * 0x9e3779b97f4a7c15ull + 1 : 88172645463325252ull;
    size_t target = (size_t)mb << 20, done = 0;
    static char line[8192];
    unsigned para = 0;
    while (done < target) {
        size_t k = 0;
        if (para % 40 == 0)
            k += (size_t)snprintf(line + k, sizeof line - k, "## Section %u\n\n", para / 40 + 1);
        int sentences = 3 + (int)(rnd() % 5);
        for (int s = 0; s < sentences && k < sizeof line - 1024; s++) {
            bool japanese = rnd() % 2;
            const char *t = japanese ? ja[rnd() % 6] : en[rnd() % 6];
            k += (size_t)snprintf(line + k, sizeof line - k, "%s%s", t, japanese ? "" : " ");
            if (rnd() % 3 == 0) {
                k += ioc(line + k, sizeof line - k);
                k += (size_t)snprintf(line + k, sizeof line - k, japanese ? "。" : ". ");
            }
        }
        line[k++] = '\n';
        line[k++] = '\n';
        fwrite(line, 1, k, stdout);
        done += k;
        para++;
    }
    return 0;
}
