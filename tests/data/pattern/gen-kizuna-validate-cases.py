# Generates the kizuna-*-cases.jsonl file next to it (run from the repository root).
import json
V=[]
def ok(p, v20=True, v21=True): V.append({"pattern":p,"valid":v21,"stix_version":"2.1","valid_2_0":v20,"source":"kizuna"})
def bad(p, off, v20=False): V.append({"pattern":p,"valid":False,"stix_version":"2.1","valid_2_0":v20,"offset":off,"source":"kizuna"})
# every grammar rule, valid
ok("[file:name = 'a'] AND [file:name = 'b'] OR [file:name = 'c'] FOLLOWEDBY [file:name = 'd']")
for lit in ["-5","+5","-0.5",".5","+.5","0","true","false","'it\\'s'","'back\\\\slash'","h''","h'00ff'","b'AA=='","b'AAA='","b'AAAA'","t'2020-02-29T23:59:59.123456789Z'"]:
    ok("[a:b = %s]"%lit)
for op in ["=","==","!=","<>","<","<=",">",">="]:
    ok("[a:b %s 1]"%op); ok("[a:b NOT %s 1]"%op)
ok("[a:b[-1] = 1]"); ok("[a:b[*].c[0].'d e'.f = 1]"); ok("[a:'quoted key'.'x\\'y' = 1]")
ok("[network-traffic:extensions.'http-request-ext'.request_header.'Host' = 'example.com']")
ok("[EXISTS a:b]", v20=False); ok("[EXISTS a:b.c AND a:d = 1]", v20=False)
ok("[a:b = 1] /* comment */ AND // line comment\n [a:c = 2]")
ok("[a:b IN ()]"); ok("[a:b NOT IN (h'01', b'AQ==')]"); ok("[a:b IN (1, 2.5, -3)]"); ok("[a:b IN (t'2020-01-01T00:00:00Z')]")
ok("[a:b LIKE 'x%_y'] AND [a:c NOT LIKE '']"); ok("[a:b MATCHES '^[a-z]+\\\\d{2}$']")
ok("[a:b ISSUBSET '10.0.0.0/8'] AND [a:c ISSUPERSET '2001:db8::1'] AND [a:d NOT ISSUBSET '::/0']")
ok("[a:b = 1] START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00Z' WITHIN 5 SECONDS REPEATS 2 TIMES")
ok("[a:b = 1] WITHIN 0.5 SECONDS"); ok("[a:b = 1] WITHIN .001 SECONDS")
ok("[a:b\u00a0=\u30001]"); ok("[a:b\u2003=\u20281]\u3000")
ok("[ANDROID:ORBIT = 1]"); ok("[x_y:_z = 1]"); ok("[a:b = 1] AND ([a:c = 2] OR [a:d = 3]) FOLLOWEDBY ([a:e = 4])")
ok("[(a:b = 1 OR (a:c = 2)) AND a:d = 3]")
ok("[a:b = 1] START '2020-01-01T00:00:00Z' STOP '2020-01-02T00:00:00Z'", v20=True, v21=False)
V[-1]["offset"]=16
ok("[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS", v20=True, v21=False); V[-1]["offset"]=27
ok("[a:b = 1] REPEATS 2 TIMES WITHIN 5 SECONDS REPEATS 3 TIMES", v20=True, v21=False); V[-1]["offset"]=43
ok("([a:b = 1] REPEATS 2 TIMES) REPEATS 3 TIMES")
ok("[file:hashes.'SHA-1' = '0123456789012345678901234567890123456789']")
ok("[file:hashes.'x-custom' = 'anything']"); ok("[file:hashes.MD5 != 'cead3f77f6cda6ec00f57d76c9a6879f']")
ok("[x:created = t'2024-01-15T12:30:60Z']")
# invalid, with the offset of the error
bad("[a:b = 1", 8); bad("[a:b = 1]]", 9); bad("[a:b 1]", 5); bad("[a:b = 1] and [a:c = 2]", 10)
bad("[a:b = 'unterminated]", 7); bad("[a:b = '\\d']", 7); bad("[a:b = b'A']", 7); bad("[a:b = b'']", 7)
bad("[a:b = h'abc']", 7); bad("[a:b LIKE 5]", 10); bad("[a:b > true]", 7); bad("[a:b MATCHES h'00']", 13)
bad("[a:b IN (1, 'x')]", 1); bad("[a:b IN (true, 1.5)]", 1); bad("[a:b IN 1]", 8); bad("[a:b IN (1 2)]", 11)
bad("[a:b = 1] WITHIN 0 SECONDS", 10); bad("[a:b = 1] WITHIN 0.0 SECONDS", 10); bad("[a:b = 1] REPEATS 0 TIMES", 10)
bad("[a:b = 1] START t'2020-01-02T00:00:00Z' STOP t'2020-01-01T00:00:00Z'", 10)
bad("[a:b = 1] START t'2020-01-01T00:00:00Z' STOP t'2020-01-01T00:00:00Z'", 10)
bad("[a:b MATCHES '(']", 1); bad("[a-b:c-d = 1]", 5); bad("[:b = 1]", 1); bad("[a: = 1]", 4); bad("[a:b.= 1]", 5)
bad("[a:b[x] = 1]", 5); bad("[a:b[1 = 1]", 7); bad("[a:b[1.5] = 1]", 5); bad("", 0); bad("   ", 3); bad("[]", 1); bad("([a:b = 1]", 10)
bad("[a:b = 1] FOLLOWEDBY", 20); bad("[a:b = 1] WITHIN 5", 18); bad("[a:b = 1] REPEATS 2.5 TIMES", 18)
bad("[a:b = 1] REPEATS 2", 19); bad("[a:b = 1] START t'2020-01-01T00:00:00Z'", 39)
bad("[file:hashes.MD5 = 'zz']", 1); bad("[file:hashes.'SHA-256' = 'cead3f77f6cda6ec00f57d76c9a6879f']", 1)
bad("[a:b = 1] /* unterminated", 10); bad("[a:b = 1] LAST 5", 10); bad("[a:b = t'2020-01-01T00:00:00']", 7)
bad("[a:b = t'2020-01-01T00:00:00.Z']", 7); bad("[a:b = 1.]", 8); bad("[a:b = 01]", 8)
bad("[a:b = 1] AND", 13); bad("[a:b = 1] OR OR [a:c = 1]", 13); bad("[a:b = 1 AND]", 12); bad("[a:b = 1 OR (a:c = 2]", 20)
bad("[a:b = 1] NOT [a:c = 2]", 10); bad("[a:b NOT EXISTS]", 9); bad("[a:b = null]", 7); bad("[a:b = 1] WITHIN -5 SECONDS", 17)
bad("[a:b ~ 1]", 5); bad("[a:b = 1] ^", 10); bad("[a:b = 1]\n  AND [a:c ==]", 23)
bad("[true:b = 1]", 1); bad("[a:AND = 1]", 3)
V.append({"pattern":"[EXISTS a:b]","valid":False,"stix_version":"2.0","valid_2_0":False,"offset":8,"source":"kizuna: EXISTS is 2.1 only"})
V.append({"pattern":"[a:b = 'x\u0000y'] START '2020-01-01T00:00:00Z' STOP 'y\u0000'","valid":False,"stix_version":"2.0","valid_2_0":False,"offset":14,"source":"kizuna: regression, a NUL inside a qualifier literal must print back"})
V.append({"pattern":"[a:b = 'x\u0000y'] START '2020-01-01T00:00:00Z' STOP '2020-01-02T00:00:00Z'","valid":True,"stix_version":"2.0","valid_2_0":True,"source":"kizuna: NUL in a string literal"})
for v in V:
    if not v["valid"] and "offset" not in v: raise SystemExit("missing offset "+v["pattern"])
with open('tests/data/pattern/kizuna-validate-cases.jsonl','w') as f:
    for v in V: f.write(json.dumps(v, ensure_ascii=False)+"\n")
print(len(V))
