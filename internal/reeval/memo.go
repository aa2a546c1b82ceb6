package reeval

import (
	"context"
	"sync"

	"github.com/vigilhq/vigil/internal/scan"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// memo is the new database as scan.Match reads it, with every look-up
// remembered: the images re-evaluated after one update share most of
// their packages, and each would otherwise repeat the same queries. The
// advisories returned are shared and must be read only (scan.Match only
// reads them).
type memo struct {
	db *vulndb.DB

	mu      sync.Mutex
	entries map[string]*entry
}

// entry is one look-up, made once; concurrent askers wait for it.
type entry struct {
	once sync.Once
	advs []vulndb.Advisory
	err  error
}

var _ scan.Advisories = (*memo)(nil)

func newAdvisories(db *vulndb.DB) *memo {
	return &memo{db: db, entries: map[string]*entry{}}
}

func (m *memo) get(key string, fetch func() ([]vulndb.Advisory, error)) ([]vulndb.Advisory, error) {
	m.mu.Lock()
	e, ok := m.entries[key]
	if !ok {
		e = &entry{}
		m.entries[key] = e
	}
	m.mu.Unlock()
	e.once.Do(func() { e.advs, e.err = fetch() })
	if e.err != nil {
		// A failure (a cancelled ctx) is not kept: the next asker retries.
		m.mu.Lock()
		if m.entries[key] == e {
			delete(m.entries, key)
		}
		m.mu.Unlock()
	}
	return e.advs, e.err
}

// Lookup implements scan.Advisories.
func (m *memo) Lookup(ctx context.Context, namespace, name string) ([]vulndb.Advisory, error) {
	return m.get("p\x00"+namespace+"\x00"+name, func() ([]vulndb.Advisory, error) { return m.db.Lookup(ctx, namespace, name) })
}

// ByAlias implements scan.Advisories.
func (m *memo) ByAlias(ctx context.Context, id string) ([]vulndb.Advisory, error) {
	return m.get("a\x00"+id, func() ([]vulndb.Advisory, error) { return m.db.ByAlias(ctx, id) })
}
