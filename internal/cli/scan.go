package cli

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/ignorefile"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/match"
	"github.com/vigilhq/vigil/internal/reeval"
	"github.com/vigilhq/vigil/internal/report"
	"github.com/vigilhq/vigil/internal/sbom"
	"github.com/vigilhq/vigil/internal/scan"
	"github.com/vigilhq/vigil/internal/vulndb"
)

var (
	settingScanFormat    = setting{flag: "format", short: "f", usage: "output format: " + strings.Join(report.FormatNames(), ", "), def: "table"}
	settingSeverity      = setting{flag: "severity", usage: "report only these severities (comma-separated: CRITICAL,HIGH,MEDIUM,LOW,NEGLIGIBLE,UNKNOWN)"}
	settingIgnoreUnfixed = setting{flag: "ignore-unfixed", usage: "leave out vulnerabilities with no fixed version", def: "false"}
	settingIgnoreStatus  = setting{flag: "ignore-status", usage: "leave out these statuses (comma-separated: fixed, affected, will-not-fix, under-investigation)"}
	settingExitCode      = setting{flag: "exit-code", usage: "exit with this code when any vulnerability remains after filtering (CI gates)", def: "0"}
	settingIgnoreFile    = setting{flag: "ignore-file", usage: "YAML file of vulnerabilities to ignore (id, package, expires, reason)", def: ".vigilignore"}
	settingNoCache       = setting{flag: "no-cache", usage: "read every layer, ignoring and not filling the layer cache", def: "false"}
	settingRecord        = setting{flag: "record", usage: "record the scan's findings (every match, before --severity and the other report filters) and the image's inventory in the findings hub", def: "false"}
)

type scanFlags struct {
	img           imageFlags
	data, db      string
	format        string
	output        string
	severity      string
	ignoreUnfixed bool
	ignoreStatus  string
	exitCode      int
	ignoreFile    string
	record        bool
	hub           hubFlags
	failAt        string
	actor         string
}

func newScanCmd(g *global) *cobra.Command {
	var f scanFlags
	var exitCode string
	cmd := &cobra.Command{
		Use:   "scan IMAGE",
		Short: "Find the known vulnerabilities of an image's packages",
		Long: `Catalog an image (or read an SBOM with sbom:FILE) and match every package
against the vulnerability database: OS packages against their own
distribution release's advisories (by source package), language packages
against their ecosystem's.

IMAGE takes the same forms as in 'vigil sbom', plus sbom:FILE (CycloneDX or
SPDX JSON, or Vigil's own JSON).`,
		Example: `  vigil scan alpine:3.20
  vigil scan docker-archive:img.tar --severity CRITICAL,HIGH --exit-code 1
  vigil scan sbom:app.cdx.json -f sarif -o vigil.sarif`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := fmt.Sscan(exitCode, &f.exitCode); err != nil {
				return fmt.Errorf("--exit-code %q: want a number", exitCode)
			}
			return runScan(cmd, g, args[0], f)
		},
	}
	f.img.register(cmd)
	settingData.stringVar(cmd.Flags(), &f.data)
	settingDB.stringVar(cmd.Flags(), &f.db)
	settingScanFormat.stringVar(cmd.Flags(), &f.format)
	settingOutput.stringVar(cmd.Flags(), &f.output)
	settingSeverity.stringVar(cmd.Flags(), &f.severity)
	settingIgnoreUnfixed.boolVar(cmd.Flags(), &f.ignoreUnfixed)
	settingIgnoreStatus.stringVar(cmd.Flags(), &f.ignoreStatus)
	settingExitCode.stringVar(cmd.Flags(), &exitCode)
	settingIgnoreFile.stringVar(cmd.Flags(), &f.ignoreFile)
	settingNoCache.boolVar(cmd.Flags(), &f.img.noCache)
	settingRecord.boolVar(cmd.Flags(), &f.record)
	f.hub.register(cmd.Flags(), false)
	settingFailAt.stringVar(cmd.Flags(), &f.failAt)
	settingActor.stringVar(cmd.Flags(), &f.actor)
	return cmd
}

// scanImage runs inventory and matching for a reference (image or sbom:FILE).
func scanImage(cmd *cobra.Command, g *global, ref string, f scanFlags) (*report.Report, *inventory.Inventory, error) {
	ctx := cmd.Context()
	db, err := vulndb.Open(ctx, dbPath(f.db, f.data))
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	inv, err := loadInventory(cmd, g, ref, f)
	if err != nil {
		return nil, nil, err
	}
	ms, errs, err := scan.Match(ctx, inv, db)
	if err != nil {
		return nil, nil, err
	}
	info, _ := db.Info(ctx, false)
	rep := scan.NewReport(inv, ms, info, vigilTool(), time.Now())
	rep.Errors = append(rep.Errors, errs...)
	return rep, inv, nil
}

func vigilTool() report.Tool { return report.Tool{Name: "vigil", Version: Version} }

