// Command findings benchmarks the findings hub (internal/findings) on one
// backend, SQLite or PostgreSQL, with real data from ../shared/data:
//
//   - upsert: ApplyScan of synthetic images totalling ~100,000 findings, then
//     a rescan of each;
//   - reeval: 10,000 images recorded with the real inventories of the Alpine
//     test images under synthetic digests, scanned against the 2024-04-01
//     secdb snapshot, then reeval.Reevaluate to the 2024-12-31 snapshot;
//   - list: ~1,000,000 findings loaded, then 1,000 GetFindings queries with
//     mixed filters, their latency percentiles.
//
// The SQLite stores live in a temporary folder on disk; PostgreSQL runs as
// a throwaway cluster (internal/pgtest). Both are removed at the end. The
// method and the results are in docs/bench-findings.md; bench/findings.sh
// runs it for both backends.
//
//	go run ./bench/findings -backend sqlite
//	go run ./bench/findings -backend postgres -bench list -runs 1
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/vigilhq/vigil/internal/shareddata"
	"github.com/vigilhq/vigil/internal/testimages"
)

// config is the command line.
type config struct {
	backend        string
	benches        []string
	runs           int
	upsertFindings int
	reevalImages   int
	reevalWorkers  int
	listFindings   int
	listRuns       int
	queries        int
	dir, cache     string
	cpuProfile     string
	hold           bool
	quiet          bool
}

