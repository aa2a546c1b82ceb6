// Package list is the explicit list of advisory feed formats, in the order
// they are offered each file (more specific formats first).
package list

import (
	"github.com/vigilhq/vigil/internal/vulndb/feed"
	"github.com/vigilhq/vigil/internal/vulndb/feed/alpine"
	"github.com/vigilhq/vigil/internal/vulndb/feed/debian"
	"github.com/vigilhq/vigil/internal/vulndb/feed/nswg"
	"github.com/vigilhq/vigil/internal/vulndb/feed/osv"
	"github.com/vigilhq/vigil/internal/vulndb/feed/rubysec"
)

// All returns every feed format.
func All() []feed.Format {
	return []feed.Format{
		alpine.Format{},
		debian.TrackerFormat{},
		debian.DSAFormat{},
		nswg.Format{},
		rubysec.Format{},
		osv.Format{},
	}
}
