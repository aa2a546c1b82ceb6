package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vigilhq/vigil/internal/scan"
	"github.com/vigilhq/vigil/internal/vulndb"
)

func newExplainCmd(g *global) *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "explain IMAGE VULNERABILITY-ID",
		Short: "Show why a vulnerability affects an image's packages, or why it does not",
		Long: `For every package of the image, show each advisory that names the
vulnerability (as its id or an alias): the database query, the advisory and
the file it came from, the affected range, the comparator, and the decision.`,
		Example: `  vigil explain docker-archive:img.tar CVE-2020-1967`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := vulndb.Open(ctx, dbPath(f.db, f.data))
			if err != nil {
				return err
			}
			defer db.Close()
			ref := args[0]
			i, err := loadInventory(cmd, g, ref, f)
			if err != nil {
				return err
			}
			exps, err := scan.Explain(ctx, i, db, args[1])
			if err != nil {
				return err
			}
			if len(exps) == 0 {
				fmt.Fprintf(g.stdout, "%s: no advisory in the database names %s for any package of this image (%d packages).\n", ref, args[1], len(i.Packages))
				return nil
			}
			affected := 0
			for _, e := range exps {
				p := e.Package
				verdict := "NOT AFFECTED"
				if e.Affected {
					verdict = "AFFECTED"
					affected++
				}
				fmt.Fprintf(g.stdout, "%s %s (%s) — %s\n", p.Name, p.Version, p.Ecosystem, verdict)
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintf(tw, "  package\t%s at /%s, layer %s\n", p.PURL, p.Location.Path, p.Location.Layer)
				fmt.Fprintf(tw, "  query\t%s / %s, version %s\n", e.Query.Namespace, e.Query.Name, e.Query.Version)
				fmt.Fprintf(tw, "  advisory\t%s from %s (%s)\n", e.Advisory, e.Source, e.Origin)
				if e.Affected {
					m := e.Match
					fmt.Fprintf(tw, "  range\t%s (%s comparison)\n", m.Rule.Range, m.Rule.Scheme)
					fixed := m.FixedVersion
					if fixed == "" {
						fixed = "none"
					}
					fmt.Fprintf(tw, "  status\t%s, fixed in %s\n", m.Status, fixed)
					sev := m.Severity.Level
					if m.Severity.Source != "" {
						sev += " from " + m.Severity.Source
					}
					fmt.Fprintf(tw, "  severity\t%s\n", sev)
				}
				fmt.Fprintf(tw, "  decision\t%s\n", e.Detail)
				tw.Flush()
			}
			fmt.Fprintf(g.stdout, "\n%s: %d of %d evaluations affected.\n", args[1], affected, len(exps))
			return nil
		},
	}
	f.img.register(cmd)
	settingData.stringVar(cmd.Flags(), &f.data)
	settingDB.stringVar(cmd.Flags(), &f.db)
	settingNoCache.boolVar(cmd.Flags(), &f.img.noCache)
	return cmd
}
