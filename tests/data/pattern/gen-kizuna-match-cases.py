# Generates the kizuna-*-cases.jsonl file next to it (run from the repository root).
import json, base64
C=[]
n=[0]
def sco(t, **kw):
    n[0]+=1
    d={"type":t,"id":"%s--00000000-0000-4000-8000-%012d"%(t,n[0])}
    d.update(kw); return d
def od(objs, first="2020-01-01T00:00:00Z", last=None, count=1, refs=None):
    n[0]+=1
    return {"type":"observed-data","id":"observed-data--00000000-0000-4000-9000-%012d"%n[0],
            "first_observed":first,"last_observed":last or first,"number_observed":count,
            "object_refs":[o["id"] for o in objs] if refs is None else refs}
def case(pattern, data, expected, ids=None, note=""):
    c={"pattern":pattern,"observed_data":data,"expected":expected,"source":"kizuna","category":note}
    if ids is not None: c["expected_ids"]=ids
    C.append(c)
def simple(objs, **kw):
    o=od(objs, **kw); return [o]+objs, o
# --- operators on one observation
f=sco("file", name="report.pdf", size=1024, hashes={"MD5":"cead3f77f6cda6ec00f57d76c9a6879f","SHA-256":"aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"},
      magic_number_hex="ffd8ffe0", extensions={"windows-pebinary-ext":{"sections":[{"name":".text","entropy":6.1},{"name":".rsrc","entropy":7.6}]}})