// recordScan records a complete report (before any display filter) in the
// findings hub and says what changed on stderr.
func recordScan(cmd *cobra.Command, g *global, rep *report.Report, inv *inventory.Inventory, f scanFlags) error {
	ctx := cmd.Context()
	policy, err := parseFailAt(f.failAt)
	if err != nil {
		return err
	}
	if f.hub.data == "" {
		f.hub.data = f.data
	}
	store, err := f.hub.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	ch, err := reeval.Record(ctx, store, rep, inv, policy, findings.By{Actor: f.actor}, reeval.Options{Tool: vigilTool()})
	if err != nil {
		return fmt.Errorf("--record: %w", err)
	}
	if !f.img.quiet {
		fmt.Fprintf(g.stderr, "recorded %s: %d created, %d reopened, %d resolved, %d modified; compliance %s\n",
			ch.Summary.Image.Digest, len(ch.Created), len(ch.Reopened), len(ch.Resolved), len(ch.Modified), ch.Summary.Compliance)
	}
	return nil
}

// loadInventory catalogs an image, or reads an SBOM for sbom:FILE.
func loadInventory(cmd *cobra.Command, g *global, ref string, f scanFlags) (*inventory.Inventory, error) {
	if file, ok := strings.CutPrefix(ref, "sbom:"); ok {
		return readSBOM(file)
	}
	f.img.cacheDir = layerCacheDir(f.data)
	return inventoryOf(cmd, g, ref, f.img)
}

func readSBOM(file string) (*inventory.Inventory, error) {
	fh, err := os.Open(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("SBOM file %s not found: check the path", file)
		}
		return nil, err
	}
	defer fh.Close()
	inv, _, err := sbom.Decode(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return inv, nil
}

func runScan(cmd *cobra.Command, g *global, ref string, f scanFlags) error {
	if _, ok := report.Lookup(f.format); !ok {
		return fmt.Errorf("unknown --format %q: choose one of %s", f.format, strings.Join(report.FormatNames(), ", "))
	}
	sevs, err := parseList(f.severity, match.Levels, "--severity")
	if err != nil {
		return err
	}
	statuses, err := parseList(f.ignoreStatus, []string{"fixed", "affected", "will-not-fix", "under-investigation"}, "--ignore-status")
	if err != nil {
		return err
	}
	var ign *ignorefile.File
	if f.ignoreFile != "" {
		if _, err := os.Stat(f.ignoreFile); err == nil || cmd.Flags().Changed("ignore-file") {
			if ign, err = ignorefile.Load(f.ignoreFile); err != nil {
				return err
			}
		}
	}
	rep, inv, err := scanImage(cmd, g, ref, f)
	if err != nil {
		return err
	}
	if f.record {
		if err := recordScan(cmd, g, rep, inv, f); err != nil {
			return err
		}
	}
	rep.Vulnerabilities = filter(rep.Vulnerabilities, sevs, statuses, f.ignoreUnfixed)
	if ign != nil {
		var warnings []string
		rep.Vulnerabilities, rep.Ignored, warnings = ign.Apply(rep.Vulnerabilities, time.Now())
		for _, w := range warnings {
			fmt.Fprintln(g.stderr, "warning: "+w)
			rep.Errors = append(rep.Errors, w)
		}
	}
	w, commit, err := openOutput(f.output, g.stdout)
	if err != nil {
		return err
	}
	if err := report.Encode(w, f.format, rep); err != nil {
		discardOutput(w)
		return fmt.Errorf("writing %s report: %w", f.format, err)
	}
	if err := commit(); err != nil {
		return err
	}
	if f.exitCode != 0 && len(rep.Vulnerabilities) > 0 {
		return &ExitError{Code: f.exitCode, Err: fmt.Errorf("%d vulnerabilities found (--exit-code %d)", len(rep.Vulnerabilities), f.exitCode)}
	}
	return nil
}

// parseList parses a comma-separated list of known words (case-insensitive).
func parseList(s string, known []string, flag string) (map[string]bool, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string]bool{}
	for _, w := range strings.Split(s, ",") {
		w = strings.TrimSpace(w)
		found := ""
		for _, k := range known {
			if strings.EqualFold(w, k) {
				found = k
			}
		}
		if found == "" {
			return nil, fmt.Errorf("%s: unknown value %q (known: %s)", flag, w, strings.Join(known, ", "))
		}
		out[found] = true
	}
	return out, nil
}

func filter(vs []report.Vulnerability, sevs, ignoreStatus map[string]bool, ignoreUnfixed bool) []report.Vulnerability {
	out := []report.Vulnerability{}
	for _, v := range vs {
		if sevs != nil && !sevs[v.Severity] {
			continue
		}
		if ignoreStatus[v.Status] {
			continue
		}
		if ignoreUnfixed && v.FixedVersion == "" {
			continue
		}
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return match.Rank(out[i].Severity) > match.Rank(out[j].Severity)
	})
	return out
}
