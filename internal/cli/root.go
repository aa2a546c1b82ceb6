// Package cli holds Vigil's cobra commands. Commands translate flags into the
// typed options of the packages below them and map their errors to one clear
// line and an exit code; they hold no scanning logic of their own.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X github.com/vigilhq/vigil/internal/cli.Version=…".
var Version = "dev"

// ExitError carries an exit code through cobra.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// global holds what every command shares.
type global struct {
	logLevel string
	stdout   io.Writer
	stderr   io.Writer
}

func (g *global) logger() *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.logLevel)); err != nil {
		lvl = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: lvl}))
}

// NewRoot builds the root command.
func NewRoot(stdout, stderr io.Writer) *cobra.Command {
	g := &global{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "vigil",
		Short:         "Continuous compliance for container images",
		Long:          "Vigil catalogs what is installed in container images, matches it against real advisories, and keeps images compliant.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	settingLogLevel.stringVar(root.PersistentFlags(), &g.logLevel)
	root.AddCommand(newSBOMCmd(g), newDBCmd(g), newScanCmd(g), newExplainCmd(g), newFindingsCmd(g))
	return root
}

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := NewRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	code := 1
	var ee *ExitError
	if errors.As(err, &ee) {
		code = ee.Code
	}
	if isUsageError(err) {
		code = 2
	}
	msg := err.Error()
	if code == 2 {
		msg += "\nRun 'vigil --help' for usage."
	}
	fmt.Fprintln(stderr, "vigil: "+msg)
	return code
}

func isUsageError(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "unknown command") || strings.HasPrefix(s, "unknown flag") ||
		strings.HasPrefix(s, "unknown shorthand flag") || strings.Contains(s, "arg(s), received") || strings.Contains(s, "arg(s), only received") ||
		strings.HasPrefix(s, "invalid argument") || strings.HasPrefix(s, "flag needs an argument")
}

// openOutput returns the writer for -o FILE (written atomically: a failed
// command leaves no half-written file) or standard output.
func openOutput(path string, stdout io.Writer) (w io.Writer, commit func() error, err error) {
	if path == "" || path == "-" {
		return stdout, func() error { return nil }, nil
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		// A device or a pipe (/dev/null, /dev/stdout, a FIFO): write to it
		// as it is; renaming a file over it would replace the device.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("opening output %s: %w", path, err)
		}
		return f, f.Close, nil
	}
	f, err := os.CreateTemp(dirOf(path), ".vigil-out-*")
	if err != nil {
		return nil, nil, fmt.Errorf("creating output file %s: %w", path, err)
	}
	commit = func() error {
		if err := f.Close(); err != nil {
			os.Remove(f.Name())
			return err
		}
		if err := os.Rename(f.Name(), path); err != nil {
			os.Remove(f.Name())
			return fmt.Errorf("writing output file %s: %w", path, err)
		}
		return nil
	}
	return f, commit, nil
}

// discardOutput removes an uncommitted output file.
func discardOutput(w io.Writer) {
	if f, ok := w.(*os.File); ok && f != os.Stdout {
		name := f.Name()
		f.Close()
		if strings.Contains(name, ".vigil-out-") {
			os.Remove(name)
		}
	}
}

func dirOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		if i == 0 {
			return "/"
		}
		return p[:i]
	}
	return "."
}
