// Package build makes a vulnerability database file from advisory sources:
// directories, zip files and HTTP(S) URLs of zip files. Every file of a
// source is offered to the feed formats; a file no format claims is
// ignored, a malformed file is skipped with a warning naming it, and the
// build report counts both.
package build

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/feed"
)

// MaxFile bounds one advisory file (the Debian tracker export is ~80 MB).
const MaxFile = 512 << 20

// Options configure a build.
type Options struct {
	Formats []feed.Format
	Logger  *slog.Logger
	// HTTPClient fetches URL sources; default http.DefaultClient with a
	// timeout.
	HTTPClient *http.Client
	// TempDir holds downloads; default os.TempDir().
	TempDir string
	// Now is the build time (tests fix it).
	Now func() time.Time
	// Workers parse files in parallel; default 2.
	Workers int
}

// Warning is a file that was skipped or partly read.
type Warning struct {
	Source string `json:"source"`
	File   string `json:"file"`
	Format string `json:"format,omitempty"`
	Err    string `json:"error"`
	// Partial is set when the file was imported but some entries were not.
	Partial bool `json:"partial,omitempty"`
}

// SourceReport is what one source gave.
type SourceReport struct {
	Location    string         `json:"location"`
	Fingerprint string         `json:"fingerprint"`
	Files       int            `json:"files"`
	Ignored     int            `json:"ignored"`
	Records     map[string]int `json:"records"`
	Skipped     map[string]int `json:"skipped"`
}

// Report is the outcome of a build.
type Report struct {
	Path       string         `json:"path"`
	Advisories int            `json:"advisories"`
	Sources    []SourceReport `json:"sources"`
	Warnings   []Warning      `json:"warnings,omitempty"`
	Duration   time.Duration  `json:"duration"`
	Size       int64          `json:"size"`
}

// Skipped counts the skipped files over all sources.
func (r *Report) Skipped() int {
	n := 0
	for _, s := range r.Sources {
		for _, c := range s.Skipped {
			n += c
		}
	}
	return n
}

// ErrNoAdvisories is returned for a source that holds no file of a known
// format.
var ErrNoAdvisories = errors.New("no advisory files of a known format")

