#!/usr/bin/env python3
"""Compare Vigil's JSON report of one image with the peers' reports, and with
what the advisory files themselves imply.

    compare.py --name NAME --vigil VIGIL.json [--peer LABEL=KIND:REPORT.json ...]
               [--data ../shared/data] [--gobin BINARY] [--summary FILE]

KIND is grype, trivy or osv; the peer reports are read with
bench/peers/normalize.py (rows: vuln_id, package, installed_version,
fixed_versions). A Vigil finding and a peer row are the same finding when
  - the peer's id is Vigil's id or one of Vigil's aliases (Vigil reports the
    CVE of a group that has one, GO-/GHSA- ids as aliases),
  - the package names are equal; osv-scanner names OS packages (apk, deb, rpm)
    by their source package, so for it Vigil's binary packages are projected
    onto their sourceName (several Vigil rows -> one row),
  - the installed versions are equal (Go: without "v"/"go").
The fixed versions agree when Vigil's is one of the peer's (peers may list the
fix of every release branch: "0.2.4,1.2.6").

--data: an oracle computed straight from the advisory files for Vigil's
inventory (packages[]): Alpine secdb (secfixes newer than the installed
version, apk version order), Go vulndb and the GHSA npm sample (OSV ranges,
SemVer order), Node.js Security WG npm advisories (node-semver ranges, via
npm's bundled semver), Debian DSA/DLA (checked only for having no line for the
release). Printed as "data" like a peer.

--gobin: a Go binary of the image; only-Vigil Go rows against grype are
annotated with whether any vulnerable symbol of the advisory (OSV
ecosystem_specific.imports) is among the binary's function names
(.gopclntab, inlined functions included, as syft captures them), which is
grype's filter.

Prints, per peer, the counts and every differing row; --summary appends one
TSV line per peer: name, label, vigil, peer, both, only_vigil, only_peer,
fixed_disagree.
"""
import argparse
import glob
import importlib.util
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("normalize", os.path.join(HERE, "..", "peers", "normalize.py"))
normalize = importlib.util.module_from_spec(spec)
spec.loader.exec_module(normalize)

OS_TYPES = ("apk", "deb", "rpm")


def gover(v):
    """Go versions as the peers print them: no leading "v" or "go"."""
    v = v or ""
    if v.startswith("go") and v[2:3].isdigit():
        return v[2:]
    if v.startswith("v") and v[1:2].isdigit():
        return v[1:]
    return v


# ---------------------------------------------------------------- Vigil

def load_vigil(path):
    doc = json.load(open(path))
    rows = []
    for v in doc.get("vulnerabilities") or []:
        p = v["package"]
        is_go = p.get("type") == "go-module"
        rows.append({
            "id": v["id"],
            "ids": {v["id"], *(v.get("aliases") or [])},
            "name": p["name"],
            "type": p.get("type", ""),
            "source": p.get("sourceName") or p["name"],
            "version": gover(v["installed_version"]) if is_go else v["installed_version"],
            "fixed": gover(v.get("fixed_version", "")) if is_go else v.get("fixed_version", ""),
        })
    return doc, rows


def units(rows, by_source):
    """Vigil rows keyed in a peer's package space: (id, package, version)."""
    out = {}
    for r in rows:
        name = r["source"] if by_source and r["type"] in OS_TYPES else r["name"]
        k = (r["id"], name, r["version"])
        u = out.setdefault(k, {"ids": set(), "fixed": set(), "members": []})
        u["ids"] |= r["ids"]
        if r["fixed"]:
            u["fixed"].add(r["fixed"])
        u["members"].append(r["name"])
    return out


# ---------------------------------------------------------------- peers

def load_peer(kind, path):
    doc = json.load(open(path))
    rows = set()
    for r in getattr(normalize, kind)(doc):
        rows.add(normalize.row(*r))
    out = []
    for line in sorted(rows):
        vid, name, ver, fixed = line.split("\t")
        out.append({"id": vid, "name": name, "version": ver,
                    "fixed": {f for f in fixed.split(",") if f}})
    return out


