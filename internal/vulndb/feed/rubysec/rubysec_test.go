package rubysec

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/shareddata"
	"github.com/vigilhq/vigil/internal/version"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/feed"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestParse checks real advisories (testdata/README.md says where each
// comes from) field by field.
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		path string
		want vulndb.Advisory
	}{
		{
			path: "testdata/gems/actionpack/CVE-2008-7248.yml",
			want: vulndb.Advisory{
				ID:        "CVE-2008-7248",
				Aliases:   []string{"GHSA-8fqx-7pv4-3jwm"},
				Summary:   "Improper Input Validation in rails",
				Details:   "Ruby on Rails 2.1 before 2.1.3 and 2.2.x before 2.2.2 does not verify\ntokens for requests with certain content types, which allows remote\nattackers to bypass cross-site request forgery (CSRF) protection\nfor requests to applications that rely on this protection, as\ndemonstrated using text/plain.",
				Published: day("2017-10-24"),
				Severity:  []vulndb.Severity{{Type: vulndb.SeverityVendor, Score: "medium", Source: Source}}, // cvss_v2 6.8
				References: []string{
					"https://weblog.rubyonrails.org/2008/11/18/potential-circumvention-of-csrf-protection-in-rails-2-1",
					"https://nvd.nist.gov/vuln/detail/CVE-2008-7248",
					"https://groups.google.com/group/rubyonrails-security/browse_thread/thread/d741ee286e36e301?hl=en",
					"https://www.rorsecurity.info/journal/2008/11/19/circumvent-rails-csrf-protection.html",
					"https://github.com/advisories/GHSA-8fqx-7pv4-3jwm",
					"https://access.redhat.com/security/cve/CVE-2008-7248",
					"https://bugzilla.redhat.com/show_bug.cgi?id=544329",
					"https://pseudo-flaw.net/content/web-browsers/form-data-encoding-roundup/",
					"https://lists.opensuse.org/opensuse-security-announce/2010-03/msg00004.html",
					"https://www.openwall.com/lists/oss-security/2009/11/28/1",
					"https://www.openwall.com/lists/oss-security/2009/12/02/2",
					"http://github.com/rails/rails/commit/099a98e9b7108dae3e0f78b207e0a7dc5913bd1a",
					"http://github.com/rails/rails/commit/f1ad8b48aae3ee26613b3e77bc0056e120096846",
					"https://rubygems.org/gems/rails/versions/2.1.2",
				},
				Affected: []vulndb.Affected{{
					Namespace:    "rubygems",
					Package:      "actionpack",
					Scheme:       version.Gem,
					NativeRanges: []string{">= 0"},
					Unaffected:   []string{"~> 2.1.3", ">= 2.2.2", "< 2.1.0"},
					Status:       vulndb.StatusFixed,
				}},
			},
		},
		{
			path: "testdata/gems/sidekiq/OSVDB-125678.yml",
			want: vulndb.Advisory{
				ID:         "OSVDB-125678",
				Summary:    "Sidekiq Gem for Ruby web/views/queue.erb msg.display_class Element XSS",
				Details:    "XSS via job arguments display class in Sidekiq::Web",
				Published:  day("2015-04-21"),
				References: []string{"https://seclists.org/oss-sec/2015/q3/267", "https://github.com/mperham/sidekiq/pull/2309", "https://github.com/sidekiq/sidekiq/commit/54766f336620ca0ce3b0b87a7a56382496e64b61"},
				Affected: []vulndb.Affected{{
					Namespace:    "rubygems",
					Package:      "sidekiq",
					Scheme:       version.Gem,
					NativeRanges: []string{">= 0"},
					Unaffected:   []string{">= 3.4.0"},
					Status:       vulndb.StatusFixed,
				}},
			},
		},
		{
			path: "testdata/rubies/ruby/CVE-2005-1992.yml",
			want: vulndb.Advisory{
				ID:        "CVE-2005-1992",
				Aliases:   []string{"GHSA-vf66-crpm-448h"},
				Summary:   "Ruby XML-RPC Remote Arbitrary Command Execution",
				Details:   "The XMLRPC server in utils.rb for the ruby library (libruby) 1.8\nsets an invalid default value that prevents \"security protection\"\nusing handlers, which allows remote attackers to execute\narbitrary commands.",
				Published: day("2005-06-20"),
				Severity:  []vulndb.Severity{{Type: vulndb.SeverityVendor, Score: "high", Source: Source}}, // cvss_v2 7.5
				References: []string{
					"https://nvd.nist.gov/vuln/detail/CVE-2005-1992",
					"https://www.ruby-lang.org/en/news/2005/07/01/xmlrpcipimethods-vulnerability",
					"https://web.archive.org/web/20081120011422/http://www2.ruby-lang.org/patches/ruby-1.8.2-xmlrpc-ipimethods-fix.diff",
					"https://web.archive.org/web/20080828084436/http://www2.ruby-lang.org/en/20050701.html",
					"https://web.archive.org/web/20060813155928/https://lists.apple.com/archives/security-announce/2005/Sep/msg00002.html",
					"https://web.archive.org/web/20120111083642/http://www.securityfocus.com/bid/14016",
					"http://bugs.debian.org/cgi-bin/bugreport.cgi?bug=315064",
					"http://www.debian.org/security/2005/dsa-748",
					"http://www.kb.cert.org/vuls/id/684913",
					"https://github.com/advisories/GHSA-vf66-crpm-448h",
				},
				Affected: []vulndb.Affected{{
					Namespace:    "ruby-engine",
					Package:      "ruby",
					Scheme:       version.Gem,
					NativeRanges: []string{">= 0"},
					Unaffected:   []string{">= 1.8.2-r2"},
					Status:       vulndb.StatusFixed,
				}},
			},
		},
	} {
		t.Run(tc.path, func(t *testing.T) {
			b, err := os.ReadFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if !(Format{}).Match(tc.path, b[:min(len(b), feed.HeadLen)]) {
				t.Errorf("Match(%q) = false, want true", tc.path)
			}
			got, err := Format{}.Parse(context.Background(), tc.path, bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Source = Source
			tc.want.Origin = tc.path
			if diff := cmp.Diff([]vulndb.Advisory{tc.want}, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCriticality(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		v2, v3, v4 *float64
		want       string
	}{
		{v3: f(0), want: "none"},
		{v3: f(3.9), want: "low"},
		{v3: f(4.0), want: "medium"},
		{v3: f(7.0), want: "high"},
		{v3: f(9.0), want: "critical"},
		{v2: f(10), v3: f(5.3), want: "medium"}, // v3 first
		{v2: f(10), want: "high"},               // v2 has no "critical"
		{v2: f(3.9), want: "low"},
		{v4: f(9.3), want: "critical"},
		{want: ""},
	} {
		var got string
		if s := criticality(tc.v2, tc.v3, tc.v4); s != nil {
			got = s[0].Score
		}
		if got != tc.want {
			t.Errorf("criticality(%v, %v, %v) = %q, want %q", tc.v2, tc.v3, tc.v4, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"not yaml", "gem: [", "decoding"},
		{"no subject", "cve: 2020-1\n", "neither a gem"},
		{"bad requirement", "gem: a\ncve: 2020-1\npatched_versions: ['>> 1.0']\n", "requirement"},
		{"bad version", "gem: a\ncve: 2020-1\npatched_versions: ['>= 1.0, < x!']\n", "requirement"},
		{"bad date", "gem: a\ncve: 2020-1\ndate: yesterday\n", "date"},
		{"score type", "gem: a\ncve: 2020-1\ncvss_v3: high\n", "decoding"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Format{}.Parse(context.Background(), "gems/a/X.yml", strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "gems/a/X.yml") {
				t.Errorf("Parse error = %v, want one naming gems/a/X.yml and containing %q", err, tc.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		path, head string
		want       bool
	}{
		{"gems/rack/CVE-2013-0263.yml", "---\ngem: rack\ncve: 2013-0263\n", true},
		{"rubies/jruby/CVE-2011-4838.yml", "---\nengine: jruby\ncve: 2011-4838\n", true},
		{"x.yaml", "gem: rack\ntitle: t\n", true},
		{"gems/rack/CVE-2013-0263.json", "---\ngem: rack\ncve: 2013-0263\n", false},
		{"vulns/x/PYSEC-1.yaml", "id: PYSEC-2007-1\ndetails: x\n", false},
		{"Gemfile.yml", "gem: rack\n", false},
	} {
		if got := (Format{}).Match(tc.path, []byte(tc.head)); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.path, tc.head, got, tc.want)
		}
	}
}

// TestSharedData parses every advisory of the shared copy of
// ruby-advisory-db (1,234 gem and 147 ruby advisories) and claims nothing
// else of the shared data.
func TestSharedData(t *testing.T) {
	root := shareddata.Path(t, ".")
	type key struct{ id, pkg string }
	byKey := map[key]vulndb.Advisory{}
	ids := map[string]int{}
	for _, tc := range []struct {
		dir  string
		want int
	}{
		{"advisories/rubysec/gems", 1234},
		{"advisories/rubysec/rubies", 147},
		{"advisories/nodejs-security-wg", 0},
		{"osv", 0},
		{"distro", 0},
	} {
		claimed := 0
		err := filepath.WalkDir(shareddata.Path(t, tc.dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			rel = filepath.ToSlash(rel)
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			head := make([]byte, feed.HeadLen)
			n, _ := io.ReadFull(f, head)
			if !(Format{}).Match(rel, head[:n]) {
				return nil
			}
			claimed++
			advs, err := Format{}.Parse(context.Background(), rel, io.MultiReader(bytes.NewReader(head[:n]), f))
			if err != nil {
				t.Errorf("%v", err)
				return nil
			}
			for _, a := range advs {
				k := key{a.ID, a.Affected[0].Namespace + "/" + a.Affected[0].Package}
				if _, dup := byKey[k]; dup {
					t.Errorf("%s: %v parsed twice", rel, k)
				}
				byKey[k] = a
				ids[a.ID]++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d files claimed", tc.dir, claimed)
		if claimed != tc.want {
			t.Errorf("%s: claimed %d files, want %d", tc.dir, claimed, tc.want)
		}
	}
	shared := 0
	for _, n := range ids {
		if n > 1 {
			shared++
		}
	}
	// 60 ids are filed under several gems (counted with a script).
	if len(byKey) != 1234+147 || shared != 60 {
		t.Errorf("%d advisories, %d ids under several gems; want %d, 60", len(byKey), shared, 1234+147)
	}

	for _, tc := range []struct {
		id, pkg    string
		aliases    []string
		unaffected []string
	}{
		// File GHSA-9wjq-cp2p-hrgf.yml names a CVE assigned later.
		{"CVE-2026-73490", "rubygems/loofah", []string{"GHSA-9wjq-cp2p-hrgf"}, []string{">= 2.25.2"}},
		{"CVE-2008-7248", "rubygems/actionpack", []string{"GHSA-8fqx-7pv4-3jwm"}, []string{"~> 2.1.3", ">= 2.2.2", "< 2.1.0"}},
	} {
		a, ok := byKey[key{tc.id, tc.pkg}]
		if !ok {
			t.Errorf("%s for %s not parsed", tc.id, tc.pkg)
			continue
		}
		if diff := cmp.Diff(tc.aliases, a.Aliases); diff != "" {
			t.Errorf("%s aliases (-want +got):\n%s", tc.id, diff)
		}
		if diff := cmp.Diff(tc.unaffected, a.Affected[0].Unaffected); diff != "" {
			t.Errorf("%s unaffected (-want +got):\n%s", tc.id, diff)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/gems/actionpack/CVE-2008-7248.yml", "testdata/gems/sidekiq/OSVDB-125678.yml", "testdata/rubies/ruby/CVE-2005-1992.yml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		Format{}.Match("gems/a/X.yml", b)
		advs, err := Format{}.Parse(context.Background(), "gems/a/X.yml", bytes.NewReader(b))
		if err != nil {
			return
		}
		if len(advs) != 1 || advs[0].ID == "" || len(advs[0].Affected) != 1 {
			t.Errorf("Parse = %+v", advs)
		}
		for _, req := range advs[0].Affected[0].Unaffected {
			if err := checkRequirement(req); err != nil {
				t.Errorf("kept invalid requirement %q: %v", req, err)
			}
		}
	})
}
