package gobinary

import (
	"regexp"
	"runtime/debug"
	"strings"
	"time"
)

// devel is the version the go command records for a main module built from
// a working tree it could not stamp.
const devel = "(devel)"

// ldflagsVersion are syft's patterns for a version set with
// -ldflags "-X pkg.Version=v1.2.3" (or .Tag=), anchored after "main" or a
// package of the main module.
var ldflagsVersion = []string{
	`(?m)\.[a-zA-Z0-9]*([rR]elease)?([gG]it)?([bB]uild)?[vV]er(sion)?=(\S+/)*(?P<version>v?\d+.\d+.\d+[-\w]*(?:\.[-\w]+)*)`,
	`(?m)\.[a-zA-Z0-9]*([tT]ag)=(\S+/)*(?P<version>v?\d+.\d+.\d+[-\w]*(?:\.[-\w]+)*)`,
}

// mainVersion resolves a main module recorded as "(devel)" the way syft's
// default configuration does: a version set through -ldflags -X wins;
// otherwise a pseudo-version built from the vcs.revision and vcs.time build
// settings; otherwise no version (""). Versions the go command stamped
// itself (Go 1.24 and later, from VCS tags) are kept as they are.
func mainVersion(main debug.Module, settings []debug.BuildSetting) string {
	if main.Version != devel {
		return main.Version
	}
	if v := versionFromLDFlags(setting(settings, "-ldflags"), main.Path); v != "" {
		return v
	}
	rev, hasRev := lookup(settings, "vcs.revision")
	ts, hasTime := lookup(settings, "vcs.time")
	if hasRev && hasTime {
		return pseudoVersion(rev, ts)
	}
	return ""
}

// versionFromLDFlags finds a version assigned with -X to a variable of
// package main or of a package of the main module, always "v"-prefixed.
func versionFromLDFlags(ldflags, mainPath string) string {
	if ldflags == "" {
		return ""
	}
	for _, pat := range ldflagsVersion {
		// syft escapes only the slashes of the module path; a path that
		// does not then compile is matched literally instead.
		re, err := regexp.Compile(`(main|` + strings.ReplaceAll(mainPath, "/", `\/`) + `\/[^\s]*)` + pat)
		if err != nil {
			re = regexp.MustCompile(`(main|` + regexp.QuoteMeta(mainPath) + `/[^\s]*)` + pat)
		}
		m := re.FindStringSubmatch(ldflags)
		if m == nil {
			continue
		}
		v := m[re.SubexpIndex("version")]
		if v == "" {
			continue
		}
		if !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		return v
	}
	return ""
}

// pseudoVersion is golang.org/x/mod/module.PseudoVersion("", "", t, rev)
// for a revision without a preceding tag: v0.0.0-yyyymmddhhmmss-abcdef123456.
// An unparsable time gives the zero time, as in syft.
func pseudoVersion(rev, ts string) string {
	t, _ := time.Parse(time.RFC3339, ts)
	if len(rev) >= 12 {
		rev = rev[:12]
	}
	return "v0.0.0-" + t.UTC().Format("20060102150405") + "-" + rev
}

func lookup(settings []debug.BuildSetting, key string) (string, bool) {
	for _, s := range settings {
		if s.Key == key {
			return s.Value, true
		}
	}
	return "", false
}

func setting(settings []debug.BuildSetting, key string) string {
	v, _ := lookup(settings, key)
	return v
}
