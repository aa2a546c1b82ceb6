package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/reeval"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/build"
	"github.com/vigilhq/vigil/internal/vulndb/feed/list"
)

// updateAndReevaluate is 'vigil db update --reevaluate': keep the installed
// database readable, build and install the new one, and re-evaluate the
// recorded findings from the old build to the new.
func updateAndReevaluate(cmd *cobra.Command, g *global, target string, sources []string, hub hubFlags, actor string, asJSON bool) error {
	ctx := cmd.Context()
	// Open the hub first: when it cannot be opened, nothing changes.
	store, err := hub.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	prev, err := keepPrevious(ctx, target)
	if err != nil {
		return err
	}
	defer prev.release()
	rep, err := build.Build(ctx, target, sources, build.Options{Formats: list.All(), Logger: g.logger()})
	if err != nil {
		if rep != nil && len(rep.Warnings) > 0 {
			printWarnings(g, rep.Warnings, 5)
		}
		return fmt.Errorf("building the vulnerability database: %w; the previous database (if any) and the findings are unchanged", err)
	}
	nw, err := vulndb.Open(ctx, target)
	if err != nil {
		return err
	}
	defer nw.Close()
	res, err := reeval.Reevaluate(ctx, store, prev.db, nw, findings.By{Actor: actor}, reeval.Options{Tool: vigilTool(), Logger: g.logger()})
	if err != nil {
		kept := prev.keep(target)
		return fmt.Errorf("the new database is installed, but re-evaluating findings stopped after %d images: %w; finish with 'vigil findings reevaluate --from %s'", res.Totals.Images, err, kept)
	}
	if asJSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Build        *build.Report `json:"build"`
			Reevaluation reeval.Result `json:"reevaluation"`
		}{rep, res})
	}
	printBuildReport(g, rep)
	fmt.Fprintln(g.stdout)
	printReevaluation(g.stdout, res)
	return nil
}

// previous is the database that was installed before an update, open
// through a hard link (or a copy) that outlives the atomic rename of the
// new one over it.
type previous struct {
	db   *vulndb.DB
	path string
}

func keepPrevious(ctx context.Context, target string) (*previous, error) {
	if _, err := os.Stat(target); errors.Is(err, os.ErrNotExist) {
		return &previous{}, nil
	}
	path := target + ".prev-" + strconv.Itoa(os.Getpid())
	os.Remove(path)
	if err := os.Link(target, path); err != nil {
		if err := copyFile(target, path); err != nil {
			return nil, fmt.Errorf("keeping the previous database %s for re-evaluation: %w", target, err)
		}
	}
	db, err := vulndb.Open(ctx, path)
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("reading the previous database %s for re-evaluation: %w; update without --reevaluate", target, err)
	}
	return &previous{db: db, path: path}, nil
}

// keep moves the previous database next to the target for a later
// 'vigil findings reevaluate --from', and returns its path.
func (p *previous) keep(target string) string {
	if p.db == nil {
		return "<none>"
	}
	kept := target + ".previous"
	if err := os.Rename(p.path, kept); err != nil {
		return p.path
	}
	p.path = kept
	p.db.Close()
	p.db = nil
	return kept
}

func (p *previous) release() {
	if p.db != nil {
		p.db.Close()
		os.Remove(p.path)
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(to)
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(to)
		return err
	}
	return nil
}

func printReevaluation(w io.Writer, res reeval.Result) {
	if res.FirstInstall {
		fmt.Fprintln(w, "findings: no previous database, nothing to re-evaluate")
		return
	}
	var kinds []string
	for _, k := range []vulndb.ChangeKind{vulndb.Added, vulndb.Removed, vulndb.Changed} {
		kinds = append(kinds, fmt.Sprintf("%d %s", res.Advisories[k], k))
	}
	fmt.Fprintf(w, "findings: database %s → %s: advisories %s, naming %d packages\n",
		res.From.UTC().Format(time.RFC3339), res.To.UTC().Format(time.RFC3339), strings.Join(kinds, ", "), res.Packages)
	if len(res.Images) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "IMAGE\tCREATED\tREOPENED\tRESOLVED\tMODIFIED\tCOMPLIANCE")
		for _, img := range res.Images {
			ch := img.Changes
			name := img.Digest
			if r := ch.Summary.Image.Repository; r != "" {
				name = r + "@" + name
			}
			comp := string(ch.Summary.Compliance)
			if img.ComplianceBefore != ch.Summary.Compliance {
				comp += " (was " + string(img.ComplianceBefore) + ")"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", name, len(ch.Created), len(ch.Reopened), len(ch.Resolved), len(ch.Modified), comp)
		}
		tw.Flush()
	}
	for _, d := range res.Skipped {
		fmt.Fprintf(w, "skipped %s: recorded without an inventory\n", d)
	}
	t := res.Totals
	fmt.Fprintf(w, "%d images re-evaluated: %d findings created, %d reopened, %d resolved, %d modified; %d images FAILED, %d changed compliance; in %s\n",
		t.Images, t.Created, t.Reopened, t.Resolved, t.Modified, t.Failed, t.ComplianceChanged, res.Duration.Round(time.Millisecond))
}

func newFindingsReevaluateCmd(g *global) *cobra.Command {
	var (
		hub      hubFlags
		db, from string
		actor    string
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "reevaluate --from OLD-DB",
		Short: "Re-evaluate the recorded findings from one database build to the installed one",
		Long: `Re-evaluate the recorded findings from the database build OLD-DB to the
installed one (or --db): what 'vigil db update --reevaluate' does after an
update, for when that was interrupted or the database was replaced by
other means. Only images holding a package the two builds' diff names are
re-matched, from their stored inventories; no image is pulled.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if from == "" {
				return errors.New("--from OLD-DB is required")
			}
			old, err := vulndb.Open(ctx, from)
			if err != nil {
				return err
			}
			defer old.Close()
			nw, err := vulndb.Open(ctx, dbPath(db, hub.data))
			if err != nil {
				return err
			}
			defer nw.Close()
			store, err := hub.open(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			res, err := reeval.Reevaluate(ctx, store, old, nw, findings.By{Actor: actor}, reeval.Options{Tool: vigilTool(), Logger: g.logger()})
			if err != nil {
				return fmt.Errorf("re-evaluating findings stopped after %d images: %w; run it again to finish", res.Totals.Images, err)
			}
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			printReevaluation(g.stdout, res)
			return nil
		},
	}
	hub.register(cmd.Flags(), true)
	settingDB.stringVar(cmd.Flags(), &db)
	cmd.Flags().StringVar(&from, "from", "", "the database build the findings were evaluated against (a file or directory)")
	settingActor.stringVar(cmd.Flags(), &actor)
	settingJSON.boolVar(cmd.Flags(), &asJSON)
	return cmd
}
