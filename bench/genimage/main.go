// Command genimage writes a large synthetic image as a docker-archive
// (uncompressed layers, as `docker save` writes them), for memory and
// throughput benchmarks: the real Alpine 3.20.3 root filesystem as the base
// layer, then generated layers of data files and npm packages.
//
//	go run ./bench/genimage -o big.tar -files 200000 -bytes 2G -layers 4
package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vigilhq/vigil/internal/shareddata"
)

func main() {
	out := flag.String("o", "big.tar", "output docker-archive")
	files := flag.Int("files", 200_000, "number of generated files")
	size := flag.String("bytes", "2G", "total bytes of generated files (suffix K, M, G)")
	layers := flag.Int("layers", 4, "number of generated layers")
	flag.Parse()
	total, err := parseSize(*size)
	if err != nil {
		fail(err)
	}
	if err := generate(*out, *files, total, *layers); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "genimage:", err)
	os.Exit(1)
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mult, err
}

func generate(out string, nfiles int, total int64, nlayers int) error {
	data, err := shareddata.Dir()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), "genimage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	var layerFiles, diffIDs []string
	// Base layer: the real Alpine root filesystem, decompressed.
	base, err := os.Open(filepath.Join(data, "rootfs", "alpine", "alpine-minirootfs-3.20.3-x86_64.tar.gz"))
	if err != nil {
		return err
	}
	zr, err := gzip.NewReader(base)
	if err != nil {
		return err
	}
	p, d, err := writeLayer(tmp, 0, func(w io.Writer) error { _, err := io.Copy(w, zr); return err })
	base.Close()
	if err != nil {
		return err
	}
	layerFiles, diffIDs = append(layerFiles, p), append(diffIDs, d)

	rng := rand.New(rand.NewPCG(1, 2))
	per := nfiles / nlayers
	avg := total / int64(nfiles)
	buf := make([]byte, 4*avg+4096)
	for i := range buf {
		buf[i] = byte(rng.IntN(256))
	}
	for l := 0; l < nlayers; l++ {
		p, d, err := writeLayer(tmp, l+1, func(w io.Writer) error {
			tw := tar.NewWriter(w)
			for f := 0; f < per; f++ {
				n := l*per + f
				var name string
				var body []byte
				if n%200 == 0 { // one in 200 files is an installed npm package
					pkg := fmt.Sprintf("gen-pkg-%d", n)
					name = fmt.Sprintf("srv/app%d/node_modules/%s/package.json", l, pkg)
					body = []byte(fmt.Sprintf(`{"name":%q,"version":"1.%d.0","license":"MIT"}`, pkg, n%50))
				} else {
					name = fmt.Sprintf("srv/data%d/d%03d/f%06d.bin", l, f%997, n)
					sz := avg/2 + rng.Int64N(avg+1)
					off := rng.IntN(len(buf) - int(sz))
					body = buf[off : off+int(sz)]
				}
				if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
					return err
				}
				if _, err := tw.Write(body); err != nil {
					return err
				}
			}
			return tw.Close()
		})
		if err != nil {
			return err
		}
		layerFiles, diffIDs = append(layerFiles, p), append(diffIDs, d)
	}
	return writeArchive(out, layerFiles, diffIDs)
}

func writeLayer(dir string, i int, fill func(io.Writer) error) (string, string, error) {
	p := filepath.Join(dir, fmt.Sprintf("layer%d.tar", i))
	f, err := os.Create(p)
	if err != nil {
		return "", "", err
	}
	h := sha256.New()
	if err := fill(io.MultiWriter(f, h)); err != nil {
		f.Close()
		return "", "", err
	}
	return p, "sha256:" + hex.EncodeToString(h.Sum(nil)), f.Close()
}

// writeArchive writes the docker-archive: config, manifest.json and the
// layer tars.
func writeArchive(out string, layerFiles, diffIDs []string) error {
	cfg, _ := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"config":       map[string]any{"Cmd": []string{"/bin/sh"}},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": diffIDs},
	})
	sum := sha256.Sum256(cfg)
	cfgName := hex.EncodeToString(sum[:]) + ".json"
	var layerNames []string
	for _, d := range diffIDs {
		layerNames = append(layerNames, strings.TrimPrefix(d, "sha256:")+"/layer.tar")
	}
	manifest, _ := json.Marshal([]map[string]any{{"Config": cfgName, "RepoTags": []string{"vigil.bench/generated:latest"}, "Layers": layerNames}})

	f, err := os.Create(out)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	add := func(name string, b []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(b)
		return err
	}
	if err := add(cfgName, cfg); err != nil {
		return err
	}
	for i, lf := range layerFiles {
		st, err := os.Stat(lf)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: layerNames[i], Mode: 0o644, Size: st.Size(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		in, err := os.Open(lf)
		if err != nil {
			return err
		}
		_, err = io.Copy(tw, in)
		in.Close()
		if err != nil {
			return err
		}
	}
	if err := add("manifest.json", manifest); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return f.Close()
}