func main() {
	var c config
	var benches string
	flag.StringVar(&c.backend, "backend", "sqlite", "store backend: sqlite or postgres")
	flag.StringVar(&benches, "bench", "upsert,reeval,list", "benchmarks to run, comma-separated: upsert, reeval, list")
	flag.IntVar(&c.runs, "runs", 3, "upsert and reeval: repetitions (medians are reported)")
	flag.IntVar(&c.upsertFindings, "upsert-findings", 100_000, "upsert: findings to store (whole images)")
	flag.IntVar(&c.reevalImages, "reeval-images", 10_000, "reeval: images to record")
	flag.IntVar(&c.reevalWorkers, "reeval-workers", 0, "reeval: reeval.Options.Workers (0: GOMAXPROCS)")
	flag.IntVar(&c.listFindings, "list-findings", 1_000_000, "list: findings to load (whole images)")
	flag.IntVar(&c.queries, "queries", 1000, "list: queries per run")
	flag.IntVar(&c.listRuns, "list-runs", 1, "list: runs of the queries (each a new random set) on the one loaded store")
	flag.StringVar(&c.dir, "dir", os.TempDir(), "sqlite: folder for the stores' data directories")
	flag.StringVar(&c.cache, "cache", "", "folder for the vulnerability databases built from the shared data (default .cache/bench-findings)")
	flag.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.BoolVar(&c.hold, "hold", false, "list: keep the loaded store until Ctrl-C (its location is logged), to inspect query plans")
	flag.BoolVar(&c.quiet, "q", false, "no progress on stderr")
	flag.Parse()
	c.benches = strings.Split(benches, ",")
	for _, b := range c.benches {
		if !slices.Contains([]string{"upsert", "reeval", "list"}, b) {
			fmt.Fprintf(os.Stderr, "findings: unknown benchmark %q (known: upsert, reeval, list)\n", b)
			os.Exit(2)
		}
	}
	if c.runs < 1 || c.listRuns < 1 {
		fmt.Fprintln(os.Stderr, "findings: -runs and -list-runs must be at least 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, c, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "findings:", err)
		os.Exit(1)
	}
}

// run runs the benchmarks and writes the report (Markdown) to w.
func run(ctx context.Context, c config, w io.Writer) error {
	logf := func(format string, args ...any) {}
	if !c.quiet {
		l := log.New(os.Stderr, "", log.Ltime)
		logf = func(format string, args ...any) { l.Printf(format, args...) }
	}
	shared, err := shareddata.Dir()
	if err != nil {
		return err
	}
	if c.cache == "" {
		root, err := shareddata.ModuleRoot()
		if err != nil {
			return err
		}
		c.cache = filepath.Join(root, ".cache", "bench-findings")
	}
	imageCache, err := testimages.DefaultCacheDir()
	if err != nil {
		return err
	}

	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	var be backend
	switch c.backend {
	case "sqlite":
		be, err = newSQLite(c.dir)
	case "postgres":
		be, err = newPostgres()
	default:
		return fmt.Errorf("unknown backend %q (known: sqlite, postgres)", c.backend)
	}
	if err != nil {
		return err
	}
	defer be.stop()

	// The real test images, cataloged once.
	bases := map[string]*baseImage{}
	for _, name := range testimages.Names() {
		inv, err := inventoryOf(ctx, imageCache, name)
		if err != nil {
			return err
		}
		bases[name] = &baseImage{name: name, inv: inv}
	}

	fmt.Fprintf(w, "## findings hub benchmark: %s\n\n", c.backend)
	fmt.Fprintf(w, "%s, %d CPUs (GOMAXPROCS %d), %s/%s; runs: %d (upsert, reeval), %d (list).\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, c.runs, c.listRuns)

	needCorpus := slices.Contains(c.benches, "upsert") || slices.Contains(c.benches, "list")
	var corp *corpus
	if needCorpus {
		db, err := openDB(ctx, shared, c.cache, dbFull)
		if err != nil {
			return err
		}
		var scanned []*baseImage
		for _, name := range testimages.Names() {
			b := &baseImage{name: name, inv: bases[name].inv}
			if err := scanBase(ctx, b, db, time.Now()); err != nil {
				db.Close()
				return err
			}
			scanned = append(scanned, b)
		}
		db.Close()
		if corp, err = newCorpus(scanned, "app-bookworm"); err != nil {
			return err
		}
		fmt.Fprintf(w, "Corpus: the test images scanned against the database built from %s: %d findings per synthetic image (%s); stored inventory: app-bookworm's, %d packages.\n\n",
			strings.Join(dbFull.sources, ", "), corp.perImage(), describeSources(corp.sources), len(corp.inv.Packages))
	}

	for _, b := range c.benches {
		switch b {
		case "upsert":
			images := (c.upsertFindings + corp.perImage() - 1) / corp.perImage()
			var rs []upsertResult
			for run := range c.runs {
				r, err := benchUpsert(ctx, be, corp, images, logf)
				if err != nil {
					return fmt.Errorf("upsert run %d: %w", run+1, err)
				}
				rs = append(rs, r)
			}
			writeUpsert(w, rs)
		case "reeval":
			oldDB, err := openDB(ctx, shared, c.cache, dbAlpineOld)
			if err != nil {
				return err
			}
			newDB, err := openDB(ctx, shared, c.cache, dbAlpineNew)
			if err != nil {
				oldDB.Close()
				return err
			}
			for _, name := range reevalBases {
				if err := scanBase(ctx, bases[name], oldDB, time.Now()); err != nil {
					return err
				}
			}
			r, err := benchReeval(ctx, be, bases, oldDB, newDB, c.reevalImages, c.runs, c.reevalWorkers, logf)
			oldDB.Close()
			newDB.Close()
			if err != nil {
				return fmt.Errorf("reeval: %w", err)
			}
			writeReeval(w, c.backend, r, bases)
		case "list":
			images := (c.listFindings + corp.perImage() - 1) / corp.perImage()
			r, err := benchList(ctx, be, corp, images, c.queries, c.listRuns, c.hold, logf)
			if err != nil {
				return fmt.Errorf("list: %w", err)
			}
			writeList(w, r)
		}
	}
	return nil
}

func describeSources(m map[string]int) string {
	var parts []string
	for name, n := range m {
		parts = append(parts, fmt.Sprintf("%s %d", name, n))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}
