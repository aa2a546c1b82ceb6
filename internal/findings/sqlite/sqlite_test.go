package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/findings/storetest"
)

func openTemp(t *testing.T) findings.Store {
	t.Helper()
	s, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, openTemp)
}

// BenchmarkApplyScan writes a scan of 10,000 synthetic findings into a
// store holding the previous scan of the same image (half resolved, half
// observed again, 5,000 new).
func BenchmarkApplyScan(b *testing.B) {
	ctx := context.Background()
	img := storetest.SyntheticImage("bench", "1.0")
	first := storetest.SyntheticScan(b, img, storetest.T0, storetest.ManyVulns(10000, "a"))
	second := storetest.SyntheticScan(b, img, storetest.T0.Add(time.Hour), append(storetest.ManyVulns(10000, "a")[5000:], storetest.ManyVulns(5000, "b")...))
	for b.Loop() {
		b.StopTimer()
		s, err := Open(ctx, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.ApplyScan(ctx, first); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := s.ApplyScan(ctx, second); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}
