package postgres

import (
	"testing"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/findings/storetest"
)

// TestConformance runs the suite every findings.Store passes, each case
// on a fresh database of the package's cluster.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) findings.Store {
		s, _ := openStore(t)
		return s
	})
}
