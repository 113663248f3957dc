#!/usr/bin/env bash
# classify.sh - the ATT&CK technique classifier (issue 9): (a) prediction
# rate of `kizuna classify` in sentences per second on one core, (b) the
# time `kizuna model train` takes to rebuild the committed model, (c) the
# held-out TRAM micro/macro F1 of `kizuna model eval`, (d) the same F1 for
# a keyword baseline computed in the same run, (e) the model's size, and
# (f) how many ATT&CK procedure sentences of technique families the model
# never saw (the held-out half of the off-topic families, kz_recipe_part)
# it still gives one of the 50 TRAM techniques, at threshold 0 and 0.5
# (bench/classify_cv.c with MODEL=).
#
#   bench/classify.sh [BUILD_DIR] [REPEAT]     (defaults build-bench-rel, 15)
#
# BUILD_DIR is configured as a gcc RelWithDebInfo build if it does not exist.
# (a) classifies every sentence of tram-train, tram-heldout and procedures
# (20,088 lines) repeated REPEAT times (301,320 at 15), pinned to core 0,
# best of 5 by CPU time (user + system of the whole command, model load and
# output included: bench/cputime.c); (b) best of 3, pinned, CPU and wall;
# the baseline (d): for each technique, the word (3+ letters) with the
# highest precision x recall as a keyword of that technique in
# tram-train.jsonl; a sentence gets the technique of its best-scoring
# keyword, "none" without one, scored like kz_classify_eval (a "none" is a
# false negative). Figures go to stdout and bench/out/classify-results.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench-rel}
repeat=${2:-15}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=gcc cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j2 --target kizuna >/dev/null
k="$build/kizuna"
data="$root/data/attack"
model="$root/data/models/attack.kzm"
out="$root/bench/out"
mkdir -p "$out"
"${CC:-cc}" -O2 -Wall -Wextra -o "$out/cputime" "$root/bench/cputime.c"
pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi

# ---- (a) prediction ----
sentences="$out/classify-sentences.txt"
python3 - "$data" "$repeat" "$sentences" <<'PY'
import json, sys
d, rep, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = []
for f in ("tram-train.jsonl", "tram-heldout.jsonl", "procedures.jsonl"):
    for l in open(f"{d}/{f}", encoding="utf-8"):
        if l.strip():
            lines.append(" ".join(json.loads(l)["text"].split()))
with open(dst, "w", encoding="utf-8") as o:
    for _ in range(rep):
        o.write("\n".join(lines) + "\n")
PY
n_sent=$(wc -l <"$sentences")
best_cpu=999999 best_wall=999999
for _ in 1 2 3 4 5; do
    "$out/cputime" -o "$out/classify.time" "${pin[@]}" "$k" classify --model "$model" \
        --file "$sentences" >"$out/classify-pred.tsv"
    read -r u s w <"$out/classify.time"
    best_cpu=$(awk -v a="$u" -v b="$s" -v c="$best_cpu" 'BEGIN { print (a + b < c) ? a + b : c }')
    best_wall=$(awk -v a="$w" -v c="$best_wall" 'BEGIN { print (a < c) ? a : c }')
done
[ "$(wc -l <"$out/classify-pred.tsv")" = "$n_sent" ] || { echo "classify: output lines differ" >&2; exit 1; }
rate=$(awk -v n="$n_sent" -v c="$best_cpu" 'BEGIN { printf "%.0f", n / c }')
rate_wall=$(awk -v n="$n_sent" -v c="$best_wall" 'BEGIN { printf "%.0f", n / c }')

# ---- (b) training ----
t_cpu=999999 t_wall=999999 tr_cpu=999999 tr_wall=999999
for _ in 1 2 3; do
    "$out/cputime" -o "$out/train.time" "${pin[@]}" "$k" model train --data-dir "$data" \
        --out "$out/classify-train.kzm" >"$out/train.out"
    read -r u s w <"$out/train.time"
    t_cpu=$(awk -v a="$u" -v b="$s" -v c="$t_cpu" 'BEGIN { print (a + b < c) ? a + b : c }')
    t_wall=$(awk -v a="$w" -v c="$t_wall" 'BEGIN { print (a < c) ? a : c }')
    # the training call alone, as the command prints it
    read -r w2 c2 < <(sed -n 's/^time: \([0-9.]*\) s wall, \([0-9.]*\) s CPU$/\1 \2/p' "$out/train.out")
    tr_cpu=$(awk -v a="$c2" -v c="$tr_cpu" 'BEGIN { print (a < c) ? a : c }')
    tr_wall=$(awk -v a="$w2" -v c="$tr_wall" 'BEGIN { print (a < c) ? a : c }')
done
if cmp -s "$out/classify-train.kzm" "$model"; then same="identical to"; else same="DIFFERS from"; fi

