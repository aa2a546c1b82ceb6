package imagesrc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

func openRegistry(ctx context.Context, s string, opts Options) (*Image, error) {
	var nameOpts []name.Option
	if opts.Insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	ref, err := name.ParseReference(s, nameOpts...)
	if err != nil {
		return nil, fmt.Errorf("%q is not an image reference (%v); for a local file use docker-archive:PATH, oci-archive:PATH, oci-dir:PATH or dir:PATH", s, err)
	}
	platform, err := v1.ParsePlatform(opts.Platform)
	if err != nil {
		return nil, fmt.Errorf("--platform %q: %w", opts.Platform, err)
	}
	kc := opts.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	tr := opts.Transport
	if tr == nil {
		t := remote.DefaultTransport.(*http.Transport).Clone()
		if opts.Insecure {
			t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for with --insecure
		}
		tr = t
	}
	ropts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(kc),
		remote.WithPlatform(*platform),
		remote.WithTransport(tr),
		remote.WithUserAgent("vigil"),
	}
	desc, err := remote.Get(ref, ropts...)
	if err != nil {
		return nil, registryError(ref, err)
	}
	img, err := desc.Image()
	if err != nil {
		return nil, registryError(ref, fmt.Errorf("selecting platform %s: %w", opts.Platform, err))
	}
	out, err := fromV1(img, true, true)
	if err != nil {
		return nil, registryError(ref, err)
	}
	return out, nil
}

// registryError turns go-containerregistry's errors into one line that says
// what went wrong and what to do.
func registryError(ref name.Reference, err error) error {
	host := ref.Context().RegistryStr()
	var terr *transport.Error
	if errors.As(err, &terr) {
		switch terr.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("registry %s refused access to %s (HTTP %d): check the credentials for %s in %s (docker login %s): %w",
				host, ref, terr.StatusCode, host, dockerConfigPath(), host, err)
		case http.StatusNotFound:
			return &NotFoundError{Ref: ref.String(), What: "image", Err: fmt.Errorf("registry %s has no such repository or tag: %w", host, err)}
		case http.StatusTooManyRequests:
			return fmt.Errorf("registry %s is rate-limiting requests (HTTP 429): retry later or authenticate: %w", host, err)
		}
		return fmt.Errorf("registry %s answered HTTP %d for %s: %w", host, terr.StatusCode, ref, err)
	}
	var (
		nerr *net.OpError
		dns  *net.DNSError
		uerr *url.Error
	)
	switch {
	case errors.As(err, &dns):
		return fmt.Errorf("cannot resolve registry host %s: check the reference %s or your DNS: %w", host, ref, err)
	case errors.As(err, &nerr):
		return fmt.Errorf("cannot reach registry %s: %v: check that it is running and the address is right (plain-HTTP registries other than loopback need --insecure)", host, nerr.Err)
	case errors.As(err, &uerr) && uerr.Timeout():
		return fmt.Errorf("registry %s timed out: %w", host, err)
	}
	return fmt.Errorf("reading %s from registry %s: %w", ref, host, err)
}

func dockerConfigPath() string {
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		return filepath.Join(d, "config.json")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".docker", "config.json")
	}
	return "~/.docker/config.json"
}
