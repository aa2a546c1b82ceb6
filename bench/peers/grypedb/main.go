// Command grypedb builds a grype (schema v6) vulnerability database from
// vunnel-style provider workspaces, with the builder that ships in grype's
// own module (github.com/anchore/grype/grype/db.Build), pinned to the grype
// release the peers use (v0.121.2).
//
//	grypedb -src .cache/peers/src/grype -out .cache/peers/grype/build
//
// -src holds one folder per provider with results/*.json envelopes
// ({"schema", "identifier", "item"}), as written by bench/peers/peerdata.
// grypedb adds each workspace's results/listing.xxh64 and metadata.json (the
// vunnel state file), then writes OUT/vulnerability.db (+ import.json), ready
// for `grype db import OUT/vulnerability.db`.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	iface "github.com/anchore/go-logger"
	logrusadapter "github.com/anchore/go-logger/adapter/logrus"
	"github.com/anchore/grype/grype"
	grypedb "github.com/anchore/grype/grype/db"
	"github.com/anchore/grype/grype/db/provider"
	v6 "github.com/anchore/grype/grype/db/v6"
)

// capturedAt is each provider's data date (the "captured" time grype shows):
// the snapshot dates of the shared data (see ../shared/data/README.md).
var capturedAt = map[string]string{
	"govulndb": "2026-11-05T23:49:57Z", // golang.org/x/vulndb@v0.0.0-20261105234957
	"github":   "2026-07-01T00:00:00Z", // PyPA mirror 2026-07; GHSA sample; RustSec osv branch
	"alpine":   "2024-12-31T00:00:00Z", // secdb archive as of 2024-12-31
	"debian":   "2023-04-30T00:00:00Z", // DSA/DLA lists up to 2023-04
}

func main() {
	src := flag.String("src", ".cache/peers/src/grype", "folder of provider workspaces")
	out := flag.String("out", ".cache/peers/grype/build", "output folder (vulnerability.db)")
	level := flag.String("log", "info", "log level: error, warn, info, debug")
	flag.Parse()
	if err := run(*src, *out, *level); err != nil {
		fmt.Fprintln(os.Stderr, "grypedb:", err)
		os.Exit(1)
	}
}

func run(src, out, level string) error {
	lvl, err := iface.LevelFromString(level)
	if err != nil {
		return err
	}
	l, err := logrusadapter.New(logrusadapter.Config{EnableConsole: true, Level: lvl})
	if err != nil {
		return err
	}
	grype.SetLogger(l)

	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return fmt.Errorf("no provider workspaces in %s", src)
	}

	var states provider.States
	for _, name := range names {
		ws := provider.NewWorkspace(src, name)
		if err := ws.EnsureListingFile(); err != nil {
			return fmt.Errorf("%s: listing: %w", name, err)
		}
		listing, err := provider.NewFile(ws.ListingPath())
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		listing.Path = filepath.ToSlash(strings.TrimPrefix(ws.ListingPath(), ws.Path()+string(filepath.Separator)))
		ts := time.Now().UTC().Truncate(time.Second)
		if s, ok := capturedAt[name]; ok {
			ts, _ = time.Parse(time.RFC3339, s)
		}
		st := provider.State{
			Provider:  name,
			Version:   1,
			Processor: "vigil-bench-peerdata",
			Schema:    provider.Schema{Version: "1.0.0", URL: "schema/provider-workspace-state/schema-1.0.0.json"},
			Timestamp: ts,
			Listing:   listing,
			Store:     "flat-file",
		}
		if err := provider.NewWorkspaceWriter(src, name).WriteState(st); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		read, err := ws.ReadState()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := read.Verify(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Printf("grypedb: provider %s: %d result files\n", name, len(read.ResultPaths()))
		states = append(states, *read)
	}

	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	start := time.Now()
	if err := grypedb.Build(grypedb.BuildConfig{
		SchemaVersion: v6.ModelVersion,
		Directory:     out,
		States:        states,
		Timestamp:     time.Now().UTC(),
		Hydrate:       true,
	}); err != nil {
		return err
	}
	fmt.Printf("grypedb: wrote %s in %s\n", filepath.Join(out, v6.VulnerabilityDBFileName), time.Since(start).Round(time.Millisecond))
	return nil
}
