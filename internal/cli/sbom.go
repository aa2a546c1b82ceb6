package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigilhq/vigil/internal/catalog/list"
	"github.com/vigilhq/vigil/internal/imagesrc"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/layercache"
	"github.com/vigilhq/vigil/internal/layerfs"
	"github.com/vigilhq/vigil/internal/sbom"
	"github.com/vigilhq/vigil/internal/scan"
)

var settingSBOMFormat = setting{flag: "format", short: "f", usage: "output format: " + strings.Join(sbom.FormatNames(), ", "), def: "table"}

// imageFlags are the settings shared by commands that open images.
type imageFlags struct {
	platform string
	insecure bool
	quiet    bool
	noCache  bool
	// cacheDir holds layer results; "" disables the cache.
	cacheDir string
}

func (f *imageFlags) register(cmd *cobra.Command) {
	settingPlatform.stringVar(cmd.Flags(), &f.platform)
	settingInsecure.boolVar(cmd.Flags(), &f.insecure)
	settingQuiet.boolVar(cmd.Flags(), &f.quiet)
}

func newSBOMCmd(g *global) *cobra.Command {
	var (
		img    imageFlags
		format string
		output string
		data   string
	)
	cmd := &cobra.Command{
		Use:   "sbom IMAGE",
		Short: "Catalog every package in an image and write its SBOM",
		Long: `Catalog every package in an image, layer by layer, and write its SBOM.

IMAGE is a registry reference (registry:REF or bare), docker-archive:PATH
(a docker save tarball), oci-archive:PATH, oci-dir:PATH or dir:PATH.`,
		Example: `  vigil sbom alpine:3.20
  vigil sbom docker-archive:img.tar --format cyclonedx-json -o sbom.cdx.json
  vigil sbom dir:/ --format spdx-json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, ok := sbom.Lookup(format); !ok {
				return fmt.Errorf("unknown --format %q: choose one of %s", format, strings.Join(sbom.FormatNames(), ", "))
			}
			img.cacheDir = layerCacheDir(data)
			inv, err := inventoryOf(cmd, g, args[0], img)
			if err != nil {
				return err
			}
			return writeSBOM(g, inv, format, output)
		},
	}
	img.register(cmd)
	settingSBOMFormat.stringVar(cmd.Flags(), &format)
	settingOutput.stringVar(cmd.Flags(), &output)
	settingData.stringVar(cmd.Flags(), &data)
	settingNoCache.boolVar(cmd.Flags(), &img.noCache)
	cmd.AddCommand(newSBOMConvertCmd(g))
	return cmd
}

func newSBOMConvertCmd(g *global) *cobra.Command {
	var format, output string
	cmd := &cobra.Command{
		Use:   "convert FILE",
		Short: "Read an SBOM (CycloneDX JSON, SPDX JSON or Vigil JSON) and write it in another format",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, ok := sbom.Lookup(format); !ok {
				return fmt.Errorf("unknown --format %q: choose one of %s", format, strings.Join(sbom.FormatNames(), ", "))
			}
			f, err := os.Open(args[0])
			if err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("SBOM file %s not found: check the path", args[0])
				}
				return err
			}
			defer f.Close()
			inv, _, err := sbom.Decode(f)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return writeSBOM(g, inv, format, output)
		},
	}
	settingSBOMFormat.stringVar(cmd.Flags(), &format)
	settingOutput.stringVar(cmd.Flags(), &output)
	return cmd
}

func writeSBOM(g *global, inv *inventory.Inventory, format, output string) error {
	w, commit, err := openOutput(output, g.stdout)
	if err != nil {
		return err
	}
	if err := sbom.Encode(w, format, inv, sbom.Options{ToolVersion: Version}); err != nil {
		discardOutput(w)
		return fmt.Errorf("writing %s SBOM: %w", format, err)
	}
	return commit()
}

// inventoryOf opens an image and catalogs it. An image whose layers could
// not all be read is an error: a partial inventory would hide packages.
func inventoryOf(cmd *cobra.Command, g *global, ref string, f imageFlags) (*inventory.Inventory, error) {
	ctx := cmd.Context()
	img, err := imagesrc.Open(ctx, ref, imagesrc.Options{Platform: f.platform, Insecure: f.insecure})
	if err != nil {
		return nil, err
	}
	defer img.Close()
	p := newProgress(g.stderr, f.quiet)
	opts := scan.Options{Catalogers: list.All(), Limits: layerfs.DefaultLimits, Logger: g.logger()}
	if f.cacheDir != "" && !f.noCache {
		opts.Cache = layercache.Dir{Path: f.cacheDir}
	}
	if p != nil {
		opts.Progress = p
	}
	inv, err := scan.Inventory(ctx, img, opts)
	p.finish()
	if err != nil {
		var inc *scan.IncompleteError
		if errors.As(err, &inc) {
			return nil, fmt.Errorf("%s: %w; the image is damaged or hostile, no SBOM written", ref, err)
		}
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	return inv, nil
}

// layerCacheDir is where layer results are cached in a data directory.
func layerCacheDir(data string) string {
	if data == "" {
		return ""
	}
	return filepath.Join(data, "cache", "layers")
}
