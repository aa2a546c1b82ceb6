// Package registrytest starts real registries for tests: CNCF distribution
// from Debian's docker-registry package, on a free loopback port, with its
// storage in a temporary folder.
package registrytest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Binary is the Debian package's registry binary.
const Binary = "/usr/bin/docker-registry"

// Distribution is a running docker-registry.
type Distribution struct {
	// Host is "127.0.0.1:PORT".
	Host string
	Dir  string
	cmd  *exec.Cmd
	log  *os.File
}

// Options configure the registry.
type Options struct {
	// NotifyURL, when set, makes the registry POST events there.
	NotifyURL   string
	NotifyToken string
}

// StartDistribution starts docker-registry and stops it when the test ends.
// It fails the test (never skips) when the binary is missing.
func StartDistribution(t testing.TB, opts Options) *Distribution {
	t.Helper()
	if _, err := os.Stat(Binary); err != nil {
		t.Fatalf("Debian's docker-registry is needed for this test (apt-get install -y docker-registry; .ci/run installs it): %v", err)
	}
	dir := t.TempDir()
	port := freePort(t)
	d := &Distribution{Host: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir}
	var notify string
	if opts.NotifyURL != "" {
		notify = fmt.Sprintf(`notifications:
  endpoints:
    - name: vigil
      url: %s
      headers:
        Authorization: [Bearer %s]
      timeout: 2s
      threshold: 3
      backoff: 1s
      ignoredmediatypes: [application/octet-stream]
      ignore:
        actions: [pull]
`, opts.NotifyURL, opts.NotifyToken)
	}
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
%s`, filepath.Join(dir, "data"), d.Host, notify)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	d.log = logf
	d.cmd = exec.Command(Binary, "serve", cfgPath)
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("starting docker-registry: %v", err)
	}
	t.Cleanup(d.stop)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + d.Host + "/v2/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("docker-registry did not start on %s: %v\n%s", d.Host, err, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return d
}

func (d *Distribution) stop() {
	if d.cmd.Process != nil {
		_ = d.cmd.Process.Kill()
		_ = d.cmd.Wait()
	}
	d.log.Close()
}

// Log returns what the registry logged so far.
func (d *Distribution) Log() string {
	b, _ := os.ReadFile(d.log.Name())
	return strings.TrimSpace(string(b))
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
