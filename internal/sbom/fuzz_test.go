package sbom

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode: Decode never panics, and whatever it decodes can be written
// in every format.
func FuzzDecode(f *testing.F) {
	// Seeds stay small: the fuzzer minimises every new input, which takes
	// minutes on the 100 KB syft documents.
	for _, name := range []string{"debian", "alpine", "edge", "empty"} {
		for _, ext := range []string{"cyclonedx.json", "spdx.json", "vigil.json"} {
			f.Add(readSeed(f, filepath.Join("testdata", "golden", name+"."+ext)))
		}
	}
	f.Add(excerpt(f, "alpine-3.20.3.cyclonedx.json", "components", 3))
	f.Add(excerpt(f, "alpine-3.20.3.spdx.json", "packages", 3))
	f.Add(excerpt(f, "npm-vulnerable.spdx.json", "packages", 3))
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `{"bomFormat":"CycloneDX"}`, `{"spdxVersion":"SPDX-2.2"}`,
		`{"spdxVersion":"SPDX-2.1","packages":[null]}`, `{"spdxVersion":"SPDX-2.3","relationships":[null],"packages":[{}]}`,
		`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","components":[{"type":"operating-system"}]}]}`,
		`{"packages":[{"metadata":{"":""}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, format, err := Decode(bytes.NewReader(data))
		if err != nil {
			if inv != nil {
				t.Errorf("Decode returned an inventory with error %v", err)
			}
			return
		}
		if _, ok := Lookup(format); !ok || inv == nil {
			t.Fatalf("Decode = %v, %q, nil error", inv, format)
		}
		for _, e := range Formats() {
			if err := e.Encode(&bytes.Buffer{}, inv, fixedOptions); err != nil {
				t.Errorf("%s: Encode of a decoded inventory: %v", e.Name(), err)
			}
		}
	})
}

func readSeed(f *testing.F, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// excerpt returns a syft document from testdata/syft with only the first n
// entries of its list field, the rest of it as it is.
func excerpt(f *testing.F, file, field string, n int) []byte {
	var doc map[string]any
	if err := json.Unmarshal(readSeed(f, filepath.Join("testdata", "syft", file)), &doc); err != nil {
		f.Fatal(err)
	}
	for _, k := range []string{field, "files", "relationships", "dependencies"} {
		if l, ok := doc[k].([]any); ok && len(l) > n {
			doc[k] = l[:n]
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		f.Fatal(err)
	}
	return b
}
