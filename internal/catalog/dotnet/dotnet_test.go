package dotnet

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/catalog/catalogtest"
)

func TestGolden(t *testing.T) {
	for _, name := range []string{"automapper", "cleanarch"} {
		t.Run(name, func(t *testing.T) {
			got := catalogtest.Run(t, Cataloger{}, "testdata/"+name)
			catalogtest.Golden(t, "testdata/"+name+".golden.json", got)
		})
	}
}

func TestRequired(t *testing.T) {
	for p, want := range map[string]bool{
		"app/ConsoleApp1.deps.json": true,
		"usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.0/Microsoft.NETCore.App.deps.json": true,
		"app/ConsoleApp1.runtimeconfig.json":                                                  false,
		"app/packages.lock.json":                                                              false,
		"app/x.deps.json.bak":                                                                 false,
	} {
		if got := (Cataloger{}).Required(p, 0o644, 1); got != want {
			t.Errorf("Required(%q) = %v, want %v", p, got, want)
		}
	}
	if (Cataloger{}).Required("a.deps.json", fs.ModeSymlink, 1) {
		t.Error("a symlink is required")
	}
}

// TestFilters checks which libraries are reported; the expectations are
// what syft v1.57.0's dotnet-deps-binary-cataloger reports for the same
// files with its default settings.
func TestFilters(t *testing.T) {
	for _, tc := range []struct {
		name, path, deps string
		want             []string
	}{
		{
			name: "reference assemblies are not packages",
			path: "app/MyApp.deps.json",
			deps: `{"targets": {".NETCoreApp,Version=v8.0": {
				"MyApp/1.0.0": {"dependencies": {"Newtonsoft.Json": "13.0.3", "Microsoft.AspNetCore.DataProtection": "8.0.0.0"}, "runtime": {"MyApp.dll": {}}},
				"Newtonsoft.Json/13.0.3": {"runtime": {"lib/net6.0/Newtonsoft.Json.dll": {"assemblyVersion": "13.0.0.0", "fileVersion": "13.0.3.27908"}}},
				"Microsoft.AspNetCore.DataProtection/8.0.0.0": {"compile": {"Microsoft.AspNetCore.DataProtection.dll": {}}}}},
			"libraries": {
				"MyApp/1.0.0": {"type": "project", "serviceable": false, "sha512": ""},
				"Newtonsoft.Json/13.0.3": {"type": "package", "serviceable": true, "sha512": "sha512-HrC5BXdl00IP9zeV+0Z848QWPAoCr9P3bDEZguI+gkLcBKAOxix/tLEAAHC+UvDNPv4a2d18lOReHMOagPa+zQ==", "path": "newtonsoft.json/13.0.3", "hashPath": "newtonsoft.json.13.0.3.nupkg.sha512"},
				"Microsoft.AspNetCore.DataProtection/8.0.0.0": {"type": "referenceassembly", "serviceable": false, "sha512": ""}}}`,
			want: []string{"pkg:nuget/MyApp@1.0.0", "pkg:nuget/Newtonsoft.Json@13.0.3"},
		},
		{
			name: "a package without assets counts if a dependency has some",
			path: "app/Svc.deps.json",
			deps: `{"targets": {".NETCoreApp,Version=v8.0": {
				"Svc/2.0.0": {"dependencies": {"Meta": "1.0.0", "Empty": "1.0.0"}, "runtime": {"Svc.dll": {}}},
				"Meta/1.0.0": {"dependencies": {"Leaf": "3.0.0"}},
				"Leaf/3.0.0": {"runtime": {"lib/net8.0/Leaf.dll": {}}},
				"Empty/1.0.0": {},
				"NotInLibraries/1.0.0": {"native": {"runtimes/linux-x64/native/libx.so": {}}}}},
			"libraries": {"Svc/2.0.0": {"type": "project"}, "Meta/1.0.0": {"type": "package"}, "Leaf/3.0.0": {"type": "package"}, "Empty/1.0.0": {"type": "package"}}}`,
			want: []string{"pkg:nuget/Svc@2.0.0", "pkg:nuget/Leaf@3.0.0", "pkg:nuget/Meta@1.0.0", "pkg:nuget/NotInLibraries@1.0.0"},
		},
		{
			name: "bundling tooling: every package is reported",
			path: "app/Tool.deps.json",
			deps: `{"targets": {".NETCoreApp,Version=v8.0": {
				"Tool/1.0.0": {"dependencies": {"ILRepack.Lib.MSBuild.Task": "2.0.18.2", "Empty": "1.0.0"}, "runtime": {"Tool.dll": {}}},
				"ILRepack.Lib.MSBuild.Task/2.0.18.2": {},
				"Empty/1.0.0": {},
				"Other/1.0.0": {}}},
			"libraries": {"Tool/1.0.0": {"type": "project"}, "ILRepack.Lib.MSBuild.Task/2.0.18.2": {"type": "package"}, "Empty/1.0.0": {"type": "package"}, "Other/1.0.0": {"type": "project"}}}`,
			want: []string{"pkg:nuget/Tool@1.0.0", "pkg:nuget/Empty@1.0.0", "pkg:nuget/ILRepack.Lib.MSBuild.Task@2.0.18.2"},
		},
		{
			name: "no project named like the file: projects are not reported",
			path: "app/renamed.deps.json",
			deps: `{"targets": {".NETCoreApp,Version=v8.0": {
				"App/1.0.0": {"dependencies": {"Serilog": "3.1.1"}, "runtime": {"App.dll": {}}},
				"Serilog/3.1.1": {"runtime": {"lib/net7.0/Serilog.dll": {}}}}},
			"libraries": {"App/1.0.0": {"type": "project"}, "Serilog/3.1.1": {"type": "package"}}}`,
			want: []string{"pkg:nuget/Serilog@3.1.1"},
		},
		{
			name: "self-contained: claims merge across targets, runtime pack reported",
			path: "app/Api.deps.json",
			deps: `{"runtimeTarget": {"name": ".NETCoreApp,Version=v8.0/linux-x64"},
			"targets": {
				".NETCoreApp,Version=v8.0": {"Api/1.0.0": {"runtime": {"Api.dll": {}}}, "Npgsql/8.0.1": {}},
				".NETCoreApp,Version=v8.0/linux-x64": {
					"Api/1.0.0": {"dependencies": {"Npgsql": "8.0.1", "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64": "8.0.1"}, "runtime": {"Api.dll": {}}},
					"Npgsql/8.0.1": {"runtime": {"lib/net8.0/Npgsql.dll": {}}},
					"runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.1": {"runtime": {"System.Private.CoreLib.dll": {}}, "native": {"libSystem.Native.so": {"fileVersion": "0.0.0.0"}}}}},
			"libraries": {"Api/1.0.0": {"type": "project"}, "Npgsql/8.0.1": {"type": "package"}, "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.1": {"type": "runtimepack"}}}`,
			want: []string{"pkg:nuget/Api@1.0.0", "pkg:nuget/Npgsql@8.0.1", "pkg:nuget/runtimepack.Microsoft.NETCore.App.Runtime.linux-x64@8.0.1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := (Cataloger{}).Catalog(context.Background(), catalog.Input{Path: tc.path, Size: int64(len(tc.deps)), Content: strings.NewReader(tc.deps)})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range res.Packages {
				got = append(got, p.PURL)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("PURLs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	in := `{"targets": [`
	_, err := (Cataloger{}).Catalog(context.Background(), catalog.Input{Path: "app/x.deps.json", Size: int64(len(in)), Content: strings.NewReader(in)})
	if err == nil || !strings.Contains(err.Error(), `"app/x.deps.json"`) {
		t.Fatalf("err = %v, want an error naming the file", err)
	}
}

func FuzzParseDeps(f *testing.F) {
	for _, p := range []string{"testdata/automapper/app/ConsoleApp1.deps.json", "testdata/cleanarch/app/ConsoleApp1.deps.json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"targets": {"t": {"a/1": {"dependencies": {"b": "1"}}, "b/1": {"dependencies": {"a": "1"}}, "/": {}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDeps(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, l := range d.Reported("a") {
			if l.Name == "" {
				t.Fatalf("library without a name: %+v", l)
			}
			_ = l.pkg()
		}
	})
}