// Build writes a new database file at out (replaced atomically: until the
// build succeeds, whatever was at out is left as it was).
func Build(ctx context.Context, out string, sources []string, opts Options) (*Report, error) {
	start := time.Now()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if len(sources) == 0 {
		return nil, errors.New("no sources given")
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, err
	}
	tmp := fmt.Sprintf("%s.tmp-%d", out, os.Getpid())
	os.Remove(tmp)
	w, err := vulndb.Create(ctx, tmp)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			w.Abort()
		}
	}()
	rep := &Report{Path: out}
	for _, src := range sources {
		sr, warns, err := importSource(ctx, w, src, opts)
		rep.Warnings = append(rep.Warnings, warns...)
		if err != nil {
			return rep, err
		}
		rep.Sources = append(rep.Sources, *sr)
		for name, n := range sr.Records {
			if err := w.AddSource(ctx, vulndb.SourceInfo{Name: name, Location: sr.Location, Fingerprint: sr.Fingerprint, Records: n, Skipped: sr.Skipped[name]}); err != nil {
				return rep, err
			}
		}
	}
	for _, s := range rep.Sources {
		for _, n := range s.Records {
			rep.Advisories += n
		}
	}
	if err := w.Close(ctx, opts.Now()); err != nil {
		return rep, err
	}
	// Check what was written before it replaces anything.
	db, err := vulndb.Open(ctx, tmp)
	if err != nil {
		return rep, fmt.Errorf("verifying the new database: %w", err)
	}
	db.Close()
	// The database is written without journal or sync: flush it to disk
	// before it replaces the old one, so that a crash after the rename
	// cannot leave a half-written file in its place.
	if err := syncFile(tmp); err != nil {
		return rep, fmt.Errorf("writing the new database %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return rep, fmt.Errorf("installing the new database at %s: %w", out, err)
	}
	ok = true
	_ = syncFile(filepath.Dir(out)) // make the rename itself durable
	if st, err := os.Stat(out); err == nil {
		rep.Size = st.Size()
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// file is one file of a source.
type file struct {
	name string
	open func() (io.ReadCloser, error)
	size int64
}

func importSource(ctx context.Context, w *vulndb.Writer, src string, opts Options) (*SourceReport, []Warning, error) {
	files, fingerprint, cleanup, err := listSource(ctx, src, opts)
	if err != nil {
		return nil, nil, err
	}
	defer cleanup()
	sr := &SourceReport{Location: src, Fingerprint: fingerprint, Records: map[string]int{}, Skipped: map[string]int{}}
	jobs := make(chan file)
	results := make(chan parsed, 64)
	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				results <- parseFile(ctx, f, opts.Formats)
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, f := range files {
			select {
			case jobs <- f:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	var warns []Warning
	var firstErr error
	for r := range results {
		if firstErr != nil {
			continue
		}
		sr.Files++
		if r.ignore {
			sr.Ignored++
			continue
		}
		if r.err != nil {
			var partial *feed.Warnings
			if !errors.As(r.err, &partial) {
				sr.Skipped[r.format]++
			}
			warns = append(warns, Warning{Source: src, File: r.f.name, Format: r.format, Err: r.err.Error(), Partial: partial != nil})
			opts.Logger.Debug("advisory file skipped", "source", src, "file", r.f.name, "format", r.format, "err", r.err)
		}
		if _, ok := sr.Records[r.format]; !ok {
			sr.Records[r.format] = 0
		}
		for i := range r.advs {
			a := &r.advs[i]
			if a.Origin == "" {
				a.Origin = r.f.name
			}
			if err := w.Add(ctx, a); err != nil {
				firstErr = err
				break
			}
			sr.Records[r.format]++
		}
	}
	if firstErr != nil {
		return sr, warns, firstErr
	}
	if err := ctx.Err(); err != nil {
		return sr, warns, err
	}
	if len(sr.Records) == 0 {
		names := make([]string, 0, len(opts.Formats))
		for _, f := range opts.Formats {
			names = append(names, f.Name())
		}
		return sr, warns, fmt.Errorf("source %s: %w (%d files looked at; known formats: %s)", src, ErrNoAdvisories, sr.Files, strings.Join(names, ", "))
	}
	return sr, warns, nil
}

// parsed is the outcome of offering one file to the formats.
type parsed struct {
	f      file
	format string
	advs   []vulndb.Advisory
	err    error
	ignore bool // no format claimed the file
}

func parseFile(ctx context.Context, f file, formats []feed.Format) (p parsed) {
	p.f = f
	if f.size > MaxFile {
		p.ignore = true
		return p
	}
	rc, err := f.open()
	if err != nil {
		p.err = err
		return p
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, MaxFile+1))
	if err != nil {
		p.err = fmt.Errorf("reading: %w", err)
		return p
	}
	head := b[:min(len(b), feed.HeadLen)]
	for _, fm := range formats {
		if !fm.Match(f.name, head) {
			continue
		}
		p.format = fm.Name()
		p.advs, p.err = parseOne(ctx, fm, f.name, b)
		return p
	}
	p.ignore = true
	return p
}

// parseOne runs one format's parser, turning a panic into an error: a
// parser bug must not take the build down.
func parseOne(ctx context.Context, fm feed.Format, name string, b []byte) (advs []vulndb.Advisory, err error) {
	defer func() {
		if r := recover(); r != nil {
			advs, err = nil, fmt.Errorf("parser %s panicked: %v", fm.Name(), r)
		}
	}()
	return fm.Parse(ctx, name, bytes.NewReader(b))
}

// listSource lists the files of a source and fingerprints it.
func listSource(ctx context.Context, src string, opts Options) ([]file, string, func(), error) {
	noop := func() {}
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		p, err := download(ctx, src, opts)
		if err != nil {
			return nil, "", noop, err
		}
		files, fp, _, err := listZip(p, src)
		return files, fp, func() { os.Remove(p) }, err
	}
	st, err := os.Stat(src)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, "", noop, fmt.Errorf("source %s not found: give a directory, a zip file or an http(s) URL", src)
		}
		return nil, "", noop, fmt.Errorf("source %s: %w", src, err)
	}
	if !st.IsDir() {
		files, fp, closer, err := listZip(src, src)
		return files, fp, closer, err
	}
	// WalkDir does not follow a symbolic link at its root: resolve it
	// (a feed directory is often a link to a data volume).
	root, err := filepath.EvalSymlinks(src)
	if err != nil {
		return nil, "", noop, fmt.Errorf("source %s: %w", src, err)
	}
	var files []file
	h := sha256.New()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && p != root {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", rel, info.Size(), info.ModTime().UnixNano())
		files = append(files, file{name: rel, size: info.Size(), open: func() (io.ReadCloser, error) { return os.Open(p) }})
		return nil
	})
	if err != nil {
		return nil, "", noop, fmt.Errorf("reading source %s: %w", src, err)
	}
	return files, "dir:" + hex.EncodeToString(h.Sum(nil))[:32], noop, nil
}

func listZip(p, label string) ([]file, string, func(), error) {
	noop := func() {}
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, "", noop, fmt.Errorf("source %s is neither a directory nor a readable zip file (truncated or corrupt?): %v", label, err)
	}
	f, err := os.Open(p)
	if err != nil {
		zr.Close()
		return nil, "", noop, err
	}
	h := sha256.New()
	_, err = io.Copy(h, f)
	f.Close()
	if err != nil {
		zr.Close()
		return nil, "", noop, err
	}
	var files []file
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() {
			continue
		}
		name := path.Clean("/" + zf.Name)[1:]
		zf := zf
		files = append(files, file{name: name, size: int64(zf.UncompressedSize64), open: zf.Open})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	return files, "sha256:" + hex.EncodeToString(h.Sum(nil)), func() { zr.Close() }, nil
}

// maxDownload bounds a downloaded source.
const maxDownload = 2 << 30

func download(ctx context.Context, url string, opts Options) (string, error) {
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Minute}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("downloading source %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("downloading source %s: HTTP %s", url, resp.Status)
	}
	f, err := os.CreateTemp(opts.TempDir, "vigil-source-*.zip")
	if err != nil {
		return "", err
	}
	n, err := io.Copy(f, io.LimitReader(resp.Body, maxDownload+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > maxDownload {
		err = fmt.Errorf("larger than %d bytes", maxDownload)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("downloading source %s: %w", url, err)
	}
	return f.Name(), nil
}

// syncFile flushes a file (or a directory's entries) to disk.
func syncFile(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
