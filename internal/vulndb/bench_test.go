package vulndb_test

import (
	"context"
	"testing"
)

// BenchmarkLookup measures one package lookup in a database of the real
// Alpine secdb (every release): the cost a scan pays per OS package.
func BenchmarkLookup(b *testing.B) {
	db := open(b, built(b, "distro/alpine-secdb"))
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		advs, err := db.Lookup(ctx, "alpine:3.16", "openssl")
		if err != nil || len(advs) == 0 {
			b.Fatalf("lookup: %d advisories, %v", len(advs), err)
		}
	}
}

// BenchmarkLookupMiss is the common case: a package with no advisory.
func BenchmarkLookupMiss(b *testing.B) {
	db := open(b, built(b, "distro/alpine-secdb"))
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if _, err := db.Lookup(ctx, "alpine:3.16", "alpine-baselayout"); err != nil {
			b.Fatal(err)
		}
	}
}