def compare(vrows, prows, by_source):
    vu = units(vrows, by_source)
    matched_v, matched_p, pairs = set(), set(), []
    for i, p in enumerate(prows):
        for k, u in vu.items():
            if p["id"] in u["ids"] and p["name"] == k[1] and p["version"] == k[2]:
                matched_v.add(k)
                matched_p.add(i)
                pairs.append((k, u, p))
    only_v = [(k, vu[k]) for k in sorted(vu) if k not in matched_v]
    only_p = [p for i, p in enumerate(prows) if i not in matched_p]
    fixdis = [(k, u, p) for k, u, p in pairs
              if not (u["fixed"] & p["fixed"]) and (u["fixed"] or p["fixed"])]
    return vu, matched_v, only_v, only_p, fixdis


# ---------------------------------------------------------------- oracle

def apk_tokens(v):
    """apk-tools version order, enough for secdb versions: numbers, a letter,
    _suffixes, -rN."""
    m = re.match(r"^([0-9][0-9.]*)([a-z]?)((?:_[a-z]+[0-9]*)*)(?:-r([0-9]+))?$", v)
    if not m:
        return None
    nums = [int(x) for x in m.group(1).strip(".").split(".")]
    letter = m.group(2)
    order = {"alpha": -4, "beta": -3, "pre": -2, "rc": -1, "cvs": 1, "svn": 2, "git": 3, "hg": 4, "p": 5}
    sufs = []
    for s in re.findall(r"_([a-z]+)([0-9]*)", m.group(3)):
        sufs.append((order.get(s[0], 0), int(s[1] or 0)))
    return nums, letter, sufs, int(m.group(4) or 0)


def apk_cmp(a, b):
    ta, tb = apk_tokens(a), apk_tokens(b)
    if ta is None or tb is None:
        raise ValueError(f"apk version {a!r} or {b!r} not understood")
    na, nb = ta[0], tb[0]
    for i in range(max(len(na), len(nb))):
        if i >= len(na):
            return -1
        if i >= len(nb):
            return 1
        if na[i] != nb[i]:
            return -1 if na[i] < nb[i] else 1
    if ta[1] != tb[1]:
        return -1 if ta[1] < tb[1] else 1
    sa, sb = ta[2] + [(0, 0)], tb[2] + [(0, 0)]
    for x, y in zip(sa, sb):
        if x != y:
            return -1 if x < y else 1
    return (ta[3] > tb[3]) - (ta[3] < tb[3])


