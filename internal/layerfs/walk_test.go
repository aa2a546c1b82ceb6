package layerfs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tarEntry describes one entry of a test tar stream.
type tarEntry struct {
	name, body, link string
	typ              byte
	size             int64 // overrides len(body) in the header when set
}

func makeTar(t testing.TB, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: e.typ, Linkname: e.link}
		switch e.typ {
		case 0, tar.TypeReg:
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.body))
		case tar.TypeDir:
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func walkAll(t testing.TB, layers ...[]byte) (*Tree, error) {
	t.Helper()
	tree := NewTree()
	b := NewBudget(Limits{})
	for i, l := range layers {
		idx, err := Walk(context.Background(), bytes.NewReader(l), "sha256:layer"+string(rune('0'+i)), b, nil)
		if err != nil {
			return tree, err
		}
		tree.Apply(idx, i)
	}
	return tree, nil
}

func paths(t testing.TB, tree *Tree) map[string]int {
	t.Helper()
	out := map[string]int{}
	_ = tree.Walk(func(n Node) error {
		out[n.Path] = n.Layer
		return nil
	})
	return out
}

func TestWhiteoutsAndAttribution(t *testing.T) {
	l0 := makeTar(t,
		tarEntry{name: "etc/", typ: tar.TypeDir},
		tarEntry{name: "etc/passwd", body: "root"},
		tarEntry{name: "etc/secret", body: "x"},
		tarEntry{name: "opt/app/a", body: "a"},
		tarEntry{name: "opt/app/b", body: "b"},
		tarEntry{name: "var/lib/x/y", body: "y"},
	)
	l1 := makeTar(t,
		tarEntry{name: "etc/.wh.secret"},
		tarEntry{name: "etc/passwd", body: "root2"},
		tarEntry{name: "opt/app/c", body: "c"}, // added in the same layer as the opaque marker
		tarEntry{name: "opt/app/.wh..wh..opq"},
		tarEntry{name: "var/lib/.wh.x"},
	)
	tree, err := walkAll(t, l0, l1)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"etc": 0, "etc/passwd": 1,
		"opt": 0, "opt/app": 0, "opt/app/c": 1,
		"var": 0, "var/lib": 0,
	}
	if diff := cmp.Diff(want, paths(t, tree)); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
	if tree.Len() != len(want) {
		t.Errorf("Len() = %d, want %d", tree.Len(), len(want))
	}
}

func TestFileReplacesDirectory(t *testing.T) {
	l0 := makeTar(t, tarEntry{name: "a/b/c", body: "c"})
	l1 := makeTar(t, tarEntry{name: "a/b", body: "now a file"})
	tree, err := walkAll(t, l0, l1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"a": 0, "a/b": 1}, paths(t, tree)); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
}

func TestResolveSymlinks(t *testing.T) {
	l0 := makeTar(t,
		tarEntry{name: "usr/lib/os-release", body: "ID=debian"},
		tarEntry{name: "etc/os-release", typ: tar.TypeSymlink, link: "../usr/lib/os-release"},
		tarEntry{name: "bin", typ: tar.TypeSymlink, link: "usr/bin"},
		tarEntry{name: "usr/bin/sh", body: "elf"},
		tarEntry{name: "escape", typ: tar.TypeSymlink, link: "../../../../etc/shadow"},
		tarEntry{name: "abs", typ: tar.TypeSymlink, link: "/usr/lib/os-release"},
		tarEntry{name: "loop1", typ: tar.TypeSymlink, link: "loop2"},
		tarEntry{name: "loop2", typ: tar.TypeSymlink, link: "loop1"},
	)
	tree, err := walkAll(t, l0)
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"etc/os-release":  "usr/lib/os-release",
		"abs":             "usr/lib/os-release",
		"bin/sh":          "usr/bin/sh",
		"escape":          "etc/shadow", // ".." stops at the image root
		"/etc/os-release": "usr/lib/os-release",
	} {
		got, err := tree.Resolve(in)
		if err != nil || got != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := tree.Resolve("loop1"); !errors.Is(err, ErrSymlinkLoop) {
		t.Errorf("Resolve(loop1) error = %v, want ErrSymlinkLoop", err)
	}
	n, ok := tree.Lookup("etc/os-release")
	if !ok || n.Mode&fs.ModeSymlink == 0 {
		t.Errorf("Lookup(etc/os-release) = %+v, %v; want the link itself", n, ok)
	}
	if n, err := tree.Stat("bin/sh"); err != nil || n.Path != "usr/bin/sh" {
		t.Errorf("Stat(bin/sh) = %+v, %v", n, err)
	}
}

