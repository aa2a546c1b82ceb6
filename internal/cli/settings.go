package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// setting is one configurable value: its flag, its VIGIL_* environment
// variable and its default are defined once, here.
type setting struct {
	flag  string
	short string
	usage string
	def   string
}

// env is the environment variable of a setting: --ignore-unfixed is
// VIGIL_IGNORE_UNFIXED.
func (s setting) env() string {
	return "VIGIL_" + strings.ToUpper(strings.ReplaceAll(s.flag, "-", "_"))
}

// defValue is the default, overridden by the environment.
func (s setting) defValue() string {
	if v, ok := os.LookupEnv(s.env()); ok {
		return v
	}
	return s.def
}

func (s setting) help() string { return fmt.Sprintf("%s (env %s)", s.usage, s.env()) }

func (s setting) stringVar(fs *pflag.FlagSet, p *string) {
	fs.StringVarP(p, s.flag, s.short, s.defValue(), s.help())
}

func (s setting) boolVar(fs *pflag.FlagSet, p *bool) {
	v, _ := strconv.ParseBool(s.defValue())
	fs.BoolVarP(p, s.flag, s.short, v, s.help())
}

// The settings of the image commands.
var (
	settingPlatform = setting{flag: "platform", usage: "platform to select from a multi-platform image", def: "linux/amd64"}
	settingInsecure = setting{flag: "insecure", usage: "allow plain HTTP and unverified TLS for registries that are not on loopback", def: "false"}
	settingOutput   = setting{flag: "output", short: "o", usage: "write the report to this file instead of standard output"}
	settingQuiet    = setting{flag: "quiet", short: "q", usage: "no progress display", def: "false"}
	settingLogLevel = setting{flag: "log-level", usage: "log level: debug, info, warn, error", def: "warn"}
)