# ---- (c) the model on the held-out sentences ----
"$k" model eval "$data/tram-heldout.jsonl" --model "$model" --json >"$out/classify-eval.json"
read -r micro macro < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("%.4f %.4f" % (r["micro_f1"], r["macro_f1"]))' "$out/classify-eval.json")

# ---- (d) the keyword baseline, learned from tram-train.jsonl ----
read -r b_micro b_macro b_cover < <(python3 - "$data" <<'PY'
import json, re, sys
from collections import Counter, defaultdict
d = sys.argv[1]
def words(t):
    return set(re.findall(r"[a-z][a-z0-9]{2,}", t.lower()))
train = [json.loads(l) for l in open(f"{d}/tram-train.jsonl", encoding="utf-8") if l.strip()]
held = [json.loads(l) for l in open(f"{d}/tram-heldout.jsonl", encoding="utf-8") if l.strip()]
n_c = Counter(e["attack_id"] for e in train)
n_w, n_cw = Counter(), defaultdict(Counter)
for e in train:
    for w in words(e["text"]):
        n_w[w] += 1
        n_cw[e["attack_id"]][w] += 1
# per class: the word with the best precision x recall as its keyword
kw = {}
for c, cnt in n_cw.items():
    w, s = max(((w, k * k / (n_w[w] * n_c[c])) for w, k in cnt.items()), key=lambda x: (x[1], x[0]))
    kw[c] = (w, s)
def predict(t):
    ws = words(t)
    hits = [(s, c) for c, (w, s) in kw.items() if w in ws]
    return max(hits)[1] if hits else "none"
tp, fp, fn = Counter(), Counter(), Counter()
covered = 0
for e in held:
    g, p = e["attack_id"], predict(e["text"])
    covered += p != "none"
    if p == g:
        tp[g] += 1
    else:
        if p != "none":
            fp[p] += 1
        fn[g] += 1
T, F, N = sum(tp.values()), sum(fp.values()), sum(fn.values())
micro = 2 * T / (2 * T + F + N) if T else 0.0
sup = Counter(e["attack_id"] for e in held)
f1 = [2 * tp[c] / (2 * tp[c] + fp[c] + fn[c]) if tp[c] else 0.0 for c in sup]
print(f"{micro:.4f} {sum(f1) / len(f1):.4f} {covered}")
PY
)
# ---- (f) off-topic sentences the model never saw ----
"${CC:-cc}" -O2 -Wall -Wextra -I"$root/include" -I"$root/lib" -o "$out/classify_cv" \
    "$root/bench/classify_cv.c" "$build/libkizuna.a" -lm
MODEL="$model" "$out/classify_cv" "$data" >"$out/classify-offtopic.txt"
off0=$(sed -n 's/^off-topic, never trained: \([0-9]*\) sentences, threshold 0.0: [0-9]* (\([0-9.]*\) %).*/\2 % of \1/p' "$out/classify-offtopic.txt")
off5=$(sed -n 's/^off-topic, never trained: [0-9]* sentences, threshold 0.5: [0-9]* (\([0-9.]*\) %).*/\1 %/p' "$out/classify-offtopic.txt")

ratio_micro=$(awk -v a="$micro" -v b="$b_micro" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
ratio_macro=$(awk -v a="$macro" -v b="$b_macro" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
bytes=$(stat -c %s "$model")

{
    echo "host: $(uname -srm), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "command: bench/classify.sh $build $repeat"
    echo
    echo "| measure | value |"
    echo "|---|---:|"
    echo "| (a) prediction, $n_sent sentences, best of 5, CPU s | $best_cpu |"
    echo "| (a) sentences/s on one core (CPU) | $rate |"
    echo "| (a) sentences/s (wall) | $rate_wall |"
    echo "| (b) model train, whole command, best of 3: CPU s / wall s | $t_cpu / $t_wall |"
    echo "| (b) training call alone (the command's 'time:' line): CPU s / wall s | $tr_cpu / $tr_wall |"
    echo "| (c) held-out TRAM (815): micro-F1 / macro-F1 | $micro / $macro |"
    echo "| (d) keyword baseline, same sentences: micro-F1 / macro-F1 | $b_micro / $b_macro |"
    echo "| (c)/(d) ratio: micro / macro | ${ratio_micro}x / ${ratio_macro}x |"
    echo "| (e) model bytes (data/models/attack.kzm) | $bytes |"
    echo "| (f) never-seen off-topic procedure sentences given a TRAM technique: threshold 0 / 0.5 | $off0 / $off5 |"
    echo
    echo "The retrained model is $same data/models/attack.kzm. The baseline gives a"
    echo "technique to $b_cover of the 815 held-out sentences (none to the rest)."
} | tee "$out/classify-results.md"