// TestHostileTars checks that layers built to attack an extractor are
// refused with the documented errors, naming the layer and the entry.
func TestHostileTars(t *testing.T) {
	bomb := func() []byte {
		// A 64 MiB file of zeros compresses to ~64 KiB; the image limit is 8 MiB.
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		_ = tw.WriteHeader(&tar.Header{Name: "zeros", Mode: 0o644, Size: 64 << 20, Typeflag: tar.TypeReg})
		_, _ = io.Copy(tw, io.LimitReader(zeroReader{}, 64<<20))
		_ = tw.Close()
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		_, _ = zw.Write(buf.Bytes())
		_ = zw.Close()
		return gz.Bytes()
	}()
	for _, tc := range []struct {
		name   string
		stream func() io.Reader
		limits Limits
		want   error
		entry  string
	}{
		{
			name: "dot-dot escape",
			stream: func() io.Reader {
				return bytes.NewReader(makeTar(t, tarEntry{name: "a", body: "ok"}, tarEntry{name: "../../etc/passwd", body: "x"}))
			},
			want: ErrPathEscape, entry: "../../etc/passwd",
		},
		{
			name: "dot-dot inside",
			stream: func() io.Reader {
				return bytes.NewReader(makeTar(t, tarEntry{name: "usr/../../root/.ssh/authorized_keys", body: "x"}))
			},
			want: ErrPathEscape, entry: "usr/../../root/.ssh/authorized_keys",
		},
		{
			name: "hard link escape",
			stream: func() io.Reader {
				return bytes.NewReader(makeTar(t, tarEntry{name: "l", typ: tar.TypeLink, link: "../../etc/shadow"}))
			},
			want: ErrPathEscape, entry: "l",
		},
		{
			name: "decompression bomb",
			stream: func() io.Reader {
				zr, err := gzip.NewReader(bytes.NewReader(bomb))
				if err != nil {
					t.Fatal(err)
				}
				return zr
			},
			limits: Limits{MaxTotalBytes: 8 << 20},
			want:   ErrBomb, entry: "zeros",
		},
		{
			name: "corrupt gzip",
			stream: func() io.Reader {
				b := append([]byte(nil), bomb[:len(bomb)/2]...)
				for i := 100; i < 200; i++ {
					b[i] ^= 0xff
				}
				zr, err := gzip.NewReader(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				return zr
			},
			want: ErrCorrupt, entry: "zeros",
		},
		{
			name: "truncated tar",
			stream: func() io.Reader {
				b := makeTar(t, tarEntry{name: "a", body: strings.Repeat("x", 5000)})
				return bytes.NewReader(b[:1500])
			},
			want: ErrCorrupt, entry: "a",
		},
		{
			name: "too many files",
			stream: func() io.Reader {
				return bytes.NewReader(makeTar(t, tarEntry{name: "a", body: "1"}, tarEntry{name: "b", body: "2"}, tarEntry{name: "c", body: "3"}))
			},
			limits: Limits{MaxFiles: 2},
			want:   ErrTooManyFiles, entry: "c",
		},
		{
			name: "too deep",
			stream: func() io.Reader {
				return bytes.NewReader(makeTar(t, tarEntry{name: strings.Repeat("d/", 20) + "f", body: "1"}))
			},
			limits: Limits{MaxDepth: 10},
			want:   ErrPathDepth, entry: strings.Repeat("d/", 20) + "f",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			visit := func(e Entry, r io.Reader) error { _, err := io.Copy(io.Discard, r); return err }
			_, err := Walk(context.Background(), tc.stream(), "sha256:0123456789abcdef0123", NewBudget(tc.limits), visit)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Walk error = %v, want %v", err, tc.want)
			}
			var le *Error
			if !errors.As(err, &le) || le.Layer != "sha256:0123456789abcdef0123" || le.Entry != tc.entry {
				t.Fatalf("Walk error = %#v, want an *Error naming the layer and entry %q", err, tc.entry)
			}
			if !strings.Contains(err.Error(), "layer sha256:0123456789ab") {
				t.Errorf("message %q does not name the layer", err)
			}
		})
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestAbsoluteNamesAreCleaned(t *testing.T) {
	idx, err := Walk(context.Background(), bytes.NewReader(makeTar(t, tarEntry{name: "/etc/hosts", body: "x"}, tarEntry{name: "./usr//bin/./x", body: "y"})), "sha256:x", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range idx.Entries {
		got = append(got, e.Path)
	}
	if diff := cmp.Diff([]string{"etc/hosts", "usr/bin/x"}, got); diff != "" {
		t.Error(diff)
	}
}

// FuzzWalk feeds arbitrary bytes to the tar walk and the tree: it must
// never panic, and every indexed path must be clean and relative.
func FuzzWalk(f *testing.F) {
	f.Add(makeTar(f, tarEntry{name: "etc/os-release", body: "ID=x"}, tarEntry{name: "etc/.wh.a"}, tarEntry{name: "l", typ: tar.TypeSymlink, link: "/etc"}))
	f.Add(makeTar(f, tarEntry{name: "a/.wh..wh..opq"}, tarEntry{name: "../x", body: "y"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, _ := Walk(context.Background(), bytes.NewReader(data), "sha256:f", NewBudget(Limits{MaxTotalBytes: 1 << 20}), func(e Entry, r io.Reader) error {
			_, err := io.Copy(io.Discard, r)
			return err
		})
		tree := NewTree()
		tree.Apply(idx, 0)
		for _, e := range idx.Entries {
			if strings.HasPrefix(e.Path, "/") || strings.Contains("/"+e.Path+"/", "/../") {
				t.Fatalf("unclean path %q", e.Path)
			}
			_, _ = tree.Resolve(e.Path)
		}
	})
}