data,o=simple([f])
case("[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']", data, True, [o["id"]], "hashes")
case("[file:hashes.MD5 = 'CEAD3F77F6CDA6EC00F57D76C9A6879F']", data, False, [], "hash values compare case-sensitively")
case("[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", data, True, None, "quoted path")
case("[file:hashes.'sha-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", data, False, None, "hash names compare case-sensitively")
case("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]", data, True, None, "[*]")
case("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.7]", data, False, None, "[*]")
case("[file:extensions.'windows-pebinary-ext'.sections[1].name = '.rsrc']", data, True, None, "index")
case("[file:extensions.'windows-pebinary-ext'.sections[0].name = '.rsrc']", data, False, None, "index")
case("[file:extensions.'windows-pebinary-ext'.sections[2].name = '.rsrc']", data, False, None, "index out of range")
case("[file:extensions.'windows-pebinary-ext'.sections[-1].name = '.rsrc']", data, "error", None, "negative index")
case("[file:magic_number_hex = h'ffd8ffe0']", data, True, None, "_hex")
case("[file:magic_number_hex = b'/9j/4A==']", data, True, None, "_hex vs b''")
case("[file:magic_number_hex < h'ffd9']", data, True, None, "_hex ordering")
case("[file:magic_number_hex MATCHES '^\\\\xff\\\\xd8']", data, True, None, "binary MATCHES")
case("[EXISTS file:hashes.MD5]", data, True, None, "EXISTS")
case("[EXISTS file:hashes.'SHA-1']", data, False, None, "EXISTS")
case("[file:size IN (512, 1024.0)]", data, True, None, "IN mixes int and float")
case("[file:size NOT IN (512, 2048)]", data, True, None, "NOT IN")
case("[file:size >= 1024 AND file:size <= 1024]", data, True, None, "AND on one object")
case("[file:name LIKE 'report._df']", data, True, None, "LIKE _")
case("[file:name LIKE 'report%']", data, True, None, "LIKE %")
case("[file:name LIKE 'Report%']", data, False, None, "LIKE is case-sensitive")
case("[file:name LIKE 'report.p']", data, False, None, "LIKE anchors")
case("[file:name MATCHES 'port\\\\.']", data, True, None, "MATCHES searches")
case("[file:name MATCHES '^port']", data, False, None, "MATCHES anchors")
case("[file:name NOT = 'x.pdf']", data, True, None, "NOT =")
case("[file:mime_type NOT = 'x']", data, False, None, "NOT on a missing property is false")
case("[file:name = 'report.pdf' OR file:nothing = 1]", data, True, None, "OR")
case("[file:size > '1000']", data, False, None, "number vs string: no ordering")
case("[file:size != '1024']", data, True, None, "number vs string: not equal")
case("[file:name = t'2020-01-01T00:00:00Z']", data, "error", None, "string that is not a timestamp vs t''")
case("[file:size = t'2020-01-01T00:00:00Z']", data, False, None, "number vs t'': incomparable")
# two file objects in one observation: AND must hold on one root object
f1=sco("file", name="a.exe"); f2=sco("file", size=5)
data,o=simple([f1,f2])
case("[file:name = 'a.exe' AND file:size = 5]", data, False, None, "comparison AND binds one object")
case("[file:name = 'a.exe' OR file:size = 5]", data, True, None, "comparison OR")
case("[file:name = 'a.exe'] AND [file:size = 5]", data, False, None, "observation AND needs two observations")
# network / ip
ip4=sco("ipv4-addr", value="203.0.113.33"); ip6=sco("ipv6-addr", value="2001:db8:dead:beef::1")
nt=sco("network-traffic", dst_ref=ip4["id"], src_ref=ip6["id"], dst_port=443, protocols=["tcp","tls"])
outside=sco("ipv4-addr", value="198.51.100.7")
nt2=sco("network-traffic", dst_ref=outside["id"], dst_port=80)
o1=od([nt,ip4,ip6]); o2=od([nt2])
data=[o1,o2,nt,ip4,ip6,nt2,outside]
case("[network-traffic:dst_ref.value = '203.0.113.33']", data, True, [o1["id"]], "_ref")
case("[network-traffic:dst_ref.value = '198.51.100.7']", data, False, [], "a _ref outside object_refs does not resolve")
case("[network-traffic:dst_ref.value ISSUBSET '203.0.113.0/24']", data, True, None, "ISSUBSET v4")
case("[network-traffic:dst_ref.value ISSUBSET '203.0.112.0/24']", data, False, None, "ISSUBSET v4")
case("[network-traffic:dst_ref.value ISSUBSET '0.0.0.0/0']", data, True, None, "ISSUBSET /0")
case("[network-traffic:src_ref.value ISSUBSET '2001:db8::/32']", data, True, None, "ISSUBSET v6")
case("[network-traffic:src_ref.value ISSUBSET '2001:db9::/32']", data, False, None, "ISSUBSET v6")
case("[network-traffic:src_ref.value ISSUBSET '0.0.0.0/0']", data, False, None, "families never contain each other")
case("[ipv6-addr:value NOT ISSUBSET '2001:db8:dead:beef::/64']", data, False, None, "NOT ISSUBSET v6")
case("[network-traffic:protocols[*] = 'tls']", data, True, None, "[*] of strings")
case("[network-traffic:protocols[*] = 'udp']", data, False, None, "[*] of strings")
case("[network-traffic:dst_port IN (80, 443)]", data, True, [o1["id"],o2["id"]], "simple pattern reports every observation")
blk=sco("ipv4-addr", value="10.1.0.0/16")
data,o=simple([blk])
case("[ipv4-addr:value ISSUPERSET '10.1.2.3']", data, True, None, "ISSUPERSET")
case("[ipv4-addr:value ISSUPERSET '10.0.0.0/8']", data, False, None, "ISSUPERSET")
# _refs
d1=sco("ipv4-addr", value="198.51.100.1"); d2=sco("ipv4-addr", value="198.51.100.2")
dn=sco("domain-name", value="www.5z8.info", resolves_to_refs=[d1["id"], d2["id"], "ipv4-addr--ffffffff-0000-4000-8000-000000000000"])
data,o=simple([dn,d1,d2])
case("[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.2']", data, True, None, "_refs")
case("[domain-name:resolves_to_refs[1].value = '198.51.100.2']", data, True, None, "_refs index")
case("[domain-name:resolves_to_refs[2].value = '198.51.100.2']", data, False, None, "unresolved refs are dropped")
bad=sco("domain-name", value="x", resolves_to_refs="notalist")
data,o=simple([bad])
case("[domain-name:resolves_to_refs[*].value = 'x']", data, "error", None, "_refs that is not a list")
# _bin and NFC
art=sco("artifact", payload_bin=base64.b64encode(bytes([0xd4,0xc3,0xb2,0xa1,2,0,4,0])).decode(), mime_type="application/vnd.tcpdump.pcap")
data,o=simple([art])
case("[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']", data, True, None, "spec example: pcap magic")
case("[artifact:payload_bin = h'd4c3b2a102000400']", data, True, None, "_bin vs h''")
case("[artifact:payload_bin = 'Ô']", data, False, None, "string vs binary through Latin-1")
badbin=sco("artifact", payload_bin="***")
data,o=simple([badbin])
case("[artifact:payload_bin = h'00']", data, "error", None, "_bin that is not base64")
u=sco("file", name="cafe\u0301.txt")
data,o=simple([u])
case("[file:name LIKE 'caf\u00e9%']", data, True, None, "LIKE normalises to NFC")
case("[file:name MATCHES '^caf\u00e9']", data, True, None, "MATCHES normalises to NFC")
case("[file:name = 'caf\u00e9.txt']", data, False, None, "= compares code points")
case("[file:name MATCHES '^\\\\w{4}\\\\.txt$']", data, True, None, "\\w is Unicode-aware as in Python")
# timestamps
e=sco("x-event", seen="2020-01-01T00:00:00.000Z", other="2020-01-01T00:00:01Z", badts="2020-01-01 00:00:00")
data,o=simple([e])
case("[x-event:seen = t'2020-01-01T00:00:00Z']", data, True, None, "timestamps compare by instant")
case("[x-event:seen < t'2020-01-01T00:00:00.000000001Z']", data, True, None, "nanoseconds")
case("[x-event:other > t'2020-01-01T00:00:00.999Z']", data, True, None, "timestamp order")
case("[x-event:seen IN (t'2019-01-01T00:00:00Z', t'2020-01-01T00:00:00Z')]", data, True, None, "IN timestamps")
case("[x-event:badts = t'2020-01-01T00:00:00Z']", data, "error", None, "malformed timestamp in the data")
case("[x-event:seen = t'2020-02-30T00:00:00Z']", data, "error", None, "t'' literal that is not a date")
# temporal qualifiers
A=lambda **kw: sco("x-a", **kw)
a1=A(v=1); a2=A(v=2); a3=A(v=3)
oa=od([a1], first="2020-01-01T00:00:00Z"); ob=od([a2], first="2020-01-01T00:00:10Z"); oc=od([a3], first="2020-01-01T00:00:20Z")
data=[oa,ob,oc,a1,a2,a3]
case("[x-a:v = 1] FOLLOWEDBY [x-a:v = 2]", data, True, [oa["id"],ob["id"]], "FOLLOWEDBY order")
case("[x-a:v = 2] FOLLOWEDBY [x-a:v = 1]", data, False, [], "FOLLOWEDBY order")
case("[x-a:v = 1] FOLLOWEDBY [x-a:v = 2] FOLLOWEDBY [x-a:v = 3]", data, True, None, "FOLLOWEDBY chain")
case("[x-a:v = 1] FOLLOWEDBY [x-a:v = 3] FOLLOWEDBY [x-a:v = 2]", data, False, None, "FOLLOWEDBY chain")
case("([x-a:v = 1] FOLLOWEDBY [x-a:v = 2]) WITHIN 10 SECONDS", data, True, None, "WITHIN boundary is inclusive")
case("([x-a:v = 1] FOLLOWEDBY [x-a:v = 2]) WITHIN 9.999 SECONDS", data, False, None, "WITHIN boundary")
case("([x-a:v = 1] AND [x-a:v = 3]) WITHIN 19 SECONDS", data, False, None, "WITHIN")
case("[x-a:v > 0] REPEATS 3 TIMES WITHIN 20 SECONDS", data, True, None, "REPEATS WITHIN")
case("[x-a:v > 0] REPEATS 3 TIMES WITHIN 19 SECONDS", data, False, None, "REPEATS WITHIN")
case("[x-a:v > 0] REPEATS 4 TIMES", data, False, None, "REPEATS counts observations")
case("[x-a:v = 2] START t'2020-01-01T00:00:10Z' STOP t'2020-01-01T00:00:11Z'", data, True, None, "START is inclusive")
case("[x-a:v = 2] START t'2020-01-01T00:00:09Z' STOP t'2020-01-01T00:00:10Z'", data, False, None, "STOP is exclusive")
case("[x-a:v > 0] REPEATS 2 TIMES START t'2020-01-01T00:00:05Z' STOP t'2020-01-01T00:01:00Z'", data, True, None, "REPEATS START/STOP")
case("[x-a:v > 0] REPEATS 3 TIMES START t'2020-01-01T00:00:05Z' STOP t'2020-01-01T00:01:00Z'", data, False, None, "REPEATS START/STOP")
case("[x-a:v = 1] OR [x-a:v = 9]", data, True, [oa["id"]], "observation OR")
case("[x-a:v = 1] AND [x-a:v = 1]", data, False, None, "AND needs distinct observations")
# overlapping intervals and number_observed
p1=A(w=1); p2=A(w=2)
op1=od([p1], first="2020-01-01T00:00:00Z", last="2020-01-01T01:00:00Z")
op2=od([p2], first="2020-01-01T00:30:00Z", last="2020-01-01T00:40:00Z", count=3)
data=[op1,op2,p1,p2]
case("[x-a:w = 2] FOLLOWEDBY [x-a:w = 1]", data, True, None, "FOLLOWEDBY with overlapping intervals")
case("[x-a:w = 2] REPEATS 3 TIMES", data, True, [op2["id"]], "number_observed 3 is three observations")
case("[x-a:w = 2] REPEATS 4 TIMES", data, False, None, "number_observed 3 is three observations")
case("[x-a:w = 2] AND [x-a:w = 2]", data, True, None, "two of the three observations")
case("[x-a:w > 0] REPEATS 4 TIMES", data, True, None, "REPEATS across objects")
case("([x-a:w = 1] AND [x-a:w = 2]) WITHIN 1 SECONDS", data, True, None, "WITHIN with intervals that overlap")
case("[x-a:w = 1] START t'2020-01-01T01:00:00Z' STOP t'2020-01-02T00:00:00Z'", data, True, None, "interval touching START")
# STIX 2.0 form: embedded objects, references by key
o20={"type":"observed-data","id":"observed-data--00000000-0000-4000-a000-000000000001","first_observed":"2016-04-06T19:58:16Z",
     "last_observed":"2016-04-06T19:58:16Z","number_observed":1,
     "objects":{"0":{"type":"domain-name","value":"example.com","resolves_to_refs":["1"]},"1":{"type":"ipv4-addr","value":"198.51.100.3"}}}
