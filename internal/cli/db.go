package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/build"
	"github.com/vigilhq/vigil/internal/vulndb/feed/list"
)

var (
	settingData = setting{flag: "data", usage: "Vigil's data directory (vulnerability database, caches)", def: defaultDataDir()}
	settingDB   = setting{flag: "db", usage: "vulnerability database file or directory (default: the one installed in the data directory)"}
	settingJSON = setting{flag: "json", usage: "print JSON instead of text", def: "false"}
	// settingReevaluate belongs to db update.
	settingReevaluate = setting{flag: "reevaluate", usage: "then re-evaluate the findings of the recorded images the database changes affect, from their stored inventories (no image is pulled)", def: "false"}
)

func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "vigil")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "vigil")
	}
	return ".vigil"
}

// dbPath is the database a command uses: --db, or the data directory's.
func dbPath(db, data string) string {
	if db != "" {
		if st, err := os.Stat(db); err == nil && st.IsDir() {
			return filepath.Join(db, vulndb.FileName)
		}
		return db
	}
	return filepath.Join(data, "db", vulndb.FileName)
}

func newDBCmd(g *global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Build, update and inspect the vulnerability database",
	}
	cmd.AddCommand(newDBBuildCmd(g, false), newDBBuildCmd(g, true), newDBInfoCmd(g), newDBDiffCmd(g))
	return cmd
}

func newDBBuildCmd(g *global, update bool) *cobra.Command {
	var out, data, db, actor string
	var asJSON, reevaluate bool
	var hub hubFlags
	use, short := "build --out DIR SOURCE...", "Build a vulnerability database from advisory sources (directories, zip files, URLs)"
	if update {
		use, short = "update SOURCE...", "Build a new database from sources and install it atomically in the data directory (or --db)"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long: short + `.

Formats are recognised per file: OSV JSON and YAML (any ecosystem), Alpine
secdb JSON and legacy YAML, the Debian security tracker JSON export and
DSA/DLA lists, Node.js Security WG npm advisories and ruby-advisory-db. A
malformed file is skipped with a warning naming it; the report counts
them. The new database replaces the old one only once it is complete.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			target := dbPath(db, data)
			if !update {
				if out == "" {
					return fmt.Errorf("--out DIR is required")
				}
				target = dbPath(out, "")
				if !strings.HasSuffix(out, ".sqlite") {
					target = filepath.Join(out, vulndb.FileName)
				}
			}
			if update && reevaluate {
				hub.data = data
				return updateAndReevaluate(cmd, g, target, args, hub, actor, asJSON)
			}
			rep, err := build.Build(cmd.Context(), target, args, build.Options{Formats: list.All(), Logger: g.logger()})
			if err != nil {
				if rep != nil && len(rep.Warnings) > 0 {
					printWarnings(g, rep.Warnings, 5)
				}
				return fmt.Errorf("building the vulnerability database: %w; the previous database (if any) is unchanged", err)
			}
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			printBuildReport(g, rep)
			return nil
		},
	}
	if !update {
		cmd.Flags().StringVar(&out, "out", "", "directory (or .sqlite file) to write the database to")
	} else {
		settingData.stringVar(cmd.Flags(), &data)
		settingDB.stringVar(cmd.Flags(), &db)
		settingReevaluate.boolVar(cmd.Flags(), &reevaluate)
		hub.register(cmd.Flags(), false)
		settingActor.stringVar(cmd.Flags(), &actor)
	}
	settingJSON.boolVar(cmd.Flags(), &asJSON)
	return cmd
}

func printWarnings(g *global, ws []build.Warning, max int) {
	for i, w := range ws {
		if i == max {
			fmt.Fprintf(g.stderr, "warning: … and %d more (--json lists them all)\n", len(ws)-max)
			break
		}
		if w.Partial {
			fmt.Fprintf(g.stderr, "warning: %s (in %s) partly imported: %s\n", w.File, w.Source, w.Err)
		} else {
			fmt.Fprintf(g.stderr, "warning: %s (in %s) skipped: %s\n", w.File, w.Source, w.Err)
		}
	}
}

func printBuildReport(g *global, rep *build.Report) {
	printWarnings(g, rep.Warnings, 10)
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tFORMAT\tRECORDS\tSKIPPED")
	for _, s := range rep.Sources {
		formats := make([]string, 0, len(s.Records))
		for f := range s.Records {
			formats = append(formats, f)
		}
		sort.Strings(formats)
		for _, f := range formats {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", s.Location, f, s.Records[f], s.Skipped[f])
		}
	}
	tw.Flush()
	fmt.Fprintf(g.stdout, "\n%d advisory records, %d files skipped, %s, %.1f MB, in %s\n",
		rep.Advisories, rep.Skipped(), rep.Path, float64(rep.Size)/(1<<20), rep.Duration.Round(time.Millisecond))
}

func newDBInfoCmd(g *global) *cobra.Command {
	var data, db string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "info",
		Short: "Show what a vulnerability database holds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := vulndb.Open(cmd.Context(), dbPath(db, data))
			if err != nil {
				return err
			}
			defer d.Close()
			info, err := d.Info(cmd.Context(), true)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			fmt.Fprintf(g.stdout, "database:   %s\nschema:     %d\nbuilt:      %s\nadvisories: %d\n\n", info.Path, info.SchemaVersion, info.BuiltAt.Format(time.RFC3339), info.Advisories)
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SOURCE\tFORMAT\tRECORDS\tSKIPPED\tFINGERPRINT")
			for _, s := range info.Sources {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", s.Location, s.Name, s.Records, s.Skipped, s.Fingerprint)
			}
			tw.Flush()
			nss := make([]string, 0, len(info.Namespaces))
			for ns := range info.Namespaces {
				nss = append(nss, ns)
			}
			sort.Strings(nss)
			fmt.Fprintln(g.stdout)
			tw = tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAMESPACE\tADVISORIES")
			for _, ns := range nss {
				fmt.Fprintf(tw, "%s\t%d\n", ns, info.Namespaces[ns])
			}
			return tw.Flush()
		},
	}
	settingData.stringVar(cmd.Flags(), &data)
	settingDB.stringVar(cmd.Flags(), &db)
	settingJSON.boolVar(cmd.Flags(), &asJSON)
	return cmd
}

func newDBDiffCmd(g *global) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "List advisories added, removed and changed between two database builds",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			old, err := vulndb.Open(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer old.Close()
			nw, err := vulndb.Open(cmd.Context(), args[1])
			if err != nil {
				return err
			}
			defer nw.Close()
			changes, err := vulndb.Diff(cmd.Context(), old, nw)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				if changes == nil {
					changes = []vulndb.Change{}
				}
				return enc.Encode(changes)
			}
			counts := map[vulndb.ChangeKind]int{}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CHANGE\tSOURCE\tID\tPACKAGES")
			for _, c := range changes {
				counts[c.Kind]++
				var pk []string
				for _, p := range c.Packages {
					pk = append(pk, p.Namespace+"/"+p.Package)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Kind, c.Source, c.ID, strings.Join(pk, " "))
			}
			tw.Flush()
			fmt.Fprintf(g.stdout, "\n%d added, %d removed, %d changed\n", counts[vulndb.Added], counts[vulndb.Removed], counts[vulndb.Changed])
			return nil
		},
	}
	settingJSON.boolVar(cmd.Flags(), &asJSON)
	return cmd
}
