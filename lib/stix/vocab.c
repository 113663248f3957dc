/* vocab.c - the STIX 2.1 vocabularies (Part 10) as tables: open ones
 * ("-ov", unknown values are warnings) and closed ones ("-enum", unknown
 * values are errors); which is which is decided by the property table. */
#include <string.h>

#include "stix/stix_int.h"

bool kz_vocab_has(const kz_vocab *voc, const char *s)
{
    for (const char *const *v = voc->values; *v; v++)
        if ((*v)[0] == s[0] && strcmp(*v, s) == 0)
            return true;
    return false;
}

#define VOCAB(var, name, ...)                                  \
    static const char *const var##_values[] = {__VA_ARGS__, NULL}; \
    const kz_vocab var = {name, var##_values}

VOCAB(kz_voc_attack_motivation, "attack-motivation-ov", "accidental", "coercion", "dominance",
      "ideology", "notoriety", "organizational-gain", "personal-gain", "personal-satisfaction",
      "revenge", "unpredictable");
VOCAB(kz_voc_attack_resource_level, "attack-resource-level-ov", "individual", "club", "contest",
      "team", "organization", "government");
VOCAB(kz_voc_grouping_context, "grouping-context-ov", "suspicious-activity", "malware-analysis",
      "unspecified");
VOCAB(kz_voc_identity_class, "identity-class-ov", "individual", "group", "system",
      "organization", "class", "unknown");
VOCAB(kz_voc_implementation_language, "implementation-language-ov", "applescript", "bash", "c",
      "c++", "c#", "go", "java", "javascript", "lua", "objective-c", "perl", "php", "powershell",
      "python", "ruby", "scala", "swift", "typescript", "visual-basic", "x86-32", "x86-64");
VOCAB(kz_voc_indicator_type, "indicator-type-ov", "anomalous-activity", "anonymization",
      "benign", "compromised", "malicious-activity", "attribution", "unknown");
VOCAB(kz_voc_industry_sector, "industry-sector-ov", "agriculture", "aerospace", "automotive",
      "chemical", "commercial", "communications", "construction", "defense", "education",
      "energy", "entertainment", "financial-services", "government",
      "government-emergency-services", "government-local", "government-national",
      "government-public-services", "government-regional", "healthcare", "hospitality-leisure",
      "infrastructure", "infrastructure-dams", "infrastructure-nuclear",
      "infrastructure-water", "insurance", "manufacturing", "mining", "non-profit",
      "pharmaceuticals", "retail", "technology", "telecommunications", "transportation",
      "utilities");
VOCAB(kz_voc_infrastructure_type, "infrastructure-type-ov", "amplification", "anonymization",
      "botnet", "command-and-control", "control-system", "exfiltration", "firewall",
      "hosting-malware", "hosting-target-lists", "phishing", "reconnaissance",
      "routers-switches", "staging", "workstation", "unknown");
VOCAB(kz_voc_malware_result, "malware-result-ov", "malicious", "suspicious", "benign",
      "unknown");
VOCAB(kz_voc_malware_capabilities, "malware-capabilities-ov", "accesses-remote-machines",
      "anti-debugging", "anti-disassembly", "anti-emulation", "anti-memory-forensics",
      "anti-sandbox", "anti-vm", "captures-input-peripherals", "captures-output-peripherals",
      "captures-system-state-data", "cleans-traces-of-infection", "commits-fraud",
      "communicates-with-c2", "compromises-data-availability", "compromises-data-integrity",
      "compromises-system-availability", "controls-local-machine",
      "degrades-security-software", "degrades-system-updates", "determines-c2-server",
      "emails-spam", "escalates-privileges", "evades-av", "exfiltrates-data",
      "fingerprints-host", "hides-artifacts", "hides-executing-code", "infects-files",
      "infects-remote-machines", "installs-other-components", "persists-after-system-reboot",
      "prevents-artifact-access", "prevents-artifact-deletion", "probes-network-environment",
      "self-modifies", "steals-authentication-credentials",
      "violates-system-operational-integrity");
VOCAB(kz_voc_malware_type, "malware-type-ov", "adware", "backdoor", "bot", "bootkit", "ddos",
      "downloader", "dropper", "exploit-kit", "keylogger", "ransomware", "remote-access-trojan",
      "resource-exploitation", "rogue-security-software", "rootkit", "screen-capture",
      "spyware", "trojan", "unknown", "virus", "webshell", "wiper", "worm");
VOCAB(kz_voc_pattern_type, "pattern-type-ov", "stix", "pcre", "sigma", "snort", "suricata",
      "yara");
VOCAB(kz_voc_processor_architecture, "processor-architecture-ov", "alpha", "arm", "ia-64",
      "mips", "powerpc", "sparc", "x86", "x86-64");
VOCAB(kz_voc_region, "region-ov", "africa", "eastern-africa", "middle-africa",
      "northern-africa", "southern-africa", "western-africa", "americas",
      "latin-america-caribbean", "south-america", "caribbean", "central-america",
      "northern-america", "asia", "central-asia", "eastern-asia", "southern-asia",
      "south-eastern-asia", "western-asia", "europe", "eastern-europe", "northern-europe",
      "southern-europe", "western-europe", "oceania", "antarctica", "australia-new-zealand",
      "melanesia", "micronesia", "polynesia");
VOCAB(kz_voc_report_type, "report-type-ov", "attack-pattern", "campaign", "identity",
      "indicator", "intrusion-set", "malware", "observed-data", "threat-actor", "threat-report",
      "tool", "vulnerability");
VOCAB(kz_voc_threat_actor_type, "threat-actor-type-ov", "activist", "competitor",
      "crime-syndicate", "criminal", "hacker", "insider-accidental", "insider-disgruntled",
      "nation-state", "sensationalist", "spy", "terrorist", "unknown");
VOCAB(kz_voc_threat_actor_role, "threat-actor-role-ov", "agent", "director", "independent",
      "infrastructure-architect", "infrastructure-operator", "malware-author", "sponsor");
VOCAB(kz_voc_threat_actor_sophistication, "threat-actor-sophistication-ov", "none", "minimal",
      "intermediate", "advanced", "expert", "innovator", "strategic");
VOCAB(kz_voc_tool_type, "tool-type-ov", "denial-of-service", "exploitation",
      "information-gathering", "network-capture", "credential-exploitation", "remote-access",
      "vulnerability-scanning", "unknown");
VOCAB(kz_voc_account_type, "account-type-ov", "facebook", "ldap", "nis", "openid", "radius",
      "skype", "tacacs", "twitter", "unix", "windows-local", "windows-domain");
VOCAB(kz_voc_hash_algorithm, "hash-algorithm-ov", "MD5", "SHA-1", "SHA-256", "SHA-512",
      "SHA3-256", "SHA3-512", "SSDEEP", "TLSH");
VOCAB(kz_voc_encryption_algorithm, "encryption-algorithm-enum", "AES-256-GCM",
      "ChaCha20-Poly1305", "mime-type-indicated");
VOCAB(kz_voc_windows_registry_datatype, "windows-registry-datatype-enum", "REG_NONE", "REG_SZ",
      "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN",
      "REG_DWORD_LITTLE_ENDIAN", "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST",
      "REG_FULL_RESOURCE_DESCRIPTION", "REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD",
      "REG_INVALID_TYPE");
VOCAB(kz_voc_opinion, "opinion-enum", "strongly-disagree", "disagree", "neutral", "agree",
      "strongly-agree");
VOCAB(kz_voc_extension_type, "extension-type-enum", "new-sdo", "new-sco", "new-sro",
      "property-extension", "toplevel-property-extension");
VOCAB(kz_voc_socket_address_family, "network-socket-address-family-enum", "AF_UNSPEC",
      "AF_INET", "AF_IPX", "AF_APPLETALK", "AF_NETBIOS", "AF_INET6", "AF_IRDA", "AF_BTH");
VOCAB(kz_voc_socket_type, "network-socket-type-enum", "SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW",
      "SOCK_RDM", "SOCK_SEQPACKET");
VOCAB(kz_voc_windows_integrity_level, "windows-integrity-level-enum", "low", "medium", "high",
      "system");
VOCAB(kz_voc_windows_pebinary_type, "windows-pebinary-type-ov", "dll", "exe", "sys");
VOCAB(kz_voc_windows_service_start_type, "windows-service-start-type-enum",
      "SERVICE_AUTO_START", "SERVICE_BOOT_START", "SERVICE_DEMAND_START", "SERVICE_DISABLED",
      "SERVICE_SYSTEM_ALERT");
VOCAB(kz_voc_windows_service_type, "windows-service-type-enum", "SERVICE_KERNEL_DRIVER",
      "SERVICE_FILE_SYSTEM_DRIVER", "SERVICE_WIN32_OWN_PROCESS", "SERVICE_WIN32_SHARE_PROCESS");
VOCAB(kz_voc_windows_service_status, "windows-service-status-enum", "SERVICE_CONTINUE_PENDING",
      "SERVICE_PAUSE_PENDING", "SERVICE_PAUSED", "SERVICE_RUNNING", "SERVICE_START_PENDING",
      "SERVICE_STOP_PENDING", "SERVICE_STOPPED");