def semver_key(v):
    m = re.match(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$", v)
    if not m:
        raise ValueError(f"semver {v!r} not understood")
    core = tuple(int(x or 0) for x in m.group(1, 2, 3))
    pre = m.group(4)
    if pre is None:
        return core, (1,)
    ids = tuple((0, int(x), "") if x.isdigit() else (1, 0, x) for x in pre.split("."))
    return core, (0, ids)


def semver_cmp(a, b):
    ka, kb = semver_key(a), semver_key(b)
    return (ka > kb) - (ka < kb)


def osv_affected(version, ranges, cmp):
    """OSV range evaluation (introduced/fixed/last_affected events); returns
    (affected, fixed version of the matching interval)."""
    for r in ranges:
        if r.get("type") not in ("SEMVER", "ECOSYSTEM"):
            continue
        evs = r.get("events") or []
        intro = None
        for e in evs:
            if "introduced" in e:
                intro = e["introduced"]
            elif intro is not None and ("fixed" in e or "last_affected" in e):
                lo_ok = intro == "0" or cmp(version, intro) >= 0
                if "fixed" in e:
                    if lo_ok and cmp(version, e["fixed"]) < 0:
                        return True, e["fixed"]
                else:
                    if lo_ok and cmp(version, e["last_affected"]) <= 0:
                        return True, ""
                intro = None
        if intro is not None and (intro == "0" or cmp(version, intro) >= 0):
            return True, ""
    return False, ""


def node_satisfies(pairs):
    """node-semver satisfies() for [(version, range)], with npm's bundled
    semver; None when node is not available."""
    if not pairs:
        return []
    js = ("const s=require(process.argv[1]);let d='';process.stdin.on('data',c=>d+=c).on('end',()=>"
          "{console.log(JSON.stringify(JSON.parse(d).map(([v,r])=>s.satisfies(v,r,{loose:true}))))})")
    for mod in ("/usr/lib/node_modules/npm/node_modules/semver", "/usr/local/lib/node_modules/npm/node_modules/semver"):
        if os.path.isdir(mod):
            try:
                out = subprocess.run(["node", "-e", js, mod], input=json.dumps(pairs), capture_output=True,
                                     text=True, check=True).stdout
                return json.loads(out)
            except (OSError, subprocess.CalledProcessError):
                return None
    return None


def nswg_fixed(installed, patched):
    """The first version of an NSWG patched_versions range above the
    installed one: the lowest ">=X", "~X" or "^X" bound greater than it."""
    c = []
    for b in re.findall(r"(?:>=|~|\^)\s*v?([0-9][0-9A-Za-z.+-]*)", patched):
        b = ".".join((b.replace(".x", "").split(".") + ["0", "0"])[:3]) if "x" in b or b.count(".") < 2 else b
        try:
            if semver_cmp(b, installed) > 0:
                c.append(b)
        except ValueError:
            pass
    c.sort(key=semver_key)
    return set(c[:1])


def oracle(doc, data):
    pkgs = {(p["type"], p["name"], p["version"], p.get("sourceName") or p["name"]) for p in doc["packages"]}
    rows, notes = [], []
    osinfo = (doc.get("image") or {}).get("os") or {}
    # Alpine secdb
    apks = [p for p in pkgs if p[0] == "apk"]
    if apks:
        rel = "v" + ".".join(osinfo.get("versionId", "").split(".")[:2])
        fixes = {}
        for f in glob.glob(os.path.join(data, "distro/alpine-secdb/alpine", rel, "*.json")):
            for p in json.load(open(f)).get("packages") or []:
                for fv, ids in ((p["pkg"].get("secfixes") or {}).items()):
                    fixes.setdefault(p["pkg"]["name"], []).append((fv, ids))
        for _, name, ver, src in apks:
            for fv, ids in fixes.get(src, []):
                if fv == "0" or apk_cmp(ver, fv) >= 0:
                    continue
                for entry in ids:
                    for cve in re.findall(r"(?i)\bCVE[-_ ]?(\d{4})-(\d{4,})", entry):
                        rows.append({"id": f"CVE-{cve[0]}-{cve[1]}", "name": name, "version": ver, "fixed": {fv}})
        notes.append(f"alpine secdb {rel}: {len(apks)} packages")
    # Go vulndb
    gos = [p for p in pkgs if p[0] == "go-module" and p[2]]
    if gos:
        want = {p[1] for p in gos}
        for f in glob.glob(os.path.join(data, "osv/go/*.json")):
            rec = json.load(open(f))
            for a in rec.get("affected") or []:
                ap = a.get("package") or {}
                if ap.get("ecosystem") != "Go" or ap.get("name") not in want:
                    continue
                for _, name, ver, _ in gos:
                    if name != ap["name"]:
                        continue
                    hit, fx = osv_affected(gover(ver), a.get("ranges") or [], semver_cmp)
                    if hit:
                        rows.append({"id": rec["id"], "name": name, "version": gover(ver), "fixed": {fx} - {""}})
        notes.append(f"Go vulndb: {len(gos)} modules")
    # npm: GHSA sample (OSV) and Node.js Security WG
    npms = sorted({(p[1], p[2]) for p in pkgs if p[0] == "npm"})
    if npms:
        names = {n for n, _ in npms}
        for f in glob.glob(os.path.join(data, "osv/npm-ghsa-sample/*.json")):
            rec = json.load(open(f))
            for a in rec.get("affected") or []:
                ap = a.get("package") or {}
                if ap.get("ecosystem") != "npm" or ap.get("name") not in names:
                    continue
                for n, v in npms:
                    if n == ap["name"]:
                        hit, fx = osv_affected(v, a.get("ranges") or [], semver_cmp)
                        if hit:
                            rows.append({"id": rec["id"], "name": n, "version": v, "fixed": {fx} - {""}})
        pairs, meta = [], []
        for f in glob.glob(os.path.join(data, "advisories/nodejs-security-wg/vuln/npm/[0-9]*.json")):
            rec = json.load(open(f))
            if rec.get("module_name") not in names:
                continue
            for n, v in npms:
                if n == rec["module_name"]:
                    pairs.append((v, rec.get("vulnerable_versions") or "*"))
                    meta.append((f"NSWG-ECO-{rec['id']}", n, v, rec.get("patched_versions") or ""))
        res = node_satisfies(pairs)
        if res is None:
            notes.append("NSWG: not checked (node or npm's semver missing)")
        else:
            for hit, (vid, n, v, patched) in zip(res, meta):
                if hit:
                    rows.append({"id": vid, "name": n, "version": v, "fixed": nswg_fixed(v, patched),
                                 "patched": patched})
            notes.append(f"npm: {len(npms)} name/versions, {len(pairs)} NSWG (name, version) pairs evaluated")
    # Debian DSA/DLA: only whether the release has any line at all
    debs = [p for p in pkgs if p[0] == "deb"]
    if debs:
        code = osinfo.get("codename", "")
        n = 0
        for lst in ("DSA", "DLA"):
            fp = os.path.join(data, "distro/debian-security-tracker/data", lst, "list")
            if os.path.exists(fp):
                n += sum(1 for line in open(fp, errors="replace") if f"[{code}]" in line)
        notes.append(f"debian DSA/DLA: {n} lines for [{code}] ({len(debs)} deb packages)"
                     + ("; nothing can match" if n == 0 else "; NOT checked further"))
    # one row per (id, package, version); a record with several matching
    # intervals (GHSA-r683-j2x4-v87g: [1.0, 3.1.1) and [0, 2.6.7)) gives all their fixes
    merged = {}
    for r in rows:
        m = merged.setdefault((r["id"], r["name"], r["version"]), dict(r, fixed=set()))
        m["fixed"] |= r["fixed"]
        if len([x for x in rows if (x["id"], x["name"], x["version"]) == (r["id"], r["name"], r["version"])]) > 1:
            m["overlap"] = True
    for k, m in merged.items():
        if m.get("overlap"):
            notes.append(f"{k[0]} {k[1]} {k[2]}: several intervals contain it, fixes {','.join(sorted(m['fixed']))}")
    return list(merged.values()), notes


# ---------------------------------------------------------------- symbols

def go_symbols(path):
    """Function names of a Go ELF binary as syft records them for grype's
    filter: every NUL-terminated name in .gopclntab (the funcname table holds
    top-level and inlined functions, which `go tool nm` misses, e.g.
    x/text/language.Parse), in govulndb's notation ("(*T).M" -> "T.M")."""
    import struct
    b = open(path, "rb").read()
    if b[:4] != b"\x7fELF" or b[4] != 2:
        raise SystemExit(f"{path}: not a 64-bit ELF file")
    shoff, = struct.unpack_from("<Q", b, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3A)
    secs = [struct.unpack_from("<IIQQQQ", b, shoff + i * shentsize) for i in range(shnum)]
    stro = secs[shstrndx][4]
    tab = None
    for name, _, _, _, off, size in secs:
        n = b[stro + name:b.index(b"\0", stro + name)]
        if n == b".gopclntab":
            tab = b[off:off + size]
    if tab is None:
        raise SystemExit(f"{path}: no .gopclntab")
    syms = set()
    for raw in tab.split(b"\0"):
        try:
            s = raw.decode()
        except UnicodeDecodeError:
            continue
        if not re.fullmatch(r"[\w./*()\[\],~-]+", s) or s.endswith(".go"):
            continue
        s = s.replace("(*", "").replace(")", "")
        s = re.sub(r"\[[^\]]*\]", "", s)
        if s.endswith("-fm"):
            s = s[:-3]
        syms.add(s)
    return syms


def vulnerable_symbols(data, ids, module, syms):
    """(record id, listed symbols, present symbols) of the first of ids that
    is a Go vulndb record naming module; None when there is none."""
    for vid in sorted(ids):
        f = os.path.join(data, "osv/go", vid + ".json")
        if not os.path.exists(f):
            continue
        listed, present = [], []
        for a in json.load(open(f)).get("affected") or []:
            if (a.get("package") or {}).get("name") != module:
                continue
            for imp in (a.get("ecosystem_specific") or {}).get("imports") or []:
                path = imp.get("path", "")
                for s in imp.get("symbols") or [""]:
                    full = path + ("." + s if s else "")
                    listed.append(full)
                    if (s and full in syms) or (not s and any(x.startswith(path + ".") for x in syms)):
                        present.append(full)
        return vid, listed, present
    return None


def symbol_note(data, ids, module, syms):
    r = vulnerable_symbols(data, ids, module, syms)
    if r is None:
        return "no Go vulndb record"
    vid, listed, present = r
    pk = sorted({x.rsplit(".", 1)[0] if "." in x.split("/")[-1] else x for x in listed})
    return (f"{vid}: {len(listed)} vulnerable symbols in {', '.join(pk[:3])}{'…' if len(pk) > 3 else ''}; "
            + (f"present: {', '.join(present[:3])}" if present else "none in the binary"))


# ---------------------------------------------------------------- main

def fmt_fixed(s):
    return ",".join(sorted(s)) or "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--peer", action="append", default=[])
    ap.add_argument("--data")
    ap.add_argument("--gobin")
    ap.add_argument("--summary")
    a = ap.parse_args()
    doc, vrows = load_vigil(a.vigil)
    syms = go_symbols(a.gobin) if a.gobin else None
    inv = {(p["name"], gover(p["version"]) if p.get("type") == "go-module" else p["version"]) for p in doc["packages"]}
    inv |= {(p.get("sourceName") or p["name"], p["version"]) for p in doc["packages"]}

    peers = []
    for spec_ in a.peer:
        label, rest = spec_.split("=", 1)
        kind, path = rest.split(":", 1)
        peers.append((label, kind, load_peer(kind, path)))
    if a.data:
        orows, notes = oracle(doc, a.data)
        peers.append(("data", "data", orows))

    print(f"=== {a.name}: Vigil {len(vrows)} findings")
    for label, kind, prows in peers:
        by_source = kind == "osv"
        vu, both, only_v, only_p, fixdis = compare(vrows, prows, by_source)
        space = " (by source package)" if by_source and len(vu) != len(vrows) else ""
        print(f"--- {a.name} vs {label}: vigil={len(vu)}{space} {label}={len(prows)} both={len(both)} "
              f"only-vigil={len(only_v)} only-{label}={len(only_p)} fixed-disagree={len(fixdis)}")
        if kind == "data":
            for n in notes:
                print(f"    note: {n}")
            dup = {}
            for r in prows:
                for k, u in vu.items():
                    if r["id"] in u["ids"] and r["name"] == k[1] and r["version"] == k[2]:
                        dup.setdefault((r["id"], r["name"], r["version"]), set()).add(k[0])
            for key, ks in sorted(dup.items()):
                if len(ks) > 1:
                    print(f"    DUPLICATE: {key} reported by several Vigil findings: {sorted(ks)}")
        if syms is not None and kind == "grype":
            gokeys = [k for k in vu if any(r["type"] == "go-module" and r["name"] == k[1] for r in vrows)]
            present = {k for k in gokeys if (vulnerable_symbols(a.data or "", vu[k]["ids"], k[1], syms) or (0, 0, []))[2]}
            reported = {k for k in gokeys if k in both}
            print(f"    symbol filter: {len(gokeys)} Vigil Go findings, {len(present)} with a vulnerable symbol in the "
                  f"binary, {len(reported)} reported by grype; with symbols but not in grype: "
                  f"{sorted(x[0] for x in present - reported) or 'none'}; in grype without symbols: "
                  f"{sorted(x[0] for x in reported - present) or 'none'}")
        for k, u in only_v:
            extra = ""
            if syms is not None and kind == "grype" and any(r["type"] == "go-module" for r in vrows if r["name"] == k[1]):
                extra = "  [" + symbol_note(a.data or "", u["ids"], k[1], syms) + "]"
            members = f" ({', '.join(sorted(set(u['members'])))})" if by_source and u["members"] != [k[1]] else ""
            print(f"    only-vigil  {k[0]:<20} {k[1]}{members} {k[2]} fixed={fmt_fixed(u['fixed'])} "
                  f"aliases={','.join(sorted(u['ids'] - {k[0]})) or '-'}{extra}")
        for p in only_p:
            ininv = "" if (p["name"], p["version"]) in inv else "  [package/version NOT in Vigil's inventory]"
            extra = f" patched={p['patched']!r}" if p.get("patched") else ""
            print(f"    only-{label:<6} {p['id']:<20} {p['name']} {p['version']} fixed={fmt_fixed(p['fixed'])}{extra}{ininv}")
        for k, u, p in fixdis:
            print(f"    fixed-diff  {k[0]:<20} {k[1]} {k[2]} vigil={fmt_fixed(u['fixed'])} {label}={fmt_fixed(p['fixed'])} "
                  f"(as {p['id']})")
        if a.summary:
            with open(a.summary, "a") as f:
                vcount = f"{len(vu)} ({len(vrows)} rows by source package)" if len(vu) != len(vrows) else len(vu)
                f.write("\t".join(map(str, (a.name, label, vcount, len(prows), len(both), len(only_v), len(only_p),
                                            len(fixdis)))) + "\n")


if __name__ == "__main__":
    main()