case("[domain-name:resolves_to_refs[*].value = '198.51.100.3']", [o20], True, [o20["id"]], "STIX 2.0 embedded objects")
case("[ipv4-addr:value = '198.51.100.3'] AND [domain-name:value = 'example.com']", [o20], False, None, "one observation cannot bind twice")
# data errors
x=sco("x-a", v=1)
bado=od([x]); bado["number_observed"]=0
case("[x-a:v = 1]", [bado,x], "error", None, "number_observed 0")
bado2=od([x]); bado2["first_observed"]="yesterday"
case("[x-a:v = 1]", [bado2,x], "error", None, "malformed first_observed")
# SDO types never match, objects not referenced never match
ident={"type":"identity","id":"identity--00000000-0000-4000-8000-000000000999","name":"x"}
lone=sco("x-a", v=42)
ox=od([x])
case("[identity:name = 'x']", [ox,x,ident], False, None, "SDOs are not observations")
case("[x-a:v = 42]", [ox,x,lone], False, None, "objects outside object_refs are not observed")

# --- examples of the specification (STIX 2.1 Part 9), with data that matches and data that does not
ea=sco("email-addr", value="alice@example.com"); att=sco("file", name="Final Report 2020.exe"); att2=sco("file", name="Final Report.pdf")
em=sco("email-message", is_multipart=True, from_ref=ea["id"], body_multipart=[{"body_raw_ref":att2["id"]},{"body_raw_ref":att["id"]}])
data,o=simple([em,ea,att,att2])
case("[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']", data, True, [o["id"]], "spec example")
em2=sco("email-message", is_multipart=True, from_ref=ea["id"], body_multipart=[{"body_raw_ref":att2["id"]}])
data,o=simple([em2,ea,att2])
case("[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']", data, False, [], "spec example")
dr=sco("directory", path="C:\\Windows\\System32"); dll=sco("file", name="foo.dll", parent_directory_ref=dr["id"])
data,o=simple([dll,dr])
case("[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32']", data, True, None, "spec example: escaped backslashes")
case("[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\\\Windows\\\\SysWOW64']", data, False, None, "spec example")
ua=[sco("user-account", account_type="unix", user_id=str(1007+k), account_login=nm) for k,nm in enumerate(["Peter","Paul","Mary"])]
obs=[od([u], first="2020-01-01T00:00:%02dZ"%k) for k,u in enumerate(ua)]
tri="[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']"
case(tri, obs+ua, True, [x["id"] for x in obs], "spec example: three observations")
case(tri, obs[:2]+ua[:2], False, [], "spec example: one missing")
md=sco("file", hashes={"MD5":"79054025255fb1a26e4bc422aef54eb4"}); rk=sco("windows-registry-key", key="HKEY_LOCAL_MACHINE\\foo\\bar")
fb="([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) WITHIN 300 SECONDS"
o1=od([md], first="2020-01-01T00:00:00Z"); o2=od([rk], first="2020-01-01T00:05:00Z"); o3=od([rk], first="2020-01-01T00:05:01Z")
case(fb, [o1,o2,md,rk], True, [o1["id"],o2["id"]], "spec example: 300 s apart")
case(fb, [o1,o3,md,rk], False, [], "spec example: 301 s apart")
v6=sco("ipv6-addr", value="2001:db8:dead:beef::1"); nt6=sco("network-traffic", dst_ref=v6["id"], protocols=["ipv6","tcp"])
data,o=simple([nt6,v6])
case("[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']", data, True, None, "spec example: IPv6 block written in full")
pr=sco("process", name="procfoo")
data,o=simple([pr])
case("([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']", data, True, [o["id"]], "spec example")
x5=sco("x509-certificate", issuer="CN=WEBMAIL", serial_number="4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28")
data,o=simple([x5])
case("[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']", data, True, None, "spec example")
r1=sco("ipv4-addr", value="198.51.100.1"); dn5=sco("domain-name", value="www.5z8.info", resolves_to_refs=[r1["id"]])
data,o=simple([dn5,r1])
case("[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']", data, False, None, "spec example: = compares strings, '198.51.100.1' is not '198.51.100.1/32'")
case("[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value ISSUBSET '198.51.100.1/32']", data, True, None, "the same with ISSUBSET")
cid=sco("ipv4-addr", value="203.0.113.33/32"); ntc=sco("network-traffic", dst_ref=cid["id"])
data,o=simple([ntc,cid])
case("[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']", data, True, None, "spec example: an ipv4-addr value may be a block")

# many objects in one observation: _ref resolution through the sorted index
ips=[sco("ipv4-addr", value="192.0.2.%d"%k) for k in range(12)]
nts=[sco("network-traffic", dst_ref=ips[(k*5)%12]["id"], dst_port=1000+k) for k in range(12)]
big=od(nts+ips)
case("[network-traffic:dst_port = 1007 AND network-traffic:dst_ref.value = '192.0.2.11']", [big]+nts+ips, True, [big["id"]], "24 objects in one observation")
case("[network-traffic:dst_port = 1007 AND network-traffic:dst_ref.value = '192.0.2.10']", [big]+nts+ips, False, None, "24 objects in one observation")
with open('tests/data/pattern/kizuna-match-cases.jsonl','w') as fo:
    for c in C: fo.write(json.dumps(c, ensure_ascii=False)+"\n")
print(len(C))
