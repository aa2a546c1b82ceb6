package dpkg

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/vigilhq/vigil/internal/catalog/catalogtest"
	"github.com/vigilhq/vigil/internal/shareddata"
)

func TestGolden(t *testing.T) {
	for _, name := range []string{"status", "distroless"} {
		t.Run(name, func(t *testing.T) {
			got := catalogtest.Run(t, Cataloger{}, "testdata/"+name)
			catalogtest.Golden(t, "testdata/"+name+".golden.json", got)
		})
	}
}

// TestSharedDebian reads the real dpkg status of debootstrap'd minbase
// installs and checks counts and a few well-known source packages.
func TestSharedDebian(t *testing.T) {
	for _, tc := range []struct {
		suite string
		want  int
	}{{"bookworm", 88}, {"bullseye", 96}, {"trixie", 78}} {
		t.Run(tc.suite, func(t *testing.T) {
			b, err := os.ReadFile(shareddata.Path(t, "rootfs/debian/"+tc.suite+"/dpkg-status"))
			if err != nil {
				t.Fatal(err)
			}
			entries, err := ParseStatus(context.Background(), bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			sources := map[string]string{}
			for _, e := range entries {
				if e.installed() {
					n++
					p := e.pkg()
					sources[p.Name] = p.SourceName
				}
			}
			if n != tc.want {
				t.Errorf("installed packages = %d, want %d", n, tc.want)
			}
			if sources["libc6"] != "glibc" {
				t.Errorf("libc6 source = %q, want glibc", sources["libc6"])
			}
		})
	}
}

func FuzzParseStatus(f *testing.F) {
	b, _ := os.ReadFile("testdata/status/var/lib/dpkg/status")
	f.Add(b)
	f.Add([]byte("Package: a\nVersion: 1\nSource: b (2\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseStatus(context.Background(), bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.Package == "" {
				t.Fatalf("entry without a name: %+v", e)
			}
			if e.installed() {
				_ = e.pkg()
			}
		}
	})
}
