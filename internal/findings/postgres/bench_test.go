package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/findings/storetest"
)

// BenchmarkApplyScan writes the first scan of an image with 10,000
// findings (inserts), then rescans it with half of them changed (upserts).
func BenchmarkApplyScan(b *testing.B) {
	ctx := context.Background()
	s, _ := openStore(b)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		img := storetest.SyntheticImage("bench", fmt.Sprint(i))
		first := storetest.SyntheticScan(b, img, hours(0), storetest.ManyVulns(10000, "a"))
		second := storetest.SyntheticScan(b, img, hours(1), append(storetest.ManyVulns(10000, "a")[5000:], storetest.ManyVulns(5000, "b")...))
		b.StartTimer()
		if _, err := s.ApplyScan(ctx, first); err != nil {
			b.Fatal(err)
		}
		if _, err := s.ApplyScan(ctx, second); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetFindings pages through 20,000 findings of 10 images with a
// filter, 100 a page.
func BenchmarkGetFindings(b *testing.B) {
	ctx := context.Background()
	s, _ := openStore(b)
	for i := range 10 {
		img := storetest.SyntheticImage("bench", fmt.Sprint(i))
		if _, err := s.ApplyScan(ctx, storetest.SyntheticScan(b, img, hours(float64(i)), storetest.ManyVulns(2000, "q"))); err != nil {
			b.Fatal(err)
		}
	}
	q := findings.Query{Filters: []findings.Filter{{Field: findings.FieldSeverityLabel, Values: []string{"HIGH", "CRITICAL"}}}}
	for b.Loop() {
		p, err := s.GetFindings(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Findings) == 0 {
			b.Fatal("no findings")
		}
		q.Cursor = p.Next // "" after the last page: start again
	}
}
