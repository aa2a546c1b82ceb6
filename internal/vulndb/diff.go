package vulndb

import (
	"context"
	"fmt"
	"sort"
)

// ChangeKind says how an advisory differs between two builds.
type ChangeKind string

// Change kinds.
const (
	Added   ChangeKind = "added"
	Removed ChangeKind = "removed"
	Changed ChangeKind = "changed"
)

// PackageRef names a package in a namespace.
type PackageRef struct {
	Namespace string `json:"namespace"`
	Package   string `json:"package"`
}

// Change is one advisory added, removed or changed between two builds, with
// the packages it names in either build: the inventories holding those
// packages are the ones to re-evaluate.
type Change struct {
	Kind     ChangeKind   `json:"kind"`
	Source   string       `json:"source"`
	ID       string       `json:"id"`
	Packages []PackageRef `json:"packages"`
}

type advKey struct{ source, id string }

func (d *DB) hashes(ctx context.Context) (map[advKey]advRow, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT rowid, source, id, hash FROM advisories`)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, d.path, err)
	}
	defer rows.Close()
	out := map[advKey]advRow{}
	for rows.Next() {
		var k advKey
		var r advRow
		if err := rows.Scan(&r.rowid, &k.source, &k.id, &r.hash); err != nil {
			return nil, err
		}
		out[k] = r
	}
	return out, rows.Err()
}

type advRow struct {
	rowid int64
	hash  string
}

func (d *DB) packagesOf(ctx context.Context, rowid int64) ([]PackageRef, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT namespace, package FROM affected WHERE advisory = ?`, rowid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PackageRef
	for rows.Next() {
		var p PackageRef
		if err := rows.Scan(&p.Namespace, &p.Package); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Diff lists the advisories added, removed and changed from old to new,
// ordered by source and id.
func Diff(ctx context.Context, old, new *DB) ([]Change, error) {
	oh, err := old.hashes(ctx)
	if err != nil {
		return nil, err
	}
	nh, err := new.hashes(ctx)
	if err != nil {
		return nil, err
	}
	var out []Change
	add := func(kind ChangeKind, k advKey, olds, news []PackageRef) {
		seen := map[PackageRef]bool{}
		var pkgs []PackageRef
		for _, p := range append(olds, news...) {
			if !seen[p] {
				seen[p] = true
				pkgs = append(pkgs, p)
			}
		}
		sort.Slice(pkgs, func(i, j int) bool {
			if pkgs[i].Namespace != pkgs[j].Namespace {
				return pkgs[i].Namespace < pkgs[j].Namespace
			}
			return pkgs[i].Package < pkgs[j].Package
		})
		out = append(out, Change{Kind: kind, Source: k.source, ID: k.id, Packages: pkgs})
	}
	for k, n := range nh {
		o, ok := oh[k]
		switch {
		case !ok:
			np, err := new.packagesOf(ctx, n.rowid)
			if err != nil {
				return nil, err
			}
			add(Added, k, nil, np)
		case o.hash != n.hash:
			op, err := old.packagesOf(ctx, o.rowid)
			if err != nil {
				return nil, err
			}
			np, err := new.packagesOf(ctx, n.rowid)
			if err != nil {
				return nil, err
			}
			add(Changed, k, op, np)
		}
	}
	for k, o := range oh {
		if _, ok := nh[k]; !ok {
			op, err := old.packagesOf(ctx, o.rowid)
			if err != nil {
				return nil, err
			}
			add(Removed, k, op, nil)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Source != out[j].Source {
			return out[i].Source < out[j].Source
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}
