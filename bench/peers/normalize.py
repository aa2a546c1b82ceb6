#!/usr/bin/env python3
"""Normalize a peer scanner's JSON report to sorted, de-duplicated TSV rows:
vuln_id <TAB> package <TAB> installed_version <TAB> fixed_version

    normalize.py grype|trivy|osv REPORT.json > REPORT.tsv

fixed_version is "" when the report gives none; several fixed versions are
sorted and joined with ",". Go module versions lose their leading "v"
(v0.3.5 -> 0.3.5), as osv-scanner prints them, so rows compare across peers. grype: matches[] (vulnerability.id, artifact.name/version,
vulnerability.fix.versions). trivy: Results[].Vulnerabilities[]
(VulnerabilityID, PkgName, InstalledVersion, FixedVersion). osv-scanner:
results[].packages[].vulnerabilities[] (id, package.name/version, the "fixed"
events of the affected entries naming that package in the same ecosystem,
e.g. "Alpine:v3.10"). osv-scanner reports OS packages by source package
(openssl), grype and trivy by binary package (libssl1.1, libcrypto1.1).
"""
import json
import sys


def clean(s):
    return str(s or "").replace("\t", " ").replace("\n", " ")


def row(vid, name, version, fixed, is_go):
    version = clean(version)
    if is_go and version.startswith("v") and version[1:2].isdigit():
        version = version[1:]
    fixed = ",".join(sorted({f.strip() for f in clean(fixed).split(",") if f.strip()}))
    return "\t".join((clean(vid), clean(name), version, fixed))


def grype(doc):
    for m in doc.get("matches") or []:
        v = m.get("vulnerability") or {}
        a = m.get("artifact") or {}
        fixed = ",".join((v.get("fix") or {}).get("versions") or [])
        yield v.get("id"), a.get("name"), a.get("version"), fixed, a.get("type") == "go-module"


def trivy(doc):
    for r in doc.get("Results") or []:
        for v in r.get("Vulnerabilities") or []:
            yield (v.get("VulnerabilityID"), v.get("PkgName"), v.get("InstalledVersion"), v.get("FixedVersion"),
                   r.get("Type") in ("gobinary", "gomod"))


def osv(doc):
    for r in doc.get("results") or []:
        for p in r.get("packages") or []:
            pkg = p.get("package") or {}
            name, version, eco = pkg.get("name"), pkg.get("version"), pkg.get("ecosystem") or ""
            for v in p.get("vulnerabilities") or []:
                fixed = []
                for a in v.get("affected") or []:
                    ap = a.get("package") or {}
                    if ap.get("name") != name:
                        continue
                    aeco = ap.get("ecosystem") or ""
                    # "Alpine:v3.10" must match exactly; "Go", "npm" by name
                    if eco and aeco and (aeco != eco if ":" in eco else aeco.split(":")[0] != eco):
                        continue
                    for rg in a.get("ranges") or []:
                        for e in rg.get("events") or []:
                            if "fixed" in e and e["fixed"] not in fixed:
                                fixed.append(e["fixed"])
                yield v.get("id"), name, version, ",".join(fixed), eco == "Go"


def main():
    kind, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        doc = json.load(f)
    rows = {row(*r) for r in {"grype": grype, "trivy": trivy, "osv": osv}[kind](doc)}
    for r in sorted(rows):
        print(r)


if __name__ == "__main__":
    main()
