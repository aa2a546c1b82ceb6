package cvss

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilhq/vigil/internal/shareddata"
)

// osvSeverity is the part of an OSV record that holds CVSS vectors: the
// record's severity and each affected package's.
type osvSeverity struct {
	Severity []struct {
		Type  string `json:"type"`
		Score string `json:"score"`
	} `json:"severity"`
	Affected []struct {
		Severity []struct {
			Type  string `json:"type"`
			Score string `json:"score"`
		} `json:"severity"`
	} `json:"affected"`
}

// TestParseOSVData parses every CVSS vector of the OSV JSON records in the
// shared data (the YAML ones are left out) and checks that the version
// matches the severity type.
func TestParseOSVData(t *testing.T) {
	root := shareddata.Path(t, "osv")
	wantVersions := map[string][]string{
		"CVSS_V2": {V2},
		"CVSS_V3": {V30, V31},
		"CVSS_V4": {V40},
	}
	counts := map[string]int{}
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var rec osvSeverity
		if err := json.Unmarshal(data, &rec); err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		files++
		sevs := rec.Severity
		for _, a := range rec.Affected {
			sevs = append(sevs, a.Severity...)
		}
		for _, s := range sevs {
			versions, isCVSS := wantVersions[s.Type]
			if !isCVSS {
				continue
			}
			v, err := Parse(s.Score)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			if !contains(versions, v.Version()) {
				t.Errorf("%s: %s vector %q is CVSS %s", path, s.Type, s.Score, v.Version())
			}
			if sc := v.BaseScore(); sc < 0 || sc > 10 {
				t.Errorf("%s: %q scores %v", path, s.Score, sc)
			}
			counts[v.Version()]++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", root, err)
	}
	t.Logf("%d JSON records; CVSS vectors parsed: v2.0 %d, v3.0 %d, v3.1 %d, v4.0 %d", files, counts[V2], counts[V30], counts[V31], counts[V40])
	for _, version := range []string{V30, V31, V40} {
		if counts[version] == 0 {
			t.Errorf("no CVSS %s vector found in %s", version, root)
		}
	}
}
